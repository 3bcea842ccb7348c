"""Regularisation paths (``bce_path``) and ``l1_min_c`` against independent references.

The references: ``LogisticRegression(solver="newton-cholesky")`` at tol 1e-10 for
L2 paths (:func:`~tests.conftest.lr_reference`), the written-out L1 objective
minimised by scipy (:func:`~tests.test_l1.scipy_reference`) for L1 paths,
``sklearn.svm.l1_min_c`` and the closed form of the bound for ``l1_min_c``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.svm import l1_min_c as sklearn_l1_min_c

from sklearn_bce import BCELogisticClassifier, bce_path, l1_min_c

from .conftest import DATASETS, bce_objective, lr_reference, ovr_reference
from .test_l1 import saga_reference, scipy_reference, support


def sparse_binary(seed=0, n=400, d=60, density=0.1):
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=density, format="csr", random_state=seed)
    w = np.zeros(d)
    w[:6] = rng.normal(scale=3, size=6)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w)))).astype(int)
    return X, y


# ----------------------------------------------------------------- l1_min_c
@pytest.mark.parametrize("name", ["breast_cancer", "synthetic"])
def test_l1_min_c_without_intercept_is_sklearns(name):
    X, y = DATASETS[name]()
    ours = l1_min_c(X, y, fit_intercept=False)
    ref = sklearn_l1_min_c(X, y, loss="log", fit_intercept=False)
    np.testing.assert_allclose(ours, ref, rtol=1e-12)  # measured: exact
    # the bound is proportional to the L1 share of the penalty
    np.testing.assert_allclose(
        l1_min_c(X, y, l1_ratio=0.25, fit_intercept=False), 0.25 * ref, rtol=1e-12
    )


def test_l1_min_c_with_intercept_is_the_closed_form_and_saga_agrees():
    X, y = DATASETS["breast_cancer"]()
    sw = np.random.default_rng(0).uniform(0.5, 2.0, size=y.size)
    # at w = 0 the intercept is the weighted log-odds, and the data term's
    # gradient in w_j is sum_i s_i (p - y_i) x_ij / S: zero stays optimal while
    # max_j |sum_i s_i (p - y_i) x_ij| <= 1 / C.
    p = np.average(y, weights=sw)
    closed = 1.0 / np.abs(X.T @ (sw * (p - y))).max()
    c = l1_min_c(X, y, sample_weight=sw)
    np.testing.assert_allclose(c, closed, rtol=1e-12)
    below = saga_reference(X, y, 0.99 * c, 1.0, sample_weight=sw)
    above = saga_reference(X, y, 1.05 * c, 1.0, sample_weight=sw)
    assert np.count_nonzero(below.coef_) == 0
    assert np.count_nonzero(above.coef_) >= 1


def test_l1_min_c_one_vs_rest_is_the_smallest_over_the_classes():
    X, y = DATASETS["iris"]()
    per_class = [
        l1_min_c(X, (y == k).astype(int), l1_ratio=1.0) for k in np.unique(y)
    ]
    np.testing.assert_allclose(l1_min_c(X, y), min(per_class), rtol=1e-12)


def test_l1_min_c_errors():
    X, y = DATASETS["synthetic"]()
    with pytest.raises(ValueError, match=r"l1_ratio=0.0: l1_min_c needs an L1"):
        l1_min_c(X, y, l1_ratio=0.0)
    with pytest.raises(ValueError, match="Ill-posed l1_min_c"):
        l1_min_c(np.ones((20, 3)), np.arange(20) % 2)
    with pytest.raises(ValueError, match="NaN"):
        l1_min_c(np.where(X > 2, np.nan, X), y)


# ---------------------------------------------------------------- L2 paths
@pytest.mark.parametrize("name", ["breast_cancer", "synthetic"])
def test_l2_path_matches_logistic_regression_at_every_C(name):
    X, y = DATASETS[name]()
    Cs = [10.0, 1e-3, 0.1, 1.0, 100.0]  # any order; returned in this order
    path = bce_path(X, y, Cs=Cs, tol=1e-8)
    np.testing.assert_array_equal(path.Cs, Cs)
    assert path.coefs.shape == (5, 1, X.shape[1])
    for i, C in enumerate(Cs):
        ref = lr_reference(X, y, C)
        # measured: 3.2e-8 of the largest coefficient at most (tol=1e-8)
        atol = 3e-7 * max(1.0, np.abs(ref.coef_).max())
        np.testing.assert_allclose(path.coefs[i], ref.coef_, rtol=0, atol=atol)
        np.testing.assert_allclose(
            path.intercepts[i], ref.intercept_, rtol=0, atol=atol
        )


def test_l2_path_int_grid_is_logistic_regression_cvs():
    X, y = DATASETS["synthetic"]()
    path = bce_path(X, y, Cs=5)
    np.testing.assert_allclose(path.Cs, np.logspace(-4, 4, 5))
    assert path.n_iter.shape == (5, 1)
    assert (path.n_iter >= 1).all()


def test_one_vs_rest_and_sparse_path_match_per_class_references():
    X, y = DATASETS["wine"]()
    Cs = [0.01, 1.0]
    path = bce_path(sp.csr_matrix(X), y, Cs=Cs, tol=1e-8)
    assert path.coefs.shape == (2, 3, X.shape[1])
    np.testing.assert_array_equal(path.classes, [0, 1, 2])
    for i, C in enumerate(Cs):
        coef, intercept, _ = ovr_reference(X, y, C)
        # measured: 3e-9
        np.testing.assert_allclose(path.coefs[i], coef, rtol=0, atol=1e-7)
        np.testing.assert_allclose(path.intercepts[i], intercept, rtol=0, atol=1e-7)


# ---------------------------------------------------------------- L1 paths
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_l1_path_reaches_the_written_out_optimum_at_every_C(l1_ratio):
    X, y = make_classification(  # no redundant columns: a unique optimum
        n_samples=300, n_features=15, n_informative=4, n_redundant=0, random_state=1
    )
    path = bce_path(X, y, Cs=6, l1_ratio=l1_ratio, tol=1e-8)
    c0 = l1_min_c(X, y, l1_ratio=l1_ratio)
    np.testing.assert_allclose(path.Cs, np.geomspace(c0, 1e4 * c0, 6), rtol=1e-12)
    assert np.count_nonzero(path.coefs[0]) == 0  # the path starts all zero
    assert path.solvers == ["cd"] * 6
    for i, C in enumerate(path.Cs):
        w_ref, b_ref = scipy_reference(X, y, C, l1_ratio)
        ours = bce_objective(X, y, path.coefs[i], path.intercepts[i], C,
                             l1_ratio=l1_ratio)
        ref = bce_objective(X, y, w_ref, [b_ref], C, l1_ratio=l1_ratio)
        # measured: |ours - ref| <= 8e-15 relative
        assert ours <= ref * (1 + 1e-13)
        assert support(path.coefs[i]) == support(w_ref)


def test_l1_path_on_sparse_input_matches_the_dense_references():
    X, y = sparse_binary()
    Cs = np.array([0.5, 2.0, 8.0]) * l1_min_c(X, y)
    path = bce_path(X, y, Cs=Cs, l1_ratio=1.0, tol=1e-8)
    Xd = X.toarray()
    for i, C in enumerate(Cs):
        w_ref, b_ref = scipy_reference(Xd, y, C, 1.0)
        ours = bce_objective(Xd, y, path.coefs[i], path.intercepts[i], C, l1_ratio=1)
        ref = bce_objective(Xd, y, w_ref, [b_ref], C, l1_ratio=1)
        assert ours <= ref * (1 + 1e-13)  # measured: 3e-16 relative
        assert support(path.coefs[i]) == support(w_ref)


def test_path_fits_equal_the_estimators_optimum_with_weights():
    X, y = DATASETS["synthetic"]()
    sw = np.random.default_rng(3).integers(0, 4, size=y.size).astype(float)
    path = bce_path(X, y, Cs=[0.05, 0.5], sample_weight=sw, tol=1e-8)
    for i, C in enumerate([0.05, 0.5]):
        ref = lr_reference(X, y, C, sample_weight=sw)
        np.testing.assert_allclose(path.coefs[i], ref.coef_, rtol=0, atol=1e-7)


# ------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "Cs, match",
    [
        (0, r"Cs=0: an int must be at least 1"),
        ([], "Cs is empty"),
        ([1.0, -2.0], r"Cs must hold positive values"),
        ([np.nan], r"Cs must hold positive values"),
    ],
)
def test_bad_Cs_raise(Cs, match):
    X, y = DATASETS["synthetic"]()
    with pytest.raises(ValueError, match=match):
        bce_path(X, y, Cs=Cs)


def test_l1_path_with_a_smooth_solver_raises():
    X, y = DATASETS["synthetic"]()
    with pytest.raises(ValueError, match=r"l1_ratio=1.0 needs solver='cd'"):
        bce_path(X, y, Cs=3, l1_ratio=1.0, solver="lbfgs")


def test_bad_input_raises_like_the_estimator():
    X, y = DATASETS["synthetic"]()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        bce_path(X, y[:-1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        bce_path(X, np.zeros_like(y))
    with pytest.raises(ValueError, match="l1_ratio"):
        bce_path(X, y, l1_ratio=2.0)


def test_path_does_not_change_estimator_defaults():
    # the path's template is private: a user's estimator is untouched
    est = BCELogisticClassifier()
    X, y = DATASETS["synthetic"]()
    bce_path(X, y, Cs=2)
    assert not hasattr(est, "coef_")
