"""What runs on a worker, on one row chunk ``(X_i, Y_i, sw_i)`` of the data.

Every function here is the in-memory code of the package applied to one chunk
(:func:`~sklearn_bce._objective.kernels.bce_sums`,
:func:`~sklearn_bce._objective.moments.weighted_feature_moments`), plus the small
combining functions that add up the chunks' results.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._objective.indicators import rows_sum_to_one
from .._objective.kernels import bce_sums, separated
from .._objective.moments import weighted_feature_moments

__all__ = [
    "Chunk",
    "aligned",
    "all_of",
    "chunk_moments",
    "chunk_separated",
    "chunk_setup",
    "chunk_sums",
    "chunk_weight_sums",
    "combine_moments",
    "combine_setup",
    "make_chunk",
    "moments_of",
    "nonfinite_flags",
    "pack",
    "raise_nonfinite",
    "slice_rows",
    "slices",
    "sum_arrays",
]


def sum_arrays(*parts):
    """Sum of equally shaped arrays (a reduction step)."""
    total = parts[0].copy()
    for p in parts[1:]:
        total += p
    return total


def nonfinite_flags(X):
    """``[has_nan, has_inf]`` of a dense or sparse block.

    A finite sum proves the block finite in one pass without a temporary; only a
    non-finite sum (NaN, infinity, or an overflow of large values) is looked into.
    """
    data = X.data if sp.issparse(X) else X
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(data, dtype=np.float64)):
            return np.zeros(2, dtype=bool)
    return np.array([np.isnan(data).any(), np.isinf(data).any()])


def raise_nonfinite(flags, dtype):
    """Raise the error of in-memory validation for NaN / infinity flags."""
    if flags[0]:
        raise ValueError("Input X contains NaN.")
    if flags[1]:
        raise ValueError(
            f"Input X contains infinity or a value too large for dtype('{dtype}')."
        )


# ------------------------------------------------------- per-chunk functions
# Each runs on a worker, on one chunk ``(X_i, Y_i, sw_i)`` of a ChunkSet.
def aligned(a):
    """``a``, copied into aligned memory if it is not aligned.

    Arrays deserialised from network frames (scattered data, chunks of
    ``da.from_array``) can start at any byte address; numpy then cannot hand
    them to BLAS and products run several times slower. Sparse blocks are used
    as they are.
    """
    if isinstance(a, np.ndarray) and not a.flags.aligned:
        return np.require(a, requirements=["A"])
    return a


class Chunk(tuple):
    """``(X_i, Y_i, sw_i)`` of one chunk, re-aligned whenever it is unpickled.

    A copy of a chunk made by the scheduler (work stealing, replication, a worker
    leaving) arrives through the network like scattered data: this keeps it fast.
    """

    __slots__ = ()

    def __reduce__(self):
        return (make_chunk, tuple(self))


def make_chunk(X, Y, sw):
    return Chunk((aligned(X), aligned(Y), aligned(sw)))


def pack(X, Y, sw, dtype):
    """The chunk as the objective keeps it: aligned, targets and weights 2-d."""
    n = X.shape[0]
    Y = np.asarray(Y, dtype=dtype).reshape(n, -1)
    if sw is None:
        sw = np.ones((n, 1), dtype=dtype)
    else:
        sw = np.asarray(sw, dtype=dtype).reshape(n, -1)
    if Y.shape[0] != n or sw.shape[0] != n:
        raise ValueError(
            f"A chunk of X has {n} rows but the matching chunk of the targets or "
            f"weights has {Y.shape[0]} or {sw.shape[0]}: they must be aligned."
        )
    return make_chunk(X, Y, sw)


# Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_ set, which (in glibc) turns
# off the adaptive mmap threshold: every temporary array above 128 kB is then a
# fresh mmap whose pages fault in one by one, several times the cost of the
# arithmetic on it. The chunk functions therefore walk dense chunks in slices
# whose temporaries stay near 64 kB.
TEMP_ITEMS = 8192


def slice_rows(X, width):
    """Rows per slice of a chunk for temporaries of about ``TEMP_ITEMS * width``."""
    if sp.issparse(X):
        return max(X.shape[0], 1)
    return max(32, TEMP_ITEMS // max(width, 1))


def slices(X, width):
    """Row slices of a chunk, see :func:`slice_rows`."""
    step = slice_rows(X, width)
    return [slice(s, s + step) for s in range(0, X.shape[0], step)] or [slice(0, 0)]


def chunk_sums(chunk, Wb, fit_intercept, cols=None):
    """``bce_sums`` of one chunk at ``[W | b]``, as ``[gW | gb | loss]`` (k, d + 2).

    ``cols`` selects the problems evaluated (all when None); ``Wb`` has one row
    per selected problem.
    """
    X, Y, sw = chunk
    d = X.shape[1]
    W, b = Wb[:, :d], Wb[:, d]
    out = np.zeros((Wb.shape[0], d + 2))
    for rows in slices(X, Wb.shape[0]):
        loss_k, gW, gb = bce_sums(
            X[rows], Y[rows], sw[rows], W, b, fit_intercept, cols=cols
        )
        out[:, :d] += gW
        out[:, d] += gb
        out[:, d + 1] += loss_k
    return out


def chunk_weight_sums(chunk):
    """``[S | P]``: the chunk's weight totals and weighted positive totals."""
    _, Y, sw = chunk
    positive = np.einsum("ik,ik->k", np.broadcast_to(sw, Y.shape), Y, dtype=np.float64)
    return np.concatenate([sw.sum(axis=0, dtype=np.float64), positive])


def moments_of(X, m, flags):
    """Moments of ``X`` weighted by ``m``: ``(flags, weight, mean, std)``.

    ``weight`` is the total of ``m``; with a NaN / infinity flag set, or no
    weight, the moments are zeros with weight 0 (left out when pooled).
    """
    d = X.shape[1]
    weight = float(np.sum(m, dtype=np.float64))
    if flags.any() or weight <= 0:
        return flags, 0.0, np.zeros(d), np.zeros(d)
    mean, std = weighted_feature_moments(
        X, np.asarray(m, np.float64) / weight, block_rows=slice_rows(X, d)
    )
    return flags, weight, mean, std


def chunk_setup(chunk, moments):
    """The first pass over a chunk: ``([S | P], (flags, weight, mean, std))``.

    ``[S | P]`` are the weight totals and weighted positive totals of
    :func:`chunk_weight_sums`; ``flags`` are the chunk's NaN / infinity flags.
    The feature moments, weighted by the chunk's sample weights, are computed only
    when ``moments`` is true (the weights then have one column, so that their
    total does not change the pooled moments); otherwise they are zero with
    weight 0.
    """
    X, _, sw = chunk
    flags = nonfinite_flags(X)
    if moments:
        stats = moments_of(X, sw[:, 0], flags)
    else:
        stats = (flags, 0.0, np.zeros(X.shape[1]), np.zeros(X.shape[1]))
    return chunk_weight_sums(chunk), stats


def combine_setup(*parts):
    return (
        sum_arrays(*[p[0] for p in parts]),
        combine_moments(*[p[1] for p in parts]),
    )


def chunk_moments(chunk, sw_sum):
    """Moments of a chunk with the row weights of the in-memory preconditioner.

    A row's weight is the mean over problems of its weight over the problem's
    total ``sw_sum``.
    """
    X, _, sw = chunk
    return moments_of(X, (sw / sw_sum).mean(axis=1), np.zeros(2, dtype=bool))


def combine_moments(*parts):
    """Pool chunk moments (parallel-variance formula), scaled to avoid overflow."""
    flags = np.logical_or.reduce([p[0] for p in parts])
    d = parts[0][2].size
    parts = [p for p in parts if p[1] > 0]
    if flags.any() or not parts:
        return flags, 0.0, np.zeros(d), np.zeros(d)
    w = np.array([p[1] for p in parts])
    means = np.array([p[2] for p in parts])
    stds = np.array([p[3] for p in parts])
    unit = np.maximum(np.abs(means).max(axis=0), stds.max(axis=0))
    unit = np.where(unit > 0, unit, 1.0)
    total = w.sum()
    mean_s = (w @ (means / unit)) / total
    var_s = (w @ ((stds / unit) ** 2 + (means / unit - mean_s) ** 2)) / total
    return flags, total, mean_s * unit, np.sqrt(var_s) * unit


def chunk_separated(chunk, Wb, fit_intercept):
    """Whether each model separates the chunk's samples of positive weight."""
    X, Y, sw = chunk
    d = X.shape[1]
    b = Wb[:, d] if fit_intercept else None
    return separated(X, 1 - 2 * Y, sw, Wb[:, :d], b)


def all_of(*parts):
    """Element-wise logical and of boolean arrays (a reduction step)."""
    return np.logical_and.reduce(parts)


def chunk_indicator_check(chunk, blocks):
    """Whether the chunk's rows add up to one in each candidate one-hot block."""
    return rows_sum_to_one(chunk[0], blocks)
