"""Fitting and predicting on dask collections, on a real dask.distributed cluster.

The ``client`` fixture (conftest.py) connects to a cluster of 2 worker processes, 1
thread each, shared with the other modules that run one after this one.

Every fit is compared with scikit-learn's Newton-Cholesky fit of the same data
(one-vs-rest, one binary fit per class), converged far past the dask fit's tolerance.
"""

import pickle
import re
import subprocess
import sys
import time
import warnings

import dask.array as da
import dask.bag as db
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from distributed import Client, LocalCluster
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning

import sklearn_bce._dask.chunks as dask_chunks
import sklearn_bce._dask.cluster as dask_cluster
from sklearn_bce import BCELogisticClassifier, bce_path, l1_min_c
from sklearn_bce._dask import DaskBackend
from sklearn_bce._dask.cluster import ChunkSet
from sklearn_bce._objective import InMemoryBackend, Objective, Penalty

from .conftest import (
    DATASETS,
    bce_objective,
    lr_reference,
    ovr_objective,
    ovr_reference,
)

# On dask, solver="auto" is L-BFGS. At tol=1e-8 the fits below reach scikit-learn's
# coefficients to 1.0e-6 and its probabilities to 3.5e-7 at worst.
TOL = dict(tol=1e-8, max_iter=1000, solver="lbfgs")
METHODS = ["decision_function", "predict", "predict_proba", "predict_log_proba"]


def to_dask(X, y, sw=None, chunks=None):
    """dask arrays of the data, in row chunks (by default three, the last shorter)."""
    chunks = chunks or -(-len(y) // 3) + 1
    out = [da.from_array(X, chunks=(chunks, -1)), da.from_array(y, chunks=chunks)]
    if sw is not None:
        out.append(da.from_array(sw, chunks=chunks))
    return out


def assert_same_fit(ours, X, y, C=1.0, sample_weight=None, class_weight=None,
                    atol=1e-5, proba_atol=3e-6):
    """scikit-learn's one-vs-rest coefficients and probabilities, to ``atol``."""
    coef, intercept, proba = ovr_reference(X, y, C, sample_weight, class_weight)
    classes = np.arange(y.shape[1]) if np.ndim(y) == 2 else np.unique(y)
    np.testing.assert_array_equal(ours.classes_, classes)
    assert ours.n_features_in_ == X.shape[1]
    assert ours.coef_.dtype == X.dtype
    np.testing.assert_allclose(ours.coef_, coef, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.intercept_, intercept, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.predict_proba(X), proba, rtol=0, atol=proba_atol)
    assert ours.n_iter_.shape == (coef.shape[0],)


# ------------------------------------------------------------------ fitting
@pytest.mark.parametrize(
    "dataset, weighted, class_weight",
    [
        ("breast_cancer", False, None),
        ("synthetic", True, "balanced"),
        ("wine", False, "balanced"),
        ("iris", True, {0: 2.0, 1: 1.0, 2: 0.5}),
    ],
)
def test_fit_matches_logistic_regression(client, dataset, weighted, class_weight):
    X, y = DATASETS[dataset]()
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.2, 3.0, size=len(y)) if weighted else None
    ours = BCELogisticClassifier(C=0.5, class_weight=class_weight, **TOL)
    ours.fit(*to_dask(X, y, sw))
    assert_same_fit(ours, X, y, 0.5, sw, class_weight)
    # nothing of the cluster stays attached to the fitted estimator
    restored = pickle.loads(pickle.dumps(ours))
    np.testing.assert_array_equal(restored.coef_, ours.coef_)


def test_binary_fit_matches_logistic_regression(client):
    X, y = DATASETS["synthetic"]()
    ours = BCELogisticClassifier(C=2.0, tol=1e-8, max_iter=1000).fit(*to_dask(X, y))
    ref = lr_reference(X, y, 2.0)
    # reached: probabilities 3.0e-7, coefficients 3.1e-6
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=3e-6
    )
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=3e-5)


@pytest.mark.parametrize("many_chunks", [False, True])
def test_uneven_chunks_and_single_class_chunks(client, monkeypatch, many_chunks):
    # many_chunks: more chunks than the client takes results of directly, so the
    # target statistics go through a tree (fan-in 2); the two actors still serve
    # the evaluations.
    if many_chunks:
        monkeypatch.setattr(ChunkSet, "gather_limit", 2)
        monkeypatch.setattr(dask_cluster, "FAN_IN", 2)
    X, y = DATASETS["wine"]()
    order = np.argsort(y, kind="stable")  # sorted labels: most chunks hold one class
    X, y = X[order], y[order]
    chunks = (1, 40, 3, 70, 20, 44)
    assert sum(chunks) == len(y)
    Xd = da.from_array(X, chunks=(chunks, (6, X.shape[1] - 6)))
    yd = da.from_array(y, chunks=(chunks,))
    ours = BCELogisticClassifier(class_weight="balanced", **TOL).fit(Xd, yd)
    assert_same_fit(ours, X, y, class_weight="balanced")
    for method in METHODS:
        out = getattr(ours, method)(Xd)
        assert out.chunks[0] == chunks


def test_dataframe_input_and_string_labels(client):
    X, y = DATASETS["iris"]()
    labels = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    columns = ["sepal length", "sepal width", "petal length", "petal width"]
    sw = np.random.default_rng(3).uniform(0.5, 2.0, size=len(y))
    df = pd.DataFrame(X, columns=columns)
    ddf = dd.from_pandas(df, npartitions=3)
    ys = dd.from_pandas(pd.Series(labels), npartitions=3)
    ws = dd.from_pandas(pd.Series(sw), npartitions=3)
    ours = BCELogisticClassifier(**TOL).fit(ddf, ys, sample_weight=ws)
    np.testing.assert_array_equal(ours.feature_names_in_, columns)
    assert_same_fit(ours, X, labels, sample_weight=sw)
    _, _, expected = ovr_reference(X, labels, sample_weight=sw)
    proba = ours.predict_proba(ddf)
    assert isinstance(proba, da.Array)
    np.testing.assert_allclose(proba.compute(), expected, rtol=0, atol=3e-6)
    np.testing.assert_array_equal(
        ours.predict(ddf).compute(), ours.classes_[expected.argmax(axis=1)]
    )


def test_float32_is_fitted_in_float32(client):
    X, y = DATASETS["wine"]()
    X = X.astype(np.float32)
    ours = BCELogisticClassifier().fit(*to_dask(X, y))
    assert ours.coef_.dtype == ours.intercept_.dtype == np.float32
    assert ours.decision_function(da.from_array(X)).dtype == np.float32
    # at the default tol, float32: coefficients within 6.2e-4 of the float64
    # optimum, probabilities within 1.2e-4
    assert_same_fit(ours, X, y, atol=3e-3, proba_atol=1e-3)


def test_sparse_chunks(client):
    X, y = DATASETS["synthetic"]()
    X = np.where(np.abs(X) < 0.7, 0.0, X)
    Xs = sp.csr_matrix(X)
    Xd = da.from_array(Xs, chunks=(90, -1), asarray=False)
    ours = BCELogisticClassifier(**TOL).fit(Xd, da.from_array(y, chunks=90))
    assert_same_fit(ours, X, y)
    _, _, expected = ovr_reference(X, y)
    np.testing.assert_allclose(
        ours.predict_proba(Xd).compute(), expected, rtol=0, atol=3e-6
    )


def test_warm_start_on_dask(client):
    X, y = DATASETS["synthetic"]()
    Xd, yd = to_dask(X, y)
    est = BCELogisticClassifier(warm_start=True, **TOL).fit(Xd, yd)
    est.fit(Xd, yd)
    assert est.n_iter_[0] <= 2
    assert_same_fit(est, X, y)


# -------------------------------------------------------------- SGD on dask
# (largest relative gap to the one-vs-rest optimum after 4 epochs over 4 chunks,
# over random_state 0 to 3: 0.155 on breast_cancer, 0.099 on iris)
@pytest.mark.parametrize("dataset, bound", [("breast_cancer", 0.3), ("iris", 0.2)])
def test_sgd_streams_the_chunks(client, dataset, bound):
    X, y = DATASETS[dataset]()
    n = len(y)
    chunks = (n // 5, n // 3, n // 6, n - n // 5 - n // 3 - n // 6)
    n_epochs = 4
    est = BCELogisticClassifier(
        solver="sgd", random_state=3, max_iter=n_epochs, n_iter_no_change=n_epochs,
        tol=0.0,
    )
    with pytest.warns(ConvergenceWarning, match="max_iter=4"):
        est.fit(da.from_array(X, chunks=(chunks, -1)), da.from_array(y, (chunks,)))
    coef, intercept, _ = ovr_reference(X, y)
    f_star = ovr_objective(X, y, coef, intercept, 1.0)
    f = ovr_objective(X, y, est.coef_, est.intercept_, 1.0)
    assert -1e-12 < f / f_star - 1 < bound
    assert est.n_iter_.tolist() == [n_epochs] * coef.shape[0]
    assert len(est.loss_curve_) == n_epochs
    assert est.loss_curve_[-1] < est.loss_curve_[0]
    np.testing.assert_array_equal(est.classes_, np.unique(y))


def test_sgd_on_dask_reaches_the_optimum(client):
    """30 epochs over 6 chunks: over random_state 0 to 3 the relative gap was
    5.0e-3 to 7.0e-3, as partial_fit reaches in memory."""
    X, y = DATASETS["breast_cancer"]()
    ref = lr_reference(X, y)
    est = BCELogisticClassifier(
        solver="sgd", random_state=0, max_iter=30, n_iter_no_change=30, tol=0.0
    )
    with pytest.warns(ConvergenceWarning, match="max_iter=30"):
        est.fit(*to_dask(X, y, chunks=-(-len(y) // 6)))
    f_star = bce_objective(X, y, ref.coef_, ref.intercept_, 1.0)
    f_sgd = bce_objective(X, y, est.coef_, est.intercept_, 1.0)
    assert -1e-12 < f_sgd / f_star - 1 < 1e-2
    # the curve holds the objective of all the data (reached: 4e-16)
    assert est.loss_curve_[-1] == pytest.approx(f_sgd, rel=1e-12)


def test_sgd_on_dask_is_deterministic_and_stalls_on_tol(client):
    X, y = DATASETS["iris"]()
    data = to_dask(X, y)
    params = dict(solver="sgd", random_state=7, max_iter=20, tol=1e-2,
                  n_iter_no_change=2)
    # the no-progress test stops the stream above the gradient tolerance: a
    # stall, which the fit reports
    stall = (
        r"sgd stopped before the gradient met tol=0\.01: it stopped making "
        r"progress \(2 epochs in a row did not lower the objective by more than "
        r"tol=0\.01 times its value\)"
    )
    with pytest.warns(ConvergenceWarning, match=stall):
        first = BCELogisticClassifier(**params).fit(*data)
    with pytest.warns(ConvergenceWarning, match=stall):
        second = BCELogisticClassifier(**params).fit(*data)
    np.testing.assert_array_equal(first.coef_, second.coef_)
    np.testing.assert_array_equal(first.intercept_, second.intercept_)
    assert first.loss_curve_ == second.loss_curve_
    assert first.n_iter_[0] < 20  # stopped by the no-progress test
    assert len(first.loss_curve_) == first.n_iter_[0]
    with pytest.warns(ConvergenceWarning, match=stall):
        other = BCELogisticClassifier(**{**params, "random_state": 8}).fit(*data)
    assert not np.array_equal(other.coef_, first.coef_)


def test_sgd_on_dask_rejects_early_stopping(client):
    X, y = DATASETS["iris"]()
    with pytest.raises(ValueError, match="early_stopping=True is not supported"):
        BCELogisticClassifier(solver="sgd", early_stopping=True).fit(*to_dask(X, y))


# --------------------------------------------------------------- multilabel
def indicator(X):
    """Three labels of the rows of X, each a different linear rule."""
    return np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0.3, X[:, 3] < -0.5])


@pytest.mark.parametrize(
    "weighted, class_weight", [(False, None), (True, "balanced")]
)
def test_multilabel_fit_matches_in_memory_fit(client, weighted, class_weight):
    X, _ = DATASETS["wine"]()
    Y = indicator(X).astype(int)
    sw = np.random.default_rng(0).uniform(0.5, 2, len(Y)) if weighted else None
    Yd = da.from_array(Y, chunks=(50, -1))
    ours = BCELogisticClassifier(class_weight=class_weight, **TOL).fit(
        *to_dask(X, np.zeros(len(Y)), sw, chunks=50)[:1], Yd,
        sample_weight=None if sw is None else da.from_array(sw, chunks=50),
    )
    assert ours.multilabel_
    assert_same_fit(ours, X, Y, sample_weight=sw, class_weight=class_weight)
    _, _, expected = ovr_reference(X, Y, sample_weight=sw, class_weight=class_weight)
    Xd = da.from_array(X, chunks=(50, -1))
    lazy = ours.predict(Xd)
    assert isinstance(lazy, da.Array) and lazy.shape == Y.shape
    np.testing.assert_array_equal(lazy.compute(), (expected > 0.5).astype(int))


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_never_positive_label_warns_like_in_memory(client, solver):
    X, _ = DATASETS["wine"]()
    Y = indicator(X).astype(int)
    Y[:, 1] = 0
    Yd = da.from_array(Y, chunks=(50, -1))
    Xd = da.from_array(X, chunks=(50, -1))
    match = r"label\(s\) \[1\] never positive"
    with pytest.warns(UserWarning, match=match):
        BCELogisticClassifier(solver=solver, random_state=0).fit(X, Y)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ours = BCELogisticClassifier(solver=solver, random_state=0).fit(Xd, Yd)
    assert any(re.search(match, str(w.message)) for w in record)
    for w in record:  # SGD on dask keeps lowering the intercept until max_iter
        if issubclass(w.category, ConvergenceWarning):
            assert "see a single value" in str(w.message)
    np.testing.assert_array_equal(ours.predict(X)[:, 1], 0)
    assert np.all(ours.predict_proba(X)[:, 1] < 0.05)


def test_multilabel_target_errors_match_in_memory(client):
    X, y = DATASETS["iris"]()
    Y = np.column_stack([y == 0, y == 1]).astype(float)
    Xd = da.from_array(X, chunks=(50, -1))
    bad = {
        "continuous": Y + 0.5,
        "multiclass": np.column_stack([y, y == 1]),
        "nan": np.where(np.arange(len(y))[:, None] == 7, np.nan, Y),
    }
    for target in bad.values():
        expected = in_memory_error(X, target)
        with pytest.raises(ValueError, match=re.escape(expected)):
            BCELogisticClassifier().fit(Xd, da.from_array(target, chunks=(50, -1)))
    cw = {0: 1.0, 1: 2.0}
    expected = in_memory_error(X, Y, class_weight=cw)
    with pytest.raises(ValueError, match=re.escape(expected)):
        BCELogisticClassifier(class_weight=cw).fit(Xd, da.from_array(Y, chunks=50))
    # two values that are not 0 and 1
    with pytest.raises(ValueError, match=re.escape("got the values [0, 5]")):
        BCELogisticClassifier().fit(Xd, da.from_array(5 * Y.astype(int), chunks=50))


# ---------------------------------------------------------------- objective
def _objective_data(weights, seed=0, n=230, d=6, K=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, size=d) + rng.normal(size=d)
    Y = (rng.uniform(size=(n, K)) < 0.4).astype(np.float64)
    sw = {
        None: None,
        "sample": rng.uniform(0, 3, size=n),  # one weight per row: fused set-up
        "problem": rng.uniform(0, 3, size=(n, K)),  # per problem: a moment pass
    }[weights]
    return X, Y, sw


def assert_same_objective(ours, ref, seed=0):
    """Same coordinates, weights, value and gradient as the in-memory objective."""
    np.testing.assert_allclose(ours.shift, ref.shift, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.scale, ref.scale, rtol=1e-10)
    np.testing.assert_allclose(
        ours.backend.weight_totals(), ref.backend.weight_totals(), rtol=1e-12
    )
    # (the in-memory fractions are checked against their formula in test_loss)
    np.testing.assert_allclose(
        ours.positive_fraction(), ref.positive_fraction(), rtol=1e-12
    )
    assert ours.n_params == ref.n_params
    theta = np.random.default_rng(seed).normal(size=ref.n_params) * 0.3
    loss, grad = ours.loss_gradient(theta)
    ref_loss, ref_grad = ref.loss_gradient(theta)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12)
    # a subset of the problems, as one-vs-rest asks when some have converged
    T = theta.reshape(ref.K, -1)[[0, 2]]
    cols = np.array([0, 2])
    for a, b in zip(
        ours.loss_gradient_problems(T, cols=cols),
        ref.loss_gradient_problems(T, cols=cols),
        strict=True,
    ):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def objective_of(backend, C=1.0, fit_intercept=True, precondition=True):
    """The objective of a fit with ``C`` on a backend's data."""
    penalty = Penalty(C, 0.0, backend.weight_totals())
    return Objective(
        backend, penalty, fit_intercept=fit_intercept, precondition=precondition
    )


def _dask_objective(X, Y, sw, chunks, client=None, **kwargs):
    d, K = X.shape[1], Y.shape[1]
    if sw is not None:
        sw = da.from_array(sw, chunks=chunks + sw.shape[1:])
    backend = DaskBackend(
        da.from_array(X, chunks=chunks + (d,)),
        da.from_array(Y, chunks=chunks + (K,)),
        sample_weight=sw,
        client=client,
    )
    return objective_of(backend, **kwargs)


@pytest.mark.parametrize(
    "fit_intercept, weights, direct, precondition",
    [
        (True, "problem", True, True),
        (False, "problem", True, True),
        (True, "sample", True, True),
        (True, None, True, False),
        (True, "problem", False, True),
        (True, "sample", False, True),
        (False, None, False, True),
    ],
)
def test_objective_matches_in_memory_objective(
    client, monkeypatch, fit_intercept, weights, direct, precondition
):
    # Six uneven chunks (one of a single row) on two workers: each worker holds
    # several, which its actor (direct) or its one task per evaluation reduces.
    monkeypatch.setattr(ChunkSet, "direct", direct)
    X, Y, sw = _objective_data(weights)
    kwargs = dict(C=0.7, fit_intercept=fit_intercept, precondition=precondition)
    ref = objective_of(InMemoryBackend(X, Y, sample_weight=sw), **kwargs)
    ours = _dask_objective(X, Y, sw, ((50, 1, 29, 30, 20, 100),), **kwargs)
    if direct:
        assert len(ours.backend.chunks._actors) == 2
    else:
        assert ours.backend.chunks._actors is None
        groups = ours.backend.chunks._worker_groups()
        assert len(groups) == 2  # one task per worker (1 thread each)
        assert sorted(i for _, idx in groups for i in idx) == list(range(6))
    assert_same_objective(ours, ref)
    with pytest.raises(ValueError, match="evaluates all rows only"):
        ours.loss_gradient_per_problem(np.zeros(ours.n_params), rows=slice(0, 10))


@pytest.mark.parametrize("direct", [True, False])
def test_sums_are_added_in_row_order(client, monkeypatch, direct):
    # Small results come back one per chunk and are added in row order, so the
    # data term is bit for bit the serial sum of the chunks, whichever worker
    # holds which chunk and whichever path (actors or tasks) reduces them.
    monkeypatch.setattr(ChunkSet, "direct", direct)
    X, Y, sw = _objective_data("sample", seed=3)
    sizes = (50, 1, 29, 30, 20, 100)
    ours = _dask_objective(X, Y, sw, (sizes,), C=0.7)
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(Y.shape[1], X.shape[1])), rng.normal(size=Y.shape[1])
    Wb = np.column_stack([W, b])
    ends = np.cumsum(sizes)
    parts = [
        dask_chunks.chunk_sums(
            dask_chunks.pack(X[e - m : e], Y[e - m : e], sw[e - m : e], X.dtype),
            Wb, True,
        )
        for m, e in zip(sizes, ends, strict=True)
    ]
    total = dask_chunks.sum_arrays(*parts) / ours.backend.weight_totals()[:, None]
    d = X.shape[1]
    loss, gW, gb = ours.data_term(W, b)
    np.testing.assert_array_equal(loss, total[:, d + 1])
    np.testing.assert_array_equal(gW, total[:, :d])
    np.testing.assert_array_equal(gb, total[:, d])


@pytest.mark.parametrize("direct", [True, False])
def test_objective_on_a_multithreaded_worker(monkeypatch, direct):
    # One worker with 4 threads holding 11 chunks: its actor runs them on 4
    # threads; without actors there is one task per thread, and with the client
    # taking a single result (gather_limit=1) and a fan-in of 2, the 4 results are
    # summed through a tree; the coefficients are scattered (broadcast_limit=0).
    monkeypatch.setattr(ChunkSet, "direct", direct)
    monkeypatch.setattr(ChunkSet, "broadcast_limit", 0)
    monkeypatch.setattr(dask_cluster, "FAN_IN", 2)
    X, Y, sw = _objective_data("problem", seed=1, n=300)
    ref = objective_of(InMemoryBackend(X, Y, sample_weight=sw), C=2.0)
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=4, processes=False,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as c,
    ):
        chunks = ((7, 40, 13, 30, 30, 50, 1, 29, 30, 20, 50),)
        ours = _dask_objective(X, Y, sw, chunks, C=2.0, client=c)
        if direct:
            assert len(ours.backend.chunks._actors) == 1
        else:
            monkeypatch.setattr(ChunkSet, "gather_limit", 1)
            assert ours.backend.chunks._actors is None
            groups = ours.backend.chunks._worker_groups()
            assert [len(idx) for _, idx in groups] == [3, 3, 3, 2]
        assert_same_objective(ours, ref, seed=1)


def test_objective_survives_a_lost_worker():
    # The actors live on the workers: when one is lost, the objective goes on
    # with tasks, and the scheduler recomputes the lost chunks.
    X, Y, sw = _objective_data("sample", seed=2)
    ref = objective_of(InMemoryBackend(X, Y, sample_weight=sw))
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as c,
    ):
        ours = _dask_objective(X, Y, sw, ((60, 60, 60, 50),), client=c)
        assert len(ours.backend.chunks._actors) == 2
        assert_same_objective(ours, ref, seed=2)
        lost = next(iter(cluster.workers.values()))
        held = [a for a in ours.backend.chunks._actors if a.key in lost.state.actors]
        cluster.sync(lost.close)
        for _ in range(200):  # until the client hears of it
            if held[0].status != "finished":
                break
            time.sleep(0.05)
        assert_same_objective(ours, ref, seed=3)
        assert ours.backend.chunks._actors is None


# -------------------------------------------------------------- predictions
@pytest.mark.parametrize("dataset", ["breast_cancer", "iris"])
def test_predictions_are_lazy_and_chunk_aligned(client, dataset):
    X, y = DATASETS[dataset]()
    est = BCELogisticClassifier().fit(X, y)  # how it was fitted does not matter
    n = len(y)
    Xd = da.from_array(X, chunks=((n // 3, 1, n - n // 3 - 1), -1))
    for method in METHODS:
        out = getattr(est, method)(Xd)
        expected = getattr(est, method)(X)
        assert isinstance(out, da.Array)
        assert out.shape == expected.shape
        assert out.dtype == expected.dtype
        assert out.chunks[0] == Xd.chunks[0]
        assert len(out.dask.layers) == len(Xd.dask.layers) + 1  # one map_blocks
        if method == "predict":
            np.testing.assert_array_equal(out.compute(), expected)
        else:
            np.testing.assert_allclose(out.compute(), expected, rtol=1e-5, atol=1e-5)


def test_predict_does_not_compute_until_asked():
    # No cluster needed: building the prediction runs nothing on the data.
    X, y = DATASETS["iris"]()
    est = BCELogisticClassifier().fit(X, y)
    calls = []

    def load(block):
        calls.append(block.shape)
        return block

    Xd = da.from_array(X, chunks=40).map_blocks(load, meta=np.empty((0, 0)))
    out = est.predict_proba(Xd)
    assert calls == []
    np.testing.assert_allclose(
        out.compute(scheduler="sync"), est.predict_proba(X), atol=1e-12
    )
    assert len(calls) == len(Xd.chunks[0])


def test_prediction_errors():
    X, y = DATASETS["iris"]()
    est = BCELogisticClassifier().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but BCELogisticClassifier"):
        est.predict(da.from_array(X[:, :3], chunks=50))
    bad = X.copy()
    bad[7, 1] = np.nan
    lazy = est.predict_proba(da.from_array(bad, chunks=50))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        lazy.compute(scheduler="sync")
    with pytest.raises(ValueError, match="must hold numbers"):
        est.predict(da.from_array(X.astype(str), chunks=50))


# ------------------------------------------------------------------- errors
def in_memory_error(X, y, sample_weight=None, **params):
    """The message of the error the in-memory fit raises on the same data."""
    with pytest.raises(ValueError) as info:
        BCELogisticClassifier(**params).fit(X, y, sample_weight=sample_weight)
    return str(info.value)


@pytest.mark.parametrize(
    "case",
    ["one class", "continuous y", "negative weight", "nan weight", "zero weights"],
)
def test_target_and_weight_errors_match_in_memory(client, case):
    X, y = DATASETS["iris"]()
    sw = np.ones(len(y))
    if case == "one class":
        y = np.zeros(len(y), dtype=int)
    elif case == "continuous y":
        y = y + 0.5
    elif case == "negative weight":
        sw[3] = -1.0
    elif case == "nan weight":
        sw[3] = np.nan
    else:
        sw[:] = 0.0
    expected = in_memory_error(X, y, sw)
    with pytest.raises(ValueError, match=re.escape(expected)):
        BCELogisticClassifier().fit(*to_dask(X, y, sw))


@pytest.mark.parametrize("value, word", [(np.nan, "NaN"), (np.inf, "infinity")])
@pytest.mark.parametrize("through", ["estimator", "backend"])
def test_nonfinite_X_is_detected_on_the_cluster(client, value, word, through):
    X, y = DATASETS["iris"]()
    X = X.copy()
    X[100, 2] = value
    Xd, yd = to_dask(X, y)
    with pytest.raises(ValueError, match=f"Input X contains {word}"):
        if through == "estimator":
            BCELogisticClassifier().fit(Xd, yd)
        else:
            DaskBackend(Xd, yd == 0)  # the backend's own set-up pass


def test_large_finite_values_are_not_taken_for_infinity():
    # their sum overflows, which only sends the check to the exact test
    X = np.full((4, 3), np.finfo(np.float64).max / 2)
    np.testing.assert_array_equal(dask_chunks.nonfinite_flags(X), [False, False])
    X[1, 1] = np.inf
    np.testing.assert_array_equal(dask_chunks.nonfinite_flags(X), [False, True])


def test_shape_errors(client):
    X, y = DATASETS["iris"]()
    Xd, yd = to_dask(X, y)
    with pytest.raises(ValueError, match=re.escape("inconsistent numbers of samples")):
        BCELogisticClassifier().fit(Xd, yd[:-1])
    with pytest.raises(ValueError, match=re.escape("must have shape (150,)")):
        BCELogisticClassifier().fit(Xd, yd, sample_weight=da.ones(149, chunks=70))
    with pytest.raises(ValueError, match="y should be a 1d array"):
        BCELogisticClassifier().fit(Xd, da.stack([yd, yd], axis=1)[:, :, None])
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        BCELogisticClassifier().fit(Xd[:, 0], yd)
    with pytest.raises(ValueError, match="must hold numbers, got dtype <U"):
        BCELogisticClassifier().fit(Xd.astype(str), yd)
    with pytest.raises(ValueError, match="Complex data not supported"):
        BCELogisticClassifier().fit(Xd.astype(complex), yd)
    with pytest.raises(ValueError, match=re.escape("0 sample(s)")):
        BCELogisticClassifier().fit(Xd[:0], yd[:0])


def test_column_vector_y_warns_like_in_memory(client):
    X, y = DATASETS["iris"]()
    Xd, yd = to_dask(X, y)
    with pytest.warns(DataConversionWarning, match="A column-vector y was passed"):
        est = BCELogisticClassifier(**TOL).fit(Xd, yd[:, None])
    assert_same_fit(est, X, y)


def test_unsupported_dask_collection_is_a_type_error():
    X, y = DATASETS["iris"]()
    bag = db.from_sequence(X.tolist())
    with pytest.raises(TypeError, match="X must be a dask array or a dask DataFrame"):
        BCELogisticClassifier().fit(bag, y)


def test_no_client_is_a_clear_error(monkeypatch):
    def no_client():
        raise ValueError("No global client found and no address provided")

    monkeypatch.setattr(dask_cluster, "get_client", no_client)
    X, y = DATASETS["iris"]()
    with pytest.raises(ValueError, match="needs a dask.distributed client"):
        BCELogisticClassifier().fit(*to_dask(X, y))


def test_importing_the_package_does_not_import_dask():
    code = (
        "import sys, numpy as np\n"
        "import sklearn_bce\n"
        "X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])\n"
        "sklearn_bce.BCELogisticClassifier().fit(X, y).predict_proba(X)\n"
        "assert not any(m == 'dask' or m.startswith(('dask.', 'distributed'))"
        " for m in sys.modules), sorted(m for m in sys.modules if 'dask' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_auto_solver_is_lbfgs_and_newton_is_refused_on_dask(client):
    """No Hessians on a cluster: 'auto' runs L-BFGS, 'newton-cholesky' says why not."""
    X, y = DATASETS["breast_cancer"]()
    Xd, yd = to_dask(X, y)
    est = BCELogisticClassifier().fit(Xd, yd)
    assert est.solver_ == "lbfgs"
    assert BCELogisticClassifier().fit(X, y).solver_ == "newton-cholesky"
    with pytest.raises(ValueError, match="'newton-cholesky' is not available for dask"):
        BCELogisticClassifier(solver="newton-cholesky").fit(Xd, yd)


def test_path_and_l1_min_c_on_the_cluster(client):
    X, y = DATASETS["synthetic"]()
    Xd, yd = da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
    Cs = [0.01, 1.0]
    path = bce_path(Xd, yd, Cs=Cs, tol=1e-8)
    assert path.solvers == ["lbfgs", "lbfgs"]
    for i, C in enumerate(Cs):
        ref = lr_reference(X, y, C)
        # measured: 1.6e-6 (L-BFGS at tol=1e-8)
        np.testing.assert_allclose(path.coefs[i], ref.coef_, rtol=0, atol=1e-5)
    # the closed form of the bound, as in tests/test_path.py
    closed = 1.0 / np.abs(X.T @ (y.mean() - y)).max()
    np.testing.assert_allclose(l1_min_c(Xd, yd), closed, rtol=1e-12)


def test_penalty_factors_and_bounds_on_dask(client):
    from .test_constraints import _binary, _bounds, _factors, glum_reference

    X, y = _binary()
    f, (lower, upper) = _factors(8), _bounds(8, 1)
    params = dict(C=0.5, penalty_factor=f, lower_bounds=lower, upper_bounds=upper)
    est = BCELogisticClassifier(**params, **TOL).fit(*to_dask(X, y))
    # measured 7.6e-7 from glum's
    np.testing.assert_allclose(
        np.c_[est.coef_, est.intercept_],
        glum_reference(X, y, 0.5, 0.0, f, None, (lower, upper)), atol=5e-6,
    )
    # the SGD stream projects every step (and averages feasible iterates): the
    # bounds hold, where the unbounded optimum has x1 < 0 and x3 < 0.2
    with pytest.warns(ConvergenceWarning):
        sgd = BCELogisticClassifier(
            **params, solver="sgd", random_state=0, max_iter=20
        ).fit(*to_dask(X, y))
    assert np.all(sgd.coef_ >= lower) and np.all(sgd.coef_ <= upper)
    free = BCELogisticClassifier(C=0.5, penalty_factor=f, **TOL).fit(X, y)
    assert free.coef_[0, 1] < 0 and free.coef_[0, 3] < 0.2
