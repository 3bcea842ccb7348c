"""BLAS threads while fits run their row blocks on threads.

A fit holds BLAS at one thread in the threads that run its row blocks. Where the
loaded BLAS has a thread-local thread count (MKL), only those threads are held
and other threads of the process keep their BLAS threads; otherwise (OpenBLAS,
whose ``openblas_set_num_threads_local`` sets the process's count) the count is
limited for the whole process while any fit runs, and restored by the last fit
to end. The tests on the loaded BLAS assert whichever of the two applies; the
thread-local path is also run on a stand-in library whose counts are
thread-local. Every fit is compared with scikit-learn's
``LogisticRegression(solver="newton-cholesky")`` at the optimum (``EXACT_TOL`` of
``tests/conftest.py``).
"""

import ctypes
import threading
from contextlib import nullcontext

import numpy as np
import pytest
from numpy.testing import assert_allclose
from threadpoolctl import threadpool_info, threadpool_limits

import sklearn_bce._objective.blas as blas_module
import sklearn_bce._objective.kernels as kernels_module
import sklearn_bce._objective.memory as memory_module
from sklearn_bce import BCELogisticClassifier
from sklearn_bce._objective import InMemoryBackend
from sklearn_bce._objective.blas import blas_libraries
from sklearn_bce._objective.memory import THREADED_ROWS

from .conftest import EXACT_TOL, lr_reference

TIMEOUT = 120
# At tol=1e-10, L-BFGS stops on these data where float64 no longer lowers the
# objective, with the gradient at 15x tol (a ConvergenceWarning); 1e-8 it meets.
LBFGS_TOL = 1e-8


@pytest.fixture(autouse=True)
def threaded_from_8192_rows(monkeypatch):
    """Fits run their row blocks on threads from ``THREADED_ROWS`` up, whatever
    the data's size, as they do with an explicit ``n_jobs``."""
    monkeypatch.setattr(memory_module, "THREADED_BYTES", 0)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 10))
    y = (X[:, 0] - X[:, 1] + rng.normal(size=20_000) > 0).astype(int)
    assert X.shape[0] >= THREADED_ROWS  # the fits run their row blocks on threads
    return X, y, lr_reference(X, y, tol=EXACT_TOL)


def assert_matches(clf, ref, atol=1e-7):
    """The coefficients and intercepts of ``clf`` within ``atol`` of ``ref``'s;
    by default, reached: 1.1e-8 (the L-BFGS fits of these tests)."""
    assert_allclose(clf.coef_, ref.coef_, rtol=0, atol=atol)
    assert_allclose(clf.intercept_, ref.intercept_, rtol=0, atol=atol)


def pools():
    """(file, API, threads) of every thread pool of the process."""
    return sorted(
        (lib["filepath"], lib["user_api"], lib["num_threads"])
        for lib in threadpool_info()
    )


def thread_local():
    """Whether every loaded BLAS library has a thread-local thread count."""
    return all(library.set_local for library in blas_libraries())


def held(before):
    """The pools of ``before`` as a fit leaves them while it runs its row blocks."""
    if thread_local():
        return before
    return sorted(
        (path, api, 1 if api == "blas" else threads) for path, api, threads in before
    )


class Gate:
    """Pauses each named fit at its first evaluation on threads until released."""

    def __init__(self, names):
        self.entered = {name: threading.Event() for name in names}
        self.release = {name: threading.Event() for name in names}

    def install(self, monkeypatch):
        original = InMemoryBackend.mean_loss_gradient
        gate = self

        def spy(self, W, b, cols=None, rows=None):
            name = threading.current_thread().name
            pause = self.executor is not None and name in gate.entered
            if pause and not gate.entered[name].is_set():
                gate.entered[name].set()
                assert gate.release[name].wait(timeout=TIMEOUT)
            return original(self, W, b, cols=cols, rows=rows)

        monkeypatch.setattr(InMemoryBackend, "mean_loss_gradient", spy)


def start_fit(name, X, y, fits, errors, done=None, stay=None):
    """Fit in a new thread, which sets ``done`` after the fit and waits for ``stay``."""

    def run():
        try:
            fits[name] = BCELogisticClassifier(
                solver="lbfgs", tol=LBFGS_TOL, n_jobs=2
            )
            fits[name].fit(X, y)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        if done is not None:
            done.set()
            assert stay.wait(timeout=TIMEOUT)

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def test_blas_threads_seen_by_another_thread_during_a_fit(data, monkeypatch):
    X, y, ref = data
    gate = Gate(["fit"])
    gate.install(monkeypatch)
    fits, errors = {}, []
    with threadpool_limits(limits=2, user_api="blas"):
        before = pools()
        assert {t for _, api, t in before if api == "blas"} == {2}
        thread = start_fit("fit", X, y, fits, errors)
        assert gate.entered["fit"].wait(timeout=TIMEOUT)
        during = pools()  # read from this thread while the fit runs
        gate.release["fit"].set()
        thread.join(timeout=TIMEOUT)
        after = pools()
    assert not errors and not thread.is_alive()
    assert during == held(before)
    assert after == before
    assert_matches(fits["fit"], ref)


@pytest.mark.parametrize("outer", [False, True])
def test_concurrent_fits_leave_every_thread_pool_as_found(data, monkeypatch, outer):
    # Fit 1 starts, fit 2 starts while it runs, fit 1 ends first (its thread
    # lives on): the pools are as a fit leaves them until fit 2 ends, then as
    # they were; with or without limits that this thread set (threadpoolctl
    # then ignores other threads' limits of a pthreads OpenBLAS).
    X, y, ref = data
    gate = Gate(["first", "second"])
    gate.install(monkeypatch)
    fits, errors = {}, []
    first_done, first_exit = threading.Event(), threading.Event()
    with threadpool_limits(limits=2, user_api="blas") if outer else nullcontext():
        before = pools()
        first = start_fit("first", X, y, fits, errors, first_done, first_exit)
        assert gate.entered["first"].wait(timeout=TIMEOUT)
        second = start_fit("second", X, y, fits, errors)
        assert gate.entered["second"].wait(timeout=TIMEOUT)
        both = pools()
        gate.release["first"].set()
        assert first_done.wait(timeout=TIMEOUT)
        one = pools()
        gate.release["second"].set()
        second.join(timeout=TIMEOUT)
        after = pools()  # fit 1's thread still running
        first_exit.set()
        first.join(timeout=TIMEOUT)
    assert not errors and not first.is_alive() and not second.is_alive()
    assert both == one == held(before)
    assert after == before
    for clf in fits.values():
        assert_matches(clf, ref)


def test_openblas_local_thread_count_is_the_process_count():
    # Why OpenBLAS gets the process-wide limit: its "local" setter, called in
    # one thread, changes the count every other thread reads.
    libs = [
        lib for lib in threadpool_info()
        if lib["internal_api"] == "openblas"
        and hasattr(ctypes.CDLL(lib["filepath"]), "openblas_set_num_threads_local")
    ]
    if not libs:
        pytest.skip("no OpenBLAS with openblas_set_num_threads_local is loaded")
    openblas = [
        lib for lib in blas_libraries() if lib.controller.internal_api == "openblas"
    ]
    assert openblas and not any(lib.set_local for lib in openblas)
    assert not thread_local()
    before = pools()
    with threadpool_limits(limits=2, user_api="blas"):
        for lib in libs:
            setter = ctypes.CDLL(lib["filepath"]).openblas_set_num_threads_local
            setter.argtypes, setter.restype = [ctypes.c_int], ctypes.c_int
            seen = []
            helper = threading.Thread(target=lambda: seen.append(setter(1)))  # noqa: B023
            helper.start()
            helper.join(timeout=TIMEOUT)
            counts = {
                other["filepath"]: other["num_threads"] for other in threadpool_info()
            }
            assert seen == [2]
            assert counts[lib["filepath"]] == 1  # read from this thread
            setter(2)
    assert pools() == before


class ThreadLocalBlas:
    """A stand-in BLAS library whose thread count can be set for one thread.

    ``set_local`` has the contract of MKL's ``MKL_Set_Num_Threads_Local``
    (returns the calling thread's setting before, 0 for none; 0 goes back to the
    process's count) and ``threads`` reports the calling thread's count, as
    threadpoolctl reads MKL's. Setting the process's count fails the test.
    """

    def __init__(self, threads):
        self.process = threads
        self.local = threading.local()

    def setting(self):
        return getattr(self.local, "threads", 0)

    def threads(self):
        return self.setting() or self.process

    def set_local(self, n):
        before, self.local.threads = self.setting(), n
        return before

    def set_process(self, n):
        raise AssertionError("the process's BLAS count was changed")


def test_thread_local_blas_holds_only_the_fits_threads(data, monkeypatch):
    # Two fits overlap; the second runs in a thread whose own count is 3. Each
    # fit's row blocks run on its own threads at one BLAS thread, as many
    # threads as BLAS was set to use in the thread that fits, and every thread
    # gets its setting back; the process's count is never changed.
    X, y, ref = data
    blas = ThreadLocalBlas(threads=2)
    monkeypatch.setattr(blas_module, "blas_libraries", lambda: (blas,))
    blocks = []
    original_block = kernels_module._block_loss_residual

    def block_spy(*args, **kwargs):
        blocks.append((threading.current_thread().name, blas.threads()))
        return original_block(*args, **kwargs)

    monkeypatch.setattr(kernels_module, "_block_loss_residual", block_spy)
    evaluations, after, errors = {}, {}, []
    original = InMemoryBackend.mean_loss_gradient

    def evaluation_spy(self, W, b, cols=None, rows=None):
        name = threading.current_thread().name
        evaluations.setdefault(name, set()).add((self.n_workers, blas.threads()))
        return original(self, W, b, cols=cols, rows=rows)

    monkeypatch.setattr(InMemoryBackend, "mean_loss_gradient", evaluation_spy)
    gate = Gate(["first", "second"])
    gate.install(monkeypatch)  # around the evaluation spy

    def fit(name, own):
        try:
            if own:
                blas.set_local(own)
            clf = BCELogisticClassifier(solver="lbfgs", tol=LBFGS_TOL).fit(X, y)
            assert_matches(clf, ref)
            after[name] = blas.setting()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    first = threading.Thread(target=fit, args=("first", 0), name="first")
    second = threading.Thread(target=fit, args=("second", 3), name="second")
    first.start()
    assert gate.entered["first"].wait(timeout=TIMEOUT)
    second.start()
    assert gate.entered["second"].wait(timeout=TIMEOUT)
    during = (blas.process, blas.threads())  # this thread, both fits running
    gate.release["first"].set()
    first.join(timeout=TIMEOUT)
    gate.release["second"].set()
    second.join(timeout=TIMEOUT)
    assert not errors and not first.is_alive() and not second.is_alive()
    assert during == (2, 2)
    assert blas.process == 2 and blas.setting() == 0
    assert after == {"first": 0, "second": 3}
    # calling threads: one BLAS thread, row blocks on 2 and 3 threads
    assert evaluations["first"] == {(2, 1)}
    assert evaluations["second"] == {(3, 1)}
    workers = {name for name, _ in blocks if name not in ("first", "second")}
    assert workers and {count for _, count in blocks} == {1}


def test_small_fits_factorise_their_hessian_on_one_blas_thread(monkeypatch):
    # Small data run in the calling thread, BLAS held at one thread all the
    # same: a multi-threaded BLAS spends more on waking its threads than on a
    # small Cholesky factorisation, by far on a machine whose cores are busy.
    import sklearn_bce._solvers.newton as newton_module

    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 40))
    y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
    seen = []
    factor = newton_module.cho_factor

    def recording(H, **kwargs):
        seen.append(max(lib["num_threads"] for lib in threadpool_info()
                        if lib["user_api"] == "blas"))
        return factor(H, **kwargs)

    monkeypatch.setattr(newton_module, "cho_factor", recording)
    before = pools()
    with threadpool_limits(2, user_api="blas"):
        clf = BCELogisticClassifier(solver="newton-cholesky", tol=1e-10).fit(X, y)
        assert max(lib["num_threads"] for lib in threadpool_info()
                   if lib["user_api"] == "blas") == 2  # restored after the fit
    assert seen and set(seen) == {1}
    assert pools() == before
    ref = lr_reference(X, y, tol=EXACT_TOL)
    assert_matches(clf, ref, atol=1e-10)  # reached: 1e-11
