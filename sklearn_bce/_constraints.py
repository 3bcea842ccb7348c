"""Per-feature penalty factors and bounds on the coefficients.

The estimators' ``penalty_factor``, ``lower_bounds`` and ``upper_bounds``: their
checks, their documentation (shared by both estimators) and the objective they
give with a backend and a ``C``.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from ._objective import Objective, Penalty

__all__ = [
    "CONSTRAINT_PARAMETERS",
    "PARAMETERS_DOC",
    "check_constraints",
    "coef_bounds",
    "document",
    "has_bounds",
    "make_objective",
    "penalty_factors",
]

#: The parameters' constraints (values are checked by :func:`check_constraints`).
CONSTRAINT_PARAMETERS = {
    "penalty_factor": ["array-like", None],
    "lower_bounds": ["array-like", Real, None],
    "upper_bounds": ["array-like", Real, None],
}

#: The numpydoc entries of the three parameters, for both estimators.
PARAMETERS_DOC = """\
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor of each feature's penalty: the penalty becomes
        ``sum_j f_j * ((1 - l1_ratio) / 2 * w_j**2 + l1_ratio * |w_j|) / (C * S)``,
        so a feature with factor ``f_j`` is penalised as if ``C`` were
        ``C / f_j`` for it alone, and a factor of 0 leaves it unpenalised (it
        stays in the model, from the start of an L1 path). None means all ones.
        The factors are used as given, not rescaled: the same model is
        glum's ``GeneralizedLinearRegressor(family="binomial", alpha=1 / (C * S),
        l1_ratio=l1_ratio, P1=f, P2=f)`` (``S`` the sum of the sample weights,
        the number of samples without them) and glmnet's
        ``glmnet(family="binomial", alpha=l1_ratio, penalty.factor=f,
        standardize=FALSE, lambda=sum(f) / (n_features * C * S))``: glmnet
        rescales the factors to sum to ``n_features``, and this ``lambda``
        undoes it.

    lower_bounds : float or array-like of shape (n_features,) or \
            (n_classes, n_features), default=None
        Lower bounds on the coefficients (``-np.inf``: none), for every class,
        per feature, or per class and feature (one row per binary problem:
        one for a binary target, ``n_classes`` for one-vs-rest, ``n_labels``
        for a multilabel target). ``0`` makes a coefficient non-negative. The
        intercept is never bounded. A bound may exclude 0 (the fit then starts
        at the bound), as in glum's ``lower_bounds`` (glmnet's
        ``lower.limits`` must be at most 0). Honoured by ``'lbfgs'``
        (L-BFGS-B), ``'cd'`` (clipped coordinate updates) and ``'sgd'``
        (projected steps); not by ``'newton-cholesky'``, which then raises a
        ValueError, and which ``solver='auto'`` does not choose. Convergence is
        judged on the projected gradient, zero for a coefficient that a bound
        holds.

    upper_bounds : float or array-like of shape (n_features,) or \
            (n_classes, n_features), default=None
        Upper bounds on the coefficients (``np.inf``: none), as
        ``lower_bounds``; ``0`` makes a coefficient non-positive. Each must be
        at least the matching lower bound.
"""

#: Where :data:`PARAMETERS_DOC` goes in an estimator's docstring.
_PLACE = "    {constraint_parameters}\n"


def document(cls):
    """Put :data:`PARAMETERS_DOC` in the docstring of ``cls``, at its marker.

    Parameters
    ----------
    cls : type
        A class whose docstring holds the line ``{constraint_parameters}``.

    Returns
    -------
    cls : type
    """
    cls.__doc__ = cls.__doc__.replace(_PLACE, PARAMETERS_DOC)
    return cls


def _as_float_array(value, name, max_ndim):
    """``value`` as a float64 array, or a clear error."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must hold numbers, got {value!r}."
        ) from exc
    if array.ndim > max_ndim:
        raise ValueError(
            f"{name} must have at most {max_ndim} dimension(s), got an array of "
            f"shape {array.shape}."
        )
    if np.isnan(array).any():
        raise ValueError(f"{name} must not contain NaN.")
    return array


def has_bounds(estimator):
    """Whether ``estimator`` sets some finite bound on its coefficients.

    Parameters
    ----------
    estimator : BCELogisticClassifier or BCELogisticClassifierCV

    Returns
    -------
    bounded : bool
    """
    for name in ("lower_bounds", "upper_bounds"):
        value = getattr(estimator, name, None)
        if value is not None and np.isfinite(_as_float_array(value, name, 2)).any():
            return True
    return False


def check_constraints(estimator):
    """Check the values of the three parameters (shapes are checked at fit).

    Parameters
    ----------
    estimator : BCELogisticClassifier or BCELogisticClassifierCV

    Raises
    ------
    ValueError
        Negative, infinite or NaN factors; NaN bounds, a lower bound of
        ``inf`` or an upper bound of ``-inf``; a lower bound above its upper
        bound.
    """
    factor = estimator.penalty_factor
    if factor is not None:
        factor = _as_float_array(factor, "penalty_factor", 1)
        if factor.ndim != 1:
            raise ValueError(
                "penalty_factor must be an array of shape (n_features,), got a "
                "scalar."
            )
        if not np.isfinite(factor).all() or (factor < 0).any():
            raise ValueError(
                "penalty_factor must hold finite non-negative numbers (0 for an "
                f"unpenalised feature), got {factor.tolist()!r}."
            )
    lower, upper = (
        None if value is None else _as_float_array(value, name, 2)
        for name, value in (
            ("lower_bounds", estimator.lower_bounds),
            ("upper_bounds", estimator.upper_bounds),
        )
    )
    if lower is not None and (lower == np.inf).any():
        raise ValueError("lower_bounds must not be np.inf: no value would be allowed.")
    if upper is not None and (upper == -np.inf).any():
        raise ValueError("upper_bounds must not be -np.inf: no value would be allowed.")
    if lower is not None and upper is not None:
        try:
            above = np.greater(lower, upper)
        except ValueError:
            above = None  # shapes that do not broadcast: told at fit
        if above is not None and np.any(above):
            where = np.argwhere(np.atleast_1d(above))[0].tolist()
            raise ValueError(
                "lower_bounds must be at most upper_bounds, got a lower bound "
                f"above its upper bound at {where} (index of the broadcast bounds)."
            )


def penalty_factors(estimator, n_features):
    """The penalty factors of a fit on ``n_features`` features, or None.

    Parameters
    ----------
    estimator : BCELogisticClassifier or BCELogisticClassifierCV
    n_features : int

    Returns
    -------
    factor : ndarray of shape (n_features,) or None
    """
    if estimator.penalty_factor is None:
        return None
    factor = _as_float_array(estimator.penalty_factor, "penalty_factor", 1)
    if factor.shape != (n_features,):
        raise ValueError(
            f"penalty_factor must have shape (n_features,) = ({n_features},), got "
            f"{factor.shape}."
        )
    return factor


def coef_bounds(estimator, n_features, n_problems):
    """The bounds of a fit of ``n_problems`` binary problems, or None.

    Parameters
    ----------
    estimator : BCELogisticClassifier or BCELogisticClassifierCV
    n_features : int
    n_problems : int
        Rows of ``coef_``: 1 for a binary target.

    Returns
    -------
    bounds : tuple of two ndarrays of shape (n_problems, n_features), or None
    """
    if estimator.lower_bounds is None and estimator.upper_bounds is None:
        return None
    shapes = {(), (n_features,), (n_problems, n_features), (1, n_features)}
    bounds = []
    for name, default in (("lower_bounds", -np.inf), ("upper_bounds", np.inf)):
        value = getattr(estimator, name)
        array = np.asarray(default if value is None else value, dtype=np.float64)
        if array.shape not in shapes:
            raise ValueError(
                f"{name} must be a number or have shape (n_features,) = "
                f"({n_features},) or (n_classes, n_features) = ({n_problems}, "
                f"{n_features}) (one row per binary problem), got {array.shape}."
            )
        bounds.append(np.broadcast_to(array, (n_problems, n_features)).copy())
    lower, upper = bounds
    if np.any(lower > upper):
        k, j = np.argwhere(lower > upper)[0]
        raise ValueError(
            "lower_bounds must be at most upper_bounds, got "
            f"{lower[k, j]!r} > {upper[k, j]!r} for feature {j} (problem {k})."
        )
    return lower, upper


def make_objective(estimator, backend, C, l1_ratio, total_weight=None, **options):
    """The objective of ``estimator`` on ``backend`` at ``C`` and ``l1_ratio``.

    Parameters
    ----------
    estimator : BCELogisticClassifier or BCELogisticClassifierCV
        Gives ``fit_intercept``, the penalty factors and the bounds.
    backend : DataBackend
    C, l1_ratio : float or ndarray of shape (K,)
    total_weight : float or ndarray, default=None
        The penalty's total weight; ``backend.weight_totals()`` when None.
    **options
        Passed to :class:`~sklearn_bce._objective.Objective`.

    Returns
    -------
    objective : Objective
    """
    d = backend.n_features
    totals = backend.weight_totals() if total_weight is None else total_weight
    penalty = Penalty(C, l1_ratio, totals, factor=penalty_factors(estimator, d))
    return Objective(
        backend, penalty, fit_intercept=estimator.fit_intercept,
        bounds=coef_bounds(estimator, d, backend.n_problems), **options,
    )
