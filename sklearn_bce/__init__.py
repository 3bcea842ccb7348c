"""Binary cross-entropy logistic regression for scikit-learn."""

from ._classifier import BCELogisticClassifier
from ._cv import BCELogisticClassifierCV
from ._path import bce_path, l1_min_c
from .metrics import bce_scorer, binary_cross_entropy, objective_scorer

__version__ = "0.1.0"

__all__ = [
    "BCELogisticClassifier",
    "BCELogisticClassifierCV",
    "__version__",
    "bce_path",
    "bce_scorer",
    "binary_cross_entropy",
    "l1_min_c",
    "objective_scorer",
]
