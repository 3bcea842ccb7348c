"""Honest stopping: a fit counts as converged only when it is, on every input.

Every solver reports ``converged`` the same way: the gradient met ``tol``. A
solver that stops before (a stall, or the precision of the data's dtype) warns
and names the tolerance it reached, and a fit stops a few iterations after its
dtype stops making progress, whatever the storage format, weights or intercept.

The property tests draw problems from a generator of the shapes where these
promises used to break: narrow and wide (more features than samples), Gaussian,
one-hot, nearly separable and badly scaled features (scales from 1e-2 to 1e3,
means many times the spread), dense, CSR and CSC, float32 and float64, sample
and class weights, with and without an intercept. The reference is scikit-learn's
``LogisticRegression(solver="newton-cholesky", tol=1e-14)`` in float64, one per
one-vs-rest problem (tests/conftest.py).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sklearn_bce import BCELogisticClassifier

from .conftest import (
    EXACT_TOL,
    balanced_factor,
    bce_objective,
    one_thread,
    ovr_reference,
)

#: The default ``tol`` promises about 1e-6 relative; the tests allow ten times.
DEFAULT_GAP = 1e-5


def make_problem(seed, n, p, kind, n_classes):
    """Features and labels of one generated problem (float64, dense)."""
    rng = np.random.default_rng(seed)
    if kind == "onehot":
        blocks = []
        while sum(b.shape[1] for b in blocks) < p:
            levels = int(rng.integers(2, 9))
            codes = rng.choice(levels, size=n, p=rng.dirichlet(np.full(levels, 0.5)))
            blocks.append(np.eye(levels)[codes])
        X = np.hstack(blocks)[:, :p]
    else:
        X = rng.normal(size=(n, p))
        if kind == "scaled":
            X = X * 10.0 ** rng.uniform(-2, 3, size=p)
            X = X + rng.normal(size=p) * 10.0 ** rng.uniform(-2, 2, size=p)
    spread = X.std(axis=0)
    beta = rng.normal(size=(p, n_classes)) / np.sqrt(p)
    Z = (X / np.where(spread > 0, spread, 1.0)) @ beta
    if kind == "separable":
        Z = 8 * Z + 0.05 * rng.normal(size=Z.shape)
    else:
        Z = 2 * Z + rng.normal(size=Z.shape)
    if n_classes > 2:
        y = Z.argmax(axis=1)
    else:
        y = (Z[:, 0] > np.median(Z[:, 0])).astype(int)
    y[: n_classes] = np.arange(n_classes)  # every class present
    return X, y


@st.composite
def problems(draw, dtypes=(np.float64, np.float32), storages=("dense", "csr", "csc")):
    """A generated problem and the settings of its fit."""
    wide = draw(st.booleans())
    n = draw(st.integers(20, 120) if wide else st.integers(20, 600))
    p = draw(st.integers(n + 1, 2 * n + 40) if wide else st.integers(2, 40))
    kind = draw(st.sampled_from(["gauss", "onehot", "separable", "scaled"]))
    n_classes = draw(st.sampled_from([2, 3]))
    X, y = make_problem(draw(st.integers(0, 2**31)), n, p, kind, n_classes)
    storage = draw(st.sampled_from(storages))
    dtype = draw(st.sampled_from(dtypes))
    weights = draw(st.sampled_from([None, "sample", "class", "both"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    sw = rng.uniform(0.1, 3, size=n) if weights in ("sample", "both") else None
    return dict(
        X=X, y=y, sample_weight=sw, storage=storage, dtype=dtype, kind=kind,
        class_weight="balanced" if weights in ("class", "both") else None,
        fit_intercept=draw(st.booleans()),
        C=float(10.0 ** draw(st.floats(-2, 2.5))),
    )


def stored(X, storage, dtype):
    X = X.astype(dtype)
    return X if storage == "dense" else getattr(sp, f"{storage}_matrix")(X)


def relative_gap(problem, coef, intercept):
    """The fit's objective above the reference optimum, relative to the optimum.

    Both objectives written out in float64 (tests/conftest.py), with each
    one-vs-rest problem's own weights for ``class_weight="balanced"``.
    """
    X, y, sw = problem["X"], problem["y"], problem["sample_weight"]
    ref_coef, ref_intercept, _ = ovr_reference(
        X, y, problem["C"], sw, class_weight=problem["class_weight"],
        fit_intercept=problem["fit_intercept"], tol=EXACT_TOL,
    )
    classes = np.unique(y)
    labels = classes[1:] if classes.size == 2 else classes
    sw = np.ones(len(y)) if sw is None else sw
    ours = best = 0.0
    for k, c in enumerate(labels):
        yk = (y == c).astype(int)
        wk = sw * balanced_factor(yk, sw) if problem["class_weight"] else sw
        args = (problem["C"], wk)
        ours += bce_objective(X, yk, coef[k], intercept[[k]], *args)
        best += bce_objective(X, yk, ref_coef[k], ref_intercept[[k]], *args)
    return (ours - best) / abs(best)


def fit(problem, **params):
    """Fit on the stored problem; returns the estimator and its warnings."""
    clf = BCELogisticClassifier(
        C=problem["C"], fit_intercept=problem["fit_intercept"],
        class_weight=problem["class_weight"], **params,
    )
    X = stored(problem["X"], problem["storage"], problem["dtype"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(X, problem["y"], sample_weight=problem["sample_weight"])
    stops = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    return clf, stops


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "newton-cholesky", "sgd"])
@given(problem=problems())
def test_no_fit_reports_convergence_above_the_promised_gap(solver, problem):
    # the default tol promises about 1e-6 of the objective: a fit that does not
    # warn must be within it (here ten times), on every input of the generator
    clf, stops = fit(problem, solver=solver)
    if stops:
        message = str(stops[0].message)
        assert "did not converge" in message or "stopped before" in message
        return
    gap = relative_gap(problem, clf.coef_, clf.intercept_)
    assert gap < DEFAULT_GAP, (gap, clf.solver_, clf.n_iter_)


@given(problem=problems(dtypes=(np.float32,)))
def test_float32_newton_stops_near_the_precision_of_float32(problem):
    # tol=1e-12 cannot be met in float32: the fit must stop within a few
    # iterations of where float32 stops making progress (runaway fits took
    # thousands), and say so, whatever the format, weights or intercept
    clf, stops = fit(problem, solver="newton-cholesky", tol=1e-12, max_iter=500)
    assert np.max(clf.n_iter_) <= 60, clf.n_iter_
    for w in stops:
        assert "did not converge" not in str(w.message)
    if problem["kind"] != "scaled":  # features with means far above their spread
        # lose float32 digits in the logits themselves
        gap = relative_gap(problem, clf.coef_, clf.intercept_)
        assert gap < 1e-5, gap


def objective64(problem, clf):
    """The fit's objective summed over its problems, in float64 (conftest)."""
    X, y, sw = problem["X"], problem["y"], problem["sample_weight"]
    sw = np.ones(len(y)) if sw is None else sw
    classes = np.unique(y)
    total = 0.0
    for k, c in enumerate(classes[1:] if classes.size == 2 else classes):
        yk = (y == c).astype(int)
        wk = sw * balanced_factor(yk, sw) if problem["class_weight"] else sw
        coef, intercept = clf.coef_[k].astype(float), clf.intercept_[[k]].astype(float)
        total += bce_objective(X, yk, coef, intercept, problem["C"], wk)
    return total


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "newton-cholesky", "cd", "sgd"])
@given(problem=problems(dtypes=(np.float32,), storages=("dense",)))
def test_float32_fits_stop_soon_after_their_progress_stops(solver, problem):
    # tol=1e-12 is out of float32's reach for most problems: a fit must stop
    # on its own (a stall or its dtype's precision, with a warning) a few
    # iterations after its objective stops falling (or reach max_iter while it
    # still falls: nearly separable data can crawl), whatever the format,
    # weights or intercept. Runaway fits went on for thousands of iterations
    # that changed the objective by rounding only. The same fit stopped a
    # fifth of its iterations earlier (at least 25: the precision rules wait a
    # few iterations, and sparse float32 data are computed in float64) must be
    # measurably higher, in float64. Dense data only: sparse float32 data are
    # computed in float64, whose gradient goes on falling where the objective
    # no longer shows it.
    # one thread: the property is about when fits stop, and thousands of small
    # iterations on BLAS threads that wait for the cores of the other pytest
    # workers took twenty times as long
    seed = {"random_state": 0} if solver == "sgd" else {}
    with one_thread():
        clf, stops = fit(problem, solver=solver, tol=1e-12, max_iter=10_000, **seed)
    for w in stops:  # a stall, or max_iter reached while still making progress
        message = str(w.message)
        assert (
            "stopped before the gradient met tol=1e-12" in message
            or "did not converge in max_iter=10000" in message
        ), message
    n_iter = int(np.max(clf.n_iter_))
    if not stops or n_iter <= 25:
        return
    with one_thread():
        earlier, _ = fit(
            problem, solver=solver, tol=1e-12,
            max_iter=n_iter - max(25, n_iter // 5), **seed,
        )
    final = objective64(problem, clf)
    # near the optimum, float32 coefficients round the objective by about
    # 1e-14 of itself (their rounding squared); a fit that makes progress
    # gains more than 1e-10 in a fifth of its iterations (measured: at least
    # 6e-8 over the generator's problems, for every solver)
    assert objective64(problem, earlier) - final > 1e-10 * abs(final), n_iter


def issue_data(storage):
    """3 classes in float32 with sample weights, fitted without an intercept."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1300, 6)) * [1, 3, 0.2, 10, 1, 50] + [0, 1, 0, 20, 0, 0]
    y = (X[:, :3] @ rng.normal(size=3) + rng.normal(size=1300) > 0).astype(int)
    y[X[:, 3] > 25] = 2
    sw = rng.uniform(0.2, 2, size=1300)
    return stored(X, storage, np.float32), X, y, sw


@pytest.mark.parametrize("storage", ["dense", "csr", "csc"])
def test_float32_precision_stop_does_not_depend_on_the_format(storage):
    X, X64, y, sw = issue_data(storage)
    clf = BCELogisticClassifier(
        solver="newton-cholesky", C=16, fit_intercept=False, tol=1e-10,
        max_iter=10_000,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(X, y, sample_weight=sw)
    # A dense float32 fit stops at float32's precision and says so; sparse
    # float32 data are multiplied in float64, and reach tol. Either way the fit
    # ends within a few iterations (measured: 7 to 8 dense, 3 to 6 sparse).
    if storage == "dense":
        assert len(caught) == 1
        assert "precision of float32 arithmetic" in str(caught[0].message)
    else:
        assert not caught
    assert np.max(clf.n_iter_) <= 15, clf.n_iter_
    ref, _, _ = ovr_reference(X64.astype(np.float32), y, 16, sw,
                              fit_intercept=False, tol=EXACT_TOL)
    scale = np.abs(ref).max()
    # measured: 1.8e-7 (dense), 2.6e-8 (sparse) of the largest coefficient
    np.testing.assert_allclose(clf.coef_, ref, atol=2e-6 * scale)


def test_lbfgs_does_not_call_an_ftol_stop_convergence():
    # scipy's ftol stop used to count as converged here, 81 times tol above
    # the gradient test, with coefficients 5.6e-5 off the optimum
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    ref = ovr_reference(X, y, 100, tol=EXACT_TOL)[0]
    clf = BCELogisticClassifier(solver="lbfgs", C=100, tol=1e-10, max_iter=10_000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(X, y)
    if caught:
        assert "stopped before the gradient met tol=1e-10" in str(caught[0].message)
    else:
        np.testing.assert_allclose(clf.coef_, ref, atol=1e-7 * np.abs(ref).max())
    # the default goes on with Newton's method where L-BFGS stops
    auto = BCELogisticClassifier(C=100, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(auto.coef_, ref, atol=1e-8 * np.abs(ref).max())


@pytest.mark.parametrize(
    "n_samples, n_features, n_informative, measured",
    [(500, 2000, 50, 8.9e-8), (3000, 100, 2, 3.7e-7)],  # were 4.2e-4 and 2.8e-6
)
def test_default_fit_on_wide_and_mid_sized_data(
    n_samples, n_features, n_informative, measured
):
    # a gradient of tol used to leave L-BFGS far above the optimum here, with
    # no warning; it now goes on while its model predicts a decrease
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples, n_features, n_informative=n_informative, random_state=0
    )
    problem = dict(X=X, y=y, sample_weight=None, storage="dense",
                   dtype=np.float64, class_weight=None, fit_intercept=True, C=1.0)
    clf = BCELogisticClassifier().fit(X, y)  # no ConvergenceWarning (an error)
    gap = relative_gap(problem, clf.coef_, clf.intercept_)
    assert gap < 10 * measured, gap


def glum_reference(X, y01, C, l1_ratio, sample_weight, fit_intercept):
    """glum's irls-cd fit of one binary problem at a tight tolerance.

    glum minimises ``sum_i (s_i / S) bce_i + alpha (l1_ratio |w|_1 +
    (1 - l1_ratio) |w|^2 / 2)`` for weights summing to 1, so ``alpha = 1 / (C S)``.
    It is given the standardised features (its coordinate descent crawls on
    badly scaled ones) with per-feature penalty weights that keep the problem
    the same: with ``x' = (x - m) / s``, ``w = w' / s``, the L1 part of ``w_j``
    is that of ``w'_j`` times ``1 / s_j`` and the L2 part times ``1 / s_j^2``.
    """
    from glum import GeneralizedLinearRegressor

    S = sample_weight.sum()
    shift = X.mean(axis=0) if fit_intercept else np.zeros(X.shape[1])
    scale = X.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    model = GeneralizedLinearRegressor(
        family="binomial", alpha=1.0 / (C * S), l1_ratio=l1_ratio,
        P1=1.0 / scale, P2=1.0 / scale**2, fit_intercept=fit_intercept,
        gradient_tol=1e-12, max_iter=10_000, solver="irls-cd",
        scale_predictors=False,
    )
    with warnings.catch_warnings(), one_thread():
        warnings.simplefilter("ignore")  # its notes on copies and on CD sweeps
        model.fit((X - shift) / scale, y01, sample_weight=sample_weight / S)
    coef = model.coef_ / scale
    return coef, model.intercept_ - shift @ coef


def elastic_net_objective(X, y01, coef, intercept, C, l1_ratio, sw):
    """The objective of one binary problem, written out in float64."""
    z = X @ np.asarray(coef, dtype=np.float64) + float(intercept)
    S = sw.sum()
    penalty = l1_ratio * np.abs(coef).sum() + 0.5 * (1 - l1_ratio) * coef @ coef
    return sw @ (np.logaddexp(0, z) - y01 * z) / S + penalty / (C * S)


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
@given(problem=problems())
def test_coordinate_descent_reports_convergence_only_near_the_optimum(
    problem, l1_ratio
):
    # a subgradient of tol used to leave coordinate descent up to 40 % above
    # the optimum on wide data with a weak penalty, with no warning; it now
    # stops on its duality gap. The reference with an L1 part is glum's
    # coordinate descent, for an L2 penalty scikit-learn's newton-cholesky.
    clf, stops = fit(problem, solver="cd", l1_ratio=l1_ratio)
    if stops:
        assert "did not converge" in str(stops[0].message) or "stopped before" in (
            str(stops[0].message)
        )
        return
    if l1_ratio == 0:  # an L2 penalty: the references of the other solvers
        gap = relative_gap(problem, clf.coef_, clf.intercept_)
        assert gap < DEFAULT_GAP, (gap, clf.n_iter_)
        return
    X, y, C = problem["X"], problem["y"], problem["C"]
    sw = problem["sample_weight"]
    sw = np.ones(len(y)) if sw is None else sw
    classes = np.unique(y)
    ours = best = 0.0
    for k, c in enumerate(classes[1:] if classes.size == 2 else classes):
        yk = (y == c).astype(float)
        wk = sw * balanced_factor(yk, sw) if problem["class_weight"] else sw
        ref = glum_reference(X, yk, C, l1_ratio, wk, problem["fit_intercept"])
        args = (C, l1_ratio, wk)
        ours += elastic_net_objective(X, yk, clf.coef_[k], clf.intercept_[k], *args)
        best += elastic_net_objective(X, yk, *ref, *args)
    gap = (ours - best) / abs(best)
    assert gap < DEFAULT_GAP, (gap, clf.n_iter_)


@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
def test_coordinate_descent_stops_on_lightly_weighted_classes(l1_ratio):
    # with class weights 1000 : 1e-4, the tolerance of the lightly weighted
    # problems' subgradients is scaled down 1e7 times (their curvature), and it
    # used to scale their duality gap's relative tolerance too: it then lay
    # below the gap's rounding, and coordinate descent ran to max_iter and
    # warned though its answer was the optimum
    from sklearn.datasets import make_blobs
    from sklearn.linear_model import LogisticRegression

    from .test_l1 import penalised_lr

    X, y = make_blobs(n_samples=200, centers=3, random_state=0, cluster_std=20)
    class_weight = {0: 1000, 1: 1e-4, 2: 1e-4}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = BCELogisticClassifier(
            solver="cd", class_weight=class_weight, l1_ratio=l1_ratio, C=0.1
        ).fit(X, y)
    assert np.all(clf.n_iter_ < 20), clf.n_iter_
    sw = np.array([class_weight[c] for c in y])
    for k in range(3):  # scikit-learn's binary fit of each problem
        ref = penalised_lr(
            0.1, l1_ratio, solver="saga", tol=1e-12, max_iter=100_000
        ) if l1_ratio else LogisticRegression(C=0.1, tol=1e-12, max_iter=10_000)
        yk = (y == k).astype(int)
        with warnings.catch_warnings(), one_thread():
            warnings.simplefilter("ignore")
            ref.fit(X, yk, sample_weight=sw)
        args = (0.1, l1_ratio, sw)
        ours = elastic_net_objective(X, yk, clf.coef_[k], clf.intercept_[k], *args)
        best = elastic_net_objective(X, yk, ref.coef_[0], ref.intercept_[0], *args)
        assert (ours - best) / best < 1e-6, (k, (ours - best) / best)
