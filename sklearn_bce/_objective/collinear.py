"""Exactly collinear features, and the flat directions they give the objective.

Where some features are exact linear combinations of others (a column that is
the sum of two others, the redundant features of ``make_classification``, a
unit given twice in two scales), the data term does not change along a direction
``v`` with ``X v = 0`` (or, with an intercept, ``X v`` the same in every row,
which the intercept takes up). Along it only the L2 penalty curves the
objective, with a curvature of ``1 / (C S)``: tiny on large data. L-BFGS then
meets its gradient tolerance far from the minimum along it, and its estimate of
the decrease still to come, built from the curvature it has seen, misses it:
on make_classification data with redundant features, default fits stopped up to
6e-5 above the optimum (relative) while that estimate said 1e-9.

The minimum along those directions is known in closed form (see
``Objective.settle_flat_directions``). :func:`null_directions` finds them: the
Gram matrix of a subsample of rows reveals the candidates by a pivoted Cholesky
factorisation (a rank-revealing one), and one product with all the rows keeps
the combinations of them that are exactly flat on the whole data. One-hot
encoded blocks (see :mod:`.indicators`) are among them; they are also found on
sparse and out-of-core data, where this module does not look.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg
from scipy.linalg import lapack

__all__ = ["flat_directions", "null_directions", "sample_rows", "worth_looking"]

#: Rows of the subsample per feature.
_ROWS_PER_FEATURE = 2
#: Most candidate directions checked on all rows, as a fraction of the features
#: (many more means a subsample that misses rare values, not collinearity).
_MOST_CANDIDATES = 0.1
#: A direction is flat where ``|X v|`` is at most this times the norm of the
#: rows it multiplies, in every row (rounding of exactly collinear float64 data
#: is about 1e-16; of float32 data, about 1e-7).
_FLAT = {np.dtype(np.float64): 1e-11, np.dtype(np.float32): 1e-5}


def worth_looking(n_samples, n_features):
    """Whether looking for collinear features costs little next to a fit.

    The subsample's Gram matrix costs ``2 p**3`` multiply-adds, at a few times
    an evaluation's rate (a BLAS-3 product on one thread): while
    ``p**2 <= 10 n``, at most the work of ``p**2 / (2 n) <= 5`` evaluations
    (``2 n p`` each) at that rate, about a tenth of a fit of 10 to 40
    (measured: 2 to 4 % of default fits on 10k to 50k x 100 to 200). The
    check on all rows, made only where the subsample finds candidates, costs
    about one evaluation.
    """
    return 0 < n_features and n_features**2 <= 10 * n_samples


def sample_rows(n_samples, n_features):
    """The rows whose Gram matrix reveals the candidates: evenly spaced."""
    count = min(n_samples, _ROWS_PER_FEATURE * n_features)
    return np.unique(np.linspace(0, n_samples - 1, count).astype(np.intp))


def null_directions(X, mean, std, centred):
    """An orthonormal basis of the directions ``v`` with ``(X - c) v = 0``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Dense data (float32 or float64).
    mean, std : ndarray of shape (n_features,)
        The features' (weighted) means and standard deviations.
    centred : bool
        Whether ``c`` is ``mean`` (a model with an intercept, which takes up
        ``X v`` where it is the same in every row) or zero.

    Returns
    -------
    V : ndarray of shape (n_features, k)
        Float64, orthonormal columns; ``k = 0`` where none is found.
    """
    sample = np.asarray(X[sample_rows(*X.shape)], dtype=np.float64)
    return flat_directions(
        sample, lambda V: np.asarray(X @ V.astype(X.dtype), dtype=np.float64),
        X.shape[0], mean, std, centred, X.dtype,
    )


def flat_directions(sample, times, n_samples, mean, std, centred, dtype):
    """:func:`null_directions` on data that only give a sample and products.

    Parameters
    ----------
    sample : ndarray of shape (m, n_features)
        The rows :func:`sample_rows` picks, as float64.
    times : callable
        ``times(V)`` is ``X @ V`` for a float64 ``V`` of shape
        ``(n_features, k)``, as float64 of shape ``(n_samples, k)``.
    n_samples : int
    mean, std : ndarray of shape (n_features,)
    centred : bool
    dtype : numpy.dtype
        The data's, whose rounding sets what counts as exactly flat.

    Returns
    -------
    V : ndarray of shape (n_features, k)
    """
    d = sample.shape[1]
    none = np.zeros((d, 0))
    mean = np.asarray(mean, np.float64)
    centre = mean if centred else np.zeros(d)
    sample = sample - centre
    gram = sample.T @ sample
    scale = np.sqrt(np.maximum(np.diag(gram), 0.0))
    if not np.any(scale > 0):
        return none
    # pivots of the unit-diagonal Gram matrix below rounding: float64's in the
    # product, or the square of (a few times) float32's in the data
    rounding = max(np.finfo(np.float64).eps, (16 * np.finfo(dtype).eps) ** 2)
    candidates = _gram_null_space(gram, scale, d * rounding)
    if candidates.shape[1] == 0 or candidates.shape[1] > max(
        4, _MOST_CANDIDATES * d
    ):
        return none
    # (X - c) V = X V - 1 c'V in one product with X; the eigenvectors of its
    # M'M whose eigenvalues are rounding next to the rows' squared norms summed,
    # n (var + (mean - c)^2) per feature, give the flat combinations
    M = times(candidates) - centre @ candidates
    w, U = np.linalg.eigh(M.T @ M)
    size = n_samples * float(np.sum(np.asarray(std) ** 2 + (mean - centre) ** 2))
    flat = _FLAT.get(np.dtype(dtype), _FLAT[np.dtype(np.float64)])
    keep = w <= (flat**2) * max(size, np.finfo(float).tiny)
    return candidates @ U[:, keep] if keep.any() else none


def _gram_null_space(gram, scale, tol):
    """Directions the pivoted Cholesky factor of ``gram`` finds rank-deficient.

    The Gram matrix is scaled to unit diagonal first (columns of zero norm are
    flat on their own). With the pivoted factor ``P' G P = R' R`` of rank ``r``
    (the pivots below ``tol`` left out), the null space is spanned by
    ``P [-R11^-1 R12; I]``.
    """
    d = gram.shape[0]
    zero = scale == 0
    unit = np.where(zero, 1.0, scale)
    G = gram / np.outer(unit, unit)
    G[zero, :] = 0.0
    G[:, zero] = 0.0
    G[zero, zero] = 1.0  # factored apart; added back below
    R, piv, rank, info = lapack.dpstrf(G, lower=0, tol=tol)
    if info < 0:
        return np.zeros((d, 0))
    piv = piv - 1
    R = np.triu(R)
    blocks = []
    if rank < d:
        R11, R12 = R[:rank, :rank], R[:rank, rank:]
        top = -linalg.solve_triangular(R11, R12, check_finite=False)
        N = np.zeros((d, d - rank))
        N[piv[:rank]] = top
        N[piv[rank:]] = np.eye(d - rank)
        blocks.append(N / unit[:, None])  # back to the unscaled features
    if zero.any():
        blocks.append(np.eye(d)[:, zero])
    if not blocks:
        return np.zeros((d, 0))
    Q, _ = np.linalg.qr(np.hstack(blocks))
    return Q
