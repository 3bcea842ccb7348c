"""``n_jobs``: the threads of the in-memory evaluation.

Every fit is compared with scikit-learn's ``LogisticRegression(solver=
"newton-cholesky")`` at the optimum (``EXACT_TOL`` of ``tests/conftest.py``), at
about 10x the distance measured with the BLAS on one or two threads and on four
of OpenBLAS' kernels (SkylakeX, Haswell, Sandybridge, Prescott). Fits with one
and two threads are compared with each other bit for bit, the one property of
the package's own output tested here, on data large enough to be threaded and
with row blocks that would differ if they were sized for the number of threads
that runs them.
"""

import re

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils._param_validation import InvalidParameterError
from threadpoolctl import threadpool_info

import sklearn_bce._objective.memory as memory_module
from sklearn_bce import BCELogisticClassifier
from sklearn_bce._objective import InMemoryBackend
from sklearn_bce._objective.memory import THREADED_ROWS, thread_count

from .conftest import EXACT_TOL, lr_reference

# 60000 x 20: the kernel's row blocks hold 12500 rows when sized for one thread
# and 6250 for two (dense; 5949 and 4096 for the CSR matrix), so blocks that
# followed the threads would change the sums; Newton's Gram blocks likewise
# (3750 and 1875 rows).
N_SAMPLES = 60_000


# Reached at tol=1e-10, coefficients and intercepts (dense / CSR): 5e-10 / 4.3e-11
# (lbfgs), 6.7e-13 / 2.2e-16 (newton-cholesky), 2.5e-10 / 1.3e-10 (sgd).
ATOL = {
    ("lbfgs", "dense"): 5e-9,
    ("lbfgs", "csr"): 1.6e-8,  # at tol=1e-9: 1.6e-9 reached
    ("newton-cholesky", "dense"): 7e-12,
    ("newton-cholesky", "csr"): 2e-15,
    ("sgd", "dense"): 2.5e-9,
    ("sgd", "csr"): 1.3e-9,
}


def threaded_data(layout):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_SAMPLES, 20))
    y = (X[:, 0] - X[:, 1] + rng.normal(size=N_SAMPLES) > 0).astype(int)
    if layout == "csr":
        X = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    return X, y


def blas_threads():
    return max(
        (lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"),
        default=1,
    )


@pytest.fixture
def evaluations(monkeypatch):
    """Records (threads, BLAS threads) of every full-data evaluation of a fit."""
    seen = []
    original = InMemoryBackend.mean_loss_gradient

    def spy(self, W, b, cols=None, rows=None):
        if rows is None:
            seen.append((self.n_workers, blas_threads()))
        return original(self, W, b, cols=cols, rows=rows)

    monkeypatch.setattr(InMemoryBackend, "mean_loss_gradient", spy)
    return seen


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky", "sgd"])
def test_one_and_two_threads_give_the_same_bits(evaluations, solver, layout):
    X, y = threaded_data(layout)
    assert X.shape[0] >= THREADED_ROWS
    # L-BFGS stops at float64's precision a little above 1e-10 on the CSR data
    tol = 1e-9 if solver == "lbfgs" else 1e-10
    params = dict(solver=solver, tol=tol, max_iter=1000, random_state=0)
    one = BCELogisticClassifier(n_jobs=1, **params).fit(X, y)
    one_seen, evaluations[:] = list(evaluations), []
    two = BCELogisticClassifier(n_jobs=2, **params).fit(X, y)
    if solver != "sgd":  # the backend's threads, BLAS held at one meanwhile
        assert set(one_seen) == {(1, 1)}
        assert set(evaluations) == {(2, 1)}
    assert_array_equal(one.coef_, two.coef_)
    assert_array_equal(one.intercept_, two.intercept_)
    ref = lr_reference(X.toarray() if sp.issparse(X) else X, y, tol=EXACT_TOL)
    atol = ATOL[solver, layout]
    assert_allclose(two.coef_, ref.coef_, rtol=0, atol=atol)
    assert_allclose(two.intercept_, ref.intercept_, rtol=0, atol=atol)


@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_cd_one_and_two_threads_give_the_same_bits(monkeypatch, layout):
    # coordinate descent's full gradients X' r run on the backend's threads
    X, y = threaded_data(layout)
    seen = []
    original = InMemoryBackend.residual_gradient

    def spy(self, R):
        seen.append(self.n_workers)
        return original(self, R)

    monkeypatch.setattr(InMemoryBackend, "residual_gradient", spy)
    params = dict(solver="cd", l1_ratio=1.0, C=0.002, tol=1e-10, max_iter=1000)
    one = BCELogisticClassifier(n_jobs=1, **params).fit(X, y)
    one_seen, seen[:] = list(seen), []
    two = BCELogisticClassifier(n_jobs=2, **params).fit(X, y)
    assert set(one_seen) == {1} and set(seen) == {2}
    assert_array_equal(one.coef_, two.coef_)
    assert_array_equal(one.intercept_, two.intercept_)
    assert 0 < np.count_nonzero(one.coef_) < X.shape[1]


def test_all_cores_and_the_default(evaluations, monkeypatch):
    X, y = threaded_data("dense")
    monkeypatch.setattr(memory_module, "cpu_count", lambda: 3)
    ref = lr_reference(X, y, tol=EXACT_TOL)
    for n_jobs, threads in ((-1, 3), (-2, 2), (-3, 1), (-10, 1), (4, 4)):
        evaluations.clear()
        clf = BCELogisticClassifier(solver="lbfgs", tol=1e-10, n_jobs=n_jobs)
        clf.fit(X, y)
        assert set(evaluations) == {(threads, 1)}, n_jobs
        # reached: 5e-10
        assert_allclose(clf.coef_, ref.coef_, rtol=0, atol=5e-9)
    # None: as many threads as BLAS was set to use, as without the parameter,
    # from THREADED_BYTES up; below, one
    for threaded_bytes, threads in ((0, blas_threads()), (X.nbytes + 1, 1)):
        monkeypatch.setattr(memory_module, "THREADED_BYTES", threaded_bytes)
        evaluations.clear()
        BCELogisticClassifier(solver="lbfgs").fit(X, y)
        assert {w for w, _ in evaluations} == {threads}


def test_small_data_are_not_threaded(evaluations):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 5))
    y = (X[:, 0] + rng.normal(size=500) > 0).astype(int)
    # at tol=1e-10 L-BFGS stops where float64 no longer lowers the objective on
    # these data (a ConvergenceWarning): 1e-8 it meets
    clf = BCELogisticClassifier(solver="lbfgs", tol=1e-8, n_jobs=2).fit(X, y)
    assert {w for w, _ in evaluations} == {1}
    ref = lr_reference(X, y, tol=EXACT_TOL)
    # reached: 1.9e-9
    assert_allclose(clf.coef_, ref.coef_, rtol=0, atol=2e-8)


def test_covariance_matrix_uses_n_jobs(evaluations):
    X, y = threaded_data("dense")
    X = X[:, :3]
    clf = BCELogisticClassifier(C=np.inf, tol=1e-10, n_jobs=2).fit(X, y)
    evaluations.clear()
    cov = clf.covariance_matrix(X, y)[0]
    assert set(evaluations) == {(2, 1)}
    ref = lr_reference(X, y, C=np.inf, tol=EXACT_TOL)
    X1 = np.column_stack([X, np.ones(len(X))])
    p = 1 / (1 + np.exp(-(X1 @ np.append(ref.coef_[0], ref.intercept_))))
    expected = np.linalg.inv(X1.T @ (X1 * (p * (1 - p))[:, None]))
    # reached: 2.2e-11
    assert_allclose(cov, expected, rtol=2e-10)


def test_thread_count_follows_joblib(monkeypatch):
    monkeypatch.setattr(memory_module, "cpu_count", lambda: 8)
    assert [thread_count(n) for n in (1, 2, 16, -1, -2, -8, -9)] == [
        1, 2, 16, 8, 7, 1, 1,
    ]
    with pytest.raises(ValueError, match=re.escape("n_jobs == 0 has no meaning")):
        thread_count(0)


@pytest.mark.parametrize("n_jobs", [0, 1.5, "2"])
def test_invalid_n_jobs(n_jobs):
    X, y = threaded_data("dense")
    msg = "The 'n_jobs' parameter of BCELogisticClassifier must be"
    with pytest.raises(InvalidParameterError, match=re.escape(msg)):
        BCELogisticClassifier(n_jobs=n_jobs).fit(X[:50], y[:50])


def test_n_jobs_is_ignored_on_dask():
    pytest.importorskip("distributed")
    import dask.array as da
    from distributed import Client, LocalCluster

    X, y = threaded_data("dense")
    X, y = X[:2000, :5], y[:2000]
    ref = lr_reference(X, y, tol=EXACT_TOL)
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster),
    ):
        for n_jobs in (1, 2, -1):
            clf = BCELogisticClassifier(tol=1e-8, max_iter=1000, n_jobs=n_jobs)
            clf.fit(da.from_array(X, chunks=(700, 5)), da.from_array(y, chunks=700))
            # reached: 3.8e-8 (tol=1e-8)
            assert_allclose(clf.coef_, ref.coef_, rtol=0, atol=4e-7)


@pytest.mark.parametrize("host_view", [True, False])
def test_n_jobs_on_array_api_input(host_view, monkeypatch):
    # In host memory the arrays are fitted on a NumPy view by the in-memory
    # backend, whose coefficients do not depend on an int n_jobs, bit for bit;
    # with the namespace's operations n_jobs is not used.
    xps = pytest.importorskip("array_api_strict")
    from sklearn import config_context

    from sklearn_bce import _array_api

    monkeypatch.setattr(_array_api, "HOST_VIEW", host_view)
    X, y = threaded_data("dense")
    X, y = X[:, :5], y
    ref = lr_reference(X, y, tol=EXACT_TOL)
    coefs = []
    with config_context(array_api_dispatch=True):
        for n_jobs in (1, 2, -1):
            clf = BCELogisticClassifier(tol=1e-10, n_jobs=n_jobs)
            clf.fit(xps.asarray(X), y)
            coefs.append(np.asarray(clf.coef_))
            # reached: 6.6e-13
            assert_allclose(coefs[-1], ref.coef_, rtol=0, atol=7e-12)
    for coef in coefs[1:]:
        assert_array_equal(coef, coefs[0])
