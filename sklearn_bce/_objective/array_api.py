"""The array API backend: data on the device of any array API namespace.

:class:`ArrayAPIBackend` holds ``X`` (and the targets and weights) as arrays of an
array API namespace (torch, CuPy, array-api-strict, ...) on their device, and
evaluates the loss, the gradient and the Hessian blocks there with the
namespace's own operations. Only the coefficients go to the device and only the
sums come back, as NumPy float64 arrays (the contract of
:class:`~sklearn_bce._objective.DataBackend`). It fits arrays on devices other
than the host's memory (CUDA, MPS, ...) and arrays NumPy cannot view; an array in
host memory is fitted on a NumPy view of it in the in-memory backend instead
(see ``sklearn_bce._array_api.host_view``), unless that route is switched off.

The element-wise functions of a logit (:func:`xp_sigmoid`,
:func:`xp_log_sigmoid`) are written with operations of the array API standard
only, so that no logit, however large, overflows in any namespace; the
predictions on such arrays use them too.
"""

from __future__ import annotations

import math
from contextlib import nullcontext

import numpy as np
from sklearn import config_context

from .collinear import flat_directions, sample_rows, worth_looking
from .indicators import candidate_blocks
from .kernels import weight_shares

__all__ = [
    "ArrayAPIBackend",
    "has_float64",
    "namespace_and_device",
    "to_numpy",
    "xp_log_sigmoid",
    "xp_sigmoid",
]

#: Target size in bytes of the row blocks of ``X`` (with their temporaries) that
#: an evaluation processes at once on a CPU device: large enough that the
#: namespace's per-call costs (a parallel region each) are small next to the
#: work, small enough to bound the temporaries. On 200k x 100 with torch, blocks
#: of 8 to 64 MB evaluated as fast as the in-memory kernel, and 64 MB blocks
#: suffered least from a loaded machine.
CPU_BLOCK_BYTES = 1 << 26

#: Target size in bytes of the row blocks on a CPU device when each block needs
#: a (rows, n_features) temporary (feature moments, Hessian blocks): small
#: enough for the allocator to reuse the memory of one block for the next
#: (larger temporaries are mapped afresh, and every page of them faults).
CPU_COPY_BYTES = 1 << 23

#: Target size in bytes of the row blocks on other devices (GPUs), where each
#: operation costs a kernel launch: a block of at most this size, usually all of
#: ``X``. It also bounds the standardised copies made for the Hessian blocks.
DEVICE_BLOCK_BYTES = 1 << 28


def namespace_and_device(*arrays):
    """The array API namespace and the device of arrays, as scikit-learn sees them.

    Parameters
    ----------
    *arrays : arrays
        Arrays of one namespace, on one device.

    Returns
    -------
    xp : module
        The namespace (array-api-compat's wrapper where the library needs one).
    device : object
        The device of the arrays.
    """
    from sklearn.utils._array_api import get_namespace_and_device

    with config_context(array_api_dispatch=True):
        xp, _, device = get_namespace_and_device(*arrays)
    return xp, device


def to_numpy(array):
    """A NumPy array on the host with the values of ``array`` (of any namespace).

    NumPy arrays, sparse matrices and objects without an array namespace (lists,
    data frames, ``None``) are returned as they are.

    Parameters
    ----------
    array : object

    Returns
    -------
    array : ndarray or object
    """
    if array is None or isinstance(array, np.ndarray):
        return array
    module = type(array).__module__.split(".")[0]
    if module == "torch":
        return array.detach().cpu().numpy()
    if module == "cupy":
        return array.get()
    if module == "array_api_strict":
        xp = array.__array_namespace__()
        return np.asarray(xp.asarray(array, device=xp.Device("CPU_DEVICE")))
    if hasattr(array, "__array_namespace__") and hasattr(array, "__dlpack__"):
        try:
            return np.from_dlpack(array)
        except (BufferError, RuntimeError, TypeError, ValueError):
            return np.asarray(array)
    return array


def _float_name(xp, dtype):
    """``"float64"`` or ``"float32"``: the name of a floating dtype of ``xp``."""
    for name in ("float64", "float32"):
        if dtype == getattr(xp, name):
            return name
    raise TypeError(f"X must hold float64 or float32 values, not {dtype}.")


def has_float64(xp, device):
    """Whether ``device`` computes in float64 (Apple's MPS, for one, does not)."""
    try:
        kinds = xp.__array_namespace_info__().dtypes(
            kind="real floating", device=device
        )
    except (AttributeError, TypeError):
        return True
    return "float64" in kinds


def xp_log_sigmoid(xp, z):
    """``log(sigmoid(z)) = -log(1 + exp(-z))`` with array API operations only.

    Finite for every finite ``z`` (``|z| = 1e4`` included), in ``z``'s dtype.

    Parameters
    ----------
    xp : module
        The namespace of ``z``.
    z : array
        Logits.

    Returns
    -------
    out : array
    """
    return -xp.logaddexp(xp.zeros_like(z), -z)


def xp_sigmoid(xp, z):
    """``sigmoid(z) = 1 / (1 + exp(-z))`` with array API operations only.

    From ``t = exp(-|z|)`` in (0, 1]: ``1 / (1 + t)`` for ``z >= 0`` and
    ``t / (1 + t)`` otherwise, so nothing overflows and small probabilities keep
    their relative accuracy.

    Parameters
    ----------
    xp : module
        The namespace of ``z``.
    z : array
        Logits.

    Returns
    -------
    out : array
    """
    t = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, xp.ones_like(t), t) / (1 + t)


class ArrayAPIBackend:
    """The data of ``K`` binary problems held as arrays of an array API namespace.

    Implements :class:`~sklearn_bce._objective.DataBackend` on the device of
    ``X``: an evaluation sends the coefficients there (``k x (n_features + 1)``
    numbers), computes the logits, the loss and the residuals with the namespace's
    operations, and brings back ``k x (n_features + 2)`` sums in one transfer.
    ``X``, the targets and the weights stay on the device, in ``X``'s dtype.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Design matrix of an array API namespace, float32 or float64; used as is.
    Y : array of shape (n_samples, K) or (n_samples,)
        0/1 targets, one column per binary problem, on the host (NumPy; an array
        of another namespace is read there first); sent to ``X``'s device once,
        as the signs ``1 - 2 Y`` in ``X``'s dtype.
    sample_weight : array of shape (n_samples,) or (n_samples, K), default=None
        Non-negative weights, on the host like ``Y`` (their totals are taken
        there); a 2-d array gives each problem its own weights (and its own
        total ``S_k``). Sent to the device once, divided by their totals.

    Attributes
    ----------
    xp : module
        The namespace of ``X``.
    device : object
        The device of ``X``.
    """

    name = "array-api device"
    has_hessian = True
    has_columns = False
    supports_rows = True
    fuse_problems = True  # every evaluation is a round trip to the device
    n_workers = 1  # the namespace spreads an evaluation over its own threads
    solver_overrides: dict = {}

    def __init__(self, X, Y, sample_weight=None):
        xp, device = namespace_and_device(X)
        self.xp, self.device, self.X = xp, device, X
        self.dtype = np.dtype(_float_name(xp, X.dtype))
        self._acc = xp.float64 if has_float64(xp, device) else X.dtype
        n, d = X.shape
        self.n_samples, self.n_features = int(n), int(d)
        self.nbytes = self.n_samples * self.n_features * self.dtype.itemsize
        self._cpu = "cpu" in str(device).lower()
        Y = self._device(to_numpy(Y), self.dtype)
        Y = Y[:, None] if Y.ndim == 1 else Y
        self.n_problems = K = int(Y.shape[1])
        self.signs = 1 - 2 * Y
        # Weights divided by S_k in X's dtype; None for uniform weights, whose
        # 1 / n multiplies the sums on the host instead.
        if sample_weight is None:
            self._totals = np.full(K, float(n))
            self._sw = None
        else:
            sw, totals = weight_shares(to_numpy(sample_weight))
            self._sw = self._device(sw / totals, self.dtype)
            self._totals = np.broadcast_to(totals, (K,)).copy()
        positive = self._weighted_mean(xp.astype(self.signs < 0, X.dtype))
        self._positive = positive * self._totals
        self._groups = None
        self._collinear = {}
        self._moments_cache = None

    # ------------------------------------------------------------ transfers
    def _device(self, a, dtype=None):
        """A NumPy array as an array of the namespace on the data's device."""
        a = np.asarray(a)
        if dtype is not None:
            a = a.astype(dtype, copy=False)
        return self.xp.asarray(np.ascontiguousarray(a), device=self.device)

    def _host(self, a):
        """A device array (a few sums) as a NumPy float64 array: one transfer."""
        return np.asarray(to_numpy(a), dtype=np.float64)

    def _index(self, idx):
        """Integer indices on the device."""
        return self._device(np.asarray(idx, dtype=np.int64))

    # ------------------------------------------------------------ helpers
    def _weighted_mean(self, A):
        """``sum_i (s_ik / S_k) A_ik`` per column, on the host.

        The sums are taken in float64 where the device has it.
        """
        if self._sw is not None:
            A = A * self._sw
        total = self._host(self.xp.sum(A, axis=0, dtype=self._acc))
        if self._sw is None:
            total *= 1.0 / max(self.n_samples, 1)
        return total

    def _select(self, cols, rows):
        """``(X, signs, sw, unit)`` of the selected problems and rows."""
        xp = self.xp
        X, S, sw, unit = self.X, self.signs, self._sw, None
        if cols is not None:
            idx = self._index(cols)
            S = xp.take(S, idx, axis=1)
            if sw is not None and sw.shape[1] > 1:
                sw = xp.take(sw, idx, axis=1)
        if rows is not None:
            if isinstance(rows, slice):
                X, S = X[rows, :], S[rows, :]
                sw = None if sw is None else sw[rows, :]
            else:
                idx = self._index(rows)
                X, S = xp.take(X, idx, axis=0), xp.take(S, idx, axis=0)
                sw = None if sw is None else xp.take(sw, idx, axis=0)
            m = int(X.shape[0])
            # The weights are already divided by S_k: scaled by n / |rows|, the
            # batch sum is an unbiased estimate of the full mean.
            factor = self.n_samples / max(1, m)
            if sw is None:
                unit = 1.0 / max(1, m)
            else:
                sw = sw * factor
        return X, S, sw, unit

    def _logits(self, X, W, b):
        """``X @ W.T + b`` on the device (``W``, ``b`` NumPy, sent in X's dtype)."""
        Z = X @ self._device(W, self.dtype).T
        if b is not None:
            Z = Z + self._device(b, self.dtype)
        return Z

    # ------------------------------------------------------------ the contract
    def weight_totals(self):
        """Total sample weight ``S_k`` of every problem, see ``DataBackend``."""
        return self._totals.copy()

    def positive_totals(self):
        """Total weight of every problem's positives (computed once)."""
        return self._positive.copy()

    def feature_moments(self):
        """Weighted mean and standard deviation of every feature, on the device.

        Two passes over ``X`` in row blocks: the weighted mean (a matrix-vector
        product), then the weighted squares of the centred block. Should a square
        overflow (values near the floating-point range), the features are divided
        by their max-abs first and the passes are made again.
        """
        if self._moments_cache is None:
            self._moments_cache = self._feature_moments()
        return tuple(a.copy() for a in self._moments_cache)

    def _feature_moments(self):
        xp = self.xp
        if self._sw is None:
            r = xp.full(self.n_samples, 1.0 / max(self.n_samples, 1),
                        dtype=self.X.dtype, device=self.device)
        else:
            r = xp.mean(xp.astype(self._sw, self._acc), axis=1)
            r = xp.astype(r / xp.sum(r), self.X.dtype)
        mean, sq = self._moments(r, None)
        unit = np.ones(self.n_features)
        if not np.all(np.isfinite(sq)):
            blocks = self._row_blocks(self.n_features)
            absmax = xp.zeros(self.n_features, dtype=self.X.dtype, device=self.device)
            for rows in blocks:
                Xb = self.X[rows, :]
                absmax = xp.maximum(absmax, xp.max(Xb, axis=0))
                absmax = xp.maximum(absmax, -xp.min(Xb, axis=0))
            unit = xp.where(absmax > 0, absmax, xp.ones_like(absmax))
            mean, sq = self._moments(r, unit)
            unit = self._host(unit)
        return mean * unit, np.sqrt(np.clip(sq, 0.0, None)) * unit

    def _moments(self, r, unit):
        """Weighted mean and centred second moment of ``X / unit`` (host float64)."""
        xp, acc = self.xp, self._acc
        blocks = self._row_blocks(self.n_features)

        def scaled(rows):
            Xb = self.X[rows, :]
            return Xb if unit is None else Xb / unit

        mean = xp.zeros(self.n_features, dtype=acc, device=self.device)
        for rows in blocks:
            mean = mean + xp.astype(r[rows] @ scaled(rows), acc)
        centre = xp.astype(mean, self.X.dtype)
        sq = xp.zeros(self.n_features, dtype=acc, device=self.device)
        for rows in blocks:
            dev = scaled(rows) - centre
            sq = sq + xp.astype(r[rows] @ (dev * dev), acc)
        mean, sq = self._host(xp.stack([mean, sq]))
        return mean, sq

    def _row_blocks(self, width):
        """Row slices of blocks of ``X`` (and ``width`` temporaries per row).

        On a CPU, ``CPU_BLOCK_BYTES`` or, for blocks with temporaries as wide as
        ``X``, ``CPU_COPY_BYTES``; elsewhere as large as ``DEVICE_BLOCK_BYTES``
        allows.
        """
        n, step = self.n_samples, self._block_step(width)
        return [slice(a, min(n, a + step)) for a in range(0, n, step)]

    def _block_step(self, width):
        """Rows of the blocks of :meth:`_row_blocks`."""
        row_bytes = max(1, (self.n_features + width) * self.dtype.itemsize)
        if not self._cpu:
            target = DEVICE_BLOCK_BYTES
        else:
            copies = width >= self.n_features
            target = CPU_COPY_BYTES if copies else CPU_BLOCK_BYTES
        return int(max(256, target // row_bytes))

    def mean_loss_gradient(self, W, b, cols=None, rows=None):
        """Weighted mean BCE of some problems and its gradient, see ``DataBackend``.

        With the signs ``s = 1 - 2 y`` and ``u = s z``, the loss is
        ``softplus(u) = logaddexp(0, u)`` and the residual ``sigmoid(z) - y`` is
        ``s sigmoid(u) = s exp(u - softplus(u))``: nothing overflows, whatever
        ``z``, and each block takes few operations of the namespace (each may be
        a parallel region or a kernel launch). ``X`` is read in row blocks; the
        loss and residual sums are taken in float64 where the device has it, and
        so are the sums of ``R' X`` over chunks of rows, for float32 data
        (:meth:`_transposed_product`).
        """
        xp, acc = self.xp, self._acc
        X, S, sw, unit = self._select(cols, rows)
        k = W.shape[0]
        Wt = self._device(W, self.dtype).T
        bx = None if b is None else self._device(b, self.dtype)
        zero = xp.zeros((), dtype=self.X.dtype, device=self.device)
        sums = xp.zeros((k, self.n_features + 2), dtype=acc, device=self.device)
        n_rows = int(X.shape[0])
        step = self._block_step(6 * k)
        for start in range(0, n_rows, step):
            blk = slice(start, min(n_rows, start + step))
            Xb, Sb = X[blk, :], S[blk, :]
            Z = Xb @ Wt
            U = (Z if bx is None else Z + bx) * Sb
            loss = xp.logaddexp(zero, U)
            R = xp.exp(U - loss) * Sb
            if sw is not None:
                loss, R = loss * sw[blk, :], R * sw[blk, :]
            sums = sums + xp.concat(
                [
                    xp.sum(loss, axis=0, dtype=acc)[:, None],
                    self._transposed_product(R, Xb),
                    xp.sum(R, axis=0, dtype=acc)[:, None],
                ],
                axis=1,
            )
        sums = self._host(sums)  # the one transfer: k x (n_features + 2)
        if sw is None:
            sums *= 1.0 / max(self.n_samples, 1) if unit is None else unit
        return sums[:, 0], sums[:, 1:-1], sums[:, -1]

    def _transposed_product(self, R, Xb):
        """``R' Xb`` of a block of rows, in the accumulation dtype.

        float64 data: one matrix product. float32 data: a sum in two levels,
        as the in-memory kernel sums its row blocks. The float32 products are
        summed over chunks of about ``sqrt(m)`` rows (one batched matrix
        product, and one more for the rows that do not fill a chunk), and the
        chunks' sums are added in float64 where the device has it (in float32
        otherwise, which still keeps the error of a sum of ``sqrt(m)`` terms
        rather than ``m``). One float32 product over a whole block has 3 to 5
        times the gradient error of the in-memory kernel with torch on the CPU
        (200k x 20: 2.4e-8 against 5.8e-9, where the chunks give 2.5e-9), for
        the same time per evaluation; chunks of a few rows made a batched
        product of tiny matrices that was slower on narrow data.

        Parameters
        ----------
        R : array of shape (m, k)
            Weighted residuals of the block's rows, in ``X``'s dtype.
        Xb : array of shape (m, n_features)
            The block's rows of ``X``.

        Returns
        -------
        sums : array of shape (k, n_features)
            In float64 where the device has it.
        """
        xp, acc = self.xp, self._acc
        if self.dtype == np.float64:
            return R.T @ Xb
        m, k = (int(a) for a in R.shape)
        c = max(1, math.isqrt(m))  # rows per chunk
        q = (m // c) * c  # rows of the whole chunks
        Rc = xp.reshape(R[:q, :], (q // c, c, k))
        Xc = xp.reshape(Xb[:q, :], (q // c, c, self.n_features))
        out = xp.sum(xp.matrix_transpose(Rc) @ Xc, axis=0, dtype=acc)
        if q < m:
            out = out + xp.astype(R[q:, :].T @ Xb[q:, :], acc)
        return out

    def hessian_blocks(
        self, W, b, shift, scale, cols=None, weights="curvature"
    ):
        """Hessian blocks in standardised coordinates, see ``DataBackend``.

        Computed on the device in row blocks (a standardised copy of one block at
        a time), summed in float64 where the device has it.
        """
        if weights not in ("curvature", "residual"):
            raise ValueError(
                f"weights must be 'curvature' or 'residual', got {weights!r}."
            )
        xp = self.xp
        _, S, sw, _ = self._select(cols, None)
        k, d = W.shape
        acc = self._acc
        scale_x = self._device(scale, self.dtype)
        centre = self._device(np.asarray(shift) * np.asarray(scale), self.dtype)
        G = xp.zeros((k, d, d), dtype=acc, device=self.device)
        v = xp.zeros((k, d), dtype=acc, device=self.device)
        s = xp.zeros(k, dtype=acc, device=self.device)
        for rows in self._row_blocks(2 * self.n_features):
            Xb = self.X[rows, :]
            Z = self._logits(Xb, W, b)
            if weights == "curvature":
                # sigmoid'(z) = e^{-|z|} / (1 + e^{-|z|})^2: no overflow
                t = xp.exp(-xp.abs(Z))
                Dw = t / ((1 + t) * (1 + t))
            else:  # (sigmoid(z) - y)^2 = sigmoid((1 - 2 y) z)^2
                Dw = xp_sigmoid(xp, Z * S[rows, :]) ** 2
            Dw = Dw / self.n_samples if sw is None else Dw * sw[rows, :]
            Xs = Xb * scale_x - centre
            G = G + xp.stack(
                [xp.astype(Xs.T @ (Xs * Dw[:, j : j + 1]), acc) for j in range(k)]
            )
            v = v + xp.astype(Dw.T @ Xs, acc)
            s = s + xp.sum(xp.astype(Dw, acc), axis=0)
        G, v, s = self._host(G), self._host(v), self._host(s)
        return G, v, s

    def columns(self, features, upcoming=None):
        """Not offered (``has_columns`` is False): NotImplementedError.

        Coordinate descent takes one column at a time, a round trip to the
        device each; the other solvers suit this backend. (Arrays in host memory
        are fitted in the in-memory backend, which offers them.)
        """
        raise NotImplementedError("The array API backend offers no column access.")

    def sample_terms(self, Z, cols=None):
        """Not offered (``has_columns`` is False): NotImplementedError."""
        raise NotImplementedError("The array API backend offers no column access.")

    def column_gram(self, B, h, r):
        """Not offered (``has_columns`` is False): NotImplementedError."""
        raise NotImplementedError("The array API backend offers no column access.")

    def residual_gradient(self, R):
        """Not offered (``has_columns`` is False): NotImplementedError."""
        raise NotImplementedError("The array API backend offers no column access.")

    def hessian_work(self):
        """Multiply-adds of one problem's Hessian blocks, ``n_samples * d**2``."""
        return float(self.n_samples) * self.n_features**2

    def collinear_directions(self, centred):
        """Flat directions of exactly collinear features (found once), see
        ``DataBackend``: where it costs little (as in memory), from a sample of
        rows brought to the host and one product with ``X`` on the device."""
        centred = bool(centred)
        if centred not in self._collinear:
            n, d = self.n_samples, self.n_features
            V = np.zeros((d, 0))
            if worth_looking(n, d):
                xp = self.xp
                rows = self._device(sample_rows(n, d), np.int64)
                sample = self._host(xp.take(self.X, rows, axis=0))

                def times(V):
                    return self._host(self.X @ self._device(V, self.dtype))

                V = flat_directions(
                    sample, times, n, *self.feature_moments(), centred, self.dtype
                )
            self._collinear[centred] = V
        return self._collinear[centred].copy()

    def indicator_groups(self):
        """One-hot encoded column blocks, checked on the device (found once).

        See ``DataBackend``.

        Returns
        -------
        blocks : ndarray of int of shape (n_blocks, 2)
        """
        if self._groups is None:
            xp = self.xp
            blocks = candidate_blocks(*self.feature_moments())
            ok = [
                bool(to_numpy(xp.all(
                    xp.sum(xp.astype(self.X[:, int(a):int(c)], self._acc), axis=1)
                    == 1
                )))
                for a, c in blocks
            ]
            self._groups = blocks[np.asarray(ok, dtype=bool)]
        return self._groups.copy()

    def separated(self, W, b):
        """Whether each model separates its problem, see ``DataBackend``."""
        xp = self.xp
        wrong = self._logits(self.X, W, b) * self.signs >= 0
        if self._sw is not None:
            wrong = wrong & (self._sw > 0)
        return ~to_numpy(xp.any(wrong, axis=0)).astype(bool)

    def parallel(self):
        """A null context: the namespace runs an evaluation on its own threads.

        Returns
        -------
        context : contextlib.nullcontext
        """
        return nullcontext()
