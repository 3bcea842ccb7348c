"""Shared data sets, independent references and hypothesis profiles for the tests.

Data sets are small, shipped with scikit-learn or synthetic. Every number a test
checks is compared with a reference this package did not compute: scikit-learn's
``LogisticRegression(solver="newton-cholesky")`` converged far past the package's
tolerance (:func:`lr_reference`, :func:`ovr_reference`; at ``tol=EXACT_TOL``, to
the optimum itself) and the objective written out with NumPy
(:func:`bce_objective`).

Hypothesis profiles (deadline off in all of them; the fits' timing varies with
the machine's load):

- ``ci`` (the default): 100 examples for every property test that does not set
  its own budget, derandomised so that a run is reproducible;
- ``dev``: 20 examples, for a quick local run;
- ``thorough``: 1000 random examples, for a long run that looks for new
  counter-examples.

Choose one with the environment variable ``SKLEARN_BCE_HYPOTHESIS_PROFILE`` or
hypothesis' own option ``pytest --hypothesis-profile=NAME``.
"""

import copy
import functools
import hashlib
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, settings
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_bce._objective import InMemoryBackend, Objective, Penalty

try:
    import fcntl
except ImportError:  # Windows: no test is exclusive
    fcntl = None

settings.register_profile(
    "ci", max_examples=100, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", max_examples=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("SKLEARN_BCE_HYPOTHESIS_PROFILE", "ci"))


def _standardised(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


DATASETS = {
    "breast_cancer": lambda: _standardised(load_breast_cancer),
    "iris": lambda: _standardised(load_iris),
    "wine": lambda: _standardised(load_wine),
    "digits": lambda: _standardised(load_digits),
    "synthetic": lambda: make_classification(
        n_samples=400, n_features=12, n_informative=6, random_state=0
    ),
}


@pytest.fixture(params=["breast_cancer", "synthetic"])
def binary_data(request):
    return DATASETS[request.param]()


@pytest.fixture(params=["iris", "wine"])
def multiclass_data(request):
    return DATASETS[request.param]()


@pytest.fixture
def rng():
    return np.random.default_rng(42)


# ------------------------------------------------------------------ dask cluster
class SharedCluster:
    """One small dask cluster (2 worker processes, 1 thread each) for the
    consecutive test modules that use the ``client`` fixture.

    Started by the first of them, with the package imported on the workers up
    front, and closed after the last test of a module that uses it when the next
    module does not: its scheduler's threads live in the test process, and tests
    such as the memory peaks must not see them. Tests that kill or close workers
    start clusters of their own.
    """

    cluster = None

    @classmethod
    def get(cls):
        if cls.cluster is None:
            from distributed import Client, LocalCluster

            cluster = LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True,
                dashboard_address=":0",
            )
            with Client(cluster) as c:
                c.run(lambda: __import__("sklearn_bce._dask"))
            cls.cluster = cluster
        return cls.cluster

    @classmethod
    def close(cls):
        if cls.cluster is not None:
            cls.cluster, cluster = None, cls.cluster
            cluster.close()


@pytest.fixture(scope="module")
def client():
    """A client of the shared cluster, the default client while the module runs."""
    pytest.importorskip("distributed")
    from distributed import Client

    with Client(SharedCluster.get()) as c:
        yield c


@pytest.hookimpl(trylast=True)  # after pytest's own, which closes the client
def pytest_runtest_teardown(item, nextitem):
    if SharedCluster.cluster is None:
        return
    if nextitem is None or (
        nextitem.path != item.path
        and "client" not in getattr(nextitem, "fixturenames", ())
    ):
        SharedCluster.close()


def pytest_sessionfinish(session, exitstatus):
    SharedCluster.close()  # after an interrupted run


@pytest.fixture(autouse=True)
def _exclusive_tests(request):
    """With pytest-xdist, a test marked ``exclusive`` (timed ones) runs while no
    other worker runs a test.

    Every test holds a shared lock on this file, an exclusive one an exclusive
    lock; ``__init__.py`` is the turnstile that lets a waiting exclusive test in
    before the tests that come after it.
    """
    if fcntl is None or "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    mode = fcntl.LOCK_EX if request.node.get_closest_marker("exclusive") else (
        fcntl.LOCK_SH
    )
    here = Path(__file__)
    with open(here.with_name("__init__.py")) as turnstile, open(here) as lock:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(lock, mode)
        finally:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# ------------------------------------------------------------- pytest-xdist units
# Run as one unit by one pytest-xdist worker, in this order: the tests that use the
# ``client`` fixture, so that they start the shared cluster once, and the timed
# fault tests, after them rather than beside them. A module with new tests on the
# ``client`` fixture belongs here too.
DASK_UNIT = (
    "tests/test_callbacks.py::test_dask_",
    "tests/test_dask.py::",
    "tests/test_dask_faults.py::",
)


def scheduling_unit(nodeid):
    """The tests that one pytest-xdist worker runs together, one after the other.

    Those of ``DASK_UNIT``; otherwise the parametrisations of one test function,
    which often share a reference (:func:`memoize_on_data`).
    """
    if nodeid.startswith(DASK_UNIT):
        return "dask"
    path, _, name = nodeid.partition("::")
    return f"{path}::{name.split('[', 1)[0]}"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` (pyproject.toml), by the units of :func:`scheduling_unit`.

    pytest-xdist's own loadgroup finds a test's ``xdist_group`` in a suffix it
    appends to the test's node id, which pytest 9.2 no longer lets it change: every
    test is then a unit of its own. A suffix, where there is one, is still a unit.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class UnitScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid):
            if nodeid.rfind("@") > nodeid.rfind("]"):  # an xdist_group suffix
                return super()._split_scope(nodeid)
            return scheduling_unit(nodeid)

    return UnitScheduling(config, log)


def make_objective(
    X, Y, sample_weight=None, C=1.0, l1_ratio=0.0, fit_intercept=True,
    precondition=True, preconditioner=None,
):
    """The objective of a fit on in-memory data (``LinearBCE`` before the split).

    The penalty is scaled by the data's total weight, as in ``fit``.
    """
    backend = InMemoryBackend(X, Y, sample_weight=sample_weight)
    penalty = Penalty(C, l1_ratio, backend.weight_totals())
    return Objective(
        backend, penalty, fit_intercept=fit_intercept, precondition=precondition,
        preconditioner=preconditioner,
    )


# ------------------------------------------------------------ independent references
REFERENCE_TOL = 1e-10
#: The ``tol`` at which :func:`lr_reference` gives the optimum itself, for the
#: comparisons that hold the package to rounding. At ``REFERENCE_TOL``
#: scikit-learn's Newton steps can stop one step short of it: measured against
#: further Newton steps on the objective written out, up to 3e-7 off (iris at
#: C=100; 7e-8 weighted breast_cancer at C=100, 1.4e-7 digits at C=1). At 1e-14
#: the problems of ``DATASETS`` (C from 0.01 to 100, weighted or not, balanced or
#: not) and the synthetic data of the tests are within 5e-12 of it, relative to
#: their largest coefficient: the rounding of the optimum of an ill-conditioned
#: problem. Raw (unscaled) breast_cancer features, whose gradient rounds at
#: 4e-14, take 1e-12.
EXACT_TOL = 1e-14


def one_thread():
    """A context in which BLAS and OpenMP run on one thread, for the references.

    A reference's numbers do not depend on its threads (beyond rounding), and on
    a busy machine, or with one pytest-xdist worker per core, multi-threaded BLAS
    spends most of its time waiting for cores: an order of magnitude for the
    references here. The fits under test keep the machine's defaults.
    """
    return threadpool_limits(limits=1)


def _fingerprint(value):
    """A hashable stand-in for an argument: its type and, for arrays, the shape,
    dtype and a digest of the contents (so equal data give equal keys)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return type(value).__name__, value
    if isinstance(value, (tuple, list)):
        return type(value).__name__, tuple(_fingerprint(v) for v in value)
    if isinstance(value, dict):
        items = sorted((repr(k), _fingerprint(v)) for k, v in value.items())
        return "dict", tuple(items)
    if sp.issparse(value):
        parts = (value.data, value.indices, value.indptr) if value.format in (
            "csr", "csc"
        ) else (value.toarray(),)
        return type(value).__name__, value.format, value.shape, tuple(
            _fingerprint(a) for a in parts
        )
    a = np.asarray(value)
    if a.dtype.hasobject:
        payload = pickle.dumps(a.tolist())
    else:
        payload = np.ascontiguousarray(a).tobytes()
    digest = hashlib.blake2b(payload, digest_size=20).hexdigest()
    return type(value).__name__, a.shape, a.dtype.str, digest


def memoize_on_data(func):
    """Compute ``func`` once per distinct arguments, compared by their contents.

    For pure functions of data, such as the scikit-learn fits the tests use as
    references: a test that repeats another test's reference (the same data and
    parameters) reads the stored result instead of fitting again. Each call
    returns a deep copy, so that a test cannot change what another one reads.
    """
    results = {}

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        key = _fingerprint((args, kwargs))
        if key not in results:
            results[key] = func(*args, **kwargs)
        return copy.deepcopy(results[key])

    wrapper.cache = results
    return wrapper


@memoize_on_data
def lr_reference(X, y, C=1.0, sample_weight=None, fit_intercept=True,
                 class_weight=None, tol=REFERENCE_TOL):
    """scikit-learn's Newton-Cholesky fit of the same objective, in float64.

    ``LogisticRegression(C=C)`` minimises ``C * sum_i s_i bce_i + ||w||^2 / 2``,
    which is this package's objective times ``C * S`` (docs/objective.rst): the
    same minimiser for the same ``C``. Its Newton steps converge quadratically:
    at ``tol=REFERENCE_TOL`` the coefficients can still be 3e-7 off the optimum
    (one step short), at ``tol=EXACT_TOL`` they are the optimum to rounding.
    ``class_weight`` is scikit-learn's own. A reference that did not converge
    raises (ConvergenceWarning is an error in the test config).
    """
    ref = LogisticRegression(
        C=C, solver="newton-cholesky", tol=tol, max_iter=1000,
        fit_intercept=fit_intercept, class_weight=class_weight,
    )
    with one_thread():
        return ref.fit(np.asarray(X, dtype=np.float64), y, sample_weight=sample_weight)


def exact_lr(**params):
    """A ``LogisticRegression(solver="newton-cholesky")`` that reaches the optimum
    to rounding (``tol=EXACT_TOL``), for references inside scikit-learn's
    meta-estimators and searches; fit it under :func:`one_thread`."""
    return LogisticRegression(
        solver="newton-cholesky", tol=EXACT_TOL, max_iter=1000, **params
    )


def balanced_factor(y01, sw):
    """Closed form of class_weight='balanced' for a 0/1 vector with weights."""
    S = sw.sum()
    S1 = sw[y01 == 1].sum()
    return np.where(y01 == 1, S / (2 * S1), S / (2 * (S - S1)))


def ovr_reference(X, y, C=1.0, sample_weight=None, class_weight=None,
                  fit_intercept=True, tol=REFERENCE_TOL):
    """One-vs-rest references: one :func:`lr_reference` per class (or label).

    ``y`` is a label vector or an indicator matrix. ``class_weight`` is None, a
    dict (each sample's weight times its class's) or ``"balanced"`` (each binary
    problem balanced on its own, as ``OneVsRestClassifier`` does). Returns
    ``(coef, intercept, proba)`` with the rows of the classes in sorted order
    (for two classes a single row, of the larger class) and ``proba`` the
    per-class sigmoids divided by their sum (one column per label for an
    indicator matrix, and two for a binary target). ``tol`` is that of
    :func:`lr_reference`.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    n = X.shape[0]
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    if y.ndim == 2:
        targets = [y[:, k].astype(int) for k in range(y.shape[1])]
        base = [sw] * len(targets)
    else:
        classes = np.unique(y)
        if isinstance(class_weight, dict):
            sw = sw * np.array([class_weight.get(c, 1.0) for c in y])
        labels = classes[1:] if classes.size == 2 else classes
        targets = [(y == c).astype(int) for c in labels]
        base = [sw] * len(targets)
    coef, intercept, sig = [], [], []
    for yk, w in zip(targets, base, strict=True):
        if class_weight == "balanced":
            w = w * balanced_factor(yk, w)
        ref = lr_reference(X, yk, C, w, fit_intercept=fit_intercept, tol=tol)
        coef.append(ref.coef_[0])
        intercept.append(ref.intercept_[0])
        sig.append(ref.predict_proba(X)[:, 1])
    coef, intercept, sig = np.array(coef), np.array(intercept), np.array(sig).T
    if y.ndim == 2:
        proba = sig
    elif len(targets) == 1:
        proba = np.column_stack([1 - sig[:, 0], sig[:, 0]])
    else:
        proba = sig / sig.sum(axis=1, keepdims=True)
    return coef, intercept, proba


def bce_objective(X, y01, coef, intercept, C, sample_weight=None, l1_ratio=0.0):
    """The objective of one binary problem, written out (docs/objective.rst).

    ``(1/S) sum_i s_i [log(1 + exp(z_i)) - y_i z_i] + penalty / (C S)`` with the
    penalty ``(1 - l1_ratio) ||w||^2 / 2 + l1_ratio ||w||_1``, in float64.
    """
    X = np.asarray(X, dtype=np.float64)
    y01 = np.asarray(y01, dtype=np.float64)
    sw = np.ones(len(y01)) if sample_weight is None else np.asarray(sample_weight)
    w = np.ravel(coef).astype(np.float64)
    z = X @ w + float(np.ravel(intercept)[0])
    data = np.sum(sw * (np.logaddexp(0, z) - y01 * z)) / sw.sum()
    if not np.isfinite(C):
        return data
    penalty = (1 - l1_ratio) / 2 * w @ w + l1_ratio * np.abs(w).sum()
    return data + penalty / (C * sw.sum())


def ovr_objective(X, y, coef, intercept, C, sample_weight=None):
    """Sum over the one-vs-rest problems of :func:`bce_objective`."""
    classes = np.unique(y)
    labels = classes[1:] if classes.size == 2 else classes
    return sum(
        bce_objective(X, (y == c), coef[k], intercept[[k]], C, sample_weight)
        for k, c in enumerate(labels)
    )
