"""Binary cross-entropy logistic regression for scikit-learn."""

from ._classifier import BCELogisticClassifier

__version__ = "0.1.0"

__all__ = ["BCELogisticClassifier", "__version__"]
