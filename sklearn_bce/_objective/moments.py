"""Weighted per-feature moments of a design matrix, for the preconditioner.

Both backends compute the feature moments with :func:`weighted_feature_moments`:
the in-memory backend on the whole of ``X``, the dask backend on each row chunk
before pooling them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["weighted_feature_moments"]


def _row_blocks(X, max_bytes):
    """Slices of rows of a dense ``X`` whose blocks hold at most ``max_bytes``."""
    n, d = X.shape
    step = max(8, int(max_bytes // max(1, d * X.itemsize)))
    return [slice(a, min(n, a + step)) for a in range(0, n, step)]


def _sparse_triplets(X, n_blocks=64):
    """Yield ``(values, rows, cols)`` of the stored entries of a CSR/CSC matrix.

    In about ``n_blocks`` pieces, so that the index array built for each piece is
    small; ``values`` is a view of ``X.data`` (never a copy of the matrix).
    """
    major = X.shape[0] if X.format == "csr" else X.shape[1]
    step = max(1, -(-major // n_blocks))
    for a in range(0, major, step):
        b = min(major, a + step)
        lo, hi = X.indptr[a], X.indptr[b]
        minor = X.indices[lo:hi]
        outer = np.repeat(np.arange(a, b), np.diff(X.indptr[a : b + 1]))
        if X.format == "csr":
            yield X.data[lo:hi], outer, minor
        else:
            yield X.data[lo:hi], minor, outer


def weighted_feature_moments(X, sw, block_rows=None):
    """Weighted per-feature mean and standard deviation of ``X``.

    Works in blocks (extra memory a small fraction of ``X``; ``block_rows`` sets
    the rows of a dense block), never copies or converts ``X``, and is safe for
    values near the floating-point range: features are divided by their max-abs
    before anything is squared. ``sw`` must sum to one. Returns float64 arrays of
    shape (n_features,).
    """
    n, d = X.shape
    absmax = np.zeros(d)
    if sp.issparse(X):
        X = X if X.format in ("csr", "csc") else X.tocsr()
        for v, _, c in _sparse_triplets(X):
            np.maximum.at(absmax, c, np.abs(v))
    else:
        if block_rows is None:
            # 256 kB to 1 MB: few blocks for small X, small next to large X
            blocks = _row_blocks(X, min(1 << 20, max(1 << 18, X.nbytes // 32)))
        else:
            blocks = [slice(a, a + block_rows) for a in range(0, n, block_rows)]
        # One pass for the max-abs and the mean: a weighted mean (weights summing
        # to one) cannot overflow, only squares can.
        swx = sw.astype(X.dtype, copy=False)
        # Block weights are made contiguous: uniform weights are a broadcast
        # vector of stride 0, which BLAS cannot take (NumPy's fallback product is
        # several times slower).
        mean = np.zeros(d)
        for blk in blocks:
            Xb = X[blk]
            np.maximum(absmax, np.abs(Xb).max(axis=0), out=absmax)
            mean += np.ascontiguousarray(swx[blk]) @ Xb
    unit = np.where(absmax > 0, absmax, 1.0)
    inv_unit = 1.0 / unit
    # Mean of the scaled features, then their centred second moment.
    mean_s = np.zeros(d)
    sq = np.zeros(d)
    if sp.issparse(X):
        for v, r, c in _sparse_triplets(X):
            mean_s += np.bincount(c, weights=sw[r] * v * inv_unit[c], minlength=d)
        zero_weight = np.ones(d)  # weight of the implicit zeros, per column
        for v, r, c in _sparse_triplets(X):
            dev = v * inv_unit[c] - mean_s[c]
            w = sw[r]
            sq += np.bincount(c, weights=w * dev * dev, minlength=d)
            zero_weight -= np.bincount(c, weights=w, minlength=d)
        sq += np.clip(zero_weight, 0.0, None) * mean_s**2
    else:
        mean_s = mean * inv_unit
        for blk in blocks:
            dev = X[blk] * inv_unit.astype(X.dtype)
            dev -= mean_s.astype(X.dtype)
            np.square(dev, out=dev)
            sq += np.ascontiguousarray(swx[blk]) @ dev
    std = np.sqrt(np.clip(sq, 0.0, None)) * unit
    return mean_s * unit, std
