"""What every solver returns, and how a solver declares what it needs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: What each capability of an objective (see ``Objective.capabilities``) means, for
#: the error raised when a solver needs one that the objective does not offer.
CAPABILITIES = {
    "hessian": "Hessian blocks of the data term",
    "columns": "access to the columns of X",
    "rows": "evaluations on mini-batches of rows",
    "smooth": "a smooth penalty (l1_ratio=0)",
    "unbounded": "coefficients without bounds (lower_bounds, upper_bounds)",
}


#: How a solver run can end (``SolverResult.stop``). Only ``"converged"`` means
#: that every problem's gradient (or optimality) met its tolerance; the others are
#: named outcomes that the fit words in its ConvergenceWarning:
#:
#: - ``"max_iter"``: the iteration (epoch) limit came first;
#: - ``"stalled"``: the solver stopped making progress above the tolerance (a line
#:   search that finds no decrease in float64, an objective that no longer falls
#:   by more than rounding, an SGD plateau);
#: - ``"precision"``: the objective and gradient only change by rounding, at the
#:   precision of the arithmetic (float32 data reach it at a larger gradient than
#:   float64 data), before the tolerance.
STOPS = ("converged", "max_iter", "stalled", "precision")


def requires(*capabilities):
    """Declare what a solver needs of the objective it minimises.

    Parameters
    ----------
    *capabilities : str
        Names from :data:`CAPABILITIES`.

    Returns
    -------
    decorator : callable
        Sets the solver's ``requires`` attribute (a frozenset).
    """
    unknown = set(capabilities) - set(CAPABILITIES)
    if unknown:
        raise ValueError(f"Unknown capabilities {sorted(unknown)}.")

    def decorate(solver):
        solver.requires = frozenset(capabilities)
        return solver

    return decorate


def report(on_iteration, problems, n_iter, values, T):
    """Tell a solver's ``on_iteration`` hook about an iteration of some problems.

    Every solver takes ``on_iteration=None``, a callable called as
    ``on_iteration(k, n_iter, value, theta)`` after each iteration (or epoch) of
    problem ``k``, with its iteration count, its objective and its parameters
    (its row of ``T``, in the solver's coordinates, not to be modified).

    Parameters
    ----------
    on_iteration : callable or None
        The hook; nothing is done when None.
    problems : iterable of int
        The problems that made an iteration.
    n_iter : ndarray of shape (K,)
        Iterations of every problem so far.
    values : ndarray of shape (K,)
        Objective of every problem.
    T : ndarray of shape (K, n_coef)
        Parameters of every problem.
    """
    if on_iteration is None:
        return
    for k in problems:
        on_iteration(int(k), int(n_iter[k]), float(values[k]), T[k])


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
    tol_ratio : float
        0 unless some problem stopped early (``stop`` is ``"precision"`` or
        ``"stalled"``) before its gradient met the tolerance; then the largest
        ratio of such a problem's final gradient max-norm to its tolerance:
        ``tol`` times this ratio is the tolerance that the run reached.
    finished_with : str
        Empty, or the solver that took over from this one to finish (see
        :func:`~sklearn_bce._solvers.hybrid.lbfgs_then_newton`).
    stop : str
        How the run ended, one of :data:`STOPS`: ``"converged"`` exactly when
        ``converged`` is True; otherwise the reason of the first problem that did
        not meet its tolerance, in the order ``"max_iter"``, ``"stalled"``,
        ``"precision"``. Defaults to ``"converged"`` or ``"max_iter"`` from
        ``converged``.
    met : ndarray of bool of shape (K,) or None
        Which problems converged, where the solver tells them apart.
    """

    x: np.ndarray
    n_iter: np.ndarray
    converged: bool
    fun: float
    grad_norm: float
    history: list = field(default_factory=list)
    message: str = ""
    tol_ratio: float = 0.0
    finished_with: str = ""
    stop: str = ""
    met: np.ndarray | None = None

    def __post_init__(self):
        if not self.stop:
            self.stop = "converged" if self.converged else "max_iter"
        if self.stop not in STOPS:
            raise ValueError(f"Unknown stop {self.stop!r}; expected one of {STOPS}.")
        if (self.stop == "converged") != bool(self.converged):
            raise ValueError(
                f"stop={self.stop!r} contradicts converged={self.converged!r}."
            )
