"""Per-feature penalty factors and bounds on the coefficients.

The references are glum (``P1``, ``P2``, ``lower_bounds``, ``upper_bounds``, with
``alpha = 1 / (C * S)``, ``S`` the sum of the sample weights), scikit-learn's
unpenalised ``LogisticRegression`` and the optimality conditions written out in
NumPy. Tolerances are about ten times what each solver reaches at the ``tol``
used.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from glum import GeneralizedLinearRegressor
from scipy.special import expit
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import scale

from sklearn_bce import (
    BCELogisticClassifier,
    BCELogisticClassifierCV,
    bce_path,
    l1_min_c,
)

INF = np.inf
NON_NEGATIVE = (np.zeros(8), np.full(8, INF))


def _binary():
    X, y = load_breast_cancer(return_X_y=True)
    return scale(X)[:, :8], y


def _multiclass():
    X, y = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_redundant=0, n_classes=3,
        random_state=0,
    )
    return scale(X), y


DATA = {"binary": _binary, "ovr": _multiclass}


def _factors(d):
    f = np.ones(d)
    f[0], f[1], f[2] = 0.0, 3.0, 0.5  # unpenalised, penalised more, less
    return f


def _bounds(d, K):
    lower, upper = np.full(d, -INF), np.full(d, INF)
    lower[1] = 0.0  # non-negative
    lower[2], upper[2] = -0.1, 0.1
    lower[3], upper[3] = 0.2, 0.5  # excludes 0
    upper[4] = 0.0  # non-positive
    if K == 1:
        return lower, upper
    lower, upper = np.tile(lower, (K, 1)), np.tile(upper, (K, 1))
    lower[1, 5] = 0.0  # per class
    upper[2, 0] = -0.05
    return lower, upper


def glum_reference(X, y, C, l1_ratio, factor, sample_weight=None, bounds=None):
    """``[coef | intercept]`` per binary problem, from glum."""
    S = X.shape[0] if sample_weight is None else sample_weight.sum()
    classes = np.unique(y)
    targets = classes[1:] if classes.size == 2 else classes
    rows = []
    for k, c in enumerate(targets):
        options = {}
        if bounds is not None:
            lower, upper = (
                np.broadcast_to(b, (targets.size, X.shape[1]))[k] for b in bounds
            )
            options = dict(lower_bounds=lower, upper_bounds=upper)
        f = np.ones(X.shape[1]) if factor is None else factor
        model = GeneralizedLinearRegressor(
            family="binomial", alpha=1 / (C * S), l1_ratio=l1_ratio, P1=f, P2=f,
            gradient_tol=1e-12, max_iter=1000, **options,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tabmat's copy of a view
            model.fit(X, (y == c).astype(float), sample_weight=sample_weight)
        rows.append(np.r_[model.coef_, model.intercept_])
    return np.array(rows)


def fitted(model):
    return np.c_[model.coef_, model.intercept_]


def kkt_violation(X, y, model, C, l1_ratio, factor, sample_weight, bounds):
    """Largest distance of 0 to the subdifferential (with the bounds' normal cone).

    Written out here from the objective's definition, per binary problem.
    """
    n, d = X.shape
    sw = np.ones(n) if sample_weight is None else sample_weight
    classes = np.unique(y)
    targets = classes[1:] if classes.size == 2 else classes
    f = np.ones(d) if factor is None else factor
    worst = 0.0
    for k, c in enumerate(targets):
        w, b = model.coef_[k].astype(float), float(model.intercept_[k])
        r = sw * (expit(X @ w + b) - (y == c)) / sw.sum()
        strength = 1.0 / (C * sw.sum())
        g = X.T @ r + (1 - l1_ratio) * strength * f * w
        t = l1_ratio * strength * f
        low = np.where(w != 0, g + t * np.sign(w), g - t)
        high = np.where(w != 0, low, g + t)
        if bounds is not None:
            lower, upper = (np.broadcast_to(a, (targets.size, d))[k] for a in bounds)
            assert np.all(w >= lower) and np.all(w <= upper)
            low = np.where(w <= lower, -INF, low)
            high = np.where(w >= upper, INF, high)
        worst = max(worst, np.max(np.maximum(np.maximum(low, -high), 0)), abs(r.sum()))
    return worst


# ------------------------------------------------------------ penalty factors
#: Coefficient error against glum of each solver at the tol used (tol=1e-10, SGD
#: 1e-8): measured 4e-10 (Newton), 2e-10 (cd), 6e-8 (L-BFGS), 6e-7 (SGD).
ATOL = {"newton-cholesky": 5e-9, "cd": 5e-9, "lbfgs": 5e-7, "sgd": 5e-6}
#: The tolerances asked for (L-BFGS stops at rounding below about 1e-9).
TOL = {"newton-cholesky": 1e-10, "cd": 1e-10, "lbfgs": 1e-8, "sgd": 1e-8}


def _solver_l1(solvers):
    """(solver, l1_ratio) pairs: L2 for every solver, L1 and elastic net for cd, sgd."""
    return [
        (solver, l1_ratio) for solver in solvers for l1_ratio in (0.0, 0.5, 1.0)
        if l1_ratio == 0 or solver in ("cd", "sgd")
    ]


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "solver, l1_ratio", _solver_l1(["lbfgs", "newton-cholesky", "cd", "sgd"])
)
def test_penalty_factors_match_glum(data, l1_ratio, weighted, solver):
    X, y = DATA[data]()
    sw = np.random.RandomState(0).uniform(0.5, 2, len(y)) if weighted else None
    f = _factors(X.shape[1])
    model = BCELogisticClassifier(
        C=0.05, l1_ratio=l1_ratio, penalty_factor=f, solver=solver,
        tol=TOL[solver], max_iter=2000, random_state=0,
    ).fit(X, y, sample_weight=sw)
    expected = glum_reference(X, y, 0.05, l1_ratio, f, sw)
    np.testing.assert_allclose(fitted(model), expected, rtol=0, atol=ATOL[solver])
    # the unpenalised feature is in the model, the factor-3 one shrunk most
    assert np.all(model.coef_[:, 0] != 0)


def test_zero_factors_everywhere_is_no_penalty():
    X, y = _binary()
    model = BCELogisticClassifier(
        C=0.01, l1_ratio=1.0, penalty_factor=np.zeros(X.shape[1]), tol=1e-10,
    ).fit(X, y)
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-5, atol=1e-5)


def test_auto_solver_with_factors():
    X, y = _binary()
    f = _factors(X.shape[1])
    model = BCELogisticClassifier(C=0.05, penalty_factor=f, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(
        fitted(model), glum_reference(X, y, 0.05, 0.0, f), atol=5e-7
    )


# ----------------------------------------------------------------------- bounds
#: Measured 8e-10 (projected Newton: it stops with the gradient at 6e-12,
#: the optimality of glum's reference 3.5e-14), 1e-10 (cd), 8e-7 (L-BFGS at
#: tol=1e-8), 1e-5 (SGD, binary: projected steps in the plain metric on
#: correlated features).
BOUND_ATOL = {"newton-cholesky": 5e-9, "cd": 5e-9, "lbfgs": 5e-6, "sgd": 1e-4}


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "solver, l1_ratio", _solver_l1(["lbfgs", "newton-cholesky", "cd", "sgd"])
)
def test_bounds_match_glum_and_kkt(data, l1_ratio, weighted, solver):
    X, y = DATA[data]()
    K = 1 if data == "binary" else 3
    sw = np.random.RandomState(1).uniform(0.5, 2, len(y)) if weighted else None
    f = _factors(X.shape[1])
    bounds = _bounds(X.shape[1], K)
    model = BCELogisticClassifier(
        C=0.5, l1_ratio=l1_ratio, penalty_factor=f, solver=solver,
        lower_bounds=bounds[0], upper_bounds=bounds[1],
        tol=TOL[solver], max_iter=2000, random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converged: no ConvergenceWarning
        model.fit(X, y, sample_weight=sw)
    expected = glum_reference(X, y, 0.5, l1_ratio, f, sw, bounds)
    np.testing.assert_allclose(fitted(model), expected, rtol=0, atol=BOUND_ATOL[solver])
    lower, upper = (np.broadcast_to(b, model.coef_.shape) for b in bounds)
    at_bound = (model.coef_ == lower) | (model.coef_ == upper)
    assert at_bound.sum() >= 2  # some bounds hold, exactly
    kkt = kkt_violation(X, y, model, 0.5, l1_ratio, f, sw, bounds)
    assert kkt < (1e-6 if solver == "sgd" else 1e-8)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky", "cd", "sgd", "auto"])
def test_sign_constraints_hold_exactly(solver):
    X, y = _binary()
    free = BCELogisticClassifier(C=1.0, solver="cd").fit(X, y)
    negative = free.coef_[0] < 0
    # every coefficient that wants to be negative is held at zero
    model = BCELogisticClassifier(
        C=1.0, solver=solver, lower_bounds=0.0, random_state=0, tol=1e-8,
        max_iter=1000,
    ).fit(X, y)
    assert np.all(model.coef_ >= 0)
    assert np.any(model.coef_[0][negative] == 0)
    expected = glum_reference(X, y, 1.0, 0.0, None, None, NON_NEGATIVE)
    np.testing.assert_allclose(fitted(model), expected, atol=1e-4)


def test_auto_takes_projected_newton_with_bounds():
    # small data: the default runs Newton's method, projected on the bounds
    X, y = _binary()
    model = BCELogisticClassifier(lower_bounds=0.0, tol=1e-10).fit(X, y)
    assert model.solver_ == "newton-cholesky"
    assert model.n_iter_[0] <= 15  # Newton's iteration count, not L-BFGS's
    expected = glum_reference(X, y, 1.0, 0.0, None, None, NON_NEGATIVE)
    np.testing.assert_allclose(fitted(model), expected, atol=2e-10)


# ----------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "params, message",
    [
        (dict(penalty_factor=[1.0, -1.0, 1, 1, 1, 1, 1, 1]), "non-negative"),
        (dict(penalty_factor=[1.0, np.nan, 1, 1, 1, 1, 1, 1]), "NaN"),
        (dict(penalty_factor=[1.0, np.inf, 1, 1, 1, 1, 1, 1]), "finite"),
        (dict(penalty_factor=np.ones(7)), r"shape \(n_features,\) = \(8,\)"),
        (dict(penalty_factor=np.ones((1, 8))), "at most 1 dimension"),
        (dict(penalty_factor=["a"] * 8), "must hold numbers"),
        (dict(lower_bounds=1.0, upper_bounds=0.0), "at most upper_bounds"),
        (dict(lower_bounds=np.zeros(8), upper_bounds=-np.ones(8)), "at most"),
        (dict(lower_bounds=[0.0, np.nan] + [0.0] * 6), "lower_bounds must not"),
        (dict(upper_bounds=np.nan), "upper_bounds must not contain NaN"),
        (dict(lower_bounds=np.inf), "lower_bounds must not be np.inf"),
        (dict(upper_bounds=-np.inf), "upper_bounds must not be -np.inf"),
        (dict(lower_bounds=np.zeros(7)), r"lower_bounds must be a number or"),
        (dict(upper_bounds=np.zeros((3, 8))), r"\(1, 8\) \(one row per binary"),
        (dict(lower_bounds=np.zeros((1, 1, 8))), "at most 2 dimension"),
    ],
)
def test_bad_values_raise(params, message):
    X, y = _binary()
    with pytest.raises(ValueError, match=message):
        BCELogisticClassifier(**params).fit(X, y)


def test_per_class_lower_above_upper_names_the_problem():
    X, y = _multiclass()
    lower = np.zeros((3, 6))
    upper = np.ones((3, 6))
    upper[2, 4] = -1.0
    with pytest.raises(ValueError, match=r"above its upper bound at \[2, 4\]"):
        BCELogisticClassifier(lower_bounds=lower, upper_bounds=upper).fit(X, y)


def test_cv_validates_too():
    X, y = _binary()
    with pytest.raises(ValueError, match="non-negative"):
        BCELogisticClassifierCV(penalty_factor=-np.ones(8)).fit(X, y)


def test_ordinary_parameters():
    X, y = _binary()
    f = _factors(8)
    model = BCELogisticClassifier(penalty_factor=f, lower_bounds=-1.0)
    copy = clone(model)
    np.testing.assert_array_equal(copy.get_params()["penalty_factor"], f)
    assert copy.get_params()["lower_bounds"] == -1.0
    copy.set_params(upper_bounds=2.0)
    assert copy.upper_bounds == 2.0
    search = GridSearchCV(
        BCELogisticClassifier(C=1.0, penalty_factor=f),
        {"lower_bounds": [None, 0.0], "C": [0.1, 1.0]}, cv=3,
    ).fit(X, y)
    best = search.best_estimator_
    expected_bounds = (
        None if best.lower_bounds is None else (np.zeros(8), np.full(8, INF))
    )
    np.testing.assert_allclose(
        fitted(best), glum_reference(X, y, best.C, 0.0, f, None, expected_bounds),
        atol=1e-4,
    )


# --------------------------------------------- paths, CV and other settings
def test_l1_min_c_with_unpenalised_features_closed_form():
    X, y = _binary()
    f = np.ones(8)
    f[:2] = 0.0
    f[5] = 2.0
    # the model of the intercept and the unpenalised features, by scikit-learn
    null = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X[:, :2], y)
    r = null.predict_proba(X[:, :2])[:, 1] - y
    g = X.T @ r  # S times the mean gradient
    expected = 1.0 / np.max(np.abs(g[2:]) / f[2:])
    c = l1_min_c(X, y, penalty_factor=f)
    np.testing.assert_allclose(c, expected, rtol=1e-7)
    below = BCELogisticClassifier(
        C=0.99 * c, l1_ratio=1.0, penalty_factor=f, tol=1e-10
    ).fit(X, y)
    assert np.all(below.coef_[0, 2:] == 0)
    np.testing.assert_allclose(below.coef_[0, :2], null.coef_[0], atol=1e-6)
    above = BCELogisticClassifier(
        C=1.02 * c, l1_ratio=1.0, penalty_factor=f, tol=1e-10
    ).fit(X, y)
    assert np.count_nonzero(above.coef_[0, 2:]) == 1


def test_l1_min_c_with_sign_constraint():
    X, y = _binary()
    g = X.T @ (y.mean() - y)  # S times the gradient at the constant model
    assert np.all(g > 0)  # every coefficient would fall from zero
    # only falling coefficients: every g_j counts
    upper = np.zeros(8)
    upper[np.argmax(g)] = np.inf  # except the first to enter, which may rise too
    expected = 1.0 / np.max(g)
    np.testing.assert_allclose(l1_min_c(X, y, upper_bounds=upper), expected, rtol=1e-9)
    # rising only: no coefficient ever leaves zero
    with pytest.raises(ValueError, match="Ill-posed l1_min_c.*bounds"):
        l1_min_c(X, y, lower_bounds=0.0)


def test_l1_path_with_unpenalised_feature():
    X, y = _binary()
    f = np.ones(8)
    f[0] = 0.0
    path = bce_path(X, y, Cs=4, l1_ratio=1.0, penalty_factor=f, tol=1e-10)
    first = path.coefs[0, 0]
    assert first[0] != 0 and np.all(first[1:] == 0)  # in from the start
    null = LogisticRegression(C=np.inf, tol=1e-12).fit(X[:, :1], y)
    np.testing.assert_allclose(first[0], null.coef_[0, 0], atol=1e-6)
    for i, C in enumerate(path.Cs):
        expected = glum_reference(X, y, C, 1.0, f)
        got = np.r_[path.coefs[i, 0], path.intercepts[i]]
        np.testing.assert_allclose(got, expected[0], atol=5e-9)


def test_bce_path_with_bounds():
    X, y = _multiclass()
    bounds = _bounds(6, 3)
    Cs = [0.05, 0.5]
    path = bce_path(
        X, y, Cs=Cs, l1_ratio=0.5, lower_bounds=bounds[0], upper_bounds=bounds[1],
        tol=1e-10,
    )
    for i, C in enumerate(Cs):
        expected = glum_reference(X, y, C, 0.5, None, None, bounds)
        got = np.c_[path.coefs[i], path.intercepts[i]]
        np.testing.assert_allclose(got, expected, atol=5e-9)


def test_cv_refit_with_factors_and_bounds():
    X, y = _binary()
    f = _factors(8)
    bounds = _bounds(8, 1)
    search = BCELogisticClassifierCV(
        Cs=[0.01, 0.1, 1.0], l1_ratios=[0.5], penalty_factor=f,
        lower_bounds=bounds[0], upper_bounds=bounds[1], tol=1e-10, cv=3,
    ).fit(X, y)
    expected = glum_reference(X, y, search.C_[0], 0.5, f, None, bounds)
    np.testing.assert_allclose(fitted(search), expected, atol=5e-9)
    paths = search.coefs_paths_[1][..., 0, :8]  # (folds, Cs, features)
    assert np.all(paths >= bounds[0] - 1e-12) and np.all(paths <= bounds[1] + 1e-12)


def test_warm_start_from_outside_new_bounds():
    X, y = _binary()
    model = BCELogisticClassifier(C=1.0, warm_start=True, tol=1e-10).fit(X, y)
    assert np.any(model.coef_ < 0)
    model.set_params(lower_bounds=0.0, solver="lbfgs").fit(X, y)
    expected = glum_reference(X, y, 1.0, 0.0, None, None, NON_NEGATIVE)
    np.testing.assert_allclose(fitted(model), expected, atol=5e-8)


def test_float32_keeps_dtype_and_bounds():
    X, y = _binary()
    bounds = _bounds(8, 1)
    f = _factors(8)
    model = BCELogisticClassifier(
        C=0.5, penalty_factor=f, lower_bounds=bounds[0], upper_bounds=bounds[1],
        tol=1e-5,
    ).fit(X.astype(np.float32), y)
    assert model.coef_.dtype == np.float32
    assert np.all(model.coef_ >= bounds[0].astype(np.float32))
    assert np.all(model.coef_ <= bounds[1].astype(np.float32))
    expected = glum_reference(X, y, 0.5, 0.0, f, None, bounds)
    # measured 4.5e-4 (float32 L-BFGS-B at tol=1e-5)
    np.testing.assert_allclose(fitted(model), expected, atol=5e-3)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky", "cd", "sgd"])
def test_sparse_input(fmt, solver):
    X, y = _multiclass()
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    f = _factors(6)
    bounds = _bounds(6, 3)
    l1_ratio = 0.0 if solver in ("lbfgs", "newton-cholesky") else 0.5
    model = BCELogisticClassifier(
        C=0.5, l1_ratio=l1_ratio, penalty_factor=f, lower_bounds=bounds[0],
        upper_bounds=bounds[1], solver=solver, random_state=0,
        tol=TOL[solver], max_iter=2000,
    ).fit(sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X), y)
    expected = glum_reference(X, y, 0.5, l1_ratio, f, None, bounds)
    np.testing.assert_allclose(fitted(model), expected, atol=BOUND_ATOL[solver])


def test_class_weight_is_sample_weight():
    X, y = _binary()
    f = _factors(8)
    bounds = _bounds(8, 1)
    model = BCELogisticClassifier(
        C=0.5, l1_ratio=0.5, class_weight={0: 3.0, 1: 1.0}, penalty_factor=f,
        lower_bounds=bounds[0], upper_bounds=bounds[1], tol=1e-10,
    ).fit(X, y)
    sw = np.where(y == 0, 3.0, 1.0)
    expected = glum_reference(X, y, 0.5, 0.5, f, sw, bounds)
    np.testing.assert_allclose(fitted(model), expected, atol=5e-9)


# -------------------------------------------------------------------- inference
def test_coef_table_marks_bound_coefficients_and_matches_statsmodels():
    import statsmodels.api as sm

    X, y = _binary()
    lower = np.full(8, -INF)
    lower[[1, 4]] = 0.0  # both held at 0 on these data
    model = BCELogisticClassifier(C=np.inf, lower_bounds=lower, tol=1e-9).fit(X, y)
    assert np.all(model.coef_[0, [1, 4]] == 0)
    with pytest.warns(UserWarning, match=r"x1 \(lower\), x4 \(lower\).*do not apply"):
        table = model.coef_table(X, y)
    assert table["at_bound"].tolist() == ["", "lower", "", "", "lower", "", "", "", ""]
    assert table.loc[["x1", "x4"], ["se", "z", "p_value"]].isna().all().all()
    # the others: the model with the held coefficients fixed (at zero)
    free = [0, 2, 3, 5, 6, 7]
    reference = sm.Logit(y, sm.add_constant(X[:, free], prepend=False)).fit(
        disp=0, tol=1e-12
    )
    np.testing.assert_allclose(
        table["se"].to_numpy()[free + [8]], reference.bse, rtol=1e-5
    )
    with pytest.warns(UserWarning, match="at a bound"):
        cov = model.covariance_matrix(X, y, kind="HC0")
    assert np.isnan(cov[0, 1]).all() and np.isnan(cov[0, :, 4]).all()
    np.testing.assert_allclose(
        cov[0][np.ix_(free + [8], free + [8])],
        sm.Logit(y, sm.add_constant(X[:, free], prepend=False))
        .fit(disp=0, tol=1e-12, cov_type="HC0").cov_params(),
        rtol=1e-4,
    )


def test_covariance_with_penalty_factors_closed_form():
    X, y = _binary()
    f = _factors(8)
    C = 0.5
    model = BCELogisticClassifier(C=C, penalty_factor=f, tol=1e-10).fit(X, y)
    with pytest.warns(UserWarning, match="C=0.5 is finite"):
        cov = model.covariance_matrix(X, y)
    Xt = np.column_stack([X, np.ones(len(y))])
    p = model.predict_proba(X)[:, 1]
    H = Xt.T @ (Xt * (p * (1 - p))[:, None]) + np.diag(np.r_[f / C, 0.0])
    np.testing.assert_allclose(cov[0], np.linalg.inv(H), rtol=1e-6, atol=1e-12)


def test_no_bound_column_without_bounds():
    X, y = _binary()
    model = BCELogisticClassifier(C=np.inf, upper_bounds=np.inf).fit(X, y)
    assert "at_bound" not in model.coef_table(X, y).columns


def test_partial_fit_streams_within_the_bounds():
    X, y = _binary()
    f = _factors(8)
    bounds = _bounds(8, 1)
    model = BCELogisticClassifier(
        C=0.5, solver="sgd", penalty_factor=f, lower_bounds=bounds[0],
        upper_bounds=bounds[1], stream_size=len(y), random_state=0,
    )
    for _ in range(60):
        for rows in np.array_split(np.arange(len(y)), 3):
            model.partial_fit(X[rows], y[rows], classes=[0, 1])
    # the bounds hold (the unbounded optimum has x1 < 0 and x3 < 0.2)
    assert np.all(model.coef_ >= bounds[0]) and np.all(model.coef_ <= bounds[1])
    # plain SGD steps over a stream: near the optimum only (measured 0.094)
    expected = glum_reference(X, y, 0.5, 0.0, f, None, bounds)
    np.testing.assert_allclose(fitted(model), expected, atol=0.3)


def test_l1_min_c_refuses_bounds_that_exclude_zero():
    X, y = _binary()
    lower = np.full(8, -INF)
    lower[3] = 0.2
    message = r"exclude 0 for the penalised feature\(s\) \[3\]"
    with pytest.raises(ValueError, match=message):
        l1_min_c(X, y, lower_bounds=lower)
    factor = np.ones(8)
    factor[3] = 0.0  # unpenalised: in the model anyway, at its bound or above
    c = l1_min_c(X, y, lower_bounds=lower, penalty_factor=factor)
    model = BCELogisticClassifier(
        C=0.99 * c, l1_ratio=1.0, lower_bounds=lower, penalty_factor=factor,
        tol=1e-10,
    ).fit(X, y)
    assert np.count_nonzero(model.coef_) == 1 and model.coef_[0, 3] >= 0.2


def test_no_intercept_and_multilabel_match_glum():
    X, y = _multiclass()
    Y = np.column_stack([y == 0, y != 1]).astype(int)  # two labels
    f = _factors(6)
    lower, upper = _bounds(6, 3)
    lower, upper = lower[:2], upper[:2]  # one row per label
    model = BCELogisticClassifier(
        C=0.5, penalty_factor=f, lower_bounds=lower, upper_bounds=upper,
        solver="cd", tol=1e-10,
    ).fit(X, Y)
    for k in range(2):
        expected = glum_reference(
            X, Y[:, k], 0.5, 0.0, f, None, (lower[k], upper[k])
        )
        np.testing.assert_allclose(
            np.r_[model.coef_[k], model.intercept_[k]], expected[0], atol=5e-9
        )
    flat = BCELogisticClassifier(
        C=0.5, penalty_factor=f, lower_bounds=lower[0], upper_bounds=upper[0],
        fit_intercept=False, solver="lbfgs", tol=1e-8,
    ).fit(X, Y[:, 0])
    S = len(y)
    reference = GeneralizedLinearRegressor(
        family="binomial", alpha=1 / (0.5 * S), l1_ratio=0.0, P2=f,
        fit_intercept=False, lower_bounds=lower[0], upper_bounds=upper[0],
        gradient_tol=1e-12,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(X, Y[:, 0].astype(float))
    np.testing.assert_allclose(flat.coef_[0], reference.coef_, atol=5e-6)
    assert np.all(flat.intercept_ == 0)
