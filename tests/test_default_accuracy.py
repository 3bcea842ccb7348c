"""The default tolerance's promise: the optimum to about 1e-6 relative.

The docstring of ``tol`` promises that fits at the default reach the optimum to
about 1e-6 relative "on raw, one-hot or sparse data alike". These tests check it
on generated data that the defaults were not tuned on: the number and
cardinality of one-hot encoded categorical features, how rare their levels are,
numeric columns on scales from 0.01 to 1000, the class balance, dense and sparse
storage and one-vs-rest targets. The reference optimum is scikit-learn's
``LogisticRegression(solver="newton-cholesky", tol=1e-12)``.

The block detection of ``_objective/indicators.py`` is checked against the layout
that ``OneHotEncoder`` reports.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import brentq
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder

from sklearn_bce import BCELogisticClassifier
from sklearn_bce._objective import InMemoryBackend
from sklearn_bce._objective.moments import weighted_feature_moments

from .conftest import memoize_on_data, one_thread

PROMISE = 1e-6


def mixed_data(
    n, n_cat, levels, rarity, n_num, positive, seed, n_classes=2, drop=None
):
    """One-hot categorical and numeric columns, and a logistic target.

    ``rarity`` is the Dirichlet concentration of the level frequencies: small
    values give a few common levels and many rare (or absent) ones. Numeric
    columns have scales drawn from 0.01 to 1000 and offsets of up to 50 scales.
    """
    rng = np.random.default_rng(seed)
    codes = np.zeros((n, n_cat), dtype=int)
    for j in range(n_cat):
        codes[:, j] = rng.choice(levels, n, p=rng.dirichlet(np.full(levels, rarity)))
    encoder = OneHotEncoder(
        categories=[np.arange(levels)] * n_cat, drop=drop, sparse_output=False
    )
    onehot = encoder.fit_transform(codes) if n_cat else np.empty((n, 0))
    scales = 10.0 ** rng.uniform(-2, 3, n_num)
    offsets = scales * rng.choice([0, 5, 50], n_num)
    numeric = rng.normal(offsets, scales, (n, n_num))
    X = np.hstack([onehot, numeric])
    standard = np.hstack([onehot, (numeric - offsets) / scales])
    logits = standard @ rng.normal(0, 1, (X.shape[1], n_classes))
    if n_classes == 2:
        z = logits[:, 0] - logits[:, 1]
        shift = brentq(lambda s: expit(z + s).mean() - positive, -50, 50)
        y = (rng.random(n) < expit(z + shift)).astype(int)
    else:
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        y = (p.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return X, y, encoder


def objective(X, y, coef, intercept, C=1.0):
    coef = np.asarray(coef, dtype=np.float64)  # float32 fits' too
    z = X @ coef + intercept
    return np.mean(np.logaddexp(0, z) - y * z) + 0.5 * coef @ coef / (C * len(y))


@memoize_on_data  # the same data, dense and CSR, have the same optimum
def optimum(X, target, C):
    """scikit-learn's optimum of one binary problem."""
    ref = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    with one_thread():
        ref.fit(X, target)
    return objective(X, target, ref.coef_[0], ref.intercept_[0], C)


def relative_gaps(clf, X, y, C=1.0):
    """Per binary problem, the fit's objective above scikit-learn's optimum."""
    classes = np.unique(y)
    problems = [classes[1]] if classes.size == 2 else classes
    gaps = []
    for k, positive in enumerate(problems):
        target = (y == positive).astype(float)
        best = optimum(X, target, C)
        ours = objective(X, target, clf.coef_[k], clf.intercept_[k], C)
        gaps.append((ours - best) / best)
    return np.array(gaps)


CASES = {
    # a dozen balanced categorical features and numeric columns: L-BFGS meets
    # the gradient test in a few iterations, far from the one-hot blocks' minimum
    "balanced-levels": dict(n_cat=12, levels=7, rarity=5.0, n_num=4, positive=0.3),
    "few-categories": dict(n_cat=4, levels=4, rarity=5.0, n_num=3, positive=0.3),
    "rare-levels": dict(n_cat=20, levels=16, rarity=0.2, n_num=2, positive=0.3),
    "rare-class": dict(n_cat=25, levels=8, rarity=1.0, n_num=4, positive=0.03),
    "high-cardinality": dict(n_cat=6, levels=40, rarity=0.5, n_num=2, positive=0.5),
    "numeric-only": dict(n_cat=0, levels=2, rarity=1.0, n_num=8, positive=0.2),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("storage", ["dense", "csr"])
def test_default_fit_keeps_the_accuracy_promise(case, storage):
    X, y, _ = mixed_data(30_000, seed=7, **CASES[case])
    data = sp.csr_matrix(X) if storage == "csr" else X
    clf = BCELogisticClassifier().fit(data, y)
    gaps = relative_gaps(clf, X, y)
    assert np.all(gaps > -1e-10), gaps  # the reference is the optimum
    assert np.all(gaps < PROMISE), gaps


def test_default_fit_keeps_the_promise_one_vs_rest():
    X, y, _ = mixed_data(
        30_000, n_cat=10, levels=6, rarity=1.0, n_num=3, positive=0.3, seed=3,
        n_classes=4,
    )
    clf = BCELogisticClassifier().fit(X, y)
    gaps = relative_gaps(clf, X, y)
    assert np.all(gaps > -1e-10), gaps
    assert np.all(gaps < PROMISE), gaps


def rare_levels_rare_class(seed, n=20_000):
    """25 categorical features of 8 levels, most of them rare, and 3 % positives:
    L-BFGS needs 80 to 100 iterations here (measured)."""
    return mixed_data(
        n, n_cat=25, levels=8, rarity=0.2, n_num=4, positive=0.03, seed=seed
    )[:2]


@pytest.mark.parametrize("storage", ["dense", "csr"])
@pytest.mark.parametrize("seed", range(2))
def test_default_fit_finishes_with_newton_where_lbfgs_is_slow(seed, storage):
    X, y = rare_levels_rare_class(seed)
    data = sp.csr_matrix(X) if storage == "csr" else X
    # the premise: L-BFGS alone goes past the hand-over point
    alone = BCELogisticClassifier(solver="lbfgs").fit(data, y)
    assert alone.n_iter_[0] > 60
    clf = BCELogisticClassifier().fit(data, y)  # no ConvergenceWarning (an error)
    gaps = relative_gaps(clf, X, y)
    if storage == "csr":
        # a sparse Hessian costs tens of evaluations (measured: 31 here): six
        # Newton iterations would cost more than the 50 evaluations max_iter
        # leaves, and L-BFGS goes on to the tolerance (80 iterations)
        assert clf.solver_ == "lbfgs"
        assert np.all((gaps > -1e-10) & (gaps < PROMISE)), gaps
        return
    assert clf.solver_ == "lbfgs+newton-cholesky"
    # L-BFGS until it has spent what six Newton iterations of 3 + 204 / 40
    # evaluations each cost (49), then a few of Newton
    assert 49 < clf.n_iter_[0] <= 54
    assert np.all(np.abs(gaps) < 1e-12), gaps  # Newton's quadratic convergence


def test_default_fit_finishes_with_newton_one_vs_rest():
    X, y = rare_levels_rare_class(2)
    rng = np.random.default_rng(0)
    y = np.where(y == 1, 2, rng.integers(0, 2, y.size))  # the rare class and two
    clf = BCELogisticClassifier().fit(X, y)
    assert clf.solver_ == "lbfgs+newton-cholesky"
    # the two common classes meet tol with L-BFGS, the rare one with Newton
    assert np.all(clf.n_iter_[:2] < 49) and 49 < clf.n_iter_[2] <= 54
    gaps = relative_gaps(clf, X, y)
    assert np.all((gaps[:2] > -1e-10) & (gaps[:2] < PROMISE)), gaps
    assert abs(gaps[2]) < 1e-12, gaps


def test_hand_over_counts_iterations_on():
    from sklearn_bce._solvers import lbfgs_then_newton

    from .conftest import make_objective

    X, y = rare_levels_rare_class(0)
    objective = make_objective(X, y)
    seen = []
    result = lbfgs_then_newton(
        objective, objective.initial_point(True), newton_after=20, tol=1e-6,
        max_iter=100, on_iteration=lambda k, n, value, theta: seen.append(n),
    )
    assert result.finished_with == "newton-cholesky" and result.converged
    n_iter = int(result.n_iter[0])
    assert 20 < n_iter < 30
    assert seen == list(range(1, n_iter + 1))  # one count over both solvers
    assert len(result.history) == n_iter


def test_no_newton_finish_where_it_does_not_apply():
    from sklearn_bce._choice import newton_finish_after
    from sklearn_bce._objective import Objective, Penalty

    def after(X, y, **params):
        clf = BCELogisticClassifier(**params)
        backend = InMemoryBackend(X, y)
        penalty = Penalty(clf.C, 0.0, backend.weight_totals())
        return newton_finish_after(clf, Objective(backend, penalty), "lbfgs")

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 8_000)
    # L-BFGS runs until it has spent what six Newton iterations of
    # 3 + (p / 2) / 20 evaluations each cost (at most 50 iterations, or half of
    # max_iter), and that cost must fit in the max_iter - after evaluations left
    # to L-BFGS: up to 213 features at the default max_iter=100
    assert after(rng.normal(size=(8_000, 10)), y) == 20  # 6 x 3.25 = 19.5
    assert after(rng.normal(size=(8_000, 50)), y) == 26  # 6 x 4.25 = 25.5
    assert after(rng.normal(size=(8_000, 212)), y) == 50  # 6 x 8.3 = 49.8
    assert after(rng.normal(size=(8_000, 216)), y) is None  # Hessians too costly
    assert after(rng.normal(size=(8_000, 100)), y, max_iter=80) == 33
    assert after(rng.normal(size=(8_000, 100)), y, max_iter=70) == 33
    # at max_iter=60, after 30 iterations the 33 evaluations do not fit in 30
    assert after(rng.normal(size=(8_000, 100)), y, max_iter=60) is None
    assert after(rng.normal(size=(8_000, 100)), y, max_iter=30) is None
    assert after(rng.normal(size=(8_000, 400)), y, max_iter=1_000) == 50
    # a sparse Hessian costs many evaluations: at max_iter=100 L-BFGS goes on
    assert after(sp.csr_matrix(rng.normal(size=(8_000, 50))), y) is None
    assert after(rng.normal(size=(8_000, 10)), y, solver="lbfgs") is None
    # CSC input has Hessians only on a CSR copy, which the default does not
    # make above 4 MB (here 4.8 MB)
    assert after(sp.csc_matrix(rng.normal(size=(8_000, 50))), y) is None
    # converging in time: L-BFGS alone, with its own name
    X, y, _ = mixed_data(30_000, seed=7, **CASES["rare-class"])
    assert BCELogisticClassifier().fit(X, y).solver_ == "lbfgs"


@pytest.mark.parametrize("drop", [None, "first"])
@pytest.mark.parametrize("storage", ["dense", "csr", "csc"])
def test_one_hot_blocks_are_found_as_the_encoder_laid_them_out(drop, storage):
    X, y, encoder = mixed_data(
        2_000, n_cat=5, levels=6, rarity=0.3, n_num=3, positive=0.5, seed=1,
        drop=drop,
    )
    data = {"dense": X, "csr": sp.csr_matrix(X), "csc": sp.csc_matrix(X)}[storage]
    found = InMemoryBackend(data, y).indicator_groups()
    sizes = [len(c) - (drop is not None) for c in encoder.categories_]
    stops = np.cumsum(sizes)
    blocks = np.column_stack([stops - sizes, stops])
    if drop is not None:
        # with the first level dropped, a block has one 1 in every row only
        # where no row takes that level (rare levels make that happen here)
        dropped = encoder.inverse_transform(X[:, : stops[-1]]) == 0
        blocks = blocks[~dropped.any(axis=0)]
        assert 0 < blocks.shape[0] < len(sizes)
    np.testing.assert_array_equal(found, blocks)


def test_binary_columns_that_are_not_one_hot_are_not_taken_as_blocks():
    rng = np.random.default_rng(0)
    n = 1_000
    first = rng.random(n) < 0.5
    # columns 2 and 3 are 0/1 with means adding up to one, but a row may have
    # both or neither
    X = np.column_stack([first, ~first, first, np.roll(~first, 1)]).astype(float)
    sw = np.full(n, 1.0 / n)
    mean, std = weighted_feature_moments(X, sw)
    assert abs(mean[2] + mean[3] - 1) < 1e-12  # a candidate by its moments
    found = InMemoryBackend(X, first.astype(int)).indicator_groups()
    np.testing.assert_array_equal(found, [[0, 2]])


def nearly_separable_one_hot(seed, n=3_000):
    """Six 8-level categorical features with strong effects, three numeric."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 8, size=(n, 6))
    numeric = rng.normal(size=(n, 3)) * [0.02, 1, 500]
    X = np.hstack([OneHotEncoder(sparse_output=False).fit_transform(codes), numeric])
    z = X @ rng.normal(size=X.shape[1]) * 0.5 + numeric[:, 2] / 500
    y = (rng.random(n) < expit(z)).astype(int)
    return X, y


@pytest.mark.parametrize("seed", range(4))
def test_newton_goes_on_until_quadratic_convergence(seed):
    # the objective is small here (about 0.015) and curved little: a gradient
    # of tol left Newton 3e-5 above the optimum; one or two more steps reach it
    X, y = nearly_separable_one_hot(seed)
    clf = BCELogisticClassifier(solver="newton-cholesky").fit(X, y)
    gaps = relative_gaps(clf, X, y)
    assert np.all(np.abs(gaps) < 5e-10), gaps


def test_lbfgs_warns_when_its_line_search_fails_before_tol(monkeypatch):
    import importlib

    from scipy.optimize import minimize
    from sklearn.exceptions import ConvergenceWarning

    lbfgs_module = importlib.import_module("sklearn_bce._solvers.lbfgs")

    def failing_line_search(*args, **kwargs):
        kwargs["options"] = dict(kwargs["options"], maxiter=2)
        result = minimize(*args, **kwargs)
        result.status = 2
        result.message = "ABNORMAL: "
        return result

    monkeypatch.setattr(lbfgs_module, "minimize", failing_line_search)
    X, y = nearly_separable_one_hot(0, n=500)
    clf = BCELogisticClassifier(solver="lbfgs", max_iter=50)
    with pytest.warns(
        ConvergenceWarning,
        match=r"lbfgs stopped before the gradient met tol=1e-05: it stopped making "
        r"progress \(L-BFGS's line search found no decrease\) .* The fit reached "
        r"tol=1e[+-]\d+; solver='auto' or 'newton-cholesky' go on",
    ):
        clf.fit(X, y)
