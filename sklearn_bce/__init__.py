"""Binary cross-entropy logistic regression for scikit-learn."""

from ._classifier import BCELogisticClassifier
from .metrics import bce_scorer, binary_cross_entropy, objective_scorer

__version__ = "0.1.0"

__all__ = [
    "BCELogisticClassifier",
    "__version__",
    "bce_scorer",
    "binary_cross_entropy",
    "objective_scorer",
]
