"""Which solver a fit runs: ``solver='auto'``'s choice, and its hand-over to Newton."""

from __future__ import annotations

__all__ = [
    "LBFGS_BEFORE_NEWTON",
    "NEWTON_FINISH_WORK",
    "NEWTON_WORK",
    "auto_solver",
    "chosen_solver",
    "newton_finish_after",
    "ran_solvers",
]

#: ``solver='auto'`` takes Newton's method while the Hessian of one problem costs
#: at most this many multiply-adds (about a millisecond) and those of all problems
#: ten times that, and L-BFGS above. Below, a fit takes a few tens of milliseconds
#: whichever solver runs, and Newton's method converges at default settings
#: however ill-conditioned the data; above, L-BFGS's cheaper iterations pay.
NEWTON_WORK = 1e7
#: Where ``solver='auto'`` runs L-BFGS, the problems still running after this many
#: iterations (or half of ``max_iter``, if less) go on with Newton's method ...
LBFGS_BEFORE_NEWTON = 50
#: ... if one Newton iteration costs at most this many times the multiply-adds of
#: one L-BFGS evaluation (its Hessian's products run about ten times as fast per
#: multiply-add): for dense ``X``, up to 400 features.
NEWTON_FINISH_WORK = 200


def auto_solver(objective):
    """The solver ``solver='auto'`` runs on ``objective``.

    With an L1 part in the penalty, coordinate descent (``"cd"``) where the
    backend offers the columns of ``X``, and SGD elsewhere (on dask input and
    arrays fitted on their device with the namespace's operations), the only
    other solver that handles the L1 part. Otherwise Newton's
    method while the Hessian of one problem costs at most ``NEWTON_WORK``
    multiply-adds, those of all problems ten times that, and they take at most
    1/8 of the data's size (or 16 MB); L-BFGS otherwise, on backends without
    Hessians, and with bounds on the coefficients (L-BFGS-B honours them,
    Newton's method does not).

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
    if not {"hessian", "unbounded"} <= objective.capabilities():
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


def newton_finish_after(estimator, objective, name):
    """L-BFGS iterations after which a fit goes on with Newton's method, or None.

    Only for ``solver='auto'`` running L-BFGS on a backend with Hessians whose
    Hessians take little memory next to ``X`` (as in :func:`auto_solver`) and
    cost at most ``NEWTON_FINISH_WORK`` times an evaluation's multiply-adds.
    Then ``min(LBFGS_BEFORE_NEWTON, max_iter // 2)``.

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
    if not {"hessian", "unbounded"} <= objective.capabilities():
        return None
    backend = objective.backend
    after = min(LBFGS_BEFORE_NEWTON, estimator.max_iter // 2)
    # stored values of X (for sparse X, its values and indices over the values'
    # size: an overestimate, as the evaluation also does element-wise work)
    values = backend.nbytes / objective.dtype.itemsize
    work_ratio = backend.hessian_work() / max(2.0 * values, 1.0)
    if (
        after < 1
        or not _hessians_are_small(objective)
        or not work_ratio <= NEWTON_FINISH_WORK
    ):
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
