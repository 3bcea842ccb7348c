"""Warnings of a fit, and the advice they give: worded once, for every backend."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "sgd_advice",
    "warn_if_separable",
    "warn_if_single_valued",
    "warn_not_converged",
]

_SINGLE_VALUED_ADVICE = (
    "Some binary problems see a single value of their target (see the warning "
    "above): they have no finite optimum to converge to."
)
_SGD_AUTO_ADVICE = (
    "Little progress per epoch means ill-conditioned data: strongly correlated "
    "features, or features of tiny variance next to a weak penalty, which the "
    "solver's per-feature scaling cannot undo. solver='lbfgs' copes with them; "
    "with solver='sgd', increase max_iter; standardising features whose scales "
    "differ widely (e.g. StandardScaler, which also changes what the penalty acts "
    "on) helps too."
)


def warn_not_converged(solver, result, max_iter, advice="", tol=None, dtype=None):
    """Raise a ConvergenceWarning that says where the solver stopped and what to do.

    The solver's named outcome (``result.stop``, see
    :data:`~sklearn_bce._solvers._base.STOPS`) decides the words: the iteration
    limit; a stall above the tolerance; or the precision of the data's dtype,
    which the solver reports only where its progress was down to rounding. The
    last two name the tolerance that the fit did reach (``result.tol_ratio``).

    Parameters
    ----------
    solver : str
        Name of the solver, used in the message.
    result : SolverResult
        The solver's outcome.
    max_iter : int
        The iteration limit.
    advice : str, default=""
        Extra, solver-specific advice appended to the message.
    tol : float, default=None
        The estimator's ``tol``, for the reached tolerance.
    dtype : numpy.dtype, default=None
        The dtype of the data.
    """
    dtype = np.dtype(dtype if dtype is not None else np.float64)
    early = result.stop in ("stalled", "precision") and result.tol_ratio > 0
    final = (
        f"final gradient max-norm {result.grad_norm:.3g}, objective "
        f"{result.fun:.6g}"
    )
    if early and tol:  # with tol=0 there is no tolerance to name
        reached = tol * result.tol_ratio
        reachable = 10.0 ** np.ceil(np.log10(reached))
        if result.stop == "precision":
            why = (
                f"at the precision of {dtype.name} arithmetic the objective and "
                "its gradient cannot be lowered any further"
            )
        else:
            why = f"it stopped making progress ({result.message})"
        msg = (
            f"{solver} stopped before the gradient met tol={tol!r}: {why} "
            f"({final}; {result.tol_ratio:.3g} times tol as each problem scales "
            "it, see tol). The fit reached "
            f"tol={reachable:.0e}"
        )
        if result.stop == "precision":
            msg += "; ask for that or more"
            msg += ", or fit float64 data." if dtype == np.float32 else "."
        else:
            msg += (
                "; solver='auto' or 'newton-cholesky' go on where it stalls, "
                "or increase tol."
            )
    else:
        msg = (
            f"{solver} did not converge in max_iter={max_iter} iterations: the "
            f"{final}. Increase max_iter, increase tol, or decrease C "
            "(stronger regularisation)."
        )
    if advice:
        msg += " " + advice
    warnings.warn(msg, ConvergenceWarning, stacklevel=3)


def sgd_advice(learning_rate, single_valued, streamed=False):
    """What to add to the ConvergenceWarning of the SGD solver.

    The variance-reduced epochs of ``learning_rate='auto'`` stop on the gradient
    test; where they do not meet it, the data are ill-conditioned (or a problem
    has no finite optimum). The plain schedules, and the decaying steps over the
    chunks of a cluster, approach the optimum only as fast as their steps decay:
    they stop, above the tolerance, where ``n_iter_no_change`` epochs lower the
    objective by less than ``tol`` times its value.

    Parameters
    ----------
    learning_rate : str
        The step-size rule that ran.
    single_valued : bool
        Whether some problem sees a single value of its target.
    streamed : bool, default=False
        Whether the epochs went over the chunks of a cluster.

    Returns
    -------
    advice : str
    """
    advice = "For solver='sgd', max_iter counts epochs"
    advice += " over the chunks." if streamed else "."
    if single_valued:
        return f"{advice} {_SINGLE_VALUED_ADVICE}"
    if streamed:
        return (
            f"{advice} Over the chunks of a cluster, SGD takes decaying, averaged "
            "steps, which approach the optimum slowly and stop where "
            "n_iter_no_change epochs lower the objective by less than tol times "
            "its value; solver='lbfgs' (with l1_ratio=0) reaches the optimum on "
            "dask input."
        )
    if learning_rate != "auto":
        return (
            f"{advice} learning_rate={learning_rate!r} takes plain SGD steps, "
            "which approach the optimum only as fast as their sizes decay, and "
            "stops where n_iter_no_change epochs lower the objective by less than "
            "tol times its value. learning_rate='auto' (variance-reduced epochs) "
            "meets the gradient tolerance without tuning the step sizes."
        )
    return f"{advice} {_SGD_AUTO_ADVICE}"


def warn_if_separable(backend, W, b):
    """Warn when, without a penalty, a problem's optimum lies at infinity.

    If the fitted logits classify every sample of positive weight correctly, the
    data of that problem are linearly separable: scaling the coefficients up
    lowers the loss forever, so there is no finite minimiser and the solver
    stopped at an arbitrary point on the way.

    Parameters
    ----------
    backend : DataBackend
        The training data.
    W : ndarray of shape (K, n_features)
        Fitted coefficients.
    b : ndarray of shape (K,) or None
        Fitted intercepts.
    """
    separable = np.flatnonzero(backend.separated(W, b))
    if separable.size:
        norm = float(np.linalg.norm(W[separable], axis=1).max())
        warnings.warn(
            f"The data of problem(s) {separable.tolist()} are linearly separable: "
            "without a penalty (C=np.inf) the loss has no minimum, and the "
            f"coefficients only stopped growing (norm {norm:.3g}) because the "
            "solver stopped. Use a finite C to get a well-defined model.",
            ConvergenceWarning,
            stacklevel=3,
        )


def warn_if_single_valued(objective, classes, multilabel):
    """Warn about problems whose target has one value among the weighted samples.

    With an intercept, such a problem's loss keeps falling as the intercept goes
    to infinity, so it has no finite minimiser: the fit then stops wherever the
    solver's tolerance is met, with a probability close to 0 or 1.

    Parameters
    ----------
    objective : Objective
        The objective of the fit.
    classes : ndarray
        The classes (labels for a multilabel target).
    multilabel : bool
        Whether the target is a multilabel indicator matrix.

    Returns
    -------
    warned : bool
    """
    single = objective.single_valued()
    if not single.any():
        return False
    p = objective.positive_fraction()
    never, always = np.flatnonzero(single & (p <= 0)), np.flatnonzero(single & (p >= 1))
    if multilabel:
        found = " and ".join(
            f"label(s) {idx.tolist()} {kind} positive"
            for idx, kind in ((never, "never"), (always, "always"))
            if idx.size
        )
        found = f"In y, {found} (counting samples of positive weight)"
    else:
        # problem k is "classes[k] against the rest" (binary: classes[1])
        absent = [classes[k + (classes.size == 2)] for k in never]
        if classes.size == 2 and always.size:
            absent.append(classes[0])
        found = (
            f"Class(es) {np.asarray(absent).tolist()} have no sample of positive "
            "weight"
        )
    warnings.warn(
        f"{found}: with fit_intercept=True, the loss of such a binary problem has "
        "no minimum (it keeps falling as the intercept goes to infinity), so its "
        "intercept stops where the solver's tolerance is met and its predicted "
        "probability is close to 0 or 1. Remove such labels or classes, or give "
        "them samples (or weight) of both values.",
        UserWarning,
        stacklevel=3,
    )
    return True
