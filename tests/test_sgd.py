"""The SGD solver: same optimum as L-BFGS, streaming, schedules, elastic net."""

import importlib
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import expit
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_param_validation,
)
from sklearn.utils.fixes import parse_version

from sklearn_bce import BCELogisticClassifier
from sklearn_bce._solvers.minibatch import auto_batch_size
from sklearn_bce._solvers.sgd import sgd

from .conftest import (
    DATASETS,
    bce_objective,
    lr_reference,
    make_objective,
    ovr_objective,
    ovr_reference,
)

REFERENCE = dict(tol=1e-10, max_iter=10_000)  # saga's, for the elastic net


def lr_reference_estimator(C=1.0):
    """The unfitted estimator of :func:`lr_reference`, for OneVsRestClassifier."""
    return LogisticRegression(
        C=C, solver="newton-cholesky", tol=1e-10, max_iter=1000
    )
SKLEARN_18 = parse_version(sklearn.__version__) >= parse_version("1.8")


def synthetic_3000x40():
    X, y = make_classification(
        n_samples=3000, n_features=40, n_informative=20, random_state=0
    )
    return StandardScaler().fit_transform(X), y


TARGET_DATA = {
    "breast_cancer": DATASETS["breast_cancer"],
    "synthetic_3000x40": synthetic_3000x40,
}


objective = bce_objective  # the objective of one binary problem, written out
# A relative gap below zero can only be rounding: the reference is exact to ~1e-16.
BELOW = -1e-12


def ovr_gap(X, y, clf, C):
    """Relative gap of a one-vs-rest model's summed objective to the reference's."""
    coef, intercept, _ = ovr_reference(X, y, C)
    f_star = ovr_objective(X, y, coef, intercept, C)
    return ovr_objective(X, y, clf.coef_, clf.intercept_, C) / f_star - 1


def reference_optimum(X, y, C, sample_weight=None, fit_intercept=True):
    """The optimum of scikit-learn's Newton-Cholesky LogisticRegression."""
    ref = lr_reference(X, y, C, sample_weight, fit_intercept=fit_intercept)
    return objective(X, y, ref.coef_, ref.intercept_, C, sample_weight), ref


def elastic_net_reference(C, l1_ratio):
    if SKLEARN_18:
        return LogisticRegression(C=C, l1_ratio=l1_ratio, solver="saga", **REFERENCE)
    return LogisticRegression(
        C=C, penalty="elasticnet", l1_ratio=l1_ratio, solver="saga", **REFERENCE
    )


def chunked_partial_fit(clf, X, y, n_chunks, n_epochs, seed=0, sample_weight=None):
    """``n_epochs`` passes of partial_fit over ``n_chunks`` chunks of shuffled rows."""
    rng = np.random.default_rng(seed)
    chunks = np.array_split(rng.permutation(len(y)), n_chunks)
    classes = np.unique(y)
    for _ in range(n_epochs):
        for rows in chunks:
            sw = None if sample_weight is None else sample_weight[rows]
            clf.partial_fit(X[rows], y[rows], classes=classes, sample_weight=sw)
    return clf


def gradient_max_norm(X, y01, coef, intercept, C, sample_weight=None):
    """Max-norm of the gradient of :func:`bce_objective` in ``(w, b)``, written out."""
    X = np.asarray(X, dtype=np.float64)
    sw = np.ones(len(y01)) if sample_weight is None else np.asarray(sample_weight)
    w = np.ravel(coef).astype(np.float64)
    r = sw * (expit(X @ w + float(np.ravel(intercept)[0])) - y01) / sw.sum()
    g = X.T @ r
    if np.isfinite(C):
        g = g + w / (C * sw.sum())
    return max(np.abs(g).max(), abs(r.sum()))


# ------------------------------------------------------------------ the optimum
# (relative objective gap, largest probability error) at default settings, within
# about 10x of what random_state 0 to 3 reached against the newton-cholesky
# reference: 6.1e-10 and 3.4e-5 (breast_cancer, C=0.1), 9.2e-9 and 1.5e-4 (C=1),
# 4.2e-8 and 1.6e-4 (C=10); on 3000 x 40, 3.6e-9 and 1.5e-4 (C=0.1), 1.3e-9 and
# 9.0e-5 (C=1 and 10).
DEFAULT_SGD_BOUNDS = {
    ("breast_cancer", 0.1): (7e-9, 4e-4),
    ("breast_cancer", 1.0): (1e-7, 2e-3),
    ("breast_cancer", 10.0): (5e-7, 2e-3),
    ("synthetic_3000x40", 0.1): (3e-8, 1e-3),
    ("synthetic_3000x40", 1.0): (2e-8, 1e-3),
    ("synthetic_3000x40", 10.0): (2e-8, 1e-3),
}


@pytest.mark.parametrize("data", list(TARGET_DATA))
@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
@pytest.mark.parametrize("seed", [0, 3])
def test_default_sgd_meets_the_gradient_tolerance(data, C, seed):
    X, y = TARGET_DATA[data]()
    f_star, ref = reference_optimum(X, y, C)
    # converges at default settings: a ConvergenceWarning is an error here
    clf = BCELogisticClassifier(C=C, solver="sgd", random_state=seed).fit(X, y)
    # The gradient test: tol times 4 p (1 - p) in the solver's coordinates, which
    # on standardised data are the features rescaled by a few per cent (reached:
    # 0.996 times it).
    p = y.mean()
    g = gradient_max_norm(X, y, clf.coef_, clf.intercept_, C)
    assert g <= 1.05 * clf.tol * 4 * p * (1 - p)
    gap = objective(X, y, clf.coef_, clf.intercept_, C) / f_star - 1
    max_gap, max_proba = DEFAULT_SGD_BOUNDS[data, C]
    assert BELOW < gap < max_gap
    np.testing.assert_allclose(
        clf.predict_proba(X), ref.predict_proba(X), rtol=0, atol=max_proba
    )


def test_default_sgd_on_unscaled_data_meets_the_optimum():
    # Raw breast_cancer (feature scales from 1e-3 to 1e3, strong correlations):
    # the quasi-Newton metric of the variance-reduced epochs undoes what the
    # per-feature scaling leaves. Reached over random_state 0 to 3: gaps up to
    # 5.6e-8, probabilities within 1.9e-4.
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    f_star, ref = reference_optimum(X, y, 1.0)
    clf = BCELogisticClassifier(solver="sgd", random_state=0).fit(X, y)
    assert BELOW < objective(X, y, clf.coef_, clf.intercept_, 1.0) / f_star - 1 < 6e-7
    np.testing.assert_allclose(
        clf.predict_proba(X), ref.predict_proba(X), rtol=0, atol=2e-3
    )


# (one-vs-rest gap, largest probability error), within about 10x of what
# random_state 0 to 3 reached: iris 7.0e-10, 6.2e-10, 7.4e-10 and 1.5e-5, 2.3e-5,
# 2.3e-5 at C = 0.1, 1, 10; wine 1.2e-9, 4.2e-9, 7.3e-9 and 5.2e-5, 5.8e-5,
# 4.4e-5; digits 1.5e-9, 3.2e-9, 3.5e-8 and 1.3e-4, 7.2e-5, 1.4e-4.
MULTICLASS_BOUNDS = {
    ("iris", 0.1): (8e-9, 1e-4),
    ("iris", 1.0): (7e-9, 3e-4),
    ("iris", 10.0): (8e-9, 3e-4),
    ("wine", 0.1): (2e-8, 5e-4),
    ("wine", 1.0): (5e-8, 6e-4),
    ("wine", 10.0): (8e-8, 5e-4),
    ("digits", 0.1): (2e-8, 1e-3),
    ("digits", 1.0): (4e-8, 8e-4),
    ("digits", 10.0): (4e-7, 2e-3),
}


@pytest.mark.parametrize("data, C", list(MULTICLASS_BOUNDS))
def test_multiclass_sgd_reaches_the_one_vs_rest_optimum(data, C):
    X, y = DATASETS[data]()
    _, _, proba = ovr_reference(X, y, C)
    clf = BCELogisticClassifier(C=C, solver="sgd", random_state=0).fit(X, y)
    max_gap, max_proba = MULTICLASS_BOUNDS[data, C]
    assert BELOW < ovr_gap(X, y, clf, C) < max_gap
    np.testing.assert_allclose(clf.predict_proba(X), proba, rtol=0, atol=max_proba)
    k = np.unique(y).size
    assert clf.coef_.shape == (k, X.shape[1])
    assert clf.n_iter_.shape == (k,)


def test_sample_weights_and_class_weights_reach_the_weighted_optimum():
    X, y = DATASETS["breast_cancer"]()
    rng = np.random.default_rng(0)
    sw = rng.integers(0, 4, size=len(y)).astype(float)
    cw = {0: 2.0, 1: 0.5}
    w = sw * np.where(y == 0, 2.0, 0.5)
    f_star, _ = reference_optimum(X, y, 1.0, sample_weight=w)
    # reached over random_state 0 to 3: gaps up to 1.0e-6 (weights), 1.1e-6 (rows)
    clf = BCELogisticClassifier(solver="sgd", class_weight=cw, random_state=0)
    clf.fit(X, y, sample_weight=sw)
    gap = objective(X, y, clf.coef_, clf.intercept_, 1.0, w) / f_star - 1
    assert BELOW < gap < 1e-5
    # integer weights are repetitions: the same optimum
    rep = clone(clf)
    rep.fit(np.repeat(X, sw.astype(int), axis=0), np.repeat(y, sw.astype(int)))
    gap = objective(X, y, rep.coef_, rep.intercept_, 1.0, w) / f_star - 1
    assert BELOW < gap < 1e-5


@pytest.mark.parametrize(
    "sparse_format, fit_intercept",
    [(None, True), (None, False), ("csr", False), ("csc", True)],
)
def test_no_intercept_and_sparse_input(sparse_format, fit_intercept):
    X, y = DATASETS["synthetic"]()
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    Xf = X if sparse_format is None else sp.csr_matrix(X).asformat(sparse_format)
    f_star, _ = reference_optimum(X, y, 1.0, fit_intercept=fit_intercept)
    clf = BCELogisticClassifier(
        solver="sgd", fit_intercept=fit_intercept, random_state=0
    ).fit(Xf, y)
    # reached over random_state 0 to 3: 2.1e-9 in every layout
    gap = objective(X, y, clf.coef_, clf.intercept_, 1.0) / f_star - 1
    assert BELOW < gap < 2e-8
    if not fit_intercept:
        np.testing.assert_array_equal(clf.intercept_, [0.0])


def test_sparse_and_dense_input_reach_the_one_vs_rest_optimum():
    X, y = DATASETS["iris"]()
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    dense = BCELogisticClassifier(solver="sgd", random_state=3).fit(X, y)
    csr = BCELogisticClassifier(solver="sgd", random_state=3).fit(sp.csr_matrix(X), y)
    # reached over random_state 0 to 3, either layout: at most 5.5e-9
    for clf in (dense, csr):
        assert BELOW < ovr_gap(X, y, clf, 1.0) < 3e-8


def test_float32_input_gives_float32_model_at_the_same_optimum():
    X, y = DATASETS["breast_cancer"]()
    m32 = BCELogisticClassifier(solver="sgd", random_state=0)
    m32.fit(X.astype(np.float32), y)
    assert m32.coef_.dtype == np.float32 and m32.intercept_.dtype == np.float32
    f_star, ref = reference_optimum(X, y, 1.0)
    coef = m32.coef_.astype(np.float64)
    gap = objective(X, y, coef, m32.intercept_.astype(np.float64), 1.0) / f_star - 1
    # reached over random_state 0 to 3: gaps up to 8.4e-7, probabilities 5.2e-4
    assert BELOW < gap < 5e-6
    np.testing.assert_allclose(
        m32.predict_proba(X.astype(np.float32)), ref.predict_proba(X), atol=3e-3
    )


def test_no_penalty_with_infinite_C():
    X, y = DATASETS["synthetic"]()
    X = X[:, :3]  # not separable: the unpenalised optimum is finite
    f_star, ref = reference_optimum(X, y, np.inf)
    clf = BCELogisticClassifier(C=np.inf, solver="sgd", random_state=0).fit(X, y)
    # reached over random_state 0 to 3: gap 6.2e-10, probabilities 3.9e-5
    gap = objective(X, y, clf.coef_, clf.intercept_, np.inf) / f_star - 1
    assert BELOW < gap < 5e-9
    np.testing.assert_allclose(
        clf.predict_proba(X), ref.predict_proba(X), rtol=0, atol=3e-4
    )


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(20, 80),
    d=st.integers(1, 6),
    log_C=st.floats(-2, 2),
)
def test_property_tight_sgd_matches_logistic_regression(seed, n, d, log_C):
    # the hypothesis profile's budget (100 examples in CI): every fit meets the
    # gradient tolerance (a ConvergenceWarning is an error here); the largest gap
    # found was 8.9e-16, rounding
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2, size=d)
    y = (X @ rng.normal(size=d) + rng.normal(size=n) > 0).astype(int)
    if np.unique(y).size < 2:
        y[0] = 1 - y[0]
    C = 10.0**log_C
    f_star, _ = reference_optimum(X, y, C)
    clf = BCELogisticClassifier(
        C=C, solver="sgd", tol=1e-9, max_iter=2000, random_state=seed
    ).fit(X, y)
    assert BELOW < objective(X, y, clf.coef_, clf.intercept_, C) / f_star - 1 < 1e-13


def small_weighted_problem(seed, n, C, weighted):
    """A small, noisy, weakly penalised problem and scikit-learn's optimum."""
    X, y = make_classification(
        n_samples=n, n_features=4, n_informative=2, n_redundant=0, flip_y=0.1,
        random_state=seed,
    )
    w = np.random.default_rng(seed).uniform(0.1, 3, size=n) if weighted else None
    return X, y, w, lr_reference(X, y, C, sample_weight=w)


def test_minibatch_objective_is_unbiased_with_uneven_weights():
    # A batch's data term is its weighted sum scaled by n / |batch|: the mean over
    # the batches of any partition into equal batches is the full objective, and
    # a batch of one row keeps that row's weight.
    rng = np.random.default_rng(0)
    n, d = 12, 3
    X = rng.normal(size=(n, d))
    y = (rng.random(n) < 0.5).astype(float)
    w = rng.uniform(0.1, 3, size=n)
    obj = make_objective(X, y[:, None], sample_weight=w, C=2.0)
    theta = rng.normal(size=obj.n_params)
    f, g = obj.loss_gradient_per_problem(theta)
    W, b = obj.to_coef(theta)
    z = X @ W[0] + b[0]
    penalty = W[0] @ W[0] / (2 * 2.0 * w.sum())
    for i in (0, 5):
        f_i, _ = obj.loss_gradient_per_problem(theta, rows=slice(i, i + 1))
        bce = np.logaddexp(0, z[i]) - y[i] * z[i]
        assert f_i[0] == pytest.approx(n * w[i] / w.sum() * bce + penalty, rel=1e-12)
    for size in (1, 3, 4):
        parts = [
            obj.loss_gradient_per_problem(theta, rows=np.arange(a, a + size))
            for a in range(0, n, size)
        ]
        assert np.mean([p[0][0] for p in parts]) == pytest.approx(f[0], rel=1e-12)
        np.testing.assert_allclose(np.mean([p[1] for p in parts], axis=0), g)


def test_small_weighted_weakly_penalised_problem_reaches_the_lbfgs_optimum():
    # 40 rows are batches of two; with uneven weights and a weak penalty the
    # steps used to diverge, the undone epochs counted as "no change" and the
    # fit stopped, reported converged, at twice the optimal objective.
    X, y, w, ref = small_weighted_problem(8, 40, 214.0, weighted=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = BCELogisticClassifier(
            C=214.0, solver="sgd", random_state=0, tol=1e-10, max_iter=300
        ).fit(X, y, sample_weight=w)
    f_star = objective(X, y, ref.coef_, ref.intercept_, 214.0, w)
    f_sgd = objective(X, y, clf.coef_, clf.intercept_, 214.0, w)
    # reached over random_state 0 to 3: gap 4.4e-16, coefficients 1.1e-8 relative
    assert BELOW < f_sgd / f_star - 1 < 1e-14
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-7)
    np.testing.assert_allclose(clf.intercept_, ref.intercept_, rtol=1e-7)


def test_epochs_undone_for_overshooting_do_not_count_as_convergence(monkeypatch):
    # With a curvature estimate far too small, the first steps are far too long:
    # those epochs are undone, and must neither stop the fit as converged nor
    # keep the later steps that long.
    # Every estimate: the one of the initial step (made in minibatch.py) and
    # those of the later epochs (looked up in sgd.py).
    for name in ("sklearn_bce._solvers.minibatch", "sklearn_bce._solvers.sgd"):
        monkeypatch.setattr(
            importlib.import_module(name), "curvature",
            lambda objective, theta, rng, *args, **kw: np.full(objective.K, 1e-8),
        )
    X, y, w, ref = small_weighted_problem(0, 60, 10.0, weighted=True)
    obj = make_objective(X, y[:, None], sample_weight=w, C=10.0)
    res = sgd(obj, np.zeros(obj.n_params), tol=1e-10, max_iter=300, random_state=0)
    f_star = objective(X, y, ref.coef_, ref.intercept_, 10.0, w)
    # reached over random_state 0 to 3: 4.4e-16, in 22 to 25 epochs
    assert res.fun / f_star - 1 < 1e-14
    assert res.converged and res.stop == "converged"
    assert res.grad_norm <= 1e-10


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(33, 64),
    log_C=st.floats(0, 3),
    weighted=st.booleans(),
)
def test_property_small_weighted_problems_reach_the_optimum_or_warn(
    seed, n, log_C, weighted
):
    # Batches of two rows (33 to 64 rows), uneven weights, weak penalties: the
    # fit either meets its tolerance, at the optimal objective, or says it did
    # not. In the profile's 100 examples none warned; the largest gap was 1.3e-15.
    C = 10.0**log_C
    X, y, w, ref = small_weighted_problem(seed, n, C, weighted)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf = BCELogisticClassifier(
            C=C, solver="sgd", tol=1e-10, max_iter=200, random_state=seed
        ).fit(X, y, sample_weight=w)
    warned = any(issubclass(c.category, ConvergenceWarning) for c in caught)
    f_star = objective(X, y, ref.coef_, ref.intercept_, C, w)
    gap = objective(X, y, clf.coef_, clf.intercept_, C, w) / f_star - 1
    assert gap > -1e-8
    assert warned or gap < 1e-13


# ------------------------------------------------------------------ partial_fit
# 30 epochs over 6 chunks: the largest gap over random_state and chunk seeds 0 to 4
# was 1.6e-2 (breast_cancer, C=1; 3.7e-3 at best), 1.3e-3 (breast_cancer, C=0.1),
# 3.2e-3 and 2.0e-4 (3000 x 40, C=1 and 0.1).
PARTIAL_FIT_BOUNDS = {
    ("breast_cancer", 0.1): 3e-3,
    ("breast_cancer", 1.0): 3e-2,
    ("synthetic_3000x40", 0.1): 5e-4,
    ("synthetic_3000x40", 1.0): 6e-3,
}


@pytest.mark.parametrize("data", list(TARGET_DATA))
@pytest.mark.parametrize("C", [0.1, 1.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_partial_fit_epochs_over_chunks_reach_the_optimum(data, C, seed):
    X, y = TARGET_DATA[data]()
    f_star, _ = reference_optimum(X, y, C)
    clf = BCELogisticClassifier(
        C=C, solver="sgd", random_state=seed, stream_size=len(y)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no spurious warning from partial_fit
        chunked_partial_fit(clf, X, y, n_chunks=6, n_epochs=30, seed=seed)
    gap = objective(X, y, clf.coef_, clf.intercept_, C) / f_star - 1
    assert BELOW < gap < PARTIAL_FIT_BOUNDS[data, C]
    assert clf.n_iter_.tolist() == [180]
    assert len(clf.loss_curve_) == 180


@pytest.mark.parametrize("stream_size", [None, 1000.0])
def test_partial_fit_penalty_is_scaled_by_stream_size_or_the_weight_seen(stream_size):
    """loss_curve_ holds each chunk's objective with the stream's penalty."""
    X, y = DATASETS["breast_cancer"]()
    C = 0.5
    clf = BCELogisticClassifier(
        C=C, solver="sgd", random_state=0, stream_size=stream_size
    )
    chunks = np.array_split(np.random.default_rng(0).permutation(len(y)), 3)
    seen = 0
    for _ in range(2):
        for rows in chunks:
            clf.partial_fit(X[rows], y[rows], classes=[0, 1])
            seen += len(rows)
            total = seen if stream_size is None else stream_size
            w, b = clf.coef_[0], clf.intercept_[0]
            z = X[rows] @ w + b
            expected = np.mean(np.logaddexp(0, z) - y[rows] * z) + w @ w / (
                2 * C * total
            )
            assert clf.loss_curve_[-1] == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("learning_rate", ["auto", "optimal"])
def test_partial_fit_one_vs_rest_with_averaging(learning_rate):
    X, y = DATASETS["wine"]()
    C = 1.0
    ref = OneVsRestClassifier(lr_reference_estimator(C)).fit(X, y)
    clf = BCELogisticClassifier(
        C=C, solver="sgd", learning_rate=learning_rate, average=True,
        random_state=0, stream_size=len(y),
    )
    chunked_partial_fit(clf, X, y, n_chunks=4, n_epochs=30)
    assert clf.coef_.shape == (3, X.shape[1])
    # reached over random_state and chunk seeds 0 to 4: 5.9e-3 (auto), 4.0e-3
    assert BELOW < ovr_gap(X, y, clf, C) < 1e-2
    assert clf.score(X, y) == pytest.approx(ref.score(X, y), abs=0.02)


def test_partial_fit_with_sample_and_class_weights():
    X, y = DATASETS["breast_cancer"]()
    sw = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    cw = {0: 2.0, 1: 1.0}
    w = sw * np.where(y == 0, 2.0, 1.0)
    f_star, _ = reference_optimum(X, y, 0.1, sample_weight=w)
    clf = BCELogisticClassifier(
        C=0.1, solver="sgd", class_weight=cw, random_state=0, stream_size=w.sum()
    )
    chunked_partial_fit(clf, X, y, 6, 30, sample_weight=sw)
    # 30 epochs, random_state and chunk seeds 0 to 4: 9.3e-4 to 1.3e-2 (10 epochs
    # reached 5e-3 to 4.3e-2)
    gap = objective(X, y, clf.coef_, clf.intercept_, 0.1, w) / f_star - 1
    assert BELOW < gap < 3e-2


def test_partial_fit_first_chunk_may_miss_classes():
    X, y = DATASETS["iris"]()
    clf = BCELogisticClassifier(solver="sgd", random_state=0)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert clf.coef_.shape == (3, X.shape[1])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    clf.partial_fit(X, y)  # classes optional from the second call on
    assert clf.n_iter_.tolist() == [2, 2, 2]


def test_partial_fit_continues_fit_and_fit_restarts():
    X, y = DATASETS["breast_cancer"]()
    f_star, _ = reference_optimum(X, y, 1.0)
    clf = BCELogisticClassifier(solver="sgd", random_state=0, stream_size=len(y))
    clf.fit(X, y)
    n_fit = clf.n_iter_.copy()
    curve = list(clf.loss_curve_)
    clf.partial_fit(X, y)
    # reached over random_state 0 to 3: 5.5e-7
    assert BELOW < objective(X, y, clf.coef_, clf.intercept_, 1.0) / f_star - 1 < 5e-6
    np.testing.assert_array_equal(clf.n_iter_, n_fit + 1)
    assert clf.loss_curve_[:-1] == curve
    clf.fit(X, y)  # a new fit forgets the stream
    np.testing.assert_array_equal(clf.n_iter_, n_fit)
    assert clf.loss_curve_ == curve


def test_partial_fit_continues_an_lbfgs_fit():
    X, y = DATASETS["breast_cancer"]()
    f_star, _ = reference_optimum(X, y, 1.0)
    clf = BCELogisticClassifier(tol=1e-8, max_iter=1000).fit(X, y)
    clf.set_params(solver="sgd", random_state=0, stream_size=len(y))
    clf.partial_fit(X, y)
    assert clf.n_iter_.tolist() == [1]
    assert len(clf.loss_curve_) == 1
    # an epoch from the optimum stays there (reached: 6.7e-16)
    assert BELOW < objective(X, y, clf.coef_, clf.intercept_, 1.0) / f_star - 1 < 1e-12


def test_partial_fit_only_with_the_sgd_solver():
    clf = BCELogisticClassifier()
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as exc:
        clf.partial_fit(np.zeros((2, 1)), [0, 1], classes=[0, 1])
    assert "only available with solver='sgd'" in str(exc.value.__cause__)
    assert hasattr(clf.set_params(solver="sgd"), "partial_fit")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({}, "classes must be passed on the first call"),
        ({"classes": [0]}, "at least 2 classes"),
        ({"classes": [0, 5]}, r"labels that are not in classes: \[1\]"),
    ],
)
def test_partial_fit_first_call_errors(kwargs, match):
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match=match):
        BCELogisticClassifier(solver="sgd").partial_fit(X, y, **kwargs)


def test_partial_fit_later_call_errors():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    clf = BCELogisticClassifier(solver="sgd").partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"classes=\[0, 1, 2\] differs"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"not in classes: \[2\]"):
        clf.partial_fit(X, np.array([0, 2, 1, 1]))
    with pytest.raises(ValueError, match="expecting 1 features"):
        clf.partial_fit(np.hstack([X, X]), y)
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        clf.set_params(class_weight="balanced").partial_fit(X, y)


# ------------------------------------------------------------------ determinism
def test_same_random_state_gives_identical_coefficients():
    X, y = DATASETS["wine"]()
    kw = dict(solver="sgd", random_state=7)
    a = BCELogisticClassifier(**kw).fit(X, y)
    b = BCELogisticClassifier(**kw).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
    assert a.loss_curve_ == b.loss_curve_
    c = BCELogisticClassifier(solver="sgd", random_state=8).fit(X, y)
    assert not np.array_equal(a.coef_, c.coef_)
    p = chunked_partial_fit(BCELogisticClassifier(**kw), X, y, 3, 2)
    q = chunked_partial_fit(BCELogisticClassifier(**kw), X, y, 3, 2)
    np.testing.assert_array_equal(p.coef_, q.coef_)
    # clones are as deterministic as the original
    r = clone(a).fit(X, y)
    np.testing.assert_array_equal(r.coef_, a.coef_)


# ------------------------------------------------------------------ attributes
def test_loss_curve_is_the_objective_after_each_epoch():
    X, y = DATASETS["breast_cancer"]()
    clf = BCELogisticClassifier(solver="sgd", max_iter=5, tol=0.0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.n_iter_.tolist() == [5]
    assert len(clf.loss_curve_) == 5
    # 'auto' only keeps epochs that lower the objective
    assert np.all(np.diff(clf.loss_curve_) <= 0)
    assert clf.loss_curve_[-1] == pytest.approx(
        objective(X, y, clf.coef_, clf.intercept_, 1.0), rel=1e-10
    )
    assert clf.validation_loss_curve_ is None
    lbfgs = clone(clf).set_params(solver="lbfgs", max_iter=100, tol=1e-5).fit(X, y)
    assert not hasattr(lbfgs, "loss_curve_")


def test_warm_start_at_the_optimum_takes_no_epoch():
    X, y = DATASETS["iris"]()
    clf = BCELogisticClassifier(tol=1e-9, max_iter=1000, warm_start=True)
    first = clf.fit(X, y).coef_.copy()
    clf.set_params(solver="sgd", tol=1e-5).fit(X, y)
    np.testing.assert_array_equal(clf.n_iter_, [0, 0, 0])
    np.testing.assert_array_equal(clf.coef_, first)
    assert clf.loss_curve_ == []
    with pytest.raises(ValueError, match="same classes as the previous fit"):
        clf.fit(X[y > 0], y[y > 0])


def test_warm_start_from_lbfgs_and_from_a_stream():
    X, y = DATASETS["breast_cancer"]()
    clf = BCELogisticClassifier(tol=1e-8, max_iter=1000, warm_start=True).fit(X, y)
    clf.set_params(solver="sgd", tol=1e-4).fit(X, y)
    assert clf.n_iter_.tolist() == [0]
    stream = BCELogisticClassifier(solver="sgd", warm_start=True, random_state=0)
    chunked_partial_fit(stream, X, y, 3, 1)
    before = stream.coef_.copy()
    f_star, _ = reference_optimum(X, y, 1.0)
    stream.fit(X, y)
    assert not np.array_equal(stream.coef_, before)
    # reached over random_state 0 to 3: 2.7e-7
    gap = objective(X, y, stream.coef_, stream.intercept_, 1.0) / f_star - 1
    assert BELOW < gap < 3e-6


def test_convergence_warning_counts_epochs():
    X, y = DATASETS["breast_cancer"]()
    msg = r"sgd did not converge in max_iter=2 .*max_iter counts epochs"
    with pytest.warns(ConvergenceWarning, match=msg):
        BCELogisticClassifier(solver="sgd", max_iter=2, random_state=0).fit(X, y)
    advice = r"learning_rate='auto' \(variance-reduced epochs\) meets the gradient"
    with pytest.warns(ConvergenceWarning, match=advice):
        BCELogisticClassifier(
            solver="sgd", learning_rate="constant", max_iter=2, random_state=0
        ).fit(X, y)


def test_convergence_warning_on_ill_conditioned_data_says_what_to_change():
    # Unscaled breast_cancer with a weak penalty: features of tiny variance and
    # strong correlations leave the default epochs short of the gradient
    # tolerance (3 to 7 times it); the warning names the cause and the remedies.
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    with pytest.warns(ConvergenceWarning) as record:
        clf = BCELogisticClassifier(solver="sgd", C=100.0, random_state=0).fit(X, y)
    msg = str(record[0].message)
    assert msg.startswith("sgd did not converge in max_iter=100")
    for advice in ("ill-conditioned", "solver='lbfgs'", "max_iter", "StandardScaler"):
        assert advice in msg
    assert clf.n_iter_.tolist() == [100]


# ------------------------------------------------------------------ stalls
def test_plateau_above_the_gradient_tolerance_is_a_stall_that_warns():
    # Plain SGD stops on its plateau test, above the gradient tolerance: not
    # converged, a stall, with the tolerance it reached.
    X, y = DATASETS["breast_cancer"]()
    obj = full_batch_objective(X, y)
    res = sgd(
        obj, obj.initial_point(prior=False), learning_rate="constant",
        tol=1e-3, grad_tol=1e-5, n_iter_no_change=2, max_iter=100, random_state=0,
    )
    assert not res.converged
    assert res.stop == "stalled"
    assert res.n_iter[0] < 100
    assert res.tol_ratio == pytest.approx(res.grad_norm / 1e-5, rel=1e-12)
    assert res.tol_ratio > 1
    assert res.message == (
        "2 epochs in a row did not lower the objective by more than tol=0.001 "
        "times its value"
    )
    # the fit says so, and how to do better
    clf = BCELogisticClassifier(
        solver="sgd", learning_rate="constant", tol=1e-3, n_iter_no_change=2,
        random_state=0,
    )
    msg = (
        r"sgd stopped before the gradient met tol=0\.001: it stopped making "
        r"progress \(2 epochs in a row did not lower the objective by more than "
        r"tol=0\.001 times its value\) .*\)\. The fit reached tol=1e-0"
        r".* learning_rate='constant' takes plain SGD steps"
    )
    with pytest.warns(ConvergenceWarning, match=msg):
        clf.fit(X, y)
    assert clf.n_iter_[0] < 100


def test_variance_reduced_epochs_stall_only_at_rounding():
    # The plateau of the variance-reduced epochs watches the objective down to
    # rounding and the gradient: at float64 it does not stop them before a
    # gradient of 1e-14 (reached in 72 epochs), at float32 it stops them where
    # rounding does (near 1e-8), and says so.
    X, y = DATASETS["breast_cancer"]()
    obj = full_batch_objective(X, y)
    res = sgd(
        obj, obj.initial_point(prior=False), tol=1e-14, max_iter=500, random_state=0
    )
    assert res.converged and res.stop == "converged"
    assert res.grad_norm <= 1e-14
    obj32 = full_batch_objective(X.astype(np.float32), y)
    res = sgd(
        obj32, obj32.initial_point(prior=False), tol=1e-12, max_iter=500,
        random_state=0,
    )
    assert res.stop == "stalled" and not res.converged
    assert res.n_iter[0] < 500
    assert res.message == (
        "5 epochs in a row lowered neither the objective, beyond rounding, nor "
        "the gradient"
    )
    assert 1e-10 < res.grad_norm < 1e-7
    assert res.tol_ratio == pytest.approx(res.grad_norm / 1e-12, rel=1e-12)
    msg = r"sgd stopped before the gradient met tol=1e-12: .*beyond rounding"
    with pytest.warns(ConvergenceWarning, match=msg):
        BCELogisticClassifier(
            solver="sgd", tol=1e-12, max_iter=500, random_state=0
        ).fit(X.astype(np.float32), y)


# ------------------------------------------------------------------ schedules
def full_batch_objective(X, y, C=1.0):
    return make_objective(X, y[:, None].astype(float), C=C)


@pytest.mark.parametrize(
    "learning_rate, steps",
    [
        ("constant", lambda eta0, alpha, t: eta0),
        ("optimal", lambda eta0, alpha, t: 1.0 / (alpha * (1.0 / (alpha * eta0) + t))),
        ("invscaling", lambda eta0, alpha, t: eta0 / t**0.25),
    ],
)
def test_schedules_take_the_documented_steps(learning_rate, steps):
    """With one batch, every step is a gradient step of the documented size."""
    X, y = DATASETS["synthetic"]()
    obj = full_batch_objective(X, y)
    eta0, alpha = 0.3, 1.0 / len(y)  # alpha = 1 / (C S): the objective's penalty
    theta = np.zeros(obj.n_params)
    for t in (1, 2, 3):
        theta = theta - steps(eta0, alpha, t) * obj.loss_gradient(theta)[1]
    res = sgd(
        obj, np.zeros(obj.n_params), learning_rate=learning_rate, eta0=eta0,
        power_t=0.25, batch_size=len(y), max_iter=3, tol=0.0, random_state=0,
    )
    np.testing.assert_allclose(res.x, theta, rtol=1e-12, atol=1e-14)


def test_adaptive_divides_the_step_by_five_when_progress_stalls():
    X, y = DATASETS["synthetic"]()
    obj = full_batch_objective(X, y)
    # A step too large: the objective stops improving, the step shrinks.
    res = sgd(
        obj, np.zeros(obj.n_params), learning_rate="adaptive", eta0=10.0,
        batch_size=len(y), max_iter=200, n_iter_no_change=2, tol=1e-4,
        random_state=0,
    )
    f_star, _ = reference_optimum(X, y, 1.0)
    # it stops once the step falls below 1e-6: a stall, not convergence
    assert res.stop == "stalled" and not res.converged
    assert res.message == "the step of learning_rate='adaptive' fell below 1e-06"
    assert BELOW < res.fun / f_star - 1 < 5e-3  # reached: 8.5e-4


# reached over random_state 0 to 4: 5.0e-4, 3.9e-4, 4.2e-4 and 1.7e-4
@pytest.mark.parametrize(
    "learning_rate, bound",
    [("constant", 3e-3), ("optimal", 3e-3), ("invscaling", 3e-3), ("adaptive", 1e-3)],
)
def test_plain_schedules_with_averaging_approach_the_optimum(learning_rate, bound):
    X, y = synthetic_3000x40()
    f_star, _ = reference_optimum(X, y, 1.0)
    clf = BCELogisticClassifier(
        solver="sgd", learning_rate=learning_rate, average=True, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert BELOW < objective(X, y, clf.coef_, clf.intercept_, 1.0) / f_star - 1 < bound


def test_average_int_starts_averaging_after_that_many_samples():
    X, y = DATASETS["synthetic"]()
    obj = full_batch_objective(X, y)
    n = len(y)
    common = dict(
        learning_rate="constant", eta0=0.5, batch_size=n, tol=0.0, random_state=0
    )
    steps = sgd(obj, np.zeros(obj.n_params), max_iter=4, **common)
    # averaging from 2n samples on: the mean of the iterates after steps 2, 3, 4
    avg = sgd(obj, np.zeros(obj.n_params), max_iter=4, average=2 * n, **common)
    iterates = [
        sgd(obj, np.zeros(obj.n_params), max_iter=k, **common).x for k in (2, 3, 4)
    ]
    np.testing.assert_allclose(avg.x, np.mean(iterates, axis=0), rtol=1e-12)
    assert not np.allclose(avg.x, steps.x)


def test_auto_batch_size():
    assert [auto_batch_size(n) for n in (1, 27, 32, 33, 569, 3000, 10**6)] == [
        1, 27, 32, 2, 18, 94, 1024,
    ]


def test_shuffle_false_visits_rows_in_order():
    X, y = DATASETS["breast_cancer"]()
    a = BCELogisticClassifier(solver="sgd", shuffle=False, random_state=0).fit(X, y)
    f_star, _ = reference_optimum(X, y, 1.0)
    # reached over random_state 0 to 3: 3.5e-7
    assert BELOW < objective(X, y, a.coef_, a.intercept_, 1.0) / f_star - 1 < 3e-6


# ------------------------------------------------------------------ early stopping
def test_early_stopping_keeps_the_best_epoch_on_a_stratified_split():
    X, y = DATASETS["breast_cancer"]()
    clf = BCELogisticClassifier(
        solver="sgd", early_stopping=True, validation_fraction=0.2, random_state=4,
        learning_rate="constant", eta0=0.5, max_iter=60,
    )
    # a stop on the held-out loss is the stopping rule asked for: no warning
    # (ConvergenceWarning is an error in the test configuration)
    clf.fit(X, y)
    assert clf.n_iter_[0] < 60
    split = StratifiedShuffleSplit(n_splits=1, test_size=0.2, random_state=4)
    train, val = next(split.split(X, y))
    curve = clf.validation_loss_curve_
    assert len(curve) == clf.n_iter_[0] == len(clf.loss_curve_)
    best = log_loss(y[val], clf.predict_proba(X[val]))
    assert best == pytest.approx(min(curve), rel=1e-9)
    # the fit used the training rows only
    ref = lr_reference(X[train], y[train])
    assert clf.score(X[val], y[val]) == pytest.approx(
        ref.score(X[val], y[val]), abs=0.05
    )


def test_early_stopping_split_errors():
    X = np.arange(12.0).reshape(-1, 1)
    y = np.array([0] * 11 + [1])
    with pytest.raises(ValueError, match="early_stopping=True could not hold out"):
        BCELogisticClassifier(solver="sgd", early_stopping=True).fit(X, y)


# ------------------------------------------------------------------ elastic net
# reached over random_state 0 to 3: gaps 8.2e-10 and 1.3e-9, coefficients within
# 1.1e-4 and 3.5e-4 of saga's (the L1 optimum is flat along the zeros' edges)
@pytest.mark.parametrize(
    "l1_ratio, max_gap, coef_atol", [(0.5, 1e-8, 1e-3), (1.0, 1e-8, 3e-3)]
)
def test_elastic_net_matches_logistic_regression(l1_ratio, max_gap, coef_atol):
    X, y = DATASETS["breast_cancer"]()
    C = 0.1
    ref = elastic_net_reference(C, l1_ratio).fit(X, y)
    f_star = objective(X, y, ref.coef_, ref.intercept_, C, l1_ratio=l1_ratio)
    clf = BCELogisticClassifier(
        C=C, solver="sgd", l1_ratio=l1_ratio, tol=1e-6, max_iter=500, random_state=0
    ).fit(X, y)
    f = objective(X, y, clf.coef_, clf.intercept_, C, l1_ratio=l1_ratio)
    assert f / f_star - 1 < max_gap
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=0, atol=coef_atol)
    # soft-thresholding gives exact zeros, where the reference has them
    zeros = clf.coef_[0] == 0
    assert zeros.sum() >= 5
    np.testing.assert_array_equal(zeros, np.abs(ref.coef_[0]) < 1e-6)


def test_elastic_net_default_settings_and_partial_fit():
    X, y = synthetic_3000x40()
    C, l1_ratio = 0.05, 0.5
    ref = elastic_net_reference(C, l1_ratio).fit(X, y)
    f_star = objective(X, y, ref.coef_, ref.intercept_, C, l1_ratio=l1_ratio)
    clf = BCELogisticClassifier(C=C, solver="sgd", l1_ratio=l1_ratio, random_state=0)
    clf.fit(X, y)
    # reached over random_state 0 to 3: 5.5e-8 (fit); over 0 to 4, 1.5e-3 (5
    # epochs of chunks)
    f = objective(X, y, clf.coef_, clf.intercept_, C, l1_ratio=l1_ratio)
    assert f / f_star - 1 < 5e-7
    stream = clone(clf).set_params(stream_size=len(y))
    chunked_partial_fit(stream, X, y, 6, 5)
    f = objective(X, y, stream.coef_, stream.intercept_, C, l1_ratio=l1_ratio)
    assert f / f_star - 1 < 1e-2


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky"])
def test_l1_ratio_with_smooth_solver_raises(solver):
    X, y = DATASETS["iris"]()
    with pytest.raises(ValueError, match=r"l1_ratio=0.5 needs solver='cd', 'sgd'"):
        BCELogisticClassifier(l1_ratio=0.5, solver=solver).fit(X, y)


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    "params, match",
    [
        ({"learning_rate": "fast"}, "'learning_rate' parameter"),
        ({"eta0": 0.0}, "'eta0' parameter"),
        ({"eta0": "big"}, "'eta0' parameter"),
        ({"power_t": -1.0}, "'power_t' parameter"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        ({"shuffle": "yes"}, "'shuffle' parameter"),
        ({"average": -1}, "'average' parameter"),
        ({"n_iter_no_change": 0}, "'n_iter_no_change' parameter"),
        ({"early_stopping": "no"}, "'early_stopping' parameter"),
        ({"validation_fraction": 1.0}, "'validation_fraction' parameter"),
        ({"l1_ratio": 1.5}, "'l1_ratio' parameter"),
        ({"stream_size": 0}, "'stream_size' parameter"),
    ],
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_invalid_sgd_parameters(params, match, method):
    X, y = DATASETS["iris"]()
    clf = BCELogisticClassifier(solver="sgd", **params)
    kwargs = {"classes": [0, 1, 2]} if method == "partial_fit" else {}
    with pytest.raises(ValueError, match=match):
        getattr(clf, method)(X, y, **kwargs)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_optimal_schedule_needs_a_finite_C(method):
    X, y = DATASETS["iris"]()
    clf = BCELogisticClassifier(C=np.inf, solver="sgd", learning_rate="optimal")
    kwargs = {"classes": [0, 1, 2]} if method == "partial_fit" else {}
    with pytest.raises(ValueError, match="'optimal' needs a finite C"):
        getattr(clf, method)(X, y, **kwargs)


def test_solver_rejects_unknown_schedule_and_missing_alpha():
    X, y = DATASETS["synthetic"]()
    obj = full_batch_objective(X, y)
    with pytest.raises(ValueError, match="learning_rate must be one of"):
        sgd(obj, np.zeros(obj.n_params), learning_rate="fast")
    # no alpha: the penalty of C=np.inf has zero strength
    obj = full_batch_objective(X, y, C=np.inf)
    with pytest.raises(ValueError, match="needs a positive L2 strength alpha"):
        sgd(obj, np.zeros(obj.n_params), learning_rate="optimal")


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "newton-cholesky"])
def test_sgd_parameters_do_not_change_other_solvers(solver):
    X, y = DATASETS["wine"]()
    default = BCELogisticClassifier(solver=solver).fit(X, y)
    other = BCELogisticClassifier(
        solver=solver, learning_rate="constant", eta0=0.1, power_t=0.1,
        batch_size=3, shuffle=False, average=True, n_iter_no_change=2,
        early_stopping=True, validation_fraction=0.5, stream_size=10.0,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(other.coef_, default.coef_)
    np.testing.assert_array_equal(other.n_iter_, default.n_iter_)


def test_sgd_estimator_checks_not_run_by_parametrize_with_checks():
    """Parameter validation and feature names, partial_fit included."""
    pytest.importorskip("pandas")
    est = BCELogisticClassifier(solver="sgd")
    check_param_validation("BCELogisticClassifier", est)
    check_dataframe_column_names_consistency("BCELogisticClassifier", est)


def test_verbose_prints_the_objective_of_each_epoch(capsys):
    X, y = DATASETS["iris"]()
    clf = BCELogisticClassifier(solver="sgd", verbose=1, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == clf.n_iter_.max()
    assert lines[0].startswith(f"SGD epoch 1: objective {clf.loss_curve_[0]:.10g}")


def test_partial_fit_verbose_prints_the_objective_of_each_call(capsys):
    X, y = DATASETS["iris"]()
    clf = BCELogisticClassifier(solver="sgd", verbose=1, random_state=0)
    for rows in (slice(0, 75), slice(75, 150)):
        clf.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"SGD partial_fit epoch {i} over 75 rows: objective on the chunk "
        f"{clf.loss_curve_[i - 1]:.10g}"
        for i in (1, 2)
    ]
    quiet = BCELogisticClassifier(solver="sgd", random_state=0)
    quiet.partial_fit(X, y, classes=[0, 1, 2])
    assert capsys.readouterr().out == ""


def test_predict_proba_is_the_sigmoid_of_the_fitted_logits():
    X, y = DATASETS["breast_cancer"]()
    clf = BCELogisticClassifier(solver="sgd", random_state=0).fit(X, y)
    z = X @ clf.coef_[0] + clf.intercept_[0]
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], expit(z), rtol=1e-12)
    assert re.search("solver='sgd'", repr(clf))
