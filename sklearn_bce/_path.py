"""Regularisation paths: one warm-started fit per ``C``, from the strongest penalty up.

A path holds its training data in one backend for all its values of ``C``: the
feature moments, the column copies of coordinate descent and the weight totals
are computed once. The fits run from the smallest ``C`` (the strongest penalty,
the sparsest and the easiest model) upwards, each starting from the previous
solution; coordinate descent's working set then starts from the previous
non-zero coefficients, so that the path costs little more than its last fit.

:func:`l1_min_c` is the ``C`` below which an L1 or elastic-net penalty sets every
coefficient to zero, computed exactly for this objective (whose intercept is not
penalised), and :func:`bce_path` the public path.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import Bunch

from ._choice import chosen_solver, ran_solvers
from ._classifier import BCELogisticClassifier
from ._constraints import (
    check_constraints,
    coef_bounds,
    make_objective,
    penalty_factors,
)
from ._diagnostics import warn_if_single_valued
from ._dispatch import prepare
from ._fit import check_fit_parameters, run_solver
from ._objective import Objective, Penalty
from ._objective.array_api import to_numpy
from ._solvers import lbfgs

__all__ = ["bce_path", "c_grid", "fit_path", "l1_min_c", "smallest_c"]

#: Decades spanned by a grid of ``Cs=int`` values.
_DECADES = 4.0


def smallest_c(backend, l1_ratio, fit_intercept, factor=None, bounds=None):
    """The largest ``C`` at which the L1 part keeps every coefficient at zero.

    At zero coefficients (and the intercept of the best constant model), the
    gradient of the data term of problem ``k`` in feature ``j`` is
    ``g_kj = (1/S_k) sum_i s_ik (p_k - Y_ik) x_ij``; zero coefficients are optimal
    while ``|g_kj| <= l1_ratio / (C S_k)`` for every feature, that is while
    ``C <= l1_ratio / max_j |S_k g_kj|``. The smallest such bound over the problems
    is returned. Problems with a single class and an intercept are left out: their
    loss falls as the intercept goes to infinity, where no feature helps.

    With penalty factors ``f_j``, the features of factor 0 are unpenalised: they
    are in the model at every ``C``, and the gradient is taken at the best model
    of the intercept and them alone (within their bounds); a feature of factor
    ``f_j`` enters at ``l1_ratio f_j / |S_k g_kj|``. With bounds, only the
    directions they allow count (a lower bound of 0: only a negative ``g_kj``).

    Parameters
    ----------
    backend : DataBackend
        The training data.
    l1_ratio : float
        The share of the L1 part, in ``(0, 1]``.
    fit_intercept : bool
        Whether each problem has an intercept.
    factor : ndarray of shape (n_features,), default=None
        The penalty factors (all ones when None).
    bounds : tuple of two ndarrays of shape (K, n_features), default=None
        Bounds on the coefficients.

    Returns
    -------
    C : float
        ``np.inf`` when no feature ever enters (every column constant, or no
        problem with two classes).
    """
    totals = backend.weight_totals()
    d, K = backend.n_features, backend.n_problems
    f = np.ones(d) if factor is None else np.asarray(factor, dtype=np.float64)
    lower, upper = (
        (np.full((K, d), -np.inf), np.full((K, d), np.inf)) if bounds is None
        else bounds
    )
    free = f == 0
    objective = Objective(
        backend, Penalty(np.inf, 0.0, totals), fit_intercept=fit_intercept,
        precondition=bool(free.any()),
        # the penalised coefficients held at zero, the others within their bounds
        bounds=(np.where(free, lower, 0.0), np.where(free, upper, 0.0)),
    )
    T = objective.project(objective.initial_point(prior=True).reshape(K, -1))
    if free.any():  # the best model of the unpenalised features
        T = lbfgs(objective, T.ravel(), tol=1e-10, max_iter=1000).x.reshape(K, -1)
    W, b = objective.to_coef(T)
    G = objective.data_term(W, b)[1]  # the gradient in W
    up = np.where(upper > 0, -G, 0.0)  # how much a coefficient would rise
    down = np.where(lower < 0, G, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(free, 0.0, np.maximum(np.maximum(up, down), 0.0) / f)
    reach = np.nan_to_num(reach, nan=0.0, posinf=0.0).max(axis=1, initial=0.0)
    reach = reach * np.broadcast_to(totals, reach.shape)
    if fit_intercept:
        p = objective.positive_fraction()
        reach = np.where((p > 0) & (p < 1), reach, 0.0)
    top = float(reach.max(initial=0.0))
    return np.inf if top <= 0 else float(l1_ratio) / top


def c_grid(Cs, lower=None):
    """The values of ``C`` of a path, from its ``Cs`` parameter.

    Parameters
    ----------
    Cs : int or array-like of float
        An int asks for that many values, evenly spaced on a log scale: over
        ``_DECADES`` decades from ``lower`` when given (the C at which the first
        coefficient enters an L1 path), else from 1e-4 to 1e4 (the grid of
        ``LogisticRegressionCV``). An array gives the values themselves.
    lower : float, default=None
        The start of an int grid.

    Returns
    -------
    Cs : ndarray of float64
        In the order given (ascending for an int).

    Raises
    ------
    ValueError
        For values that are not positive, NaN, or an empty list.
    """
    if isinstance(Cs, Integral) and not isinstance(Cs, bool):
        if Cs < 1:
            raise ValueError(f"Cs={Cs!r}: an int must be at least 1.")
        if lower is not None and np.isfinite(lower):
            return np.geomspace(lower, lower * 10**_DECADES, int(Cs))
        return np.logspace(-_DECADES, _DECADES, int(Cs))
    values = np.asarray(Cs, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("Cs is empty: give an int or at least one value of C.")
    if np.isnan(values).any() or (values <= 0).any():
        raise ValueError(
            f"Cs must hold positive values (np.inf for no penalty), got "
            f"{values.tolist()}."
        )
    return values


def fit_path(estimator, data, Cs, l1_ratio, start=None):
    """Fit a warm-started sequence of ``C`` on prepared data.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        Gives every setting but ``C`` and ``l1_ratio`` (solver, tolerances,
        intercept, SGD options); it is not modified.
    data : FitData
        The training data, in any backend.
    Cs : ndarray of float
        The values of ``C``, in any order; they are fitted in ascending order.
    l1_ratio : float
        The share of the L1 part of every fit.
    start : tuple (W, b) of ndarrays, default=None
        The starting point of the first (smallest) ``C``; the best constant
        model when None.

    Returns
    -------
    path : Bunch
        ``coefs`` of shape (n_Cs, K, n_features), ``intercepts`` of shape
        (n_Cs, K) and ``n_iter`` of shape (n_Cs, K), in the order of ``Cs``;
        ``solvers``, the solver of each fit.
    """
    backend = data.backend
    K, d = backend.n_problems, backend.n_features
    coefs = np.zeros((len(Cs), K, d))
    intercepts = np.zeros((len(Cs), K))
    n_iter = np.zeros((len(Cs), K), dtype=np.int32)
    solvers = [""] * len(Cs)
    previous = start
    single_valued = None
    for i in np.argsort(Cs, kind="stable"):
        objective = make_objective(estimator, backend, Cs[i], l1_ratio)
        if single_valued is None:  # warn once per path
            single_valued = warn_if_single_valued(
                objective, data.classes, data.multilabel
            )
        name = chosen_solver(estimator, objective)
        if previous is None:
            theta0 = objective.initial_point(prior=name != "sgd")
        else:
            theta0 = objective.from_coef(*previous)
        theta0 = objective.project(theta0)
        theta, result = run_solver(
            estimator, objective, name, theta0, data, single_valued
        )
        W, b = objective.to_coef(theta)
        coefs[i], intercepts[i] = W, b
        n_iter[i] = np.broadcast_to(result.n_iter, (K,))
        solvers[i] = ran_solvers(name, result)
        previous = (W, b)
    return Bunch(coefs=coefs, intercepts=intercepts, n_iter=n_iter, solvers=solvers)


def _prepared(X, y, sample_weight, **params):
    """A template estimator and the data it holds, for the public functions."""
    template = BCELogisticClassifier(**params)
    template._validate_params()
    check_fit_parameters(template)
    check_constraints(template)
    return template, prepare(template, X, y, sample_weight)


def _smallest_c(template, data, l1_ratio):
    """:func:`smallest_c` with the template's penalty factors and bounds."""
    backend = data.backend
    d = backend.n_features
    factor = penalty_factors(template, d)
    bounds = coef_bounds(template, d, backend.n_problems)
    if bounds is not None:
        penalised = np.ones(d, dtype=bool) if factor is None else factor > 0
        away = penalised & np.any((bounds[0] > 0) | (bounds[1] < 0), axis=0)
        if away.any():
            raise ValueError(
                "There is no C at which an L1 penalty keeps every coefficient at "
                "zero: the bounds exclude 0 for the penalised feature(s) "
                f"{np.flatnonzero(away).tolist()}. Give them a penalty_factor of 0, "
                "or bounds that allow 0 (or pass the values of C)."
            )
    return smallest_c(
        backend, l1_ratio, template.fit_intercept, factor=factor, bounds=bounds
    )


def l1_min_c(
    X, y, *, l1_ratio=1.0, fit_intercept=True, class_weight=None, sample_weight=None,
    penalty_factor=None, lower_bounds=None, upper_bounds=None,
):
    """The ``C`` below which an L1 penalty keeps every coefficient at zero.

    The counterpart of :func:`sklearn.svm.l1_min_c` for the objective of
    :class:`~sklearn_bce.BCELogisticClassifier`, whose intercept is never
    penalised: for every ``C`` up to the returned value, the fit with this
    ``l1_ratio`` has all its coefficients at exactly zero (and the intercept of
    the best constant model); above it, at least one coefficient is non-zero.
    With ``fit_intercept=False`` it equals ``sklearn.svm.l1_min_c(X, y,
    loss="log", fit_intercept=False)`` for ``l1_ratio=1``. With several classes
    (one-vs-rest) or labels, it is the smallest such ``C`` over the binary
    problems.

    Parameters
    ----------
    X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Class labels, or a multilabel indicator matrix.
    l1_ratio : float, default=1.0
        The share of the L1 part of the penalty, in ``(0, 1]``; the bound is
        proportional to it.
    fit_intercept : bool, default=True
        Whether the fits have an (unpenalised) intercept.
    class_weight : dict or 'balanced', default=None
        As in :class:`~sklearn_bce.BCELogisticClassifier`.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    penalty_factor : array-like of shape (n_features,), default=None
        As in the estimator: features of factor 0 are in the model at every
        ``C`` (the bound is that of the other coefficients, at the best model
        of the intercept and the unpenalised features); a feature of factor
        ``f`` enters at ``f`` times the ``C`` it would enter at with factor 1.
    lower_bounds, upper_bounds : float or array-like, default=None
        As in the estimator: only the directions they allow count.

    Returns
    -------
    C : float
        The bound.

    Raises
    ------
    ValueError
        If ``l1_ratio`` is not in ``(0, 1]``, or if no coefficient can ever be
        non-zero (every feature constant over the samples of positive weight).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import scale
    >>> from sklearn_bce import BCELogisticClassifier, l1_min_c
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = scale(X)
    >>> c = l1_min_c(X, y)
    >>> clf = BCELogisticClassifier(C=0.99 * c, l1_ratio=1.0).fit(X, y)
    >>> int((clf.coef_ != 0).sum())
    0
    >>> clf = BCELogisticClassifier(C=1.01 * c, l1_ratio=1.0).fit(X, y)
    >>> int((clf.coef_ != 0).sum())
    1
    """
    if not 0 < l1_ratio <= 1:
        raise ValueError(
            f"l1_ratio={l1_ratio!r}: l1_min_c needs an L1 part, 0 < l1_ratio <= 1 "
            "(an L2 penalty alone never sets a coefficient to exactly zero)."
        )
    template, data = _prepared(
        X, y, sample_weight, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
        class_weight=class_weight, penalty_factor=penalty_factor,
        lower_bounds=lower_bounds, upper_bounds=upper_bounds,
    )
    C = _smallest_c(template, data, l1_ratio)
    if not np.isfinite(C):
        raise ValueError(
            "Ill-posed l1_min_c: every coefficient is zero whatever C is (every "
            "feature is constant over the samples of positive weight, no "
            "binary problem has two classes, or the bounds allow no penalised "
            "coefficient to move from zero the way the data pull it)."
        )
    return C


def bce_path(
    X, y, *, Cs=10, l1_ratio=0.0, fit_intercept=True, class_weight=None,
    sample_weight=None, solver="auto", tol=1e-5, max_iter=100, n_jobs=None,
    verbose=0, penalty_factor=None, lower_bounds=None, upper_bounds=None,
):
    """Coefficients of a warm-started sequence of ``C`` (a regularisation path).

    Fits :class:`~sklearn_bce.BCELogisticClassifier` for each value of ``C``,
    in ascending order (from the strongest penalty), each fit starting from the
    previous solution. The data are validated and held once, so a path of many
    values costs far less than as many separate fits; with an L1 part, the
    coordinate-descent solver's working set starts from the previous non-zero
    coefficients. Each fit reaches the optimum that
    ``BCELogisticClassifier(C=C, l1_ratio=l1_ratio, ...)`` reaches.

    Parameters
    ----------
    X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Class labels, or a multilabel indicator matrix.
    Cs : int or array-like of float, default=10
        The values of ``C``. An int asks for that many values evenly spaced on a
        log scale: with ``l1_ratio > 0``, over four decades from
        :func:`l1_min_c` (where every coefficient is zero) upwards, as glmnet
        does; with ``l1_ratio=0`` (or when no coefficient can ever be non-zero,
        every feature being constant), from 1e-4 to 1e4, as
        :class:`~sklearn.linear_model.LogisticRegressionCV`.
    l1_ratio : float, default=0.0
        The share of the L1 part of the penalty, in ``[0, 1]``.
    fit_intercept : bool, default=True
        Whether each fit has an (unpenalised) intercept.
    class_weight : dict or 'balanced', default=None
        As in :class:`~sklearn_bce.BCELogisticClassifier`.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    solver : {'auto', 'lbfgs', 'newton-cholesky', 'cd', 'sgd'}, default='auto'
        As in :class:`~sklearn_bce.BCELogisticClassifier`; ``'auto'`` chooses for
        each ``C``.
    tol : float, default=1e-5
        Stopping tolerance of every fit.
    max_iter : int, default=100
        Maximum number of iterations of every fit.
    n_jobs : int, default=None
        Threads of the in-memory evaluations, as in the estimator.
    verbose : int, default=0
        Verbosity of the solvers.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature penalty factors, as in the estimator; features of factor 0
        are in the model from the start of an L1 path (as in glmnet), whose
        grid of an int ``Cs`` starts where the first penalised one enters.
    lower_bounds, upper_bounds : float or array-like, default=None
        Bounds on the coefficients, as in the estimator.

    Returns
    -------
    path : Bunch
        With attributes:

        - ``Cs``: ndarray of shape (n_Cs,), the values of ``C``, in the order
          given (ascending for an int);
        - ``coefs``: ndarray of shape (n_Cs, n_problems, n_features), the
          coefficients, one row per binary problem as in ``coef_``;
        - ``intercepts``: ndarray of shape (n_Cs, n_problems);
        - ``n_iter``: ndarray of int of shape (n_Cs, n_problems), the solver's
          iterations for each ``C`` and problem;
        - ``classes``: ndarray, the classes (``arange(n_labels)`` for a
          multilabel target);
        - ``solvers``: list of str, the solver of each fit.

    See Also
    --------
    l1_min_c : The ``C`` at which an L1 path starts.
    BCELogisticClassifierCV : Chooses ``C`` (and ``l1_ratio``) by
        cross-validated paths.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import scale
    >>> from sklearn_bce import bce_path
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> path = bce_path(scale(X), y, Cs=5, l1_ratio=1.0)
    >>> path.coefs.shape
    (5, 1, 30)
    >>> [int(n) for n in (path.coefs != 0).sum(axis=(1, 2))]
    [0, 5, 13, 22, 27]
    """
    template, data = _prepared(
        X, y, sample_weight, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
        class_weight=class_weight, solver=solver, tol=tol, max_iter=max_iter,
        n_jobs=n_jobs, verbose=verbose, penalty_factor=penalty_factor,
        lower_bounds=lower_bounds, upper_bounds=upper_bounds,
    )
    lower = None
    if l1_ratio > 0 and isinstance(Cs, Integral):
        lower = _smallest_c(template, data, l1_ratio)
    Cs = c_grid(Cs, lower)
    path = fit_path(template, data, Cs, l1_ratio)
    return Bunch(
        Cs=Cs, coefs=path.coefs, intercepts=path.intercepts, n_iter=path.n_iter,
        classes=to_numpy(data.classes), solvers=path.solvers,
    )
