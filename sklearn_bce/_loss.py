"""Binary cross-entropy from logits and the linear-model objective built on it.

Two layers live here, mirroring scikit-learn's ``_loss`` / ``_linear_loss`` split:

* element-wise functions of a logit ``z`` (:func:`log1pexp`, :func:`bce_from_logits`,
  :func:`log_sigmoid`), written so that no logit, however large, overflows;
* :class:`LinearBCE`, the objective of DESIGN.md for ``K`` independent binary problems
  sharing one design matrix::

      f(W, b) = sum_k [ (1/S_k) sum_i s_ik bce(Y_ik, z_ik) + ||W_k||^2 / (2 C S_k) ]
      z = X W^T + b,   S_k = sum_i s_ik,   bce(y, z) = log(1 + e^z) - y z

  which, for ``K = 1``, is exactly the objective of
  ``sklearn.linear_model.LogisticRegression(C=C)`` (the intercept is not penalised).

Solvers never see ``W`` and ``b`` directly: :class:`LinearBCE` works on a flat parameter
vector ``theta`` in *preconditioned* coordinates. With a per-feature shift ``mu`` and
scale ``D`` (set from the data), ``W = theta_W * D`` and ``b = theta_b - W @ mu``. This
affine change of variables leaves the objective value untouched (the penalty is always
computed on the original ``W``), so every solver reaches the same optimum, but the
problem it sees is much better conditioned: features are implicitly centred and scaled
without ever touching ``X`` (sparse matrices stay sparse).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = [
    "LinearBCE",
    "bce_from_logits",
    "bce_sums",
    "log1pexp",
    "log_sigmoid",
]


def log1pexp(z):
    """Compute ``log(1 + exp(z))`` without overflow.

    Parameters
    ----------
    z : array-like
        Logits, any real value including ``+-inf``.

    Returns
    -------
    out : ndarray
        ``log(1 + exp(z))`` element-wise, same floating dtype as ``z``.
    """
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return np.logaddexp(np.zeros((), dtype=z.dtype), z)


def log_sigmoid(z):
    """Compute ``log(sigmoid(z)) = -log(1 + exp(-z))`` without overflow.

    Parameters
    ----------
    z : array-like
        Logits.

    Returns
    -------
    out : ndarray
        Element-wise log-probability of the positive class.
    """
    return -log1pexp(-np.asarray(z))


def bce_from_logits(y, z):
    """Element-wise binary cross-entropy of a logit, ``log(1 + e^z) - y z``.

    This is ``-[y log p + (1 - y) log(1 - p)]`` with ``p = sigmoid(z)``, computed
    without forming ``p``: finite for any finite ``z`` (``|z| = 1e4`` included), and
    never clipped.

    Parameters
    ----------
    y : array-like
        Targets in ``[0, 1]`` (usually 0/1 labels).
    z : array-like
        Logits, broadcastable against ``y``.

    Returns
    -------
    loss : ndarray
        Element-wise loss, non-negative for 0/1 targets.
    """
    z = np.asarray(z)
    y = np.asarray(y, dtype=z.dtype if np.issubdtype(z.dtype, np.floating) else None)
    # log(1 + e^z) - y z  ==  max(z, 0) - y z + log1p(e^{-|z|}); for y in {0, 1}
    # the first two terms are max(z,0)-y z = relu((1-2y) z) >= 0 so nothing cancels.
    return np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))


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


def _weighted_feature_moments(X, sw, block_rows=None):
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
        Design matrix (float32 or float64); arithmetic is done in its dtype.
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
        Threads of ``executor``: blocks are made that many times smaller, so the
        temporaries alive at once take no more memory than serially.
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
    dtype = X.dtype
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
    step = _block_rows(X, K, n_threads if executor else 1)
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
        take_rows = _csr_rows if sparse else (lambda A, rows: A[rows])
        sums = _blocked_sums(X, S, sw, Wt, bx, step, take_rows, executor)
    if unit is not None:
        for total in sums:
            total *= unit
    return sums


def _nbytes(X):
    """Bytes of a dense ``X``, or of the values and indices of a sparse one."""
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes
    return X.shape[0] * X.shape[1] * X.dtype.itemsize


def _block_rows(X, K, n_threads):
    """Rows of the blocks that ``n_threads`` threads process at once.

    The blocks of all threads (their part of ``X`` and about six (rows, K)
    temporaries each) fit in ``BLOCK_BYTES``, and their temporaries take at most
    1/16 of ``X``'s size. Up to 4096 rows (e.g. an SGD mini-batch) are one block:
    their temporaries are small anyway.
    """
    n = X.shape[0]
    x_bytes = _nbytes(X)
    x_row = x_bytes / max(n, 1)
    temp_row = 6 * K * X.dtype.itemsize
    step = min(
        BLOCK_BYTES / (n_threads * (x_row + temp_row)),
        x_bytes / (16 * n_threads * temp_row),
    )
    return max(min(n, 4096), int(step))


def _blocked_sums(X, S, sw, Wt, bx, step, take_rows, executor=None):
    """Accumulate loss and gradient sums over row blocks of ``X``."""
    n, d = X.shape
    K = Wt.shape[1]

    def block(start):
        rows = slice(start, min(n, start + step))
        Xb = take_rows(X, rows)
        lk, R = _block_loss_residual(np.asarray(Xb @ Wt), S[rows], sw[rows], bx)
        gW = (Xb.T @ R).T if sp.issparse(Xb) else R.T @ Xb
        return lk, gW, R.sum(axis=0, dtype=np.float64)

    parts = _map_blocks(block, range(0, n, step), executor)
    loss_k = np.zeros(K)
    gW = np.zeros((K, d))
    gb = np.zeros(K)
    for lk, gWb, gbb in parts:  # in block order: deterministic sums
        loss_k += lk
        gW += gWb
        gb += gbb
    return loss_k, gW, gb


def _map_blocks(block, starts, executor=None):
    """``block`` of every start, on ``executor``'s threads when given.

    The results come in the order of ``starts`` whatever the thread timing, so
    sums of them are reproducible bit for bit.
    """
    if executor is not None and len(starts) > 1:
        return executor.map(block, starts)
    return map(block, starts)


def _csr_rows(X, rows):
    """Rows ``rows`` (a slice) of a CSR matrix as a view of its data."""
    lo, hi = X.indptr[rows.start], X.indptr[rows.stop]
    indptr = X.indptr[rows.start : rows.stop + 1] - lo
    return sp.csr_matrix(
        (X.data[lo:hi], X.indices[lo:hi], indptr),
        shape=(rows.stop - rows.start, X.shape[1]),
        copy=False,
    )


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


class LinearBCE:
    """Regularised mean binary cross-entropy of ``K`` linear models on one ``X``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Design matrix, float32 or float64. Used as is: never copied, densified or
        centred.
    Y : ndarray of shape (n_samples, K) or (n_samples,)
        0/1 targets, one column per binary problem (kept as ``signs``).
    sample_weight : ndarray of shape (n_samples,) or (n_samples, K), default=None
        Non-negative weights; a 2-d array gives each problem its own weights (and
        its own normalisation ``S_k``).
    C : float, default=1.0
        Inverse L2 regularisation strength; ``np.inf`` means no penalty.
    fit_intercept : bool, default=True
        Whether each problem has an (unpenalised) intercept.
    precondition : bool, default=True
        Whether the solver coordinates are centred and scaled per feature (see the
        module docstring). The objective and its minimiser do not depend on it.
    preconditioner : tuple of two ndarrays of shape (n_features,), default=None
        ``(shift, scale)`` to use instead of computing them from ``X`` (then
        ``precondition`` is ignored). Objectives built on successive chunks of a
        stream share one coordinate system this way.

    Attributes
    ----------
    signs : ndarray of shape (n_samples, K)
        The targets as ``1 - 2 * Y`` (see :func:`signed_targets`): in ``X``'s
        dtype while that takes at most 1/32 of ``X``'s size, else int8.
    n_coef : int
        Parameters of one problem, ``n_features + fit_intercept``.
    n_params : int
        Length of the flat parameter vector, ``K * n_coef``.
    fuse_problems : bool
        Whether a one-vs-rest L-BFGS fit evaluates its problems together, in one
        pass over ``X`` (``X`` larger than ``FUSE_BYTES``), or one at a time.
    executor : concurrent.futures.Executor or None
        Threads on which full evaluations run their row blocks (None: serially).
    n_threads : int
        Number of threads of ``executor``.
    """

    executor = None
    n_threads = 1
    has_hessian = True  # hessian_problems() is available
    _csr = None  # CSR copy of a CSC X, made by the first hessian_problems()
    _positive_fraction = None  # see positive_fraction()

    def __init__(
        self,
        X,
        Y,
        sample_weight=None,
        C=1.0,
        fit_intercept=True,
        precondition=True,
        preconditioner=None,
    ):
        self.X = X
        self.dtype = X.dtype
        n, d = X.shape
        Y = np.asarray(Y)
        self.signs = signed_targets(Y[:, None] if Y.ndim == 1 else Y)
        x_bytes = _nbytes(X)
        self.fuse_problems = x_bytes > FUSE_BYTES
        if self.signs.size * X.dtype.itemsize <= x_bytes / 32:
            # small next to X: kept in X's dtype, the kernel multiplies faster
            self.signs = self.signs.astype(X.dtype)
        self.n_samples, self.n_features = n, d
        self.K = self.signs.shape[1]
        self.fit_intercept = bool(fit_intercept)
        self.C = float(C)

        # Weights divided by S_k, in X's dtype: the loss is a weighted mean per
        # column. Uniform weights are a broadcast scalar, not an n-sized array.
        if sample_weight is None:
            self.sw_sum = np.full(self.K, float(n))
            self._sw = np.broadcast_to(np.asarray(1.0 / n, self.dtype), (n, 1))
        else:
            sw = np.asarray(sample_weight, dtype=np.float64)
            if sw.ndim == 1:
                sw = sw[:, None]
            sw_sum = sw.sum(axis=0)  # S_k, shape (1,) or (K,)
            if np.any(sw_sum <= 0):
                raise ValueError(
                    "The sample weights of every problem must not sum to 0."
                )
            self._sw = np.empty(sw.shape, dtype=self.dtype)
            np.multiply(sw, 1.0 / sw_sum, out=self._sw, casting="same_kind")
            self.sw_sum = np.broadcast_to(sw_sum, (self.K,)).copy()
        # Penalty weight per problem: 1 / (C S_k).
        self.l2 = 1.0 / (self.C * self.sw_sum)

        if preconditioner is None:
            base_sw = self._sw[:, 0] if self._sw.shape[1] == 1 else None
            self._set_preconditioner(precondition, base_sw)
        else:
            shift, scale = (np.asarray(a, dtype=np.float64) for a in preconditioner)
            if shift.shape != (d,) or scale.shape != (d,):
                raise ValueError(
                    f"preconditioner must be two arrays of shape ({d},), got "
                    f"{shift.shape} and {scale.shape}."
                )
            self.shift, self.scale = shift.copy(), scale.copy()
        self.n_coef = d + self.fit_intercept  # parameters of one problem
        self.n_params = self.K * self.n_coef

    # ------------------------------------------------------------------ geometry
    def _set_preconditioner(self, precondition, sw, moments=None):
        """Set ``shift`` and ``scale`` from the feature moments.

        ``moments``, when given, is ``(mean, std)`` already computed with the
        weights ``sw``; otherwise :meth:`feature_moments` computes them.
        """
        d = self.n_features
        self.shift = np.zeros(d)
        self.scale = np.ones(d)
        if not precondition or d == 0 or self.n_samples == 0:
            return
        if moments is not None:
            mean, std = moments
        else:
            if sw is None:  # per-column weights: their average is the data weights
                sw = self._sw.mean(axis=1)
                sw /= sw.sum()
            mean, std = self.feature_moments(sw)
        if self.fit_intercept:
            self.shift = mean
        else:  # no intercept to absorb a shift: scale by the root mean square
            std = np.hypot(std, np.abs(mean))
        # Diagonal of the Hessian at W = 0 in centred coordinates is roughly
        # var / 4 + 1 / (C S); scale so that it is about one.
        ridge = 2.0 / np.sqrt(self.C * self.sw_sum.max()) if np.isfinite(self.C) else 0
        h = np.hypot(std, ridge)
        self.scale = np.where(h > 0, 1.0 / np.where(h > 0, h, 1.0), 1.0)

    def positive_fraction(self):
        """Weighted fraction of positive targets of every problem.

        Computed once (one pass over the targets) and kept.

        Returns
        -------
        p : ndarray of shape (K,)
            ``(1/S_k) sum_i s_ik Y_ik``, in [0, 1].
        """
        if self._positive_fraction is None:
            sw, positive = self._sw, self.signs < 0
            if sw.strides[0] == 0:  # uniform weights
                p = np.count_nonzero(positive, axis=0) / self.n_samples
            else:
                p = np.array([
                    float(sw[:, min(k, sw.shape[1] - 1)] @ positive[:, k])
                    for k in range(self.K)
                ])
            self._positive_fraction = np.clip(p, 0.0, 1.0)
        return self._positive_fraction.copy()

    def curvature_at_prior(self):
        """Curvature of each problem's loss in its intercept, relative to 1/4.

        At the constant model that predicts the weighted fraction ``p_k`` of
        positives, the second derivative of the data term in the intercept is
        ``p_k (1 - p_k)``; this returns ``4 p_k (1 - p_k)``, which is 1 for
        balanced problems and about ``4 p_k`` for a rare class. A gradient
        divided by it measures the same error of the logits on rare and common
        classes alike. Problems with a single class (no finite optimum when the
        intercept is fitted) get 1.

        Returns
        -------
        c : ndarray of shape (K,)
            Values in (0, 1].
        """
        p = self.positive_fraction()
        c = 4.0 * p * (1.0 - p)
        return np.where(c > 0, np.minimum(c, 1.0), 1.0)

    def prior_logit(self):
        """Log-odds of each problem's weighted fraction of positives.

        The intercept of the best constant model, a good starting point for the
        solvers; 0 for problems with a single class.

        Returns
        -------
        logit : ndarray of shape (K,)
        """
        p = self.positive_fraction()
        single = (p <= 0) | (p >= 1)
        p = np.where(single, 0.5, p)
        return np.log(p) - np.log1p(-p)

    def feature_moments(self, sw):
        """Weighted mean and standard deviation of every feature.

        Parameters
        ----------
        sw : array-like of shape (n_samples,)
            Weights summing to one: an ndarray of any float dtype (possibly a
            broadcast view) here; a subclass that holds the data elsewhere
            receives them in its own form (per-chunk futures on dask).

        Returns
        -------
        mean, std : ndarray of shape (n_features,)
        """
        return _weighted_feature_moments(self.X, sw)

    def to_coef(self, theta):
        """Map solver coordinates to ``(W, b)``.

        Parameters
        ----------
        theta : ndarray of shape (n_params,) or (k, n_features + fit_intercept)
            Parameters in the solver's coordinates: the flat vector of all ``K``
            problems, or one row per problem for any subset of them.

        Returns
        -------
        W : ndarray of shape (k, n_features)
            Coefficients in the original feature space (float64).
        b : ndarray of shape (k,)
            Intercepts (zeros when ``fit_intercept=False``).
        """
        T = np.asarray(theta, dtype=np.float64).reshape(-1, self.n_coef)
        W = T[:, : self.n_features] * self.scale
        if self.fit_intercept:
            b = T[:, -1] - W @ self.shift
        else:
            b = np.zeros(T.shape[0])
        return W, b

    def from_coef(self, W, b=None):
        """Map ``(W, b)`` to the solver's flat coordinates (inverse of ``to_coef``).

        Parameters
        ----------
        W : ndarray of shape (K, n_features)
            Coefficients.
        b : ndarray of shape (K,), default=None
            Intercepts; ignored when ``fit_intercept=False``.

        Returns
        -------
        theta : ndarray of shape (n_params,)
        """
        W = np.asarray(W, dtype=np.float64).reshape(-1, self.n_features)
        T = np.zeros((W.shape[0], self.n_coef))
        T[:, : self.n_features] = W / self.scale
        if self.fit_intercept:
            b = np.zeros(W.shape[0]) if b is None else np.asarray(b, np.float64)
            T[:, -1] = b + W @ self.shift
        return T.ravel()

    # ------------------------------------------------------------------ kernels
    def data_term(self, W, b, rows=None, cols=None):
        """Weighted data term of every problem and its gradient in ``(W, b)``.

        Subclasses evaluating the data elsewhere (e.g. on a cluster) override this
        method; everything else (coordinates, penalty) is shared.

        Parameters
        ----------
        W : ndarray of shape (K, n_features)
            Coefficients (original coordinates).
        b : ndarray of shape (K,)
            Intercepts.
        rows : slice or ndarray of int, default=None
            Evaluate on these rows only, the weights scaled by
            ``n_samples / len(rows)``: an unbiased estimate of the full data term
            when the rows are drawn uniformly.
        cols : ndarray of int, default=None
            Evaluate only these problems; ``W`` and ``b`` hold their rows.

        Returns
        -------
        loss_k : ndarray of shape (K,)
            ``(1/S_k) sum_i s_ik bce(Y_ik, z_ik)``.
        gW : ndarray of shape (K, n_features)
            Gradient of the data term with respect to ``W`` (float64).
        gb : ndarray of shape (K,)
            Gradient with respect to ``b``.
        """
        if rows is None:
            return bce_sums(
                self.X, None, self._sw, W, b, self.fit_intercept, cols=cols,
                executor=self.executor, n_threads=self.n_threads,
                signs=self.signs,
            )
        sw = self._sw[rows]
        # The weights are already divided by S_k: scaled by n / |rows|, the batch
        # sum is an unbiased estimate of the full data term whatever the weights.
        # (Re-normalising the weights over the batch instead would be biased as
        # soon as they are uneven: a batch of one row would ignore its weight.)
        factor = self.n_samples / max(1, sw.shape[0])
        if self._sw.strides[0] == 0:  # uniform weights stay one broadcast scalar
            sw = np.broadcast_to(self._sw[:1] * factor, sw.shape)
        else:
            sw = sw * factor
        return bce_sums(
            self.X[rows], None, sw, W, b, self.fit_intercept, cols=cols,
            signs=self.signs[rows],
        )

    def loss_gradient(self, theta):
        """Objective value and gradient, both in solver coordinates, in one pass.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Flat parameter vector.

        Returns
        -------
        loss : float
            ``f(W, b)``, the sum over the ``K`` problems.
        grad : ndarray of shape (n_params,)
            Gradient with respect to ``theta`` (float64).
        """
        loss_k, grad = self.loss_gradient_per_problem(theta)
        return float(loss_k.sum()), grad

    def loss_gradient_per_problem(self, theta, rows=None):
        """Per-problem objective values and the full gradient.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Flat parameter vector.
        rows : slice or ndarray of int, default=None
            Evaluate on these rows only (a mini-batch): the data term is then the
            batch's weighted sum scaled by ``n_samples / len(rows)``, and the
            penalty is unchanged, so the result is an unbiased estimate of the full
            objective and gradient when rows are drawn uniformly (whatever the
            sample weights).

        Returns
        -------
        loss_k : ndarray of shape (K,)
            Objective of each binary problem.
        grad : ndarray of shape (n_params,)
            Gradient with respect to ``theta`` (float64).
        """
        loss_k, G = self.loss_gradient_problems(theta, rows=rows)
        return loss_k, G.ravel()

    def loss_gradient_problems(self, T, cols=None, rows=None):
        """Objective and gradient of a subset of the problems, one row each.

        Parameters
        ----------
        T : ndarray of shape (k, n_coef) or (k * n_coef,)
            Parameters (solver coordinates) of the selected problems.
        cols : ndarray of int of shape (k,), default=None
            Which problems; all ``K`` when None.
        rows : slice or ndarray of int, default=None
            Evaluate on a mini-batch of rows (see
            :meth:`loss_gradient_per_problem`).

        Returns
        -------
        loss_k : ndarray of shape (k,)
            Objective of each selected problem.
        G : ndarray of shape (k, n_coef)
            Gradients with respect to ``T`` (float64).
        """
        W, b = self.to_coef(T)
        loss_k, gW, gb = self.data_term(W, b, rows=rows, cols=cols)
        if np.isfinite(self.C):
            l2 = self.l2 if cols is None else self.l2[cols]
            loss_k = loss_k + 0.5 * l2 * np.einsum("kj,kj->k", W, W)
            gW = gW + l2[:, None] * W
        return loss_k, self._grad_to_theta(gW, gb)

    def hessian_problems(self, T, cols=None):
        """Hessians of a subset of the problems, in solver coordinates.

        One pass over ``X`` in row blocks; costs about ``n_samples *
        n_features**2`` multiply-adds per problem (for sparse ``X``, the sum of
        the squared row lengths), so it is meant for moderate ``n_features``.

        Parameters
        ----------
        T : ndarray of shape (k, n_coef) or (k * n_coef,)
            Parameters (solver coordinates) of the selected problems.
        cols : ndarray of int of shape (k,), default=None
            Which problems; all ``K`` when None.

        Returns
        -------
        H : ndarray of shape (k, n_coef, n_coef)
            The Hessian of each selected problem's objective (float64).
        """
        W, b = self.to_coef(T)
        k, d = W.shape
        X, dtype = self.X, self.dtype
        cols = np.arange(self.K) if cols is None else np.asarray(cols, np.intp)
        sw = self._sw if self._sw.shape[1] == 1 else self._sw[:, cols]
        Wt = np.ascontiguousarray(W.T, dtype=dtype)
        bx = np.asarray(b, dtype=dtype)
        scale = self.scale.astype(dtype)
        # Solver coordinates see the features as (X - shift) * scale. Dense blocks
        # are centred exactly; sparse ones are scaled only (X stays sparse), and
        # the centring is applied to the sums below.
        sparse = sp.issparse(X)
        centre = 0.0 if sparse else (self.shift * self.scale).astype(dtype)
        n = self.n_samples
        if sparse and X.format != "csr":
            if self._csr is None:
                self._csr = X.tocsr()  # CSC input: one CSR copy, kept for the fit
            X = self._csr
        # Blocks: two (rows, n_features) temporaries per thread, in BLOCK_BYTES
        # and at most 1/16 of X for all threads together.
        threads = self.n_threads if self.executor is not None else 1
        row_items = 2 * (X.nnz // max(n, 1) + 1 if sparse else d)
        step = min(
            BLOCK_BYTES // (threads * row_items * X.dtype.itemsize),
            n // (16 * threads),
        )
        step = max(min(n, 512), step)

        def block(start):
            rows = slice(start, min(n, start + step))
            Xb = _csr_rows(X, rows) if sparse else X[rows]
            Z = np.asarray(Xb @ Wt) + bx
            # sigmoid'(z) = p (1 - p) = e^{-|z|} / (1 + e^{-|z|})^2: no overflow
            t = np.exp(-np.abs(Z))
            Dw = t / (1 + t) ** 2 * np.broadcast_to(sw[rows], Z.shape)
            if sparse:
                Xs = Xb @ sp.diags(scale)
            else:
                Xs = Xb * scale
                Xs -= centre
            G = np.empty((k, d, d))
            for j in range(k):
                Dj = Dw[:, j]
                if sparse:
                    G[j] = (Xs.T @ Xs.multiply(Dj[:, None]).tocsr()).toarray()
                else:
                    G[j] = Xs.T @ (Xs * Dj[:, None])
            v = np.asarray(Xs.T @ Dw, dtype=np.float64).T
            return G, v, Dw.sum(axis=0, dtype=np.float64)

        parts = _map_blocks(block, range(0, n, step), self.executor)
        G = np.zeros((k, d, d))
        v = np.zeros((k, d))
        s = np.zeros(k)
        for Gb, vb, sb in parts:  # in block order: deterministic sums
            G += Gb
            v += vb
            s += sb
        H = np.zeros((k, self.n_coef, self.n_coef))
        l2 = self.l2[cols] if np.isfinite(self.C) else np.zeros(k)
        m = self.shift * self.scale if sparse else np.zeros(d)
        for j in range(k):
            HW = G[j]
            if sparse and self.fit_intercept:  # centre the sums: X_s -> X_s - m
                HW = HW - np.outer(v[j], m) - np.outer(m, v[j]) + s[j] * np.outer(m, m)
            HW[np.diag_indices(d)] += l2[j] * self.scale**2
            H[j, :d, :d] = HW
            if self.fit_intercept:
                H[j, :d, d] = H[j, d, :d] = v[j] - s[j] * m
                H[j, d, d] = s[j]
        return H

    def _grad_to_theta(self, gW, gb):
        G = np.empty((gW.shape[0], self.n_coef))
        if self.fit_intercept:
            G[:, : self.n_features] = (gW - gb[:, None] * self.shift) * self.scale
            G[:, -1] = gb
        else:
            G[:] = gW * self.scale
        return G

    def loss(self, theta):
        """Objective value only (see :meth:`loss_gradient`).

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Flat parameter vector.

        Returns
        -------
        loss : float
        """
        return self.loss_gradient(theta)[0]
