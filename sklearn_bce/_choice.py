"""Which solver a fit runs: ``solver='auto'``'s choice, and its hand-over to Newton."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = [
    "LBFGS_BEFORE_NEWTON",
    "HESSIAN_SPEED",
    "NEWTON_FINISH_ITERATIONS",
    "NEWTON_FIXED_COST",
    "NEWTON_WORK",
    "auto_solver",
    "chosen_solver",
    "newton_finish_after",
    "newton_iteration_cost",
    "ran_solvers",
]

#: ``solver='auto'`` takes Newton's method while the Hessian of one problem costs
#: at most this many multiply-adds (about a millisecond) and those of all problems
#: ten times that, and L-BFGS above. Below, a fit takes a few tens of milliseconds
#: whichever solver runs, and Newton's method converges at default settings
#: however ill-conditioned the data; above, L-BFGS's cheaper iterations pay.
NEWTON_WORK = 1e7
#: Where ``solver='auto'`` runs L-BFGS, the problems still running after at most
#: this many iterations (or half of ``max_iter``, if less; fewer where Newton's
#: iterations are cheap, see :func:`newton_finish_after`) go on with Newton's
#: method if its expected cost fits in the evaluations that ``max_iter`` leaves
#: to L-BFGS (see :func:`newton_iteration_cost`).
LBFGS_BEFORE_NEWTON = 50
#: Newton iterations expected to finish a problem that L-BFGS left unfinished.
NEWTON_FINISH_ITERATIONS = 6
#: Multiply-adds of a Hessian done in the time of one multiply-add of an
#: evaluation (measured, one thread): a dense Hessian is one symmetric rank-k
#: update per row block, at 9 (100 features) to 20 (400) times an evaluation's
#: rate; a sparse one is a sparse product turned dense, at 0.1 to 0.3 of it.
HESSIAN_SPEED = {"dense": 20.0, "sparse": 0.2}
#: The rest of a Newton iteration in evaluations: its line search's evaluation
#: and the Hessian's work per row (logits, weights, the centred block).
NEWTON_FIXED_COST = 3.0


def auto_solver(objective):
    """The solver ``solver='auto'`` runs on ``objective``.

    With an L1 part in the penalty, coordinate descent (``"cd"``) where the
    backend offers the columns of ``X``, and SGD elsewhere (on dask input and
    arrays fitted on their device with the namespace's operations), the only
    other solver that handles the L1 part. Otherwise Newton's
    method while the Hessian of one problem costs at most ``NEWTON_WORK``
    multiply-adds, those of all problems ten times that, and they take at most
    1/8 of the data's size (or 16 MB); L-BFGS otherwise, and on backends
    without Hessians.

    Parameters
    ----------
    objective : Objective

    Returns
    -------
    name : {"newton-cholesky", "lbfgs", "cd", "sgd"}
    """
    backend = objective.backend
    if not objective.penalty.smooth:
        return "cd" if "columns" in objective.capabilities() else "sgd"
    if "hessian" not in objective.capabilities():
        return "lbfgs"
    work = backend.hessian_work()
    cheap = work <= NEWTON_WORK and objective.K * work <= 10 * NEWTON_WORK
    if cheap and _hessians_are_small(objective):
        return "newton-cholesky"
    return "lbfgs"


def chosen_solver(estimator, objective):
    """The solver a fit of ``estimator`` starts with on ``objective``.

    Parameters
    ----------
    estimator : BCELogisticClassifier or BCELogisticClassifierCV
        Gives ``solver``.
    objective : Objective

    Returns
    -------
    name : str
        ``estimator.solver``, or :func:`auto_solver`'s choice for ``'auto'``.
    """
    return auto_solver(objective) if estimator.solver == "auto" else estimator.solver


def _hessians_are_small(objective):
    """Whether the Hessians of all problems take at most 1/8 of ``X`` (or 16 MB).

    16 MB is two Hessians of 1000 features: nothing next to a machine's memory.
    """
    hessian_bytes = 2 * 8 * objective.K * (objective.n_features + 1) ** 2
    return hessian_bytes <= max(objective.backend.nbytes / 8, 1 << 24)


def newton_iteration_cost(objective):
    """Evaluations of the objective that one Newton iteration costs, estimated.

    ``NEWTON_FIXED_COST`` plus the Hessian's multiply-adds
    (``backend.hessian_work()``) over those of an evaluation (two per stored
    value of ``X``) and over ``HESSIAN_SPEED`` for the storage of ``X``.

    Parameters
    ----------
    objective : Objective
        On a backend with Hessians.

    Returns
    -------
    cost : float
    """
    backend = objective.backend
    # stored values of X (for sparse X, its values and indices over the values'
    # size: an overestimate, as the evaluation also does element-wise work)
    values = backend.nbytes / objective.dtype.itemsize
    storage = "sparse" if sp.issparse(getattr(backend, "X", None)) else "dense"
    work_ratio = backend.hessian_work() / max(2.0 * values, 1.0)
    return NEWTON_FIXED_COST + work_ratio / HESSIAN_SPEED[storage]


def newton_finish_after(estimator, objective, name):
    """L-BFGS iterations after which a fit goes on with Newton's method, or None.

    Only for ``solver='auto'`` running L-BFGS on a backend with Hessians whose
    Hessians take little memory next to ``X`` (as in :func:`auto_solver`).
    Finishing with Newton's method is expected to cost ``NEWTON_FINISH_ITERATIONS``
    iterations of :func:`newton_iteration_cost` evaluations each. As in renting
    skis before buying them, L-BFGS runs until it has spent that much (one
    evaluation per iteration, at least ``NEWTON_FINISH_ITERATIONS``), and at
    most ``LBFGS_BEFORE_NEWTON`` iterations or half of ``max_iter``: a fit
    that L-BFGS cannot finish in time then costs at most about twice what
    Newton's method alone would, and one that it finishes early never pays for
    a Hessian. The hand-over happens only if the finish fits in the
    ``max_iter - after`` evaluations that L-BFGS would still have: it spends
    about what the fit was allowed to, and finishes where L-BFGS would stop at
    ``max_iter``.

    Parameters
    ----------
    estimator : BCELogisticClassifier
    objective : Objective
    name : str
        The solver that runs.

    Returns
    -------
    newton_after : int or None
    """
    if estimator.solver != "auto" or name != "lbfgs":
        return None
    if "hessian" not in objective.capabilities():
        return None
    if not _hessians_are_small(objective):
        return None
    cost = NEWTON_FINISH_ITERATIONS * newton_iteration_cost(objective)
    if not np.isfinite(cost):
        return None
    rent = max(int(np.ceil(cost)), NEWTON_FINISH_ITERATIONS)
    after = min(LBFGS_BEFORE_NEWTON, estimator.max_iter // 2, rent)
    if after < 1 or not cost <= estimator.max_iter - after:
        return None
    return after


def ran_solvers(name, result):
    """The solver ``name``, followed by the one that finished for it, if any.

    Parameters
    ----------
    name : str
        The solver that started.
    result : SolverResult
        Its result (``finished_with``).

    Returns
    -------
    solvers : str
        For example ``"lbfgs"`` or ``"lbfgs+newton-cholesky"``.
    """
    return f"{name}+{result.finished_with}" if result.finished_with else name
