"""Faults on a dask cluster: a worker lost during a fit, a hung worker, no scheduler.

A lost worker must not lose the fit (the scheduler computes its chunks again
elsewhere, and the evaluations fall back from the actors to tasks); a wait that
would never end gives a clear ``TimeoutError`` after the time set with
``dask.config.set({"sklearn_bce.timeout": seconds})``.
"""

import os
import signal
import threading
import time

import dask
import dask.array as da
import numpy as np
import pytest
from distributed import Client, LocalCluster
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import sklearn_bce._dask.backend as dask_backend
from sklearn_bce import BCELogisticClassifier


def data(n=20_000, d=10):
    X, y = make_classification(n_samples=n, n_features=d, random_state=0)
    X[:, 0] *= 100.0  # unscaled: a few dozen L-BFGS iterations
    return X, y


def as_dask(X, y, rows):
    return da.from_array(X, chunks=(rows, -1)), da.from_array(y, chunks=(rows,))


def test_a_worker_killed_during_lbfgs_does_not_lose_the_fit(monkeypatch):
    X, y = data()
    ref = LogisticRegression(solver="newton-cholesky", tol=1e-10).fit(X, y)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, Client(cluster) as client:
        Xd, yd = as_dask(X, y, rows=2_500)
        params = dict(solver="lbfgs", tol=1e-8, max_iter=1000)
        undisturbed = BCELogisticClassifier(**params).fit(Xd, yd)
        victim = sorted(client.run(os.getpid).values())[0]
        original = dask_backend.DaskBackend.mean_loss_gradient
        calls = {"n": 0}

        def kill_a_worker_at_the_fifth_evaluation(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 5:
                os.kill(victim, signal.SIGKILL)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(
            dask_backend.DaskBackend, "mean_loss_gradient",
            kill_a_worker_at_the_fifth_evaluation,
        )
        with dask.config.set({"sklearn_bce.timeout": 60}):
            disturbed = BCELogisticClassifier(**params).fit(Xd, yd)
        assert calls["n"] > 5  # the fit went on after the worker was killed
        assert victim not in client.run(os.getpid).values()
    np.testing.assert_allclose(disturbed.coef_, undisturbed.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(
        disturbed.intercept_, undisturbed.intercept_, rtol=0, atol=1e-8
    )
    # and both are the optimum
    np.testing.assert_allclose(disturbed.coef_, ref.coef_, rtol=1e-5, atol=1e-7)


# module level, so that the (in-process) workers unpickle them by reference
RELEASE = threading.Event()
CALLS = {"n": 0}
CHUNK_SUMS = dask_backend.chunk_sums


def hangs_after_the_first_evaluations(*args, **kwargs):
    CALLS["n"] += 1
    if CALLS["n"] > 8:
        RELEASE.wait(60)
    return CHUNK_SUMS(*args, **kwargs)


@pytest.mark.exclusive  # timed: alone on the machine under pytest-xdist
def test_a_hung_worker_gives_a_clear_timeout(monkeypatch):
    RELEASE.clear()
    CALLS["n"] = 0
    release = RELEASE
    monkeypatch.setattr(dask_backend, "chunk_sums", hangs_after_the_first_evaluations)
    X, y = data(n=4_000)
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster, Client(cluster):
        Xd, yd = as_dask(X, y, rows=1_000)
        clf = BCELogisticClassifier(solver="lbfgs")
        start = time.perf_counter()
        try:
            with dask.config.set({"sklearn_bce.timeout": 1}), pytest.raises(
                TimeoutError,
                match=r"did not return an evaluation within 1 s \(it has 1 "
                r"worker\(s\) now\).*sklearn_bce\.timeout",
            ):
                clf.fit(Xd, yd)
        finally:
            release.set()
        # one timeout for the actors, one for the tasks they fall back to
        assert time.perf_counter() - start < 10
    assert not hasattr(clf, "coef_")


@pytest.mark.exclusive  # timed: alone on the machine under pytest-xdist
def test_a_scheduler_that_cannot_be_reached_gives_a_clear_timeout():
    X, y = data(n=2_000, d=5)
    # the client gives up reconnecting after 3 s when the test closes it
    with dask.config.set({"distributed.comm.timeouts.connect": "3s"}), LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster, Client(cluster) as client:
        Xd, yd = as_dask(X, y, rows=500)
        client.sync(cluster.scheduler.close)
        start = time.perf_counter()
        with dask.config.set({"sklearn_bce.timeout": 2}), pytest.raises(
            TimeoutError,
            match=r"did not return .* within 2 s \(the client is \w+: its "
            r"scheduler does not answer\)",
        ):
            BCELogisticClassifier().fit(Xd, yd)
        assert time.perf_counter() - start < 10
