"""Statistical inference: covariance matrices and coefficient tables of a fit.

For each binary problem ``k`` (one per row of ``coef_``), with the parameters
``beta = (w, b)`` (intercept last), the per-sample weights ``s_i`` (sample weights
times class weights, counted as frequencies: an integer weight is that many
repeated rows), ``S = sum_i s_i``, ``p_i = sigmoid(x_i' w + b)`` and
``xt_i = (x_i, 1)``:

* the observed information ``H = sum_i s_i p_i (1 - p_i) xt_i xt_i' + P``, with
  ``P = diag(f_1/C, ..., f_d/C, 0)`` the Hessian of the L2 penalty (``f_j`` the
  penalty factors, all 1 by default; zero for ``C=np.inf``);
* ``"nonrobust"``: ``H^-1``;
* ``"HC0"``: ``H^-1 M H^-1`` with ``M = sum_i s_i (p_i - y_i)^2 xt_i xt_i'``;
* ``"HC1"``: HC0 times ``S / (S - n_coef)``;
* ``"cluster"``: ``H^-1 M_G H^-1 * G / (G - 1) * (S - 1) / (S - n_coef)``, with
  ``M_G = sum_g u_g u_g'``, ``u_g = sum_{i in g} s_i (p_i - y_i) xt_i`` and ``G``
  the number of groups.

With ``C=np.inf`` (``n`` the number of rows of ``X``):

* ``"nonrobust"`` and ``"HC0"`` equal statsmodels' ``cov_type`` of the same
  names for ``Logit``, and for ``GLM(family=Binomial())`` with ``freq_weights``;
* ``"HC1"`` is statsmodels' HC0 times ``S / (S - n_coef)``, the factor of R's
  ``sandwich::vcovHC(type="HC1")`` with ``S`` for ``n`` (statsmodels'
  ``cov_type="HC1"`` returns HC0 unchanged for these models);
* ``"cluster"`` equals statsmodels' without weights. With weights it is their
  ``GLM`` ``freq_weights`` cluster covariance times ``(S - 1) (n - n_coef) /
  ((S - n_coef) (n - 1))``: their factor counts the rows, ours the total weight,
  which makes it their ``Logit`` cluster covariance of the repeated rows.

Everything is computed in the objective's standardised coordinates (better
conditioned), from the backend's ``hessian_blocks`` (one pass over ``X`` per
matrix), and mapped back to the coefficients of ``X``.

A coefficient held at one of its bounds (``lower_bounds``, ``upper_bounds``) is
not at a stationary point of the objective, and the usual (Wald) standard
errors do not apply to it: its rows and columns are NaN, the others are those
of the model with it fixed at its bound, and a warning says so.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from ._constraints import coef_bounds, has_bounds, make_objective
from ._evaluation import evaluation_data
from ._objective import InMemoryBackend
from ._predict import is_dask_collection
from ._solvers.stopping import optimality
from ._sparse_coef import dense_coef

__all__ = ["COLUMNS", "KINDS", "coef_table", "covariance_matrix", "term_names"]

#: The covariance kinds, as statsmodels names them (``cov_type``).
KINDS = ("nonrobust", "HC0", "HC1", "cluster")

#: Columns of :func:`coef_table`.
COLUMNS = ("coef", "se", "z", "p_value", "ci_lower", "ci_upper")

#: Rows per block of the cluster scores' pass over ``X``.
_CLUSTER_ROWS = 4096


def covariance_matrix(
    estimator, X, y, sample_weight=None, *, kind="nonrobust", groups=None
):
    """Covariance matrices of the fitted coefficients, one per binary problem.

    See :meth:`BCELogisticClassifier.covariance_matrix`.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        A fitted estimator.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The training data.
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Their labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Their weights, as in ``fit``.
    kind : {"nonrobust", "HC0", "HC1", "cluster"}, default="nonrobust"
        The estimator of the covariance.
    groups : array-like of shape (n_samples,), default=None
        Cluster labels, with ``kind="cluster"`` only.

    Returns
    -------
    cov : ndarray of shape (n_problems, n_coef, n_coef)
        One matrix per row of ``coef_``, the intercept last.
    """
    _check_request(estimator, X, y, kind, groups)
    X, Y, sw = evaluation_data(
        estimator, X, y, sample_weight, method="covariance_matrix"
    )
    codes = None if kind != "cluster" else _group_codes(groups, X.shape[0])
    backend = InMemoryBackend(X, Y, sample_weight=sw, n_threads=estimator.n_jobs)
    objective = make_objective(estimator, backend, estimator.C, estimator.l1_ratio)
    W = dense_coef(estimator.coef_).astype(np.float64)
    b = np.asarray(estimator.intercept_, dtype=np.float64)
    b_model = b if estimator.fit_intercept else None
    theta = objective.from_coef(W, b)
    with backend.parallel():
        _check_optimum(estimator, objective, theta)
        if not np.isfinite(estimator.C):
            _check_separation(estimator, backend, W, b_model)
        H = objective.hessian_problems(theta)
        fixed = at_bound(estimator)
        bread = [
            _free_inverse(estimator, objective, H[k], k, fixed[k] != "")
            for k in range(objective.K)
        ]
        totals = backend.weight_totals()
        if kind == "nonrobust":
            cov = np.stack(bread) / totals[:, None, None]
        elif kind == "cluster":
            meat = _cluster_meat(objective, X, Y, sw, W, b_model, codes)
            cov = _sandwich(bread, meat)
            cov *= _cluster_correction(sw, codes, totals, objective.n_coef)
        else:
            blocks = backend.hessian_blocks(
                W, b_model, objective.shift, objective.scale, weights="residual"
            )
            meat = _assemble(*blocks, estimator.fit_intercept)
            cov = _sandwich(bread, meat) / totals[:, None, None]
            if kind == "HC1":
                cov *= _hc1_correction(totals, objective.n_coef)
    cov = _to_original(objective, cov)
    for k in range(objective.K):
        held = np.flatnonzero(fixed[k] != "")
        cov[k, held, :] = cov[k, :, held] = np.nan
    return cov


def at_bound(estimator, warn=True):
    """Which coefficients a bound holds: ``"lower"``, ``"upper"`` or ``""``.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        A fitted estimator.
    warn : bool, default=True
        Whether to warn (UserWarning) when there are some: the usual standard
        errors do not apply to them.

    Returns
    -------
    held : ndarray of str of shape (n_problems, n_features)
    """
    coef = dense_coef(estimator.coef_)
    K, d = coef.shape
    held = np.full((K, d), "", dtype="U5")
    bounds = coef_bounds(estimator, d, K)
    if bounds is None:
        return held
    lower, upper = (b.astype(coef.dtype) for b in bounds)
    held[np.isfinite(lower) & (coef <= lower)] = "lower"
    held[np.isfinite(upper) & (coef >= upper)] = "upper"
    if warn and np.any(held != ""):
        names = term_names(estimator)
        which = "; ".join(
            f"{_problem_name(estimator, k)}: "
            + ", ".join(
                f"{names[j]} ({held[k, j]})" for j in np.flatnonzero(held[k] != "")
            )
            for k in range(K) if np.any(held[k] != "")
        )
        warnings.warn(
            f"Coefficients at a bound ({which}): the usual standard errors do "
            "not apply to a coefficient that a bound holds (it is not at a "
            "stationary point, and its sampling distribution is truncated). "
            "Their rows and columns of the covariance are NaN, and the other "
            "standard errors are those of the model with them fixed at their "
            "bounds.",
            UserWarning,
            stacklevel=4,
        )
    return held


def coef_table(
    estimator, X, y, sample_weight=None, *, kind="nonrobust", groups=None,
    alpha=0.05,
):
    """Coefficients, standard errors, z, p-values and confidence intervals.

    See :meth:`BCELogisticClassifier.coef_table`.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        A fitted estimator.
    X, y, sample_weight, kind, groups
        As in :func:`covariance_matrix`.
    alpha : float, default=0.05
        The intervals have coverage ``1 - alpha``.

    Returns
    -------
    table : pandas.DataFrame or structured ndarray
        A DataFrame when pandas is installed, else a structured array.
    """
    if not (isinstance(alpha, (int, float, np.floating)) and 0 < alpha < 1):
        raise ValueError(f"alpha must be a number in (0, 1), got {alpha!r}.")
    cov = covariance_matrix(
        estimator, X, y, sample_weight, kind=kind, groups=groups
    )
    coef = dense_coef(estimator.coef_).astype(np.float64)
    if estimator.fit_intercept:
        coef = np.column_stack([coef, estimator.intercept_])
    from scipy.stats import norm  # imported here: it takes a while

    se = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    z = coef / se
    p_value = 2.0 * norm.sf(np.abs(z))
    q = norm.ppf(1.0 - alpha / 2.0)
    values = np.stack([coef, se, z, p_value, coef - q * se, coef + q * se], axis=-1)
    held = None
    if has_bounds(estimator):
        held = at_bound(estimator, warn=False)
        if estimator.fit_intercept:
            held = np.column_stack([held, np.full(held.shape[0], "")])
    return _table(estimator, values, held)


def term_names(estimator):
    """Names of the rows of one problem's table: the features, then "intercept".

    Parameters
    ----------
    estimator : BCELogisticClassifier
        A fitted estimator.

    Returns
    -------
    names : list of str
        ``feature_names_in_`` when the estimator was fitted on a DataFrame with
        string column names, else ``x0, x1, ...``; then ``"intercept"`` when the
        model has one.
    """
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        names = [f"x{j}" for j in range(estimator.n_features_in_)]
    names = [str(name) for name in names]
    return names + ["intercept"] if estimator.fit_intercept else names


# ------------------------------------------------------------------ checks
def _check_request(estimator, X, y, kind, groups):
    """Refuse what cannot be computed, and warn for penalised fits."""
    if kind not in KINDS:
        raise ValueError(
            f"kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}."
        )
    if kind == "cluster" and groups is None:
        raise ValueError("kind='cluster' needs groups=, one cluster label per row.")
    if kind != "cluster" and groups is not None:
        raise ValueError(
            f"groups= is only used with kind='cluster', not kind={kind!r}."
        )
    check_is_fitted(estimator)
    if any(is_dask_collection(a) for a in (X, y, groups)):
        raise NotImplementedError(
            "Standard errors need the Hessian blocks of the data, which only the "
            "in-memory backend offers: no kind (nonrobust, HC0, HC1, cluster) "
            "works on dask input. Pass NumPy or SciPy arrays (for example "
            "X.compute() and y.compute(), when they fit in memory)."
        )
    if np.isfinite(estimator.C) and estimator.l1_ratio > 0:
        raise ValueError(
            f"l1_ratio={estimator.l1_ratio!r}: the L1 penalty has no Hessian, so "
            "these standard errors are not defined. Fit with l1_ratio=0 (or "
            "C=np.inf for classical maximum-likelihood inference)."
        )
    if np.isfinite(estimator.C):
        warnings.warn(
            f"C={estimator.C!r} is finite: these are standard errors of the "
            "penalised estimate, computed with the Hessian of the penalised "
            "objective (the data's information plus 1/C on every coefficient). "
            "The coefficients are shrunk towards zero, so the intervals are "
            "centred on a biased estimate and the p-values are not classical "
            "maximum-likelihood tests. Fit with C=np.inf for those.",
            UserWarning,
            stacklevel=4,
        )


def _check_optimum(estimator, objective, theta):
    """Warn when the coefficients are not at the optimum of the objective here."""
    _, grad = objective.loss_gradient(theta)
    opt = optimality(objective, theta, grad) / objective.curvature_at_prior()
    limit = 10.0 * max(estimator.tol, 1e-8)
    if np.all(opt <= limit):
        return
    stream = getattr(estimator, "_stream", None) is not None
    how = "partial_fit, which makes no convergence test" if stream else (
        f"solver={estimator.solver_!r} (n_iter_={estimator.n_iter_.tolist()}, "
        f"max_iter={estimator.max_iter})"
    )
    warnings.warn(
        "The fitted coefficients are not at the optimum of the objective on "
        f"these data (largest gradient entry {opt.max():.3g}, relative to the "
        f"curvature; a converged fit has at most tol={estimator.tol:g}). The fit "
        f"ran {how}: it did not converge, or these are not its training data. "
        "The standard errors assume an optimum: refit with a larger max_iter or "
        "another solver, and pass the training data.",
        ConvergenceWarning,
        stacklevel=4,
    )


def _problem_name(estimator, k):
    """How messages name binary problem ``k``."""
    classes = estimator.classes_.tolist()  # Python scalars print plainly
    if estimator.multilabel_:
        return f"label {k}"
    if len(classes) == 2:
        return f"the binary problem (class {classes[1]!r} against {classes[0]!r})"
    return f"class {classes[k]!r} (against the rest)"


def _check_separation(estimator, backend, W, b):
    """Refuse separable problems: without a penalty they have no estimate."""
    separable = np.flatnonzero(backend.separated(W, b))
    if separable.size:
        names = "; ".join(_problem_name(estimator, k) for k in separable)
        raise ValueError(
            f"The data of {names} are linearly separable: without a penalty "
            "(C=np.inf) the maximum-likelihood estimate does not exist (the "
            "coefficients grow without bound and the information matrix tends "
            "to zero), so neither do its standard errors. Remove the features "
            "that separate the classes, or use a finite C (penalised standard "
            "errors)."
        )


def _free_inverse(estimator, objective, H, k, held):
    """Inverse of the information of the coefficients not ``held`` at a bound.

    The held ones get zero rows and columns (they are fixed).
    """
    if not held.any():
        return _inverse(estimator, objective, H, k)
    free = np.flatnonzero(np.r_[~held, np.ones(H.shape[0] - held.size, bool)])
    out = np.zeros_like(H)
    out[np.ix_(free, free)] = _inverse(estimator, objective, H[np.ix_(free, free)], k)
    return out


def _inverse(estimator, objective, H, k):
    """Inverse of one problem's information (standardised), or a clear error."""
    eigval, eigvec = np.linalg.eigh(H)
    top = eigval.max(initial=0.0)
    rcond = 100.0 * H.shape[0] * np.finfo(objective.dtype).eps
    if top > 0 and eigval.min() > rcond * top:
        return (eigvec / eigval) @ eigvec.T
    names = term_names(estimator)
    d = objective.n_features
    diag = np.diagonal(H)[:d]
    flat = [names[j] for j in np.flatnonzero(diag <= rcond * max(top, 1e-300))]
    if flat:
        what = "intercept" if estimator.fit_intercept else "model"
        cause = (
            f"the feature(s) {', '.join(flat)} are constant (zero when the "
            f"model has no intercept) on the samples of positive weight, which "
            f"the {what} already accounts for"
        )
    else:
        null = np.abs(eigvec[:, 0])
        involved = [names[j] for j in np.flatnonzero(null > 0.1 * null.max())]
        cause = (
            "the columns are collinear: a combination of "
            f"{', '.join(involved)} is (nearly) constant"
        )
    raise ValueError(
        f"The information matrix of {_problem_name(estimator, k)} is singular "
        f"(condition number {top / max(eigval.min(), 1e-300):.3g}): {cause}. "
        "Their coefficients are not identified, so they have no standard "
        "errors. Drop the redundant feature(s)."
    )


# ------------------------------------------------------------- the matrices
def _assemble(G, v, s, fit_intercept):
    """Square matrices ``[[G, v], [v', s]]`` from Gram blocks (one per problem)."""
    if not fit_intercept:
        return np.array(G, dtype=np.float64)
    k, d = v.shape
    M = np.zeros((k, d + 1, d + 1))
    M[:, :d, :d] = G
    M[:, :d, d] = M[:, d, :d] = v
    M[:, d, d] = s
    return M


def _sandwich(bread, meat):
    """``B_k M_k B_k`` for every problem."""
    return np.stack([B @ M @ B for B, M in zip(bread, meat, strict=True)])


def _hc1_correction(totals, n_coef):
    """HC1's ``S / (S - n_coef)`` per problem, weights counted as frequencies."""
    if np.any(totals <= n_coef):
        raise ValueError(
            f"kind='HC1' scales by S / (S - {n_coef}), with S the total sample "
            f"weight ({totals.min():g}), which must exceed the number of "
            "parameters: sample weights count repeated rows. Use kind='HC0'."
        )
    return (totals / (totals - n_coef))[:, None, None]


def _group_codes(groups, n):
    """Integer codes ``0..G-1`` of the cluster labels, checked."""
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.shape[0] != n:
        raise ValueError(
            f"groups must have one label per row of X: got shape {groups.shape} "
            f"for {n} rows."
        )
    return np.unique(groups, return_inverse=True)[1].ravel()


def _cluster_correction(sw, codes, totals, n_coef):
    """``G / (G - 1) * (S - 1) / (S - n_coef)`` per problem, ``S`` the weight.

    statsmodels' factor with the total weight ``S`` in place of its number of
    rows, so that an integer weight counts as repeated rows.
    """
    if sw is not None:  # rows of zero weight stand for no observation
        codes = codes[np.any(np.reshape(sw, (len(codes), -1)) > 0, axis=1)]
    n_groups = np.unique(codes).size
    if n_groups < 2:
        raise ValueError(
            f"kind='cluster' needs at least two groups, got {n_groups}."
        )
    if np.any(totals <= n_coef):
        raise ValueError(
            f"kind='cluster' scales by (S - 1) / (S - {n_coef}), with S the total "
            f"sample weight ({totals.min():g}), which must exceed the number of "
            "parameters: sample weights count repeated rows."
        )
    factor = n_groups / (n_groups - 1) * (totals - 1) / (totals - n_coef)
    return factor[:, None, None]


def _cluster_meat(objective, X, Y, sw, W, b, codes):
    """``sum_g u_g u_g'`` per problem, in standardised coordinates.

    ``u_g`` sums the per-sample gradients ``(s_i / S) (p_i - y_i) xt_i`` of group
    ``g``; one pass over ``X`` in row blocks.
    """
    n, d = X.shape
    K, G = objective.K, int(codes.max(initial=-1)) + 1
    if sp.issparse(X) and X.format != "csr":
        X = X.tocsr()
    norm_sw = np.ones((n, 1)) if sw is None else np.reshape(sw, (n, -1))
    norm_sw = norm_sw / objective.backend.weight_totals()
    U, u = np.zeros((K, G, d)), np.zeros((K, G))
    for start in range(0, n, _CLUSTER_ROWS):
        rows = slice(start, min(n, start + _CLUSTER_ROWS))
        Xb = X[rows]
        Z = np.asarray(Xb @ W.T, dtype=np.float64) + (0.0 if b is None else b)
        R = (expit(Z) - Y[rows]) * norm_sw[rows]
        g, m = codes[rows], Z.shape[0]
        for k in range(K):
            ind = sp.csr_matrix((R[:, k], (g, np.arange(m))), shape=(G, m))
            part = ind @ Xb
            U[k] += part.toarray() if sp.issparse(part) else part
            u[k] += np.bincount(g, weights=R[:, k], minlength=G)
    U = (U - u[:, :, None] * objective.shift) * objective.scale
    scores = np.concatenate([U, u[:, :, None]], axis=2) if b is not None else U
    return np.einsum("kgi,kgj->kij", scores, scores)


def _to_original(objective, cov):
    """Map covariances in standardised coordinates to those of ``(coef, b)``.

    With ``w = t_w * scale`` and ``b = t_b - w . shift``, ``(w, b) = J (t_w, t_b)``
    and the covariance is ``J C J'``.
    """
    d = objective.n_features
    J = np.zeros((objective.n_coef, objective.n_coef))
    J[np.arange(d), np.arange(d)] = objective.scale
    if objective.fit_intercept:
        J[d, :d] = -objective.scale * objective.shift
        J[d, d] = 1.0
    cov = J @ cov @ J.T
    cov = (cov + np.swapaxes(cov, 1, 2)) / 2.0
    variances = np.diagonal(cov, axis1=1, axis2=2)
    if not np.all(np.isfinite(cov)) or np.any(variances < 0):
        raise ValueError(
            "The covariance matrix has non-finite or negative variances: the "
            "information matrix is too ill-conditioned for the precision of the "
            "data. Standardise the features, or drop nearly collinear ones."
        )
    return cov


# --------------------------------------------------------------- the table
def _table(estimator, values, held=None):
    """The table of ``values`` (shape (K, n_coef, 6)): DataFrame or record array.

    With ``held`` (shape (K, n_coef), ``"lower"``, ``"upper"`` or ``""``), a
    last column ``at_bound`` tells which bound holds each coefficient.
    """
    terms = term_names(estimator)
    K = values.shape[0]
    classes = estimator.classes_ if K > 1 else None
    try:
        import pandas as pd
    except ImportError:
        return _structured(terms, classes, values, held)
    flat = values.reshape(-1, len(COLUMNS))
    if classes is None:
        index = pd.Index(terms, name="term")
    else:
        index = pd.MultiIndex.from_product(
            [list(classes), terms], names=["class", "term"]
        )
    table = pd.DataFrame(flat, index=index, columns=list(COLUMNS))
    if held is not None:
        table["at_bound"] = held.ravel()
    return table


def _structured(terms, classes, values, held=None):
    """The table as a structured array (without pandas)."""
    fields = [("term", f"U{max(map(len, terms))}")]
    if classes is not None:
        labels = np.asarray(classes)
        if labels.dtype == object:
            labels = labels.astype(str)
        fields.insert(0, ("class", labels.dtype))
    fields += [(name, np.float64) for name in COLUMNS]
    if held is not None:
        fields.append(("at_bound", "U5"))
    K, p, _ = values.shape
    out = np.zeros(K * p, dtype=fields)
    out["term"] = np.tile(terms, K)
    if classes is not None:
        out["class"] = np.repeat(labels, p)
    for j, name in enumerate(COLUMNS):
        out[name] = values[:, :, j].ravel()
    if held is not None:
        out["at_bound"] = held.ravel()
    return out
