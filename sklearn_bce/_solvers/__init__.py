"""Solvers: functions of an objective, with no scikit-learn API.

Every solver takes an objective exposing ``loss_gradient(theta) -> (float, ndarray)``
and a starting point, and returns a :class:`SolverResult`.
"""

from ._base import SolverResult
from .lbfgs import lbfgs
from .newton import newton_cholesky
from .sgd import sgd

__all__ = ["SolverResult", "lbfgs", "newton_cholesky", "sgd"]
