"""Solvers: functions of an objective, with no scikit-learn API.

Every solver is called as ``solver(objective, theta0, *, tol, max_iter, verbose,
**options)`` with an :class:`~sklearn_bce._objective.Objective` and a starting point
in its coordinates, and returns a :class:`SolverResult`. Each declares in its
``requires`` attribute what it needs of the objective (see
``Objective.capabilities``); :func:`get_solver` checks it before anything runs.
"""

from ._base import CAPABILITIES, SolverResult
from .cd import cd
from .hybrid import lbfgs_then_newton
from .lbfgs import lbfgs
from .newton import newton_cholesky
from .sgd import sgd

__all__ = [
    "SOLVERS", "SolverResult", "cd", "get_solver", "lbfgs", "lbfgs_then_newton",
    "newton_cholesky", "sgd",
]

#: The solvers by the name of the estimator's ``solver`` parameter.
SOLVERS = {
    "lbfgs": lbfgs, "newton-cholesky": newton_cholesky, "sgd": sgd, "cd": cd,
}


def get_solver(name, objective):
    """The solver called ``name`` for ``objective``, after checking its needs.

    A backend may run a solver its own way (``solver_overrides``, for example SGD
    streaming over the chunks of a cluster); that version is returned then.

    Parameters
    ----------
    name : str
        A key of :data:`SOLVERS`.
    objective : Objective
        The objective to minimise.

    Returns
    -------
    solver : callable

    Raises
    ------
    ValueError
        If the objective lacks something the solver needs; the message names
        the solvers that can minimise it.
    """
    backend = objective.backend
    offered = objective.capabilities()

    def solver_of(key):
        return backend.solver_overrides.get(key, SOLVERS[key])

    solver = solver_of(name)
    missing = sorted(solver.requires - offered)
    if missing:
        needs = " and ".join(CAPABILITIES[m] for m in missing)
        usable = [key for key in SOLVERS if solver_of(key).requires <= offered]
        raise ValueError(
            f"solver={name!r} is not available for {backend.name} input: it needs "
            f"{needs}. Use solver='auto' or one of "
            f"{', '.join(repr(key) for key in usable)}."
        )
    return solver
