"""Fits on arrays of other array API namespaces (array-api-strict, torch), on device.

Under ``sklearn.config_context(array_api_dispatch=True)`` the estimator fits and
predicts such arrays where they live. The references are scikit-learn's:
``LogisticRegression`` (one-vs-rest: ``OneVsRestClassifier``) fitted on NumPy
float64 to a tight tolerance, its array API estimator checks, and the outputs of
the in-memory path, itself tested against scikit-learn elsewhere.

Arrays in host memory are fitted on a NumPy view in the in-memory backend; the
``route`` fixture runs the fits of a test by both routes, that one ("host view")
and, inside ``use_host_view(False)``, the namespace's operations in
``ArrayAPIBackend`` ("namespace operations"), the backend of GPU arrays, so that
it is tested on this machine's CPU too.

float32 fits are as accurate by both routes: float32 arithmetic, with the sums
of the namespace's ``R' X`` added in float64 in chunks (as the in-memory kernel
adds its row blocks). The tolerances sit within about 10x of the largest
distance to scikit-learn measured with the rows in several orders (each order
rounds the sums differently, as other CPUs' kernels do).
"""

import threading

import numpy as np
import pytest
import sklearn
from scipy.special import expit
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_array_api_input

from sklearn_bce import BCELogisticClassifier, _array_api, _dispatch
from sklearn_bce._objective import ArrayAPIBackend, InMemoryBackend
from sklearn_bce._objective.array_api import to_numpy

from .array_api_devices import TORCH_MISSING, available, cuda_available

xp_strict = pytest.importorskip("array_api_strict")
try:
    import torch
except ImportError:  # the torch extra is not installed: its cases are skipped
    torch = None

#: Marks a test, or a parameter, that needs torch: skipped with the reason when
#: torch is absent, while the array-api-strict cases run.
needs_torch = pytest.mark.skipif(torch is None, reason=TORCH_MISSING)


def params(*cases):
    """``pytest.param`` of each case; those of torch (first value) need torch."""
    return [
        pytest.param(*case, marks=needs_torch if case[0] == "torch" else ())
        for case in cases
    ]


def dispatch():
    return sklearn.config_context(array_api_dispatch=True)


#: The two ways of fitting an array in host memory: the backend each uses.
ROUTES = {"host view": InMemoryBackend, "namespace operations": ArrayAPIBackend}


class Route(list):
    """The backends of a test's array API fits, and the one of its route."""

    def __init__(self, expected):
        super().__init__()
        self.expected = expected

    def check(self, device="cpu", n_fits=1):
        """The fits so far took the route's backend (the namespace's on a GPU)."""
        on_gpu = str(device).startswith("cuda")
        assert self == [ArrayAPIBackend if on_gpu else self.expected] * n_fits


@pytest.fixture(params=list(ROUTES))
def route(request, monkeypatch):
    """Fit by one route; a ``Route`` records the backends of the fits."""
    used = Route(ROUTES[request.param])
    prepare = _dispatch.prepare_array_api

    def recorded(*args):
        data = prepare(*args)
        used.append(type(data.backend))
        return data

    monkeypatch.setattr(_dispatch, "prepare_array_api", recorded)
    with _array_api.use_host_view(request.param == "host view"):
        yield used


#: (namespace, device, dtype): every namespace the parity tests run on.
SPACES = [
    ("array_api_strict", "CPU_DEVICE", "float64"),
    ("array_api_strict", "device1", "float32"),
    ("torch", "cpu", "float64"),
    ("torch", "cpu", "float32"),
]
if cuda_available():
    SPACES += [("torch", "cuda", "float64"), ("torch", "cuda", "float32")]


def make_space(namespace, device):
    """``(convert, xp, device)`` for a namespace and device name."""
    if namespace == "array_api_strict":
        dev = xp_strict.Device(device)
        return lambda a: xp_strict.asarray(a, device=dev), xp_strict, dev
    return lambda a: torch.asarray(a, device=device), torch, torch.device(device)


def binary_data():
    X, y = make_classification(
        n_samples=400, n_features=8, n_informative=5, random_state=0
    )
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=y.size)
    return StandardScaler().fit_transform(X), y, w


def multiclass_data():
    X, y = load_iris(return_X_y=True)
    w = np.random.default_rng(1).uniform(0.5, 2.0, size=y.size)
    return StandardScaler().fit_transform(X), y, w


def reference(X, y, w):
    """scikit-learn's fit on NumPy float64: coefficients and intercepts.

    Newton-Cholesky at tol=1e-14 gives the optimum to rounding (L-BFGS at that
    tol stops 3e-7 away from it on the iris problems).
    """
    lr = LogisticRegression(solver="newton-cholesky", tol=1e-14, max_iter=1000)
    if np.unique(y).size == 2:
        lr.fit(X, y, sample_weight=w)
        return lr.coef_, lr.intercept_
    # one-vs-rest, as OneVsRestClassifier fits it (with the sample weights)
    fits = [clone(lr).fit(X, y == c, sample_weight=w) for c in np.unique(y)]
    return np.vstack([f.coef_ for f in fits]), np.concatenate(
        [f.intercept_ for f in fits]
    )


#: (dtype, solver): (the fit's tol, the largest distance to scikit-learn allowed,
#: relative to its largest coefficient) in the parity test. Measured, by both
#: routes and the in-memory fit, with the rows in 10 (float64) or 20 (float32)
#: orders:
#:
#: - float64: L-BFGS reaches a gradient of about 4e-9 at most (asked for less,
#:   it warns); at tol=1e-8 it is 1.4e-7 (binary) and 3.3e-8 (iris) away.
#:   Newton at tol=1e-10: 3.4e-15 and 8.4e-13.
#: - float32 Newton stops at tol=1e-6 with gradients exact to about 1e-8: at
#:   most 9.5e-7 away.
#: - float32 L-BFGS: the float32 rounding of the objective (about 2e-9) hides
#:   the decrease its line search looks for once the gradient is down to about
#:   1e-5 (2.6e-5 at most on these data); asked for less, it stops there with a
#:   ConvergenceWarning, where the rounding decides (see
#:   test_float32_lbfgs_stops_at_the_precision_of_float32). At tol=1e-4, which
#:   float32 reaches, it stops at the same point in every order: 6.7e-4
#:   (binary) and up to 1.1e-3 (iris) away.
PARITY = {
    ("float64", "lbfgs"): (1e-8, 1e-6),
    ("float64", "newton-cholesky"): (1e-10, 1e-11),
    ("float32", "lbfgs"): (1e-4, 2e-3),
    ("float32", "newton-cholesky"): (1e-6, 5e-6),
}


@pytest.mark.parametrize("namespace, device, dtype", params(*SPACES))
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky"])
@pytest.mark.parametrize("data", [binary_data, multiclass_data])
def test_parity_with_logistic_regression(
    namespace, device, dtype, solver, data, route
):
    X, y, w = data()
    coef_ref, intercept_ref = reference(X, y, w)
    convert, xp, dev = make_space(namespace, device)
    Xd = convert(X.astype(dtype))
    fit_tol, tol = PARITY[dtype, solver]
    est = BCELogisticClassifier(solver=solver, tol=fit_tol, max_iter=10_000)
    with dispatch():
        est.fit(Xd, convert(y), sample_weight=convert(w))
    route.check(device)
    # the fitted attributes are arrays of X's namespace, on its device, in its dtype
    for name in ("coef_", "intercept_"):
        attr = getattr(est, name)
        assert attr.dtype == getattr(xp, dtype)
        assert attr.device == dev
    assert est.n_iter_.dtype == xp.int32 and est.n_iter_.device == dev
    assert est.classes_.device == dev  # y's namespace and device
    scale = np.abs(coef_ref).max()
    np.testing.assert_allclose(to_numpy(est.coef_), coef_ref, rtol=0, atol=tol * scale)
    np.testing.assert_allclose(
        to_numpy(est.intercept_), intercept_ref, rtol=0, atol=tol * scale
    )


@pytest.mark.parametrize(
    "namespace, device", params(("array_api_strict", "device1"), ("torch", "cpu"))
)
def test_float32_lbfgs_stops_at_the_precision_of_float32(namespace, device, route):
    # Asked for a gradient that float32 cannot resolve, L-BFGS stops where its
    # line search finds no decrease, says so, and lands as close to
    # scikit-learn's optimum by both routes: up to 6.1e-4 away over 20 row
    # orders (and down to 2e-5). The binary data have two redundant columns,
    # a direction that only the penalty curves (1 / (C S), about 2e-3), which
    # turns a gradient of 1e-5 into such a distance.
    X, y, w = binary_data()
    coef_ref, intercept_ref = reference(X, y, w)
    convert, _, _ = make_space(namespace, device)
    est = BCELogisticClassifier(solver="lbfgs", tol=1e-8, max_iter=10_000)
    # (as "precision", or as a line search without decrease: "stalled")
    early = "lbfgs stopped before the gradient met tol=1e-08"
    with dispatch(), pytest.warns(ConvergenceWarning, match=early):
        est.fit(
            convert(X.astype(np.float32)), convert(y), sample_weight=convert(w)
        )
    route.check(device)
    atol = 2e-3 * np.abs(coef_ref).max()
    np.testing.assert_allclose(to_numpy(est.coef_), coef_ref, rtol=0, atol=atol)
    np.testing.assert_allclose(
        to_numpy(est.intercept_), intercept_ref, rtol=0, atol=atol
    )


@pytest.mark.parametrize("namespace", params(("array_api_strict",), ("torch",)))
@pytest.mark.parametrize("device_float64", [True, False])
def test_float32_sums_on_the_device(namespace, device_float64, monkeypatch):
    # The loss and gradient of float32 data, against the same sums written out
    # in float64 on the float32 values (and coefficients, sent in float32).
    # Measured: gradient within 1.5e-9 (the in-memory kernel's: 6e-9; one
    # float32 product over the rows: 5e-8), loss within 6e-10; on a device
    # without float64 (simulated) the chunks' sums are float32: the same
    # gradient error, the loss summed in float32 (within 5e-8).
    from sklearn_bce._objective import array_api

    if not device_float64:
        monkeypatch.setattr(array_api, "has_float64", lambda xp, device: False)
    rng = np.random.default_rng(0)
    n, d = 50_000, 20
    X = rng.normal(size=(n, d)).astype(np.float32)
    W = rng.normal(size=(1, d)) / np.sqrt(d)
    y = (rng.random(n) < expit(X @ W[0] + 0.3)).astype(float)
    w = rng.uniform(0.5, 2.0, size=n)
    W = (1.1 * W).astype(np.float32).astype(np.float64)
    b = np.array([0.25])
    convert, xp, _ = make_space(
        namespace, "cpu" if namespace == "torch" else "CPU_DEVICE"
    )
    backend = ArrayAPIBackend(convert(X), y, sample_weight=w)
    assert backend._acc == (xp.float64 if device_float64 else xp.float32)
    loss, gW, gb = backend.mean_loss_gradient(W, b)
    X64, s = X.astype(np.float64), w / w.sum()
    z = X64 @ W[0] + b[0]
    r = s * (expit(z) - y)
    np.testing.assert_allclose(gW[0], r @ X64, rtol=0, atol=1e-8)
    np.testing.assert_allclose(gb[0], r.sum(), rtol=0, atol=1e-8)
    loss_ref = s @ (np.logaddexp(0, z) - y * z)
    np.testing.assert_allclose(
        loss[0], loss_ref, rtol=0, atol=5e-9 if device_float64 else 5e-7
    )


@pytest.mark.parametrize("namespace, device, dtype", params(*SPACES))
def test_predictions_in_the_input_namespace(namespace, device, dtype, route):
    X, y, _ = multiclass_data()
    convert, xp, dev = make_space(namespace, device)
    X = X.astype(dtype)
    ours = BCELogisticClassifier().fit(X, y)  # in memory, NumPy
    with dispatch():
        on_device = clone(ours).fit(convert(X), convert(y))
    route.check(device)
    atol = dict(float64=1e-9, float32=1e-4)[dtype]
    for method in ("decision_function", "predict_proba", "predict_log_proba"):
        with dispatch():
            got = getattr(on_device, method)(convert(X))
        assert got.dtype == getattr(xp, dtype) and got.device == dev, method
        np.testing.assert_allclose(
            to_numpy(got), getattr(ours, method)(X), rtol=1e-4, atol=atol
        )
    with dispatch():
        labels = on_device.predict(convert(X))
        accuracy = on_device.score(convert(X), convert(y))
    assert labels.device == dev
    np.testing.assert_array_equal(to_numpy(labels), ours.predict(X))
    assert accuracy == pytest.approx(ours.score(X, y))


@needs_torch
def test_string_labels_and_multilabel_targets(route):
    X, y, _ = multiclass_data()
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    with dispatch():
        est = BCELogisticClassifier().fit(torch.asarray(X), names)
        pred = est.predict(torch.asarray(X))
    assert isinstance(est.classes_, np.ndarray)  # strings stay NumPy
    assert pred.tolist() == BCELogisticClassifier().fit(X, names).predict(X).tolist()
    Y = np.column_stack([y == 0, y == 2, X[:, 0] > 0]).astype(int)
    with dispatch():
        est = BCELogisticClassifier().fit(torch.asarray(X), torch.asarray(Y))
        pred = est.predict(torch.asarray(X))
        proba = est.predict_proba(torch.asarray(X))
    route.check(n_fits=2)
    ref = BCELogisticClassifier().fit(X, Y)
    np.testing.assert_array_equal(to_numpy(pred), ref.predict(X))
    np.testing.assert_allclose(to_numpy(proba), ref.predict_proba(X), atol=1e-9)


@needs_torch
def test_no_overflow_at_huge_logits(route):
    # Separable data scaled so that the logits reach |z| ~ 1e4 and more.
    X, y, _ = binary_data()
    X = X * 1e4
    W = np.zeros((1, X.shape[1]))
    W[0, 0] = 1.0
    from sklearn_bce._objective.array_api import xp_log_sigmoid

    for dtype in ("float64", "float32"):
        backend = ArrayAPIBackend(torch.asarray(X.astype(dtype)), y)
        loss, gW, gb = backend.mean_loss_gradient(W, np.array([3.0]))
        assert np.all(np.isfinite(loss)) and np.all(np.isfinite(gW))
        assert np.isfinite(gb).all()
        z = torch.asarray(np.array([-1e4, 0.0, 1e4], dtype=dtype))
        out = to_numpy(xp_log_sigmoid(torch, z))
        np.testing.assert_allclose(out, [-1e4, -np.log(2), 0.0], rtol=1e-6)
    with dispatch():
        est = BCELogisticClassifier(C=1e6).fit(torch.asarray(X), torch.asarray(y))
        proba = est.predict_proba(torch.asarray(X))
        log_proba = est.predict_log_proba(torch.asarray(X))
    route.check()
    assert not np.isnan(to_numpy(proba)).any()
    assert np.isfinite(to_numpy(log_proba)).all()


@needs_torch
def test_sgd_fits_on_device(route):
    X, y, w = binary_data()
    ref = BCELogisticClassifier(solver="sgd", random_state=0, tol=1e-6).fit(
        X, y, sample_weight=w
    )
    with dispatch():
        est = BCELogisticClassifier(solver="sgd", random_state=0, tol=1e-6).fit(
            torch.asarray(X), torch.asarray(y), sample_weight=torch.asarray(w)
        )
    route.check()
    # the same draws and steps: the same path as in memory, up to rounding
    np.testing.assert_allclose(to_numpy(est.coef_), ref.coef_, rtol=1e-6, atol=1e-8)


def test_sgd_early_stopping_on_device(route):
    X, y, _ = binary_data()
    # a stop on the held-out loss is the stopping rule asked for: no warning
    with dispatch():
        est = BCELogisticClassifier(
            solver="sgd", early_stopping=True, random_state=0
        ).fit(xp_strict.asarray(X), xp_strict.asarray(y))
    route.check()
    assert est.validation_loss_curve_
    ref = BCELogisticClassifier(
        solver="sgd", early_stopping=True, random_state=0
    ).fit(X, y)
    # the same held-out rows and steps as in memory
    np.testing.assert_allclose(
        est.validation_loss_curve_, ref.validation_loss_curve_, rtol=1e-9
    )
    np.testing.assert_allclose(to_numpy(est.coef_), ref.coef_, rtol=1e-6, atol=1e-8)


@needs_torch
def test_warm_start_and_moving_the_model(route):
    X, y, _ = multiclass_data()
    with dispatch():
        est = BCELogisticClassifier(warm_start=True)
        est.fit(torch.asarray(X), torch.asarray(y))
        first = to_numpy(est.coef_).copy()
        est.fit(torch.asarray(X), torch.asarray(y))
    route.check(n_fits=2)
    np.testing.assert_allclose(to_numpy(est.coef_), first, atol=1e-8)
    assert est.n_iter_.max() <= 2
    # outside dispatch, a model fitted on torch predicts NumPy input in NumPy
    expected = to_numpy(est.predict(torch.asarray(X)))
    np.testing.assert_array_equal(est.predict(X), expected)
    move = pytest.importorskip("sklearn.utils._array_api").__dict__.get(
        "move_estimator_to"
    )
    if move is None:  # scikit-learn < 1.9
        return
    with dispatch():
        moved = move(est, xp_strict, xp_strict.Device("CPU_DEVICE"))
        pred = moved.predict_proba(xp_strict.asarray(X))
    assert type(pred).__module__.startswith("array_api_strict")
    with dispatch():
        expected = est.predict_proba(torch.asarray(X))
    np.testing.assert_allclose(to_numpy(pred), to_numpy(expected), atol=1e-12)


@needs_torch
def test_prediction_on_another_namespace_is_scikit_learns_error():
    X, y, _ = binary_data()
    with dispatch():
        est = BCELogisticClassifier().fit(torch.asarray(X), torch.asarray(y))
        for method in ("predict", "predict_proba", "decision_function"):
            with pytest.raises(ValueError, match="must use the same namespace"):
                getattr(est, method)(xp_strict.asarray(X))
            with pytest.raises(ValueError, match="must use the same namespace"):
                getattr(est, method)(X)
    numpy_fit = BCELogisticClassifier().fit(X, y)
    with dispatch(), pytest.raises(ValueError, match="must use the same namespace"):
        numpy_fit.predict(torch.asarray(X))


@needs_torch
@pytest.mark.filterwarnings("ignore:torch.asarray:UserWarning")  # requires_grad
def test_host_memory_is_fitted_on_a_numpy_view(monkeypatch):
    from sklearn_bce._fit import prepare_in_memory

    X, y, w = binary_data()
    X32 = X.astype(np.float32)
    Xt = torch.asarray(X32)
    with dispatch():
        data = _array_api.prepare_array_api(
            BCELogisticClassifier(n_jobs=2), Xt, torch.asarray(y), torch.asarray(w)
        )
    # the tensor's own memory, float32 kept, the threads of n_jobs
    assert isinstance(data.backend, InMemoryBackend)
    assert data.backend.X.ctypes.data == Xt.data_ptr()
    assert data.backend.X.dtype == np.float32 and data.dtype == np.float32
    ref = prepare_in_memory(BCELogisticClassifier(n_jobs=2), X32, y, w).backend
    assert data.backend.n_threads == ref.n_threads
    W = np.linspace(-1, 1, X.shape[1])[None, :]
    for got, expected in zip(
        data.backend.mean_loss_gradient(W, np.array([0.3])),
        ref.mean_loss_gradient(W, np.array([0.3])),
        strict=True,
    ):
        np.testing.assert_array_equal(got, expected)
    with dispatch():  # array-api-strict's devices are host memory too
        data = _array_api.prepare_array_api(
            BCELogisticClassifier(), xp_strict.asarray(X, device=xp_strict.Device(
                "device1")), y, None,
        )
    assert isinstance(data.backend, InMemoryBackend)
    # an array NumPy cannot view (a tensor that requires grad) and the switch
    # off: the namespace's operations
    for X_in, host in ((torch.asarray(X).requires_grad_(), True), (Xt, False)):
        with _array_api.use_host_view(host), dispatch():
            assert _array_api.host_view(X_in) is None
            data = _array_api.prepare_array_api(
                BCELogisticClassifier(), X_in, torch.asarray(y), None
            )
        assert isinstance(data.backend, ArrayAPIBackend)
    # HOST_VIEW is the default of the process, which use_host_view overrides
    monkeypatch.setattr(_array_api, "HOST_VIEW", False)
    assert _array_api.host_view(Xt) is None
    with _array_api.use_host_view(True):
        assert _array_api.host_view(Xt) is not None
        with _array_api.use_host_view(False):  # blocks nest
            assert _array_api.host_view(Xt) is None
        assert _array_api.host_view_enabled()
    assert not _array_api.host_view_enabled()


@needs_torch
def test_host_view_setting_is_per_thread(monkeypatch):
    # Two threads fit at the same time, one on a NumPy view, one with torch's
    # operations: neither sees the other's setting, nor does this thread.
    X, y, _ = binary_data()
    backends, errors = {}, []
    prepare = _dispatch.prepare_array_api

    def recorded(*args):
        data = prepare(*args)
        name = threading.current_thread().name
        backends.setdefault(name, []).append(type(data.backend))
        return data

    monkeypatch.setattr(_dispatch, "prepare_array_api", recorded)
    both_set = threading.Barrier(2, timeout=60)

    def fit(enabled):
        try:
            with _array_api.use_host_view(enabled):
                for _ in range(3):
                    both_set.wait()  # the other thread's setting is in force
                    assert _array_api.host_view_enabled() is enabled
                    with dispatch():
                        BCELogisticClassifier().fit(
                            torch.asarray(X), torch.asarray(y)
                        )
        except BaseException as exc:  # re-raised below
            errors.append(exc)
            both_set.abort()

    threads = [
        threading.Thread(target=fit, args=(enabled,), name=str(enabled))
        for enabled in (True, False)
    ]
    with _array_api.use_host_view(False):  # this thread's, seen by neither
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not _array_api.host_view_enabled()
    if errors:
        raise errors[0]
    assert backends == {"True": [InMemoryBackend] * 3, "False": [ArrayAPIBackend] * 3}
    assert _array_api.host_view_enabled()


@needs_torch
@pytest.mark.filterwarnings("ignore:torch.asarray:UserWarning")
def test_a_tensor_that_requires_grad_is_fitted_with_torch(route):
    X, y, w = binary_data()
    coef_ref, intercept_ref = reference(X, y, w)
    with dispatch():
        est = BCELogisticClassifier(tol=1e-10).fit(
            torch.asarray(X).requires_grad_(), torch.asarray(y),
            sample_weight=torch.asarray(w),
        )
    assert route == [ArrayAPIBackend]  # not viewable: whatever the switch
    assert isinstance(est.coef_, torch.Tensor)
    atol = 1e-6 * np.abs(coef_ref).max()
    np.testing.assert_allclose(to_numpy(est.coef_), coef_ref, rtol=0, atol=atol)
    np.testing.assert_allclose(
        to_numpy(est.intercept_), intercept_ref, rtol=0, atol=atol
    )


@needs_torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_l1_solvers_by_route(route, dtype):
    # On a NumPy view, coordinate descent runs as for NumPy input, with the same
    # coefficients; with the namespace's operations it is not available, and
    # solver="auto" runs SGD.
    X, y, _ = multiclass_data()
    X = X.astype(dtype)
    params = dict(l1_ratio=0.5, C=0.2, tol=1e-8)
    ref = BCELogisticClassifier(**params).fit(X, y)
    assert ref.solver_ == "cd"
    if route.expected is InMemoryBackend:
        for solver in ("cd", "auto"):
            with dispatch():
                est = BCELogisticClassifier(solver=solver, **params).fit(
                    torch.asarray(X), torch.asarray(y)
                )
            assert est.solver_ == "cd" and est.coef_.dtype == getattr(torch, dtype)
            np.testing.assert_array_equal(to_numpy(est.coef_), ref.coef_)
            np.testing.assert_array_equal(to_numpy(est.intercept_), ref.intercept_)
        route.check(n_fits=2)
        return
    with (
        dispatch(),
        pytest.raises(ValueError, match="'cd' is not available for array-api device"),
    ):
        BCELogisticClassifier(solver="cd", **params).fit(
            torch.asarray(X), torch.asarray(y)
        )
    with dispatch():
        est = BCELogisticClassifier(
            solver="auto", random_state=0, max_iter=1000, **dict(params, tol=1e-4)
        ).fit(torch.asarray(X), torch.asarray(y))
    assert est.solver_ == "sgd"
    route.check(n_fits=2)


def _fit_error(X, y, sample_weight=None, **params):
    with dispatch():
        BCELogisticClassifier(**params).fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("namespace", params(("torch",), ("array_api_strict",)))
def test_bad_input_gets_the_in_memory_errors(namespace):
    convert = torch.asarray if namespace == "torch" else xp_strict.asarray
    X, y, _ = binary_data()
    Xbad, Xinf = X.copy(), X.copy()
    Xbad[3, 2] = np.nan
    Xinf[5, 1] = np.inf
    cases = [
        (ValueError, "Input X contains NaN", (convert(Xbad), convert(y))),
        (ValueError, "Input X contains infinity", (convert(Xinf), convert(y))),
        (ValueError, "only one class", (convert(X), convert(np.zeros_like(y)))),
        (ValueError, "inconsistent numbers of samples", (convert(X), convert(y[:-1]))),
        (ValueError, "0 sample", (convert(X[:0]), convert(y[:0]))),
        (ValueError, "Negative values in sample_weight",
         (convert(X), convert(y), convert(-np.ones(y.size)))),
        (ValueError, "sample_weight sums to zero",
         (convert(X), convert(y), convert(np.zeros(y.size)))),
        (ValueError, r"sample_weight must have shape \(400,\)",
         (convert(X), convert(y), convert(np.ones(3)))),
    ]
    for error, match, args in cases:
        with pytest.raises(error, match=match):
            _fit_error(*args)
        with pytest.raises(error, match=match):  # the same error in memory
            BCELogisticClassifier().fit(*(to_numpy(a) for a in args))
    with dispatch():
        est = BCELogisticClassifier().fit(convert(X), convert(y))
        with pytest.raises(ValueError, match="is expecting 8 features"):
            est.predict(convert(X[:, :5]))


@needs_torch
def test_sparse_and_partial_fit_under_dispatch():
    import scipy.sparse as sp

    X, y, _ = binary_data()
    with dispatch():  # sparse input stays in memory, as without dispatch
        est = BCELogisticClassifier().fit(sp.csr_matrix(X), y)
    assert isinstance(est.coef_, np.ndarray)
    with dispatch(), pytest.raises(TypeError, match="partial_fit computes with NumPy"):
        BCELogisticClassifier(solver="sgd").partial_fit(
            torch.asarray(X), torch.asarray(y), classes=[0, 1]
        )
    with dispatch(), pytest.raises(TypeError, match="objective computes with NumPy"):
        est.objective(torch.asarray(X), torch.asarray(y))


@needs_torch
def test_one_transfer_of_sums_per_evaluation(monkeypatch):
    # Only the sums come back: k x (n_features + 2) numbers in one transfer per
    # evaluation, whatever the solver; X never leaves the device.
    from sklearn_bce._objective import array_api

    X, y, _ = multiclass_data()
    shapes = []

    def host(self, a):
        shapes.append(tuple(a.shape))
        return np.asarray(to_numpy(a), dtype=np.float64)

    backend = array_api.ArrayAPIBackend(torch.asarray(X.astype(np.float32)), y == 1)
    monkeypatch.setattr(array_api.ArrayAPIBackend, "_host", host)
    W = np.ones((2, X.shape[1]))
    loss, gW, gb = backend.mean_loss_gradient(W, np.zeros(2), cols=np.array([0, 0]))
    assert shapes == [(2, X.shape[1] + 2)]
    assert backend.X.dtype == torch.float32  # float32 stays float32
    shapes.clear()
    with _array_api.use_host_view(False), dispatch():  # as on a GPU
        BCELogisticClassifier(solver="lbfgs").fit(torch.asarray(X), torch.asarray(y))
    d = X.shape[1]
    # the set-up (weight totals, moments; once, 2 d rows, a sample in which to
    # look for collinear features, and their products with X), then one
    # (k, d + 2) per evaluation
    sample = (min(X.shape[0], 2 * d), d)
    assert shapes.count(sample) == 1
    shapes.remove(sample)
    assert all(s[-1] == d + 2 or s[-1] == d or len(s) == 1 for s in shapes)
    assert max(np.prod(s) for s in shapes) <= 3 * (d + 2)


def test_estimator_checks_with_values(route):
    # scikit-learn's array API check, comparing values with the NumPy fit, on
    # every namespace and device present (test_common runs the others).
    est = BCELogisticClassifier()
    for namespace, device, dtype in SPACES:
        if not available(namespace, device):
            continue
        check_array_api_input(
            "BCELogisticClassifier", est, array_namespace=namespace,
            **_device_kw(device), dtype_name=dtype, check_values=dtype == "float64",
        )
    if not cuda_available():
        assert route and set(route) == {route.expected}


def _device_kw(device):
    """scikit-learn 1.9 names the keyword ``device_name``, older ones ``device``."""
    import inspect

    params = inspect.signature(check_array_api_input).parameters
    if "device_name" in params:
        return {"device_name": device}
    return {"device": None if device in ("CPU_DEVICE", "device1") else device}


@pytest.mark.skipif(not cuda_available(), reason="no CUDA device on this machine")
def test_cuda_fit_stays_on_the_gpu():
    X, y, w = binary_data()
    Xg = torch.asarray(X.astype(np.float32), device="cuda")
    with dispatch():
        est = BCELogisticClassifier().fit(Xg, torch.asarray(y, device="cuda"))
        proba = est.predict_proba(Xg)
    assert est.coef_.device.type == "cuda" and proba.device.type == "cuda"
    coef_ref, _ = reference(X, y, None)
    np.testing.assert_allclose(
        to_numpy(est.coef_), coef_ref, atol=1e-4 * np.abs(coef_ref).max()
    )


def test_dask_input_under_dispatch_fits_as_without():
    pytest.importorskip("distributed")
    import dask.array as da
    from distributed import Client, LocalCluster

    X, y, _ = binary_data()
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster),
    ):
        Xd, yd = da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
        ref = BCELogisticClassifier().fit(Xd, yd)
        with dispatch():
            est = BCELogisticClassifier().fit(Xd, yd)
            proba = est.predict_proba(Xd).compute()
    assert isinstance(est.coef_, np.ndarray)
    np.testing.assert_array_equal(est.coef_, ref.coef_)
    np.testing.assert_allclose(proba, ref.predict_proba(X), atol=1e-12)


@pytest.mark.parametrize("solver, atol", [("lbfgs", 5e-6), ("sgd", 1e-4)])
def test_penalty_factors_and_bounds_on_device(route, solver, atol):
    from .test_constraints import _binary, _bounds, _factors, glum_reference

    X, y = _binary()
    f, (lower, upper) = _factors(8), _bounds(8, 1)
    with dispatch():
        est = BCELogisticClassifier(
            C=0.5, penalty_factor=f, lower_bounds=lower, upper_bounds=upper,
            solver=solver, tol=1e-8, max_iter=1000, random_state=0,
        ).fit(xp_strict.asarray(X), xp_strict.asarray(y))
    route.check()
    coef = to_numpy(est.coef_)
    assert np.all(coef >= lower) and np.all(coef <= upper)
    # measured 7.6e-7 (L-BFGS-B) and 9.4e-6 (SGD) from glum's
    np.testing.assert_allclose(
        np.c_[coef, to_numpy(est.intercept_)],
        glum_reference(X, y, 0.5, 0.0, f, None, (lower, upper)), atol=atol,
    )
