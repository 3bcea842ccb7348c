"""One-hot encoded blocks of columns, and the flat directions they give the objective.

A categorical feature one-hot encoded without a dropped level (scikit-learn's
``OneHotEncoder()`` default, ``pandas.get_dummies``) is a block of adjacent 0/1
columns with exactly one 1 in every row. With an intercept, the data term does not
change when every coefficient of the block grows by ``c`` and the intercept falls
by ``c``: the model's logits are the same. Along that direction only the L2
penalty curves the objective, with a curvature of ``1 / (C S)``, tiny on large
data. A first-order solver (L-BFGS, SGD) then meets its gradient tolerance long
before it has found the minimum along that direction: on 150 000 rows, a
gradient of 1e-5 can leave the objective 1e-5 above its minimum.

The minimum along it is known in closed form: the L2 penalty is least when the
block's coefficients have mean zero. Shifting them there (and the intercept by
the same amount) leaves the data term as it is and lowers the penalty, so it can
only improve any fit. :func:`indicator_groups` finds the blocks from the feature
moments and one check of the rows; the objective applies the shift.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["candidate_blocks", "rows_sum_to_one", "indicator_groups"]

_RTOL = 1e-9


def candidate_blocks(mean, std):
    """Blocks of adjacent columns that may one-hot encode a categorical feature.

    A 0/1 column has variance ``m (1 - m)`` for its mean ``m`` (a level that no
    row takes is an all-zero column); the means of the columns of a one-hot
    block add up to one. Both are necessary, not
    sufficient: :func:`rows_sum_to_one` checks the rows.

    Parameters
    ----------
    mean, std : ndarray of shape (n_features,)
        Weighted mean and standard deviation of every column.

    Returns
    -------
    blocks : ndarray of shape (n_blocks, 2)
        ``(start, stop)`` column ranges, in order, not overlapping.
    """
    mean = np.asarray(mean, dtype=np.float64)
    std = np.asarray(std, dtype=np.float64)
    binary = (
        (mean >= 0)
        & (mean <= 1 + _RTOL)
        & (np.abs(std**2 - mean * (1 - mean)) <= 1e3 * _RTOL * np.maximum(mean, 1e-300))
    )
    blocks = []
    start, d = 0, mean.size
    while start < d:
        if not binary[start]:
            start += 1
            continue
        total, stop = 0.0, start
        while stop < d and binary[stop] and total < 1 - len_tol(stop - start):
            total += mean[stop]
            stop += 1
        if abs(total - 1) <= len_tol(stop - start):
            blocks.append((start, stop))
            start = stop
        else:
            start += 1
    return np.array(blocks, dtype=np.intp).reshape(-1, 2)


def len_tol(n_columns):
    """Rounding allowance on the sum of ``n_columns`` means."""
    return 1e3 * _RTOL * max(1, n_columns)


def rows_sum_to_one(X, blocks):
    """Whether every row of ``X`` has entries adding up to exactly one in a block.

    Parameters
    ----------
    X : ndarray or scipy sparse matrix of shape (n_samples, n_features)
    blocks : ndarray of shape (n_blocks, 2)
        ``(start, stop)`` column ranges.

    Returns
    -------
    ok : ndarray of bool of shape (n_blocks,)
    """
    blocks = np.asarray(blocks, dtype=np.intp).reshape(-1, 2)
    n = X.shape[0]
    if sp.issparse(X):
        # One sparse product gives the sums of every block: (n, n_blocks)
        member = np.concatenate([np.arange(a, b) for a, b in blocks])
        group = np.repeat(np.arange(blocks.shape[0]), blocks[:, 1] - blocks[:, 0])
        M = sp.csr_matrix(
            (np.ones(member.size), (member, group)),
            shape=(X.shape[1], blocks.shape[0]),
        )
        S = sp.csc_matrix(X.astype(np.float64, copy=False) @ M)
        return np.array([
            S.indptr[g + 1] - S.indptr[g] == n
            and bool(np.all(S.data[S.indptr[g] : S.indptr[g + 1]] == 1.0))
            for g in range(blocks.shape[0])
        ], dtype=bool)
    return np.array(
        [_sums_are_one(X[:, a:b].sum(axis=1, dtype=np.float64), n) for a, b in blocks],
        dtype=bool,
    )


def _sums_are_one(sums, n):
    return sums.shape[0] == n and bool(np.all(sums == 1.0))


def indicator_groups(X, mean, std):
    """The one-hot encoded blocks of columns of ``X``.

    Parameters
    ----------
    X : ndarray or scipy sparse matrix of shape (n_samples, n_features)
    mean, std : ndarray of shape (n_features,)
        Weighted mean and standard deviation of every column.

    Returns
    -------
    blocks : ndarray of shape (n_blocks, 2)
        ``(start, stop)`` ranges of adjacent columns whose entries add up to
        exactly one in every row.
    """
    blocks = candidate_blocks(mean, std)
    if blocks.shape[0] == 0:
        return blocks
    return blocks[rows_sum_to_one(X, blocks)]
