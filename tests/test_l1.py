"""Exact L1 and elastic-net fits (solver="cd") against independent references.

The references are scikit-learn's ``LogisticRegression`` with saga (at tol 1e-10)
and liblinear (without intercept, which liblinear would penalise), and the
objective written out and minimised by scipy's L-BFGS-B after the smooth
reformulation ``w = u - v`` with ``u, v >= 0``. This package's objective is the
mean BCE plus the penalty divided by ``C S`` (docs/objective.rst), which is
``LogisticRegression``'s objective divided by ``C S``: the same ``C``.

The package's float64 fits are at least as close to optimality as these
references (min-norm subgradients of the objective written out: 1e-17 to 2e-10;
saga's up to 3e-11, liblinear's 1e-12, scipy's 2e-8), so the coefficients are
compared at about 10x the distance measured between the two, and the objectives
agree to rounding (at most 4.2e-16 apart relative to their value), with the BLAS
on one or two threads and on four of OpenBLAS' kernels (SkylakeX, Haswell,
Sandybridge, Prescott).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from scipy.optimize import minimize
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from sklearn_bce import BCELogisticClassifier

from .conftest import (
    DATASETS,
    EXACT_TOL,
    balanced_factor,
    bce_objective,
    lr_reference,
)

TIGHT = dict(tol=1e-10, max_iter=1000)
# Objectives of two fits of the same optimum differ by rounding: reached 4.2e-16
# relative, here and in every test below.
F_RTOL = 4e-15
SKLEARN = tuple(int(v) for v in sklearn.__version__.split(".")[:2])


def penalised_lr(C, l1_ratio, **params):
    """``LogisticRegression`` with an elastic-net penalty on scikit-learn 1.6-1.9.

    From 1.8 on ``l1_ratio`` alone sets the penalty (``penalty`` is deprecated);
    before, ``penalty`` says "l1" or "elasticnet".
    """
    if SKLEARN >= (1, 8):
        return LogisticRegression(C=C, l1_ratio=l1_ratio, **params)
    if l1_ratio == 1.0:
        return LogisticRegression(C=C, penalty="l1", **params)
    return LogisticRegression(C=C, penalty="elasticnet", l1_ratio=l1_ratio, **params)


def saga_reference(X, y01, C, l1_ratio, sample_weight=None, random_state=None):
    """saga at tol=1e-10: within about 1e-11 of optimality (the min-norm
    subgradient of the objective written out); ``random_state`` fixes the order
    in which it visits the samples."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ref = penalised_lr(
            C, l1_ratio, solver="saga", tol=1e-10, max_iter=200_000,
            random_state=random_state,
        )
        return ref.fit(X, y01, sample_weight=sample_weight)


def scipy_reference(X, y01, C, l1_ratio, sample_weight=None, fit_intercept=True):
    """Minimise the written-out objective over ``(u, v, b)``, ``w = u - v >= 0``."""
    n, d = X.shape
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    S = sw.sum()
    l1, l2 = l1_ratio / (C * S), (1 - l1_ratio) / (C * S)

    def fun(x):
        u, v, b = x[:d], x[d : 2 * d], x[2 * d] if fit_intercept else 0.0
        w = u - v
        z = X @ w + b
        loss = sw @ (np.logaddexp(0, z) - y01 * z) / S
        r = sw * (1 / (1 + np.exp(-z)) - y01) / S
        gw = X.T @ r + l2 * w
        value = loss + l2 / 2 * w @ w + l1 * (u.sum() + v.sum())
        grad = np.concatenate([gw + l1, -gw + l1, [r.sum()] if fit_intercept else []])
        return value, grad

    x0 = np.zeros(2 * d + fit_intercept)
    bounds = [(0, None)] * (2 * d) + [(None, None)] * fit_intercept
    res = minimize(
        fun, x0, jac=True, method="L-BFGS-B", bounds=bounds,
        options=dict(maxiter=100_000, maxfun=100_000, ftol=1e-16, gtol=1e-13),
    )
    w = res.x[:d] - res.x[d : 2 * d]
    return w, (res.x[2 * d] if fit_intercept else 0.0)


def support(w, rel=1e-6):
    w = np.ravel(w)
    return set(np.flatnonzero(np.abs(w) > rel * max(np.abs(w).max(), 1e-300)))


def small_binary(seed=0, n=300, d=12):
    X, y = make_classification(
        n_samples=n, n_features=d, n_informative=4, n_redundant=2,
        random_state=seed,
    )
    return X, y


@pytest.mark.parametrize("C, l1_ratio", [(0.02, 1.0), (0.2, 1.0), (0.05, 0.5)])
@pytest.mark.parametrize("weighted", [False, True])
def test_parity_with_saga(C, l1_ratio, weighted):
    X, y = small_binary()
    sw = np.random.default_rng(0).uniform(0.3, 2.0, len(y)) if weighted else None
    ours = BCELogisticClassifier(C=C, l1_ratio=l1_ratio, **TIGHT).fit(X, y, sw)
    assert ours.solver_ == "cd"
    ref = saga_reference(X, y, C, l1_ratio, sw, random_state=0)
    f = bce_objective(X, y, ours.coef_, ours.intercept_, C, sw, l1_ratio)
    f_ref = bce_objective(X, y, ref.coef_, ref.intercept_, C, sw, l1_ratio)
    # reached: |f - f_ref| / f_ref at most 4.1e-16; coefficients within 2.1e-10
    # (1.1e-9 on Sandybridge's kernels), intercepts 3.3e-10
    assert abs(f - f_ref) <= F_RTOL * f_ref
    assert set(np.flatnonzero(ours.coef_)) == set(np.flatnonzero(ref.coef_))
    assert 0 < np.count_nonzero(ours.coef_) < X.shape[1]  # a sparse model
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=1e-8)


@pytest.mark.parametrize("C", [0.01, 0.1])
def test_parity_with_liblinear_without_intercept(C):
    # liblinear penalises the intercept; without one the objectives agree
    X, y = DATASETS["breast_cancer"]()
    ours = BCELogisticClassifier(C=C, l1_ratio=1.0, fit_intercept=False, **TIGHT)
    ours.fit(X, y)
    ref = penalised_lr(
        C, 1.0, solver="liblinear", fit_intercept=False, tol=1e-12, max_iter=100_000
    ).fit(X, y)
    f = bce_objective(X, y, ours.coef_, [0.0], C, l1_ratio=1.0)
    f_ref = bce_objective(X, y, ref.coef_, [0.0], C, l1_ratio=1.0)
    # reached: |f - f_ref| / f_ref at most 2.6e-16, coefficients 2.5e-9
    assert abs(f - f_ref) <= F_RTOL * f_ref
    assert support(ours.coef_) == support(ref.coef_)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=2.5e-8)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_parity_with_scipy_on_the_written_out_objective(l1_ratio, fit_intercept):
    X, y = small_binary(seed=3, n=250, d=15)
    X = X * np.linspace(0.1, 10, X.shape[1]) + 2.0  # unscaled, uncentred columns
    sw = np.random.default_rng(1).uniform(0.1, 3.0, len(y))
    C = 0.05
    ours = BCELogisticClassifier(
        C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept, **TIGHT
    ).fit(X, y, sw)
    w, b = scipy_reference(X, y, C, l1_ratio, sw, fit_intercept)
    f = bce_objective(X, y, ours.coef_, ours.intercept_, C, sw, l1_ratio)
    f_ref = bce_objective(X, y, w, [b], C, sw, l1_ratio)
    # reached: (f - f_ref) / f_ref from -4.2e-16 to 2.7e-16; coefficients 4.8e-8,
    # intercepts 7.8e-8, as far as scipy's reference goes (its subgradient 2e-8)
    assert f <= f_ref * (1 + 3e-15)  # never above the reference beyond rounding
    assert abs(f - f_ref) <= F_RTOL * f_ref
    assert set(np.flatnonzero(ours.coef_)) == support(w)
    np.testing.assert_allclose(ours.coef_[0], w, rtol=0, atol=8e-7)
    np.testing.assert_allclose(ours.intercept_[0], b, rtol=0, atol=8e-7)


def test_exact_zeros_satisfy_the_optimality_conditions():
    X, y = small_binary(seed=5, n=400, d=30)
    C, tol = 0.03, 1e-8
    ours = BCELogisticClassifier(C=C, l1_ratio=1.0, tol=tol).fit(X, y)
    w, b = ours.coef_[0].astype(float), float(ours.intercept_[0])
    z = X @ w + b
    g = X.T @ (1 / (1 + np.exp(-z)) - y) / len(y)
    l1 = 1 / (C * len(y))
    zero = w == 0
    assert zero.sum() > 10  # exact zeros
    # at a zero the gradient is within the L1 part's reach (reached: 8.8e-3 inside
    # it at least); elsewhere it balances it (reached: 2e-9 * l1), and the
    # intercept's gradient vanishes (reached: 1.4e-11)
    assert np.all(np.abs(g[zero]) <= l1)
    np.testing.assert_allclose(
        g[~zero], -l1 * np.sign(w[~zero]), rtol=0, atol=2e-8 * l1
    )
    assert abs(np.mean(1 / (1 + np.exp(-z)) - y)) <= 1.4e-10


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc", "float32", "fortran"])
def test_input_formats_reach_the_dense_optimum(fmt):
    X, y = small_binary(seed=7, n=400, d=25)
    X = np.where(np.abs(X) < 0.7, 0.0, X)
    C = 0.05
    ref = saga_reference(X, y, C, 1.0, random_state=0)
    Xf = {
        "dense": lambda: X,
        "csr": lambda: sp.csr_matrix(X),
        "csc": lambda: sp.csc_matrix(X),
        "float32": lambda: X.astype(np.float32),
        "fortran": lambda: np.asfortranarray(X),
    }[fmt]()
    other = BCELogisticClassifier(C=C, l1_ratio=1.0, **TIGHT).fit(Xf, y)
    assert other.solver_ == "cd"
    # reached: 3.9e-8 (float32), 2.9e-10 (the float64 layouts)
    atol = 4e-7 if fmt == "float32" else 3e-9
    assert other.coef_.dtype == (np.float32 if fmt == "float32" else np.float64)
    np.testing.assert_allclose(other.coef_, ref.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(other.intercept_, ref.intercept_, rtol=0, atol=atol)
    np.testing.assert_array_equal(other.coef_ == 0, ref.coef_ == 0)


@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_one_vs_rest_with_weights_matches_per_class_references(class_weight):
    X, y = DATASETS["wine"]()
    sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    C, l1_ratio = 0.05, 0.8
    ours = BCELogisticClassifier(
        C=C, l1_ratio=l1_ratio, class_weight=class_weight, **TIGHT
    ).fit(X, y, sw)
    assert ours.coef_.shape == (3, X.shape[1]) and ours.n_iter_.shape == (3,)
    for k, c in enumerate(np.unique(y)):
        yk = (y == c).astype(int)
        wk = sw * balanced_factor(yk, sw) if class_weight == "balanced" else sw
        w, b = scipy_reference(X, yk, C, l1_ratio, wk)
        f = bce_objective(X, yk, ours.coef_[k], ours.intercept_[[k]], C, wk, l1_ratio)
        f_ref = bce_objective(X, yk, w, [b], C, wk, l1_ratio)
        # reached: 1.6e-16; coefficients 3.5e-8, intercepts 7.7e-9 (scipy's
        # reference has a subgradient up to 2e-9)
        assert abs(f - f_ref) <= F_RTOL * f_ref
        assert set(np.flatnonzero(ours.coef_[k])) == support(w)
        np.testing.assert_allclose(ours.coef_[k], w, rtol=0, atol=4e-7)
        np.testing.assert_allclose(ours.intercept_[k], b, rtol=0, atol=4e-7)


def test_multilabel_matches_per_label_references():
    X, Y = make_multilabel_classification(
        n_samples=200, n_features=10, n_classes=3, random_state=0
    )
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    C = 0.05
    ours = BCELogisticClassifier(C=C, l1_ratio=1.0, **TIGHT).fit(X, Y)
    assert ours.multilabel_
    for k in range(Y.shape[1]):
        ref = saga_reference(X, Y[:, k], C, 1.0, random_state=0)
        f = bce_objective(X, Y[:, k], ours.coef_[k], ours.intercept_[[k]], C,
                          l1_ratio=1.0)
        f_ref = bce_objective(X, Y[:, k], ref.coef_, ref.intercept_, C, l1_ratio=1.0)
        # reached: equal objectives; coefficients 1.3e-10, intercepts 3.3e-11
        assert abs(f - f_ref) <= F_RTOL * f_ref
        assert set(np.flatnonzero(ours.coef_[k])) == set(np.flatnonzero(ref.coef_))
        np.testing.assert_allclose(ours.coef_[k], ref.coef_[0], rtol=0, atol=1.5e-9)
        np.testing.assert_allclose(
            ours.intercept_[k], ref.intercept_[0], rtol=0, atol=1.5e-9
        )


def test_warm_start_reaches_the_cold_optimum_in_fewer_iterations():
    X, y = small_binary(seed=9, n=500, d=40)
    cold = BCELogisticClassifier(C=0.1, l1_ratio=1.0, **TIGHT).fit(X, y)
    warm = BCELogisticClassifier(C=0.08, l1_ratio=1.0, warm_start=True, **TIGHT)
    warm.fit(X, y).set_params(C=0.1).fit(X, y)
    ref = saga_reference(X, y, 0.1, 1.0, random_state=0)
    # reached, warm or cold: coefficients 2.5e-10, intercepts 2.7e-10
    for fit in (warm, cold):
        np.testing.assert_allclose(fit.coef_, ref.coef_, rtol=0, atol=3e-9)
        np.testing.assert_allclose(fit.intercept_, ref.intercept_, rtol=0, atol=3e-9)
        np.testing.assert_array_equal(fit.coef_ == 0, ref.coef_ == 0)
    assert warm.n_iter_[0] < cold.n_iter_[0]


def test_cd_fits_l2_too():
    X, y = DATASETS["breast_cancer"]()
    ours = BCELogisticClassifier(C=0.5, solver="cd", **TIGHT).fit(X, y)
    ref = lr_reference(X, y, 0.5, tol=EXACT_TOL)
    # reached: 3.1e-15 (coefficients near 1), 1.7e-15 (intercept)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=3e-14)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=2e-14)


def test_iteration_limit_warns():
    X, y = small_binary(seed=1, n=300, d=30)
    clf = BCELogisticClassifier(C=1.0, l1_ratio=1.0, tol=1e-12, max_iter=1)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.n_iter_[0] == 1


def test_l1_ratio_with_smooth_solvers_raises_naming_the_others():
    X, y = small_binary()
    with pytest.raises(ValueError, match="needs solver='cd', 'sgd' or 'auto'"):
        BCELogisticClassifier(l1_ratio=1.0, solver="lbfgs").fit(X, y)


def test_cd_on_dask_raises_and_auto_falls_back_to_sgd():
    pytest.importorskip("distributed")
    da = pytest.importorskip("dask.array")
    from distributed import Client, LocalCluster

    X, y = small_binary(n=200, d=6)
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster),
    ):
        dX, dy = da.from_array(X, chunks=100), da.from_array(y, chunks=100)
        with pytest.raises(ValueError, match=r"'cd' is not available for dask.*'sgd'"):
            BCELogisticClassifier(l1_ratio=1.0, solver="cd").fit(dX, dy)
        clf = BCELogisticClassifier(C=0.1, l1_ratio=1.0, max_iter=300, random_state=0)
        # SGD over the chunks stops where its epochs no longer lower the
        # objective, above the gradient tolerance: a stall, which the fit reports
        with pytest.warns(
            ConvergenceWarning,
            match=r"sgd stopped before the gradient met tol=1e-05: it stopped "
            r"making progress",
        ):
            clf.fit(dX, dy)
        assert clf.solver_ == "sgd"
        assert clf.n_iter_[0] < 300  # not the iteration limit
