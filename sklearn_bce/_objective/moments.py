"""Weighted per-feature moments of a design matrix, for the preconditioner.

Both backends compute the feature moments with :func:`weighted_feature_moments`:
the in-memory backend on the whole of ``X``, the dask backend on each row chunk
before pooling them.

Dense ``X`` and unusual sparse ones go through a careful path: features are
divided by their max-abs before anything is squared, and the second moment is
centred. A sparse ``X`` in canonical CSR or CSC form takes a faster path first,
two sparse products per block of its values (``X' sw`` and ``(X o X)' sw``); it
hands over to the careful path the features where that could lose accuracy:
those whose second moment overflowed or is small enough for squares to have
underflowed, and those whose mean is close to their root mean square.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .kernels import map_in_order, transposed_view

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


#: Features whose weighted second moment is below this are recomputed by the
#: careful path: squares under about 2e-308 may have underflowed (losing at
#: most ``n_samples * 2e-308``, negligible next to this).
_TINY_SECOND = 1e-280
#: Features whose variance is below this fraction of their second moment are
#: recomputed centred: the difference ``E[x^2] - mean^2`` would lose more than
#: two of its digits.
_CANCELLATION = 1e-2
#: Blocks of the values of a sparse ``X`` processed at once by the fast path.
_SPARSE_BLOCKS = 16
#: Most bytes of a block of rows of a dense ``X`` (fewer for small ``X``).
_DENSE_BLOCK_BYTES = 1 << 21


def weighted_feature_moments(X, sw, block_rows=None, executor=None):
    """Weighted per-feature mean and standard deviation of ``X``.

    Works in blocks (extra memory a small fraction of ``X``; ``block_rows`` sets
    the rows of a dense block), never copies or converts ``X`` (a sparse ``X``
    other than CSR or CSC is converted to CSR), and is safe for values near the
    floating-point range (see the module's docstring).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The data.
    sw : ndarray of shape (n_samples,)
        Weights of the rows, summing to one.
    block_rows : int, default=None
        Rows of a block of a dense ``X``; None sizes the blocks by bytes.
    executor : concurrent.futures.Executor, default=None
        Threads for the row blocks of a dense ``X``.

    Returns
    -------
    mean, std : ndarray of shape (n_features,)
        Float64.
    """
    if sp.issparse(X):
        X = X if X.format in ("csr", "csc") else X.tocsr()
        if X.has_canonical_format:
            return _sparse_moments(X, sw)
    return _careful_moments(X, sw, block_rows, executor)


def _sparse_moments(X, sw):
    """Weighted mean and std of a canonical CSR/CSC matrix by sparse products.

    The features whose second moment overflowed, may have lost entries to
    underflow, or exceeds the variance many times over are recomputed by
    :func:`_careful_moments`.
    """
    n, d = X.shape
    sw = np.ascontiguousarray(sw, dtype=np.float64)
    mean, second = np.zeros(d), np.zeros(d)
    csr = X.format == "csr"
    major = n if csr else d
    bounds = np.append(np.arange(0, major, max(1, -(-major // _SPARSE_BLOCKS))), major)
    size = int(np.diff(X.indptr[bounds]).max(initial=0))
    squares = np.empty(size)  # reused by every block: no new pages each time
    values = squares if X.dtype == np.float64 else np.empty(size)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            # rows a:b and all the features (added to the sums), or features
            # a:b and all the rows (their whole sums)
            w, out = (sw[a:b], slice(None)) if csr else (sw, slice(a, b))
            data = X.data[X.indptr[a] : X.indptr[b]]
            if values is not squares:  # float32 values, summed in float64
                v = values[: data.size]
                v[:] = data
            else:
                v = data
            mean[out] += transposed_view(X, a, b, v) @ w
            sq = np.square(v, out=squares[: data.size])
            second[out] += transposed_view(X, a, b, sq) @ w
        var = second - mean**2
        redo = (
            ~np.isfinite(second)
            | ((second < _TINY_SECOND) & ((second > 0) | (mean != 0)))
            | (var < _CANCELLATION * second)
        )
    std = np.sqrt(np.clip(var, 0.0, None))
    redo = np.flatnonzero(redo)
    if redo.size:
        mean[redo], std[redo] = _careful_moments(X[:, redo], sw)
    return mean, std


def _careful_moments(X, sw, block_rows=None, executor=None):
    """Weighted mean and std, scaled by each feature's max-abs, centred.

    The row blocks of a dense ``X`` run on ``executor``'s threads when given
    (their sums added in order: the same bits whatever the threads).
    """
    n, d = X.shape
    absmax = np.zeros(d)
    if sp.issparse(X):
        X = X if X.format in ("csr", "csc") else X.tocsr()
        for v, _, c in _sparse_triplets(X):
            np.maximum.at(absmax, c, np.abs(v))
    else:
        if block_rows is None:
            # 256 kB to 2 MB: few blocks for small X, small next to large X
            blocks = _row_blocks(
                X, min(_DENSE_BLOCK_BYTES, max(1 << 18, X.nbytes // 32))
            )
        else:
            blocks = [slice(a, a + block_rows) for a in range(0, n, block_rows)]
        # One pass for the max-abs and the mean: a weighted mean (weights summing
        # to one) cannot overflow, only squares can.
        swx = sw.astype(X.dtype, copy=False)
        # Block weights are made contiguous: uniform weights are a broadcast
        # vector of stride 0, which BLAS cannot take (NumPy's fallback product is
        # several times slower).
        def first(blk):
            Xb = X[blk]
            return np.abs(Xb).max(axis=0), np.ascontiguousarray(swx[blk]) @ Xb

        mean = np.zeros(d)
        for top, part in map_in_order(first, blocks, executor):
            np.maximum(absmax, top, out=absmax)
            mean += part
    unit = np.where(absmax > 0, absmax, 1.0)
    inv_unit = 1.0 / unit
    # Mean of the scaled features, then their centred second moment.
    mean_s = np.zeros(d)
    sq = np.zeros(d)
    if sp.issparse(X):
        for v, r, c in _sparse_triplets(X):
            mean_s += np.bincount(c, weights=sw[r] * v * inv_unit[c], minlength=d)
        zero_weight = np.ones(d)  # weight of the implicit zeros, per column
        stored = np.zeros(d, dtype=np.intp)
        for v, r, c in _sparse_triplets(X):
            dev = v * inv_unit[c] - mean_s[c]
            w = sw[r]
            sq += np.bincount(c, weights=w * dev * dev, minlength=d)
            zero_weight -= np.bincount(c, weights=w, minlength=d)
            stored += np.bincount(c, minlength=d)
        # a column stored in every row has no implicit zeros: not the rounding
        # error of 1 - sum(w), which would count as a spread of sqrt(eps) * mean
        if X.has_canonical_format:
            zero_weight[stored == n] = 0.0
        sq += np.clip(zero_weight, 0.0, None) * mean_s**2
    else:
        mean_s = mean * inv_unit
        inv_unit_x, mean_s_x = inv_unit.astype(X.dtype), mean_s.astype(X.dtype)

        def second(blk):
            dev = X[blk] * inv_unit_x
            dev -= mean_s_x
            np.square(dev, out=dev)
            return np.ascontiguousarray(swx[blk]) @ dev

        for part in map_in_order(second, blocks, executor):
            sq += part
    std = np.sqrt(np.clip(sq, 0.0, None)) * unit
    return mean_s * unit, std
