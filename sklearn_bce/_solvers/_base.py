"""What every solver returns, and the one place convergence warnings are worded."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning


@dataclass
class SolverResult:
    """Outcome of a solver run.

    Parameters
    ----------
    x : ndarray of shape (n_params,)
        Final parameters, in the objective's coordinates.
    n_iter : ndarray of shape (K,)
        Iterations (or epochs) spent on each problem.
    converged : bool
        Whether the stopping rule was met before the iteration limit.
    fun : float
        Final objective value.
    grad_norm : float
        Max-norm of the final gradient.
    history : list of float
        Objective value after each iteration or epoch, where the solver records it.
    message : str
        Solver-specific termination message.
    """

    x: np.ndarray
    n_iter: np.ndarray
    converged: bool
    fun: float
    grad_norm: float
    history: list = field(default_factory=list)
    message: str = ""


def warn_not_converged(solver, result, max_iter, advice=""):
    """Raise a ConvergenceWarning that says where the solver stopped and what to do.

    Parameters
    ----------
    solver : str
        Name of the solver, used in the message.
    result : SolverResult
        The solver's outcome.
    max_iter : int
        The iteration limit that was hit.
    advice : str, default=""
        Extra, solver-specific advice appended to the message.
    """
    msg = (
        f"{solver} did not converge in max_iter={max_iter} iterations: the final "
        f"gradient max-norm is {result.grad_norm:.3g} (objective {result.fun:.6g}). "
        "Increase max_iter, increase tol, or decrease C (stronger regularisation)."
    )
    if advice:
        msg += " " + advice
    warnings.warn(msg, ConvergenceWarning, stacklevel=3)
