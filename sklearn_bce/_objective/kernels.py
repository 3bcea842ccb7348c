"""The in-memory kernels: weighted BCE sums of ``K`` linear models over row blocks.

Every evaluation of the objective, in memory, on a mini-batch or on a dask chunk,
ends in :func:`bce_sums`. A dense ``X`` is processed in row blocks that stay in
cache, so ``X`` is read from memory once per call: ``z_b = X_b @ W.T``, the loss
and the residual from one ``exp`` per element, then ``R_b.T @ X_b``. The blocks can
run on threads (NumPy and BLAS release the GIL); their sums are added in block
order, so results never depend on thread timing.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = [
    "BLOCK_BYTES",
    "FUSE_BYTES",
    "bce_sums",
    "csr_rows",
    "data_nbytes",
    "map_in_order",
    "signed_targets",
    "transposed_sums",
    "transposed_view",
    "weight_shares",
]


#: Target size in bytes of the row blocks of a dense ``X`` that the kernel processes
#: at once (split between the threads when blocks run concurrently): small enough
#: to stay in the shared cache between ``X_b @ W.T`` and ``R_b.T @ X_b``, large
#: enough that the per-block NumPy calls cost little next to the products, even
#: for narrow ``X`` (on 400k x 30, 4 MB blocks made an evaluation 1.2 to 1.4
#: times as slow as 8 MB blocks; on 200k x 100 they were within noise).
BLOCK_BYTES = 1 << 23


#: Size of ``X`` above which the problems of a one-vs-rest L-BFGS fit share their
#: passes over ``X`` (see :func:`~sklearn_bce._solvers.lbfgs`); below, ``X`` stays
#: in cache and they run one after the other.
FUSE_BYTES = 2 << 20


def bce_sums(
    X, Y, sw, W, b, fit_intercept=True, cols=None, executor=None, n_threads=1,
    signs=None,
):
    """Weighted BCE sums of ``K`` linear models on a set of rows.

    The kernel every objective evaluation (in memory, mini-batch, or on a dask
    chunk) runs. A dense ``X`` is processed in row blocks that stay in cache, so
    ``X`` is read from memory once per call: ``z_b = X_b @ W.T``, the loss and the
    residual from one ``exp`` per element, then ``R_b.T @ X_b``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_rows, n_features)
        Design matrix (float32 or float64); arithmetic is done in
        :func:`arithmetic_dtype` (its own; float64 for sparse data).
    Y : ndarray of shape (n_rows, K) or None
        0/1 targets (None when ``signs`` is given).
    sw : ndarray of shape (n_rows, 1) or (n_rows, K)
        Sample weights (already divided by their total when a mean is wanted). A
        broadcast scalar (one column of stride 0) is applied to the sums instead
        of to every element.
    W : ndarray of shape (K, n_features)
        Coefficients.
    b : ndarray of shape (K,)
        Intercepts (ignored when ``fit_intercept=False``).
    fit_intercept : bool, default=True
        Whether ``b`` is added to the logits.
    cols : array-like of int, default=None
        Evaluate only these columns of ``Y`` (and of ``sw`` when it has one column
        per problem); ``W`` and ``b`` then have one row per selected column.
    executor : concurrent.futures.Executor, default=None
        When given, row blocks run concurrently on its threads (numpy and BLAS
        release the GIL); the block sums are added in block order, so the result
        does not depend on thread timing.
    n_threads : int, default=1
        Threads the row blocks are sized for (those of ``executor``, or more):
        blocks are made that many times smaller, so the temporaries alive at
        once take no more memory than serially. The blocks, and so the
        results, depend on it and not on ``executor``: the same ``n_threads``
        gives the same bits with or without threads.
    signs : ndarray of shape (n_rows, K), default=None
        The targets as ``1 - 2 * Y`` (int8 or ``X``'s dtype; see
        :func:`signed_targets`), when the caller keeps them that way; otherwise
        derived from ``Y`` one block at a time.

    Returns
    -------
    loss_k : ndarray of shape (K,)
        ``sum_i sw_ik bce(Y_ik, z_ik)`` (float64).
    gW : ndarray of shape (K, n_features)
        ``sum_i sw_ik (sigmoid(z_ik) - Y_ik) X_i`` (float64).
    gb : ndarray of shape (K,)
        ``sum_i sw_ik (sigmoid(z_ik) - Y_ik)`` (float64).
    """
    dtype = arithmetic_dtype(X)
    n, d = X.shape
    K = W.shape[0]
    Wt = np.ascontiguousarray(W.T, dtype=dtype)
    bx = np.asarray(b, dtype=dtype) if fit_intercept else None
    S = _Signs(Y) if signs is None else signs
    # Uniform weights: one scalar, applied to the sums rather than to each element.
    unit = None
    if sw.shape[1] == 1 and sw.strides[0] == 0:
        unit, sw = np.float64(sw[0, 0]) if n else 0.0, _NoWeights()
    if cols is not None:
        cols = np.asarray(cols, dtype=np.intp)
        if unit is None and sw.shape[1] > 1:
            sw = _ColumnView(sw, cols)
        S = _ColumnView(S, cols)
    step = _block_rows(X, K, n_threads)
    sparse = sp.issparse(X)
    if sparse and (X.format != "csr" or n <= step):
        # CSC (and small CSR) products run over all rows at once, holding one
        # (n_rows, K) array; the element-wise part is done in blocks.
        Z = np.asarray(X @ Wt, dtype=dtype)
        loss_k = np.zeros(K)
        for start in range(0, n, step):
            rows = slice(start, min(n, start + step))
            loss_k += _block_loss_residual(Z[rows], S[rows], sw[rows], bx)[0]
        gW = np.asarray(X.T @ Z, dtype=np.float64).T
        sums = loss_k, gW, Z.sum(axis=0, dtype=np.float64)
    else:
        # Dense X, or row blocks of a CSR matrix (cheap views): one pass over X.
        take_rows = csr_rows if sparse else (lambda A, rows: A[rows])
        sums = _blocked_sums(X, S, sw, Wt, bx, step, take_rows, executor)
    if unit is not None:
        for total in sums:
            total *= unit
    return sums


def arithmetic_dtype(X):
    """The dtype the kernels compute in for ``X``: its own, float64 if sparse.

    Dense float32 data keep float32 products (BLAS runs them twice as fast, and
    row blocks are summed in float64). A sparse product gains nothing from
    float32 (SciPy's kernels are bound by reading the indices), while summing a
    whole column in float32 loses digits, all the more where a feature's mean is
    many times its spread: sparse float32 data are multiplied in float64, so a
    fit's accuracy does not depend on the storage format.

    Parameters
    ----------
    X : {ndarray, sparse matrix}
        Design matrix.

    Returns
    -------
    dtype : numpy.dtype
    """
    return np.dtype(np.float64) if sp.issparse(X) else X.dtype


def data_nbytes(X):
    """Bytes of a dense ``X``, or of the values and indices of a sparse one."""
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes
    return X.shape[0] * X.shape[1] * X.dtype.itemsize


def _block_rows(X, K, n_threads):
    """Rows of the blocks that ``n_threads`` threads process at once.

    The block of each thread (its part of ``X`` and about six (rows, K)
    temporaries) fits in ``BLOCK_BYTES``, and the temporaries of all threads take
    at most 1/8 of ``X``'s size; up to 4096 rows (an SGD mini-batch) are one
    block, and data that fit in ``BLOCK_BYTES`` one block per thread. Smaller
    blocks cost more than they save: each is about twenty NumPy calls, between
    which threads hand the GIL to each other (on 100k x 10, blocks of 5k rows on
    two threads made an evaluation 2.8 times as slow as one thread).
    """
    n = X.shape[0]
    x_bytes = data_nbytes(X)
    x_row = x_bytes / max(n, 1)
    temp_row = 6 * K * X.dtype.itemsize
    small = _small_data_rows(n, x_bytes + n * temp_row, n_threads)
    if small is not None:
        return small
    step = min(
        BLOCK_BYTES / (x_row + temp_row),
        x_bytes / (8 * n_threads * temp_row),
    )
    return max(min(n, 4096), int(step))


def _small_data_rows(n, total_bytes, n_threads):
    """Rows of one block per thread when the ``total_bytes`` that the blocks of
    all ``n`` rows hold fit in ``BLOCK_BYTES`` (a fit on small data then spends
    its time on the arithmetic, not on many blocks); None otherwise."""
    if total_bytes > BLOCK_BYTES:
        return None
    return max(-(-n // n_threads), 1)


def _blocked_sums(X, S, sw, Wt, bx, step, take_rows, executor=None):
    """Accumulate loss and gradient sums over row blocks of ``X``."""
    n, d = X.shape
    K = Wt.shape[1]

    def block(start):
        rows = slice(start, min(n, start + step))
        Xb = take_rows(X, rows)
        lk, R = _block_loss_residual(np.asarray(Xb @ Wt), S[rows], sw[rows], bx)
        if sp.issparse(Xb):  # Xb.T would copy the block's slices of X
            Xt = transposed_view(X, rows.start, rows.stop)
            gW = np.asarray(Xt @ (R[:, 0] if K == 1 else R)).reshape(d, K).T
        else:
            gW = R.T @ Xb
        return lk, gW, R.sum(axis=0, dtype=np.float64)

    parts = map_in_order(block, range(0, n, step), executor)
    loss_k = np.zeros(K)
    gW = np.zeros((K, d))
    gb = np.zeros(K)
    for lk, gWb, gbb in parts:  # in block order: deterministic sums
        loss_k += lk
        gW += gWb
        gb += gbb
    return loss_k, gW, gb


def transposed_sums(X, R, executor=None, n_threads=1):
    """``X' R`` in one pass over ``X``.

    A dense ``X`` goes in row blocks as in :func:`bce_sums`, a CSR one in
    ``n_threads`` row blocks (as views: SciPy's transposes copy slices of
    larger arrays), a CSC one in one product.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_rows, n_features)
        Design matrix; the products are done in :func:`arithmetic_dtype`.
    R : ndarray of shape (n_rows, k)
        Per-row factors (cast to ``X``'s dtype).
    executor : concurrent.futures.Executor, default=None
        Threads for the row blocks (sums added in block order).
    n_threads : int, default=1
        Threads the row blocks are sized for, as in :func:`bce_sums`.

    Returns
    -------
    sums : ndarray of shape (k, n_features)
        Float64.
    """
    n, d = X.shape
    R = np.asarray(R, dtype=arithmetic_dtype(X))
    if sp.issparse(X):
        # SciPy's product with a vector is faster than with a (n, 1) matrix
        R = R[:, 0] if R.shape[1] == 1 else R
        if X.format != "csr" or n_threads <= 1:
            return np.asarray(X.T @ R, dtype=np.float64).T.reshape(-1, d)
        starts = [n * i // n_threads for i in range(n_threads + 1)]

        def block(i):
            a, b = starts[i], starts[i + 1]
            return np.asarray(transposed_view(X, a, b) @ R[a:b]).T.reshape(-1, d)

        blocks = range(n_threads)
    else:
        step = _block_rows(X, R.shape[1], n_threads)

        def block(start):
            rows = slice(start, min(n, start + step))
            return R[rows].T @ X[rows]

        blocks = range(0, n, step)
    out = np.zeros((R.shape[1] if R.ndim > 1 else 1, d))
    for part in map_in_order(block, blocks, executor):
        out += part  # in block order: deterministic sums
    return out


def transposed_view(X, a, b, values=None):
    """Transpose of rows (CSR) or columns (CSC) ``a:b`` of ``X``, without copies.

    Parameters
    ----------
    X : CSR or CSC matrix
        The matrix.
    a, b : int
        The range of rows of a CSR ``X`` (of columns of a CSC one).
    values : ndarray, default=None
        Stored values to use instead of ``X``'s (as many as the range holds).

    Returns
    -------
    block : CSC or CSR matrix
        A CSC matrix of shape (n_features, b - a) for a CSR ``X`` (a CSR one of
        shape (b - a, n_samples) for a CSC ``X``) on slices of ``X``'s index
        arrays.
    """
    other = sp.csc_matrix if X.format == "csr" else sp.csr_matrix
    shape = (X.shape[1], b - a) if X.format == "csr" else (b - a, X.shape[0])
    return _view(other, shape, X, a, b, values)


def csr_rows(X, rows):
    """Rows ``rows`` (a slice) of a CSR matrix as a view of its data."""
    return _view(
        sp.csr_matrix, (rows.stop - rows.start, X.shape[1]), X, rows.start, rows.stop
    )


def _view(container, shape, X, a, b, values=None):
    """A ``container`` of ``shape`` on the compressed range ``a:b`` of ``X``.

    The slices are set on an empty matrix: SciPy's constructor (and so its
    transposes) copies a slice of less than half of a larger array.
    """
    lo, hi = X.indptr[a], X.indptr[b]
    values = X.data[lo:hi] if values is None else values
    block = container(shape, dtype=values.dtype)
    block.data = values
    block.indices = X.indices[lo:hi]
    block.indptr = X.indptr[a : b + 1] - lo
    return block


def map_in_order(block, starts, executor=None):
    """``block`` of every start, on ``executor``'s threads when given.

    The results come in the order of ``starts`` whatever the thread timing, so
    sums of them are reproducible bit for bit.
    """
    if executor is not None and len(starts) > 1:
        return executor.map(block, starts)
    return map(block, starts)


class _ColumnView:
    """Row slices of ``A[:, cols]`` taken lazily, one block at a time."""

    def __init__(self, A, cols):
        self.A, self.cols = A, cols

    def __getitem__(self, rows):
        return self.A[rows][:, self.cols]


class _Signs:
    """Row slices of ``1 - 2 * Y`` (int8) computed one block at a time."""

    def __init__(self, Y):
        self.Y = Y

    def __getitem__(self, rows):
        s = np.multiply(self.Y[rows], -2, dtype=np.int8, casting="unsafe")
        s += 1
        return s


class _NoWeights:
    """Stands for unit weights: every row slice is None."""

    def __getitem__(self, rows):
        return None


def signed_targets(Y):
    """``1 - 2 * Y`` as int8: +1 for a negative target, -1 for a positive one.

    Parameters
    ----------
    Y : ndarray of shape (n_rows, K)
        0/1 targets.

    Returns
    -------
    signs : ndarray of int8 of shape (n_rows, K)
    """
    return _Signs(Y)[:]


def _block_loss_residual(Z, S, sw, b):
    """Weighted loss per column and residual ``sw * (sigmoid(z) - y)`` of a block.

    ``Z`` holds the logits without intercept and is overwritten with the
    residual; ``S`` holds the signs ``s = 1 - 2y`` (int8 or ``Z``'s dtype, which
    multiplies faster); ``sw`` is None for unit weights. With ``u = s z`` the
    loss is ``max(u, 0) + log1p(exp(-|u|))`` and the residual is
    ``s * sigmoid(u)``: nothing cancels, and every term keeps its relative
    accuracy. One ``exp(-|u|)`` serves the loss and the sigmoid's
    denominator ``d = 1 + exp(-|u|)``; ``log1p`` is ``log(d)`` corrected by the
    rounding error of ``d`` (about one ulp, and far cheaper than NumPy's
    ``log1p`` in float32), and the sigmoid's numerator, 1 or ``exp(-|u|)``, is
    ``max(exp(-|u|), u >= 0)`` (cheaper than selecting it elementwise). Each step
    is one NumPy call on the whole block: with row blocks on several threads, the
    calls between which the GIL changes hands are what costs.
    """
    if b is not None:
        Z += b
    Z *= S  # u
    m = np.zeros_like(Z)
    np.maximum(Z, m, out=m)  # max(u, 0); an array operand is faster than 0
    t = Z - m  # min(u, 0)
    t -= m  # -|u|
    np.exp(t, out=t)  # exp(-|u|) in (0, 1]: the only exp
    d = t + 1
    num = np.maximum(t, Z >= 0)  # 1 for u >= 0, exp(u) otherwise
    # 1 + t rounds to d with error c = (d - 1) - t, computed exactly; then
    # log1p(t) = log(d) - c / d, and dropping the / d costs below one ulp.
    c = d - 1
    c -= t
    m -= c
    del c
    loss = np.log(d, out=t)
    loss += m  # max(u, 0) + log1p(exp(-|u|))
    del m
    if sw is None:
        loss_k = loss.sum(axis=0, dtype=np.float64)
    else:
        sw_full = np.broadcast_to(sw, Z.shape)
        loss_k = np.einsum("ik,ik->k", loss, sw_full, dtype=np.float64)
    del loss, t
    np.divide(num, d, out=Z)  # sigmoid(u)
    Z *= S
    if sw is not None:
        Z *= sw
    return loss_k, Z


def weighted_gram(
    X, sw, W, b, shift, scale, executor=None, n_threads=1, signs=None
):
    """Curvature- or residual-weighted Gram sums of ``k`` linear models.

    With ``D_ij = sw_ij * sigmoid'(z_ij)`` and the standardised features
    ``X_s = (X - shift) * scale``, returns ``X_s.T D_j X_s``, ``X_s.T D_j`` and the
    sum of ``D_j`` for every model ``j``: the blocks of the Hessian of the data term
    in the coordinates of ``X_s`` and the intercept. Given the targets' ``signs``,
    ``D_ij = sw_ij * (sigmoid(z_ij) - y_ij)^2`` instead: the blocks of the sum of
    the outer products of the per-sample gradients (the "meat" of a sandwich
    covariance). One pass over ``X`` in row blocks (one (rows, n_features)
    temporary per thread, two for several models or sparse ``X``, in
    ``BLOCK_BYTES`` per thread and at most 1/8 of ``X`` for all threads
    together; one block per thread when the temporaries of all rows fit in
    ``BLOCK_BYTES``). Dense blocks are centred exactly; a sparse ``X`` (CSR; CSC
    must be converted first) stays sparse, is only scaled, and the centring is
    applied to the sums, which loses accuracy only for features whose mean is
    many times their spread.

    Parameters
    ----------
    X : {ndarray, CSR matrix} of shape (n_rows, n_features)
        Design matrix.
    sw : ndarray of shape (n_rows, 1) or (n_rows, k)
        Weights (possibly a broadcast column).
    W : ndarray of shape (k, n_features)
        Coefficients.
    b : ndarray of shape (k,) or None
        Intercepts; None when the models have none.
    shift, scale : ndarray of shape (n_features,)
        The standardisation of the features.
    executor : concurrent.futures.Executor, default=None
        Threads for the row blocks (sums still added in block order).
    n_threads : int, default=1
        Threads the row blocks are sized for, as in :func:`bce_sums`.
    signs : ndarray of shape (n_rows, k), default=None
        The targets of the ``k`` models as ``1 - 2 * y``; when given, the weights
        are the squared residuals instead of the curvatures.

    Returns
    -------
    G : ndarray of shape (k, n_features, n_features)
    v : ndarray of shape (k, n_features)
    s : ndarray of shape (k,)
        All float64.
    """
    n, d = X.shape
    k = W.shape[0]
    dtype = arithmetic_dtype(X)
    Wt = np.ascontiguousarray(W.T, dtype=dtype)
    bx = np.zeros(k, dtype) if b is None else np.asarray(b, dtype=dtype)
    scale_x = np.asarray(scale).astype(dtype)
    sparse = sp.issparse(X)
    shift_x = np.asarray(shift).astype(dtype)
    threads = n_threads
    # (rows, d) temporaries: the centred block (and its weighted copy if k > 1)
    copies = 2 if sparse or k > 1 else 1
    row_items = copies * (X.nnz // max(n, 1) + 1 if sparse else d)
    step = min(
        BLOCK_BYTES // (row_items * X.dtype.itemsize),
        n // (8 * copies * threads),
    )
    step = max(min(n, 4096), step)
    small = _small_data_rows(n, n * row_items * np.dtype(dtype).itemsize, threads)
    step = step if small is None else small

    def block(start):
        rows = slice(start, min(n, start + step))
        Xb = csr_rows(X, rows) if sparse else X[rows]
        Z = np.asarray(Xb @ Wt) + bx
        # sigmoid'(z) = p (1 - p) = e^{-|z|} / (1 + e^{-|z|})^2: no overflow
        t = np.exp(-np.abs(Z))
        if signs is None:
            Dw = t / (1 + t) ** 2
        else:  # |sigmoid(z) - y| = sigmoid(s z), s = 1 - 2y; e^{-|u|} over or 1
            U = Z * signs[rows]
            Dw = (np.where(U >= 0, 1.0, t) / (1 + t)) ** 2
        Dw = Dw * np.broadcast_to(sw[rows], Z.shape)
        G = np.empty((k, d, d))
        if sparse:
            Xs = Xb @ sp.diags(scale_x)
            for j in range(k):
                Dj = Dw[:, j]
                G[j] = (Xs.T @ Xs.multiply(Dj[:, None]).tocsr()).toarray()
            v = np.asarray(Xs.T @ Dw, dtype=np.float64).T
        else:
            # centred exactly, then scaled in place before any square
            Xc = Xb - shift_x
            Xc *= scale_x
            v = np.asarray(Xc.T @ Dw, dtype=np.float64).T
            for j in range(k):
                # A' A: a symmetric rank-k update (half a general product's work)
                root = np.sqrt(Dw[:, j])[:, None]
                A = np.multiply(Xc, root, out=Xc if k == 1 else None)
                G[j] = A.T @ A
        return G, v, Dw.sum(axis=0, dtype=np.float64)

    G = np.zeros((k, d, d))
    v = np.zeros((k, d))
    s = np.zeros(k)
    for Gb, vb, sb in map_in_order(block, range(0, n, step), executor):
        G += Gb
        v += vb
        s += sb
    if sparse:  # centre the sums: X_s -> X_s - m
        m = shift * scale
        for j in range(k):
            G[j] += s[j] * np.outer(m, m) - np.outer(v[j], m) - np.outer(m, v[j])
        v -= s[:, None] * m
    return G, v, s


def separated(X, signs, sw, W, b):
    """Whether the logits put every sample of positive weight on its own side.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_rows, n_features)
        Design matrix.
    signs : ndarray of shape (n_rows, K)
        The targets as ``1 - 2 * Y``.
    sw : ndarray of shape (n_rows, 1) or (n_rows, K)
        Non-negative weights (possibly a broadcast column).
    W : ndarray of shape (K, n_features)
        Coefficients.
    b : ndarray of shape (K,) or None
        Intercepts.

    Returns
    -------
    separated : ndarray of bool of shape (K,)
        For each model, whether ``y = 1`` exactly where ``z > 0`` on the samples
        of positive weight.
    """
    n, K = signs.shape
    Wt = np.ascontiguousarray(W.T, dtype=X.dtype)
    out = np.ones(K, dtype=bool)
    step = _block_rows(X, K, 1)
    for start in range(0, n, step):
        rows = slice(start, min(n, start + step))
        Xb = csr_rows(X, rows) if sp.issparse(X) and X.format == "csr" else X[rows]
        Z = np.asarray(Xb @ Wt)
        if b is not None:
            Z = Z + np.asarray(b, dtype=Z.dtype)
        wrong = (Z * signs[rows] >= 0) & (np.broadcast_to(sw[rows], Z.shape) > 0)
        out &= ~wrong.any(axis=0)
    return out


def weight_shares(sample_weight):
    """Sample weights as one column per problem, and each problem's total.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or (n_samples, K)
        Non-negative weights on the host.

    Returns
    -------
    sw : ndarray of float64 of shape (n_samples, 1) or (n_samples, K)
    totals : ndarray of shape (1,) or (K,)

    Raises
    ------
    ValueError
        When the weights of some problem sum to 0.
    """
    sw = np.asarray(sample_weight, dtype=np.float64)
    sw = sw[:, None] if sw.ndim == 1 else sw
    totals = sw.sum(axis=0)
    if np.any(totals <= 0):
        raise ValueError("The sample weights of every problem must not sum to 0.")
    return sw, totals
