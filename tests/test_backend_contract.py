"""The data-backend contract, checked the same way on every backend.

Every backend (in memory: dense float64 and float32, CSR, CSC; dask; array API on
array-api-strict and torch, float64 and float32) must give the
numbers written out below from the raw arrays with NumPy, whatever it computes
them with: weight and positive totals, weighted feature moments, the mean BCE and
its gradient (all problems, a subset, a mini-batch), Hessian blocks, separation.
"""

import sys

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit

from sklearn_bce._objective import DataBackend, InMemoryBackend

from .array_api_devices import TORCH_MISSING

N, D, K = 240, 5, 3
CHUNKS = (50, 1, 69, 60, 60)  # uneven, one of a single row


@pytest.fixture(scope="module")
def cluster_client():
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def make_data(weights, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D)) * [1.0, 5.0, 0.1, 2.0, 1.0] + [0, 3, 0, -1, 0]
    X[rng.random((N, D)) < 0.3] = 0.0  # zeros, so that sparse formats store fewer
    Y = (rng.random((N, K)) < [0.2, 0.5, 0.7]).astype(float)
    sw = {
        None: None,
        "sample": rng.uniform(0, 3, size=N),
        "problem": rng.uniform(0, 3, size=(N, K)),
    }[weights]
    return X, Y, sw


def make_backend(kind, X, Y, sw, client=None):
    if kind.startswith("xp-"):
        from sklearn_bce._objective.array_api import ArrayAPIBackend

        _, namespace, dtype = kind.split("-")
        xp = pytest.importorskip(
            namespace, reason=TORCH_MISSING if namespace == "torch" else None
        )
        # array-api-strict's float32 data on its second device (as scikit-learn's
        # checks do), where mixing devices is an error
        device = xp.Device("device1") if kind == "xp-array_api_strict-float32" else None
        X = xp.asarray(X.astype(dtype), device=device)
        return ArrayAPIBackend(X, Y, sample_weight=sw)
    if kind == "dask":
        import dask.array as da

        from sklearn_bce._dask import DaskBackend

        return DaskBackend(
            da.from_array(X, chunks=(CHUNKS, -1)),
            da.from_array(Y, chunks=(CHUNKS, -1)),
            None if sw is None else da.from_array(sw, chunks=(CHUNKS,) + sw.shape[1:]),
            client=client,
        )
    X = {
        "dense64": lambda: X,
        "dense32": lambda: X.astype(np.float32),
        "csr": lambda: sp.csr_matrix(X),
        "csc": lambda: sp.csc_matrix(X),
    }[kind]()
    return InMemoryBackend(X, Y, sample_weight=sw)


def full_weights(sw):
    if sw is None:
        return np.ones((N, K))
    return np.broadcast_to(sw[:, None] if sw.ndim == 1 else sw, (N, K))


def reference_loss_gradient(X, Y, S, W, b, rows=None):
    """The contract's formula, written out: weighted mean BCE and its gradient."""
    norm = S / S.sum(axis=0)
    if rows is not None:
        norm = norm[rows] * (N / len(norm[rows]))
        X, Y = X[rows], Y[rows]
    Z = X @ W.T + (0.0 if b is None else b)
    bce = np.logaddexp(0, Z) - Y * Z
    R = norm * (expit(Z) - Y)
    return (norm * bce).sum(axis=0), R.T @ X, R.sum(axis=0)


KINDS = [
    "dense64", "dense32", "csr", "csc", "dask",
    "xp-array_api_strict-float64", "xp-array_api_strict-float32",
    "xp-torch-float64", "xp-torch-float32",
]


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


@pytest.fixture
def client_for(kind, request):
    if kind != "dask":
        return None
    return request.getfixturevalue("cluster_client")


def is32(kind):
    return kind == "dense32" or kind.endswith("float32")


def tolerance(kind):
    return dict(rtol=2e-5, atol=1e-6) if is32(kind) else dict(rtol=1e-11)


@pytest.mark.parametrize("weights", [None, "sample", "problem"])
def test_totals_and_moments(kind, client_for, weights):
    X, Y, sw = make_data(weights)
    backend = make_backend(kind, X, Y, sw, client_for)
    assert isinstance(backend, DataBackend)
    assert (backend.n_samples, backend.n_features, backend.n_problems) == (N, D, K)
    S = full_weights(sw)
    np.testing.assert_allclose(backend.weight_totals(), S.sum(axis=0), rtol=1e-12)
    # (float32 data keep their normalised weights in float32)
    np.testing.assert_allclose(
        backend.positive_totals(), (S * Y).sum(axis=0),
        rtol=1e-7 if is32(kind) else 1e-12,
    )
    row = (S / S.sum(axis=0)).mean(axis=1)  # the mean over problems of s_ik / S_k
    mean = row @ X / row.sum()
    std = np.sqrt(row @ (X - mean) ** 2 / row.sum())
    got_mean, got_std = backend.feature_moments()
    np.testing.assert_allclose(got_mean, mean, **tolerance(kind))
    np.testing.assert_allclose(got_std, std, **tolerance(kind))


@pytest.mark.parametrize("weights", [None, "problem"])
@pytest.mark.parametrize("intercept", [True, False])
def test_mean_loss_gradient(kind, client_for, weights, intercept):
    X, Y, sw = make_data(weights, seed=1)
    backend = make_backend(kind, X, Y, sw, client_for)
    rng = np.random.default_rng(2)
    W, b = rng.normal(size=(K, D)), rng.normal(size=K) if intercept else None
    S = full_weights(sw)
    with backend.parallel():
        got = backend.mean_loss_gradient(W, b)
    for a, r in zip(got, reference_loss_gradient(X, Y, S, W, b), strict=True):
        np.testing.assert_allclose(a, r, **tolerance(kind))
    # a subset of the problems, one of them twice (as SGD's anchored steps ask)
    cols = np.array([2, 0, 2])
    got = backend.mean_loss_gradient(W[cols], None if b is None else b[cols], cols)
    ref = reference_loss_gradient(X, Y[:, cols], S[:, cols], W[cols],
                                  None if b is None else b[cols])
    for a, r in zip(got, ref, strict=True):
        np.testing.assert_allclose(a, r, **tolerance(kind))


@pytest.mark.parametrize("weights", [None, "sample", "problem"])
def test_row_subsets(kind, client_for, weights):
    X, Y, sw = make_data(weights, seed=3)
    backend = make_backend(kind, X, Y, sw, client_for)
    rng = np.random.default_rng(4)
    W, b = rng.normal(size=(K, D)), rng.normal(size=K)
    rows = np.sort(rng.choice(N, size=17, replace=False))
    if not backend.supports_rows:
        with pytest.raises(ValueError, match="all rows only"):
            backend.mean_loss_gradient(W, b, rows=rows)
        return
    ref = reference_loss_gradient(X, Y, full_weights(sw), W, b, rows=rows)
    for batch in (rows, slice(3, 20)):
        if isinstance(batch, slice):
            ref = reference_loss_gradient(
                X, Y, full_weights(sw), W, b, rows=np.arange(3, 20)
            )
        got = backend.mean_loss_gradient(W, b, rows=batch)
        for a, r in zip(got, ref, strict=True):
            np.testing.assert_allclose(a, r, **tolerance(kind))


@pytest.mark.parametrize("weights", [None, "problem"])
@pytest.mark.parametrize("factor", ["curvature", "residual"])
def test_hessian_blocks(kind, client_for, weights, factor):
    X, Y, sw = make_data(weights, seed=5)
    backend = make_backend(kind, X, Y, sw, client_for)
    rng = np.random.default_rng(6)
    W, b = rng.normal(size=(K, D)) * 0.3, rng.normal(size=K)
    shift, scale = rng.normal(size=D), rng.uniform(0.5, 2, size=D)
    if not backend.has_hessian:
        assert backend.hessian_work() == np.inf
        with pytest.raises(NotImplementedError, match="no Hessian blocks"):
            backend.hessian_blocks(W, b, shift, scale, weights=factor)
        return
    S = full_weights(sw)
    Z = X @ W.T + b
    P = expit(Z)
    # sigmoid'(z) for the Hessian; the squared residual for the gradients' outer
    # products
    Dw = S / S.sum(axis=0) * (P * (1 - P) if factor == "curvature" else (P - Y) ** 2)
    Xs = (X - shift) * scale
    cols = np.array([1, 2])
    with backend.parallel():
        gram, cross, total = backend.hessian_blocks(
            W[cols], b[cols], shift, scale, cols, weights=factor
        )
    for j, k in enumerate(cols):
        np.testing.assert_allclose(
            gram[j], Xs.T @ (Xs * Dw[:, k, None]), **tolerance(kind)
        )
        np.testing.assert_allclose(cross[j], Xs.T @ Dw[:, k], **tolerance(kind))
        np.testing.assert_allclose(total[j], Dw[:, k].sum(), **tolerance(kind))
    work = backend.hessian_work()
    if kind in ("csr", "csc"):  # CSC: after a conversion, made for small data
        assert work == float(np.sum(np.count_nonzero(X, axis=1) ** 2))
    else:
        assert work == N * D**2


def test_separated(kind, client_for):
    X, _, sw = make_data("sample", seed=7)
    w = np.array([1.0, -0.5, 2.0, 0.0, 1.0])
    z = X @ w
    Y = np.column_stack([z > 0, z > 1, z < 0]).astype(float)
    # samples on a cut (all-zero rows have z = 0) weigh nothing: rounding could
    # put them on either side
    sw[(np.abs(z) < 1e-3) | (np.abs(z - 1) < 1e-3)] = 0.0
    backend = make_backend(kind, X, Y, sw, client_for)
    W = np.stack([w, w, w])
    # problem 0 is separated by z; problem 1 by z - 1 only; problem 2 by -z
    got = backend.separated(W, np.zeros(K))
    np.testing.assert_array_equal(got, [True, False, False])
    got = backend.separated(np.stack([w, w, -w]), np.array([0.0, -1.0, 0.0]))
    np.testing.assert_array_equal(got, [True, True, True])
    assert backend.separated(np.stack([w, w, -w]), None).tolist() == [True, False, True]


def test_indicator_groups(kind, client_for):
    rng = np.random.default_rng(3)
    X, Y, sw = make_data("sample", seed=3)
    # columns 0-2 one-hot encode a three-level feature (one level never taken
    # by any row: an all-zero column), columns 3-4 are 0/1 with means adding up
    # to one but not one 1 per row
    level = rng.choice([0, 2], size=N)
    X[:, :3] = np.eye(3)[level]
    first = rng.random(N) < 0.5
    X[:, 3] = first
    X[:, 4] = np.roll(~first, 1)
    backend = make_backend(kind, X, Y, sw, client_for)
    np.testing.assert_array_equal(backend.indicator_groups(), [[0, 3]])


@pytest.mark.parametrize("weights", [None, "sample", "problem"])
def test_columns_and_sample_terms(kind, client_for, weights):
    X, Y, sw = make_data(weights, seed=8)
    backend = make_backend(kind, X, Y, sw, client_for)
    features = np.array([3, 0, 3])  # any order, a column twice
    rng = np.random.default_rng(9)
    Z = rng.normal(size=(N, K)) * 3
    if not backend.has_columns:
        with pytest.raises(NotImplementedError, match="no column access"):
            backend.columns(features)
        with pytest.raises(NotImplementedError, match="no column access"):
            backend.sample_terms(Z)
        with pytest.raises(NotImplementedError, match="no column access"):
            backend.residual_gradient(Z)
        with pytest.raises(NotImplementedError, match="no column access"):
            backend.column_gram(X[:, features], Z[:, 0], Z[:, 1])
        return
    block = backend.columns(features)
    assert block.shape == (N, 3) and block.dtype == np.float64
    assert sp.issparse(block) == (kind in ("csr", "csc"))
    if sp.issparse(block):
        assert block.format == "csc"
        block = block.toarray()
    exact = X.astype(np.float32) if is32(kind) else X  # the values held, in float64
    np.testing.assert_array_equal(block, exact[:, features])
    S = full_weights(sw)
    norm = S / S.sum(axis=0)
    P = expit(Z)
    for cols in (None, np.array([2, 0])):
        c = slice(None) if cols is None else cols
        loss, residual, curvature = backend.sample_terms(Z[:, c], cols)
        ref_loss = (norm[:, c] * (np.logaddexp(0, Z[:, c]) - Y[:, c] * Z[:, c])).sum(0)
        # (float32 data keep their normalised weights in float32)
        tol = dict(rtol=1e-6) if is32(kind) else dict(rtol=1e-12)
        np.testing.assert_allclose(loss, ref_loss, **tol)
        np.testing.assert_allclose(residual, norm[:, c] * (P[:, c] - Y[:, c]), **tol)
        np.testing.assert_allclose(
            curvature, norm[:, c] * P[:, c] * (1 - P[:, c]), **tol
        )
        # the gradient from the residuals, X' R (in X's dtype)
        with backend.parallel():
            grad = backend.residual_gradient(residual)
        assert grad.shape == (residual.shape[1], D) and grad.dtype == np.float64
        np.testing.assert_allclose(grad, residual.T @ exact, **tolerance(kind))


@pytest.mark.parametrize("threads", [False, True])
def test_column_gram(kind, client_for, threads, monkeypatch):
    """The weighted Gram matrix of a block of columns, against NumPy's."""
    X, Y, sw = make_data(None, seed=10)
    backend = make_backend(kind, X, Y, sw, client_for)
    features = np.array([4, 1, 2])
    rng = np.random.default_rng(11)
    h, r = rng.random(N), rng.normal(size=N)
    if not backend.has_columns:
        return  # (the NotImplementedError is checked above)
    block = backend.columns(features)
    dense = block.toarray() if sp.issparse(block) else block
    memory = sys.modules["sklearn_bce._objective.memory"]
    # several row blocks, on threads where asked for
    monkeypatch.setattr(memory, "COLUMN_BLOCK_BYTES", 8 * 3 * 64)
    if threads:
        monkeypatch.setattr(memory, "THREADED_ROWS", 0)
        monkeypatch.setattr(memory, "THREADED_BYTES", 0)
    with backend.parallel():
        gram, Bh, Br = backend.column_gram(block, h, r)
    np.testing.assert_allclose(gram, dense.T @ (h[:, None] * dense), rtol=1e-12)
    np.testing.assert_allclose(Bh, dense.T @ h, rtol=1e-12)
    np.testing.assert_allclose(Br, dense.T @ r, rtol=1e-12, atol=1e-12)
    with backend.parallel():
        alone = backend.column_gram(block, None, r)
    assert alone[0] is None and alone[1] is None
    np.testing.assert_array_equal(alone[2], Br)
