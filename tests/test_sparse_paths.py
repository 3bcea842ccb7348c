"""The sparse fast paths: feature moments by sparse products, CSR column blocks.

The moments of a canonical CSR or CSC matrix come from ``X' sw`` and
``(X o X)' sw``, with the careful (scaled, centred) computation taking over where
that would lose accuracy; a CSR matrix gives coordinate descent its columns by
extraction, keeping the last block. Both must give what NumPy gives on the
densified matrix.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_bce._objective import InMemoryBackend, moments
from sklearn_bce._objective.memory import CSR_COLUMN_PASSES
from sklearn_bce._objective.moments import weighted_feature_moments


def reference_moments(X, sw):
    """Weighted mean and std of a dense float64 ``X``, scaled then centred."""
    unit = np.abs(X).max(axis=0)
    unit[unit == 0] = 1.0
    Xs = X / unit
    mean = sw @ Xs
    return mean * unit, np.sqrt(sw @ (Xs - mean) ** 2) * unit


def assert_moments(got, X, sw):
    """``got`` is NumPy's mean and std, to rounding (relative to max-abs)."""
    unit = np.abs(X).max(axis=0)
    for a, ref in zip(got, reference_moments(X, sw), strict=True):
        assert np.all(np.abs(a - ref) <= 1e-10 * np.abs(ref) + 1e-14 * unit)


def record_careful(monkeypatch):
    """The shapes of the matrices given to the careful computation, as a list."""
    shapes = []
    real = moments._careful_moments

    def careful(X, sw, *args):
        shapes.append(X.shape)
        return real(X, sw, *args)

    monkeypatch.setattr(moments, "_careful_moments", careful)
    return shapes


def sparse_data(rng, n=300, d=8):
    """Sparse columns of several kinds, as a dense array (zeros not stored)."""
    X = rng.exponential(size=(n, d)) * (rng.random((n, d)) < 0.1)
    X[:, 1] = 0.0  # an empty column
    X[:, 2] = 0.0
    X[7, 2] = -3.0  # one entry
    X[:, 3] = 1e6 + rng.normal(size=n)  # dense, mean a million times its spread
    X[:, 4] = 1.0  # constant (an intercept-like column)
    X[:, 5] *= 1e-3
    return X


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_moments_match_numpy(monkeypatch, fmt, dtype, weighted):
    rng = np.random.default_rng(0)
    X = sparse_data(rng).astype(dtype)
    n = X.shape[0]
    sw = rng.uniform(0, 3, size=n) if weighted else np.ones(n)
    sw /= sw.sum()
    Xs = sp.csr_matrix(X).asformat(fmt)
    Xs.data[:5] = 0.0  # explicit zeros are stored values like any other
    X = Xs.toarray().astype(np.float64)
    careful = record_careful(monkeypatch)
    assert_moments(weighted_feature_moments(Xs, sw), X, sw)
    # the products did the work; only the two near-constant columns were redone
    assert careful == [(n, 2)]


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("value", [1e200, 1e-200])
def test_sparse_moments_of_extreme_values(monkeypatch, fmt, value):
    # squares that overflow or underflow: that column goes the careful way too
    rng = np.random.default_rng(1)
    X = sparse_data(rng)
    X[:, 0] *= value
    sw = np.full(X.shape[0], 1.0 / X.shape[0])
    careful = record_careful(monkeypatch)
    mean, std = weighted_feature_moments(sp.csr_matrix(X).asformat(fmt), sw)
    assert_moments((mean, std), X, sw)
    assert std[0] > 0
    assert careful == [(X.shape[0], 3)]  # column 0 and the near-constant ones


def test_csr_columns_keep_the_last_block_then_convert():
    rng = np.random.default_rng(2)
    X = sparse_data(rng, d=40)
    backend = InMemoryBackend(sp.csr_matrix(X), (X[:, 0] > 0).astype(float))

    def check(features, upcoming=None):
        block = backend.columns(np.array(features), upcoming)
        assert block.format == "csc" and block.dtype == np.float64
        np.testing.assert_array_equal(block.toarray(), X[:, features])

    check([], [1, 2])
    assert backend._column_passes == 0  # no columns, no pass
    check([5, 3], np.array([9, 20, 3]))
    assert backend._column_passes == 1
    check([20, 3, 20, 9, 5])  # kept: read from the last block
    assert backend._column_passes == 1
    for k in range(CSR_COLUMN_PASSES - 1):
        check([10 + k, 3])  # one pass each
    assert backend._column_passes == CSR_COLUMN_PASSES
    assert backend._csc is None
    check([30, 0])  # one pass too many: X is converted to CSC once
    assert backend._csc is not None and backend._column_block is None
    check([31, 30, 2])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dense_moments_on_threads_match_numpy(dtype):
    """Dense row blocks on threads: NumPy's moments, and the bits of one thread."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(3)
    X = sparse_data(rng, n=2000).astype(dtype)
    sw = rng.random(X.shape[0])
    sw /= sw.sum()
    alone = weighted_feature_moments(X, sw, block_rows=64)
    with ThreadPoolExecutor(2) as executor:
        threaded = weighted_feature_moments(X, sw, block_rows=64, executor=executor)
    for a, b in zip(alone, threaded, strict=True):
        np.testing.assert_array_equal(a, b)
    if dtype == np.float64:
        assert_moments(threaded, X, sw)
    else:  # float32 arithmetic within each block: about 1e-8 of max-abs
        X = X.astype(np.float64)
        unit = np.abs(X).max(axis=0)
        for a, ref in zip(threaded, reference_moments(X, sw), strict=True):
            assert np.all(np.abs(a - ref) <= 1e-7 * (np.abs(ref) + unit))
