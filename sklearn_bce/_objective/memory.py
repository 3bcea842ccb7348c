"""The in-memory backend: NumPy and SciPy arrays, threaded row blocks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext

import numpy as np
import scipy.sparse as sp
from joblib import cpu_count

from .blas import single_threaded_blas
from .collinear import null_directions, worth_looking
from .indicators import indicator_groups
from .kernels import (
    FUSE_BYTES,
    bce_sums,
    data_nbytes,
    map_in_order,
    separated,
    signed_targets,
    transposed_sums,
    weight_shares,
    weighted_gram,
)
from .moments import weighted_feature_moments

__all__ = [
    "SMALL_CSC_COPY",
    "THREADED_BYTES",
    "THREADED_ROWS",
    "InMemoryBackend",
    "thread_count",
]

#: Fewest rows for which :meth:`InMemoryBackend.parallel` runs the kernel's row
#: blocks on threads.
THREADED_ROWS = 8192
#: Smallest ``X`` (bytes of a dense one, or of a sparse one's values and
#: indices) whose row blocks run on threads when ``n_jobs`` is None. Below, the
#: hand-over of blocks and of the GIL between threads costs about what they
#: save: on two cores a default fit on 100k x 10 (8 MB) took 1.3 times as long
#: on two threads as on one, on sparse 20k x 20k (5 MB) 1.2 times, on 200k x 20
#: (32 MB) 1.03 times, while on 400k x 30 (96 MB) it took 0.77 times.
THREADED_BYTES = 32 << 20

#: Passes over a CSR ``X`` that :meth:`InMemoryBackend.columns` makes to extract
#: columns before it converts ``X`` to CSC once (each pass costs a fraction of
#: the conversion).
CSR_COLUMN_PASSES = 6

#: Largest CSC ``X`` (bytes of its values and indices) of which the automatic
#: choice of solver lets Newton's method make a CSR copy for its Hessians: a
#: copy this small costs nothing next to a machine's memory, and L-BFGS can
#: crawl on small wide data.
SMALL_CSC_COPY = 1 << 22

#: Bytes of the row blocks of a dense column block in which
#: :meth:`InMemoryBackend.column_gram` sums (one temporary per block).
COLUMN_BLOCK_BYTES = 1 << 22


def thread_count(n_jobs):
    """The number of threads ``n_jobs`` asks for, by joblib's convention.

    A positive value is that many threads; a negative one counts back from
    the CPUs available to the process (``joblib.cpu_count()``, which heeds
    CPU affinity and container quotas): ``-1`` is all of them, ``-2`` all but
    one, and so on, and at least one.

    Parameters
    ----------
    n_jobs : int
        Not 0.

    Returns
    -------
    n_threads : int
    """
    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning; use None, -1 or a positive int.")
    if n_jobs < 0:
        return max(cpu_count() + 1 + n_jobs, 1)
    return int(n_jobs)


class InMemoryBackend:
    """The data of ``K`` binary problems held as NumPy / SciPy arrays.

    Implements :class:`~sklearn_bce._objective.DataBackend` with the threaded
    row-block kernel :func:`~sklearn_bce._objective.kernels.bce_sums`: one pass over
    ``X`` per evaluation, whatever the number of problems.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Design matrix, float32 or float64; used as is (never copied, densified or
        centred).
    Y : ndarray of shape (n_samples, K) or (n_samples,)
        0/1 targets, one column per binary problem (kept as signs ``1 - 2 Y``).
    sample_weight : ndarray of shape (n_samples,) or (n_samples, K), default=None
        Non-negative weights; a 2-d array gives each problem its own weights (and
        its own total ``S_k``).
    n_threads : int, default=None
        Threads of :meth:`parallel` (the estimator's ``n_jobs``): None for as
        many as BLAS was set to use, a negative value for joblib's convention
        (``-1`` all the CPUs, ``-2`` all but one, ...), otherwise that many.

    Attributes
    ----------
    signs : ndarray of shape (n_samples, K)
        The targets as ``1 - 2 * Y``: in ``X``'s dtype while that takes at most
        1/32 of ``X``'s size (the kernel multiplies faster), else int8.
    """

    name = "in-memory"
    has_hessian = True
    has_columns = True
    supports_rows = True
    solver_overrides: dict = {}

    def __init__(self, X, Y, sample_weight=None, n_threads=None):
        self.X = X
        self.n_threads = None if n_threads is None else thread_count(n_threads)
        self.dtype = X.dtype
        n, d = X.shape
        self.n_samples, self.n_features = n, d
        Y = np.asarray(Y)
        self.signs = signed_targets(Y[:, None] if Y.ndim == 1 else Y)
        self.nbytes = data_nbytes(X)
        self.fuse_problems = self.nbytes > FUSE_BYTES
        if self.signs.size * X.dtype.itemsize <= self.nbytes / 32:
            self.signs = self.signs.astype(X.dtype)
        self.n_problems = K = self.signs.shape[1]
        self.executor, self.n_workers, self._block_threads = None, 1, 1
        self._csr = None  # CSR copy of a CSC X, made by the first Hessian
        self._csc = None  # CSC copy of a CSR X, made by columns() if often asked
        self._column_block = None  # (features, their CSC columns) last extracted
        self._column_passes = 0
        # Weights divided by S_k, in X's dtype: the loss is a weighted mean per
        # column. Uniform weights are a broadcast scalar, not an n-sized array.
        if sample_weight is None:
            self._totals = np.full(K, float(n))
            self._sw = np.broadcast_to(np.asarray(1.0 / max(n, 1), self.dtype), (n, 1))
        else:
            sw, totals = weight_shares(sample_weight)
            self._sw = np.empty(sw.shape, dtype=self.dtype)
            np.multiply(sw, 1.0 / totals, out=self._sw, casting="same_kind")
            self._totals = np.broadcast_to(totals, (K,)).copy()
        self._positive = None
        self._groups = None
        self._collinear = {}
        self._moments = None

    @property
    def uniform(self):
        """bool: Whether all samples weigh the same."""
        return self._sw.strides[0] == 0

    def weight_totals(self):
        """Total sample weight ``S_k`` of every problem, see ``DataBackend``."""
        return self._totals.copy()

    def positive_totals(self):
        """Total weight of every problem's positives (computed once)."""
        if self._positive is None:
            positive = self.signs < 0
            if self.uniform:
                self._positive = np.count_nonzero(positive, axis=0).astype(float)
            else:
                sw = self._sw
                fraction = np.array([
                    float(sw[:, min(k, sw.shape[1] - 1)] @ positive[:, k])
                    for k in range(self.n_problems)
                ])
                self._positive = fraction * self._totals
        return self._positive.copy()

    def feature_moments(self):
        """Weighted mean and standard deviation of every feature (computed once).

        On the threads of :meth:`parallel` (started for the purpose outside it).
        """
        if self._moments is None:
            sw = self._sw[:, 0]
            if self._sw.shape[1] > 1:  # per-problem weights: their mean share
                sw = self._sw.mean(axis=1)
                sw /= sw.sum()
            # threads of its own (where they pay) outside parallel()
            threads = self.parallel() if self.executor is None else nullcontext()
            with threads:
                self._moments = weighted_feature_moments(
                    self.X, sw, executor=self.executor
                )
        return tuple(a.copy() for a in self._moments)

    def mean_loss_gradient(self, W, b, cols=None, rows=None):
        """Weighted mean BCE of some problems and its gradient, see ``DataBackend``."""
        fit_intercept = b is not None
        b = np.zeros(W.shape[0]) if b is None else b
        if rows is None:
            return bce_sums(
                self.X, None, self._sw, W, b, fit_intercept, cols=cols,
                executor=self.executor, n_threads=self._block_threads, signs=self.signs,
            )
        sw = self._sw[rows]
        # The weights are already divided by S_k: scaled by n / |rows|, the batch
        # sum is an unbiased estimate of the full mean whatever the weights.
        # (Re-normalising the weights over the batch instead would be biased as
        # soon as they are uneven: a batch of one row would ignore its weight.)
        factor = self.n_samples / max(1, sw.shape[0])
        if self.uniform:  # uniform weights stay one broadcast scalar
            sw = np.broadcast_to(self._sw[:1] * factor, sw.shape)
        else:
            sw = sw * factor
        return bce_sums(
            self.X[rows], None, sw, W, b, fit_intercept, cols=cols,
            signs=self.signs[rows],
        )

    def hessian_blocks(self, W, b, shift, scale, cols=None, weights="curvature"):
        """Hessian blocks, see ``DataBackend``; CSC ``X`` is converted to CSR once."""
        if weights not in ("curvature", "residual"):
            raise ValueError(
                f"weights must be 'curvature' or 'residual', got {weights!r}."
            )
        X = self.X
        if sp.issparse(X) and X.format != "csr":
            if self._csr is None:
                self._csr = X.tocsr()
            X = self._csr
        sw = self._sw
        if cols is not None and sw.shape[1] > 1:
            sw = sw[:, np.asarray(cols, dtype=np.intp)]
        signs = None
        if weights == "residual":
            signs = self.signs
            if cols is not None:
                signs = signs[:, np.asarray(cols, dtype=np.intp)]
        return weighted_gram(
            X, sw, W, b, shift, scale, self.executor, self._block_threads,
            signs=signs,
        )

    def hessian_work(self):
        """Multiply-adds of one problem's Hessian (``inf`` for larger CSC input).

        CSC input has Hessians only on a CSR copy of ``X``: above
        ``SMALL_CSC_COPY`` bytes, ``inf`` keeps the automatic choice from making
        that copy (the fit's extra memory stays a fraction of ``X``);
        ``solver='newton-cholesky'`` makes it when asked.
        """
        X = self.X
        if sp.issparse(X):
            if X.format != "csr" and self.nbytes > SMALL_CSC_COPY:
                return np.inf
            if X.format == "csr":
                lengths = np.diff(X.indptr)
            else:  # CSC: the rows' lengths from the stored row indices
                lengths = np.bincount(X.indices, minlength=X.shape[0])
            lengths = lengths.astype(np.float64)
            return float(lengths @ lengths)
        return float(X.shape[0]) * X.shape[1] ** 2

    def columns(self, features, upcoming=None):
        """Columns of ``X`` in float64, see ``DataBackend``.

        A dense ``X`` gives a dense copy of the columns, a CSC one a CSC copy. A
        CSR ``X`` is read once per call for the columns asked for and the
        ``upcoming`` ones, which are kept until the next extraction: a later
        call asking only for kept columns reads nothing. After
        ``CSR_COLUMN_PASSES`` extractions, ``X`` is converted to CSC once (a copy
        of its values and indices) and the columns are taken from the copy.
        """
        features = np.asarray(features, dtype=np.intp)
        X = self.X
        if not sp.issparse(X):
            return np.take(X, features, axis=1).astype(np.float64, copy=False)
        if features.size == 0:
            return sp.csc_matrix((self.n_samples, 0), dtype=np.float64)
        if X.format != "csc" and self._csc is None:
            kept = self._kept_columns(features)
            if kept is not None:
                return kept
            if self._column_passes < CSR_COLUMN_PASSES:
                self._column_passes += 1
                take = features if upcoming is None else np.asarray(upcoming, np.intp)
                take = np.union1d(features, take)
                block = X[:, take].tocsc().astype(np.float64)
                self._column_block = take, block
                return block[:, np.searchsorted(take, features)]
            self._csc, self._column_block = X.tocsc(), None
        X = X if X.format == "csc" else self._csc
        return X[:, features].astype(np.float64)

    def _kept_columns(self, features):
        """The columns ``features`` from the last extraction, or None if missing."""
        if self._column_block is None:
            return None
        take, block = self._column_block
        at = np.minimum(np.searchsorted(take, features), take.size - 1)
        if not np.array_equal(take[at], features):
            return None
        return block[:, at]

    def column_gram(self, B, h, r):
        """``B' diag(h) B``, ``B' h`` and ``B' r`` (only it without ``h``), see
        ``DataBackend``.

        A dense ``B`` is read once, in row blocks of ``COLUMN_BLOCK_BYTES`` (and
        at least four per thread the blocks are sized for, when threaded) run on
        the backend's threads and added in order.
        """
        if sp.issparse(B):
            Br = np.asarray(B.T @ r)
            if h is None:
                return None, None, Br
            Bh = B.copy()
            Bh.data *= h[B.indices]  # the rows' weights on the stored values
            return np.asarray((B.T @ Bh).toarray()), np.asarray(B.T @ h), Br
        n, m = B.shape
        step = COLUMN_BLOCK_BYTES // (8 * max(m, 1))
        if self._block_threads > 1:
            step = min(step, -(-n // (4 * self._block_threads)))
        step = max(1, step)
        root = None if h is None else np.sqrt(h)

        def block(start):
            rows = slice(start, min(n, start + step))
            part = B[rows]
            Br = r[rows] @ part
            if root is None:
                return None, None, Br
            part = part * root[rows, None]
            return part.T @ part, root[rows] @ part, Br  # A'A: a rank-k update

        gram, Bh, Br = np.zeros((m, m)), np.zeros(m), np.zeros(m)
        for G, v, u in map_in_order(block, range(0, n, step), self.executor):
            Br += u
            if root is not None:
                gram += G
                Bh += v
        return (None, None, Br) if root is None else (gram, Bh, Br)

    def residual_gradient(self, R):
        """``X' R`` from per-sample factors, see ``DataBackend``."""
        return transposed_sums(
            self.X, R, executor=self.executor, n_threads=self._block_threads
        )

    def sample_terms(self, Z, cols=None):
        """Mean BCE and per-sample derivatives at logits, see ``DataBackend``."""
        Z = np.asarray(Z, dtype=np.float64)
        signs, sw = self.signs, self._sw
        if cols is not None:
            cols = np.asarray(cols, dtype=np.intp)
            signs = signs[:, cols]
            if sw.shape[1] > 1:
                sw = sw[:, cols]
        # uniform weights: one scalar, applied to the sums
        sw = float(sw[0, 0]) if sw.strides[0] == 0 else sw.astype(np.float64)
        # With u = s z (s = 1 - 2y) and e = exp(-|u|), the only exp: bce is
        # max(u, 0) + log1p(e), the residual sigmoid(z) - y = s sigmoid(u) with
        # sigmoid(u) = (1 or e) / (1 + e), and sigmoid'(z) = e / (1 + e)^2; no
        # term cancels.
        U = signs * Z
        e = np.abs(U)
        np.negative(e, out=e)
        np.exp(e, out=e)
        d = e + 1.0
        loss = np.log1p(e)
        loss += np.maximum(U, 0.0)
        residual = np.maximum(e, U >= 0)  # 1 for u >= 0, e otherwise
        residual /= d
        residual *= signs
        curvature = e / d
        curvature /= d
        residual *= sw
        curvature *= sw
        total = sw * loss.sum(axis=0) if isinstance(sw, float) else (sw * loss).sum(0)
        return total, residual, curvature

    def indicator_groups(self):
        """One-hot encoded column blocks (found once), see ``DataBackend``."""
        if self._groups is None:
            mean, std = self.feature_moments()
            self._groups = indicator_groups(self.X, mean, std)
        return self._groups.copy()

    def collinear_directions(self, centred):
        """Flat directions of exactly collinear features (found once), see
        ``DataBackend``: looked for on dense ``X`` where it costs little (see
        :func:`~sklearn_bce._objective.collinear.worth_looking`)."""
        centred = bool(centred)
        if centred not in self._collinear:
            X = self.X
            if sp.issparse(X) or not worth_looking(*X.shape):
                V = np.zeros((self.n_features, 0))
            else:
                with single_threaded_blas():  # small products but one
                    V = null_directions(X, *self.feature_moments(), centred)
            self._collinear[centred] = V
        return self._collinear[centred].copy()

    def separated(self, W, b):
        """Whether each model separates its problem, see ``DataBackend``."""
        return separated(self.X, self.signs, self._sw, W, b)

    @contextmanager
    def parallel(self):
        """Spend the cores BLAS would use on whole row blocks of the kernel instead.

        ``LogisticRegression`` spends the machine's cores on multi-threaded BLAS
        products, while the element-wise part of each evaluation runs on one
        core. Here the row blocks of every evaluation (products and element-wise
        work) run concurrently on ``n_threads`` threads (by default as many as
        BLAS was set to use), with BLAS itself held at one thread in them and
        in the calling thread meanwhile (see :mod:`~sklearn_bce._objective.blas`:
        only in these threads where BLAS has a thread-local thread count,
        otherwise one limit for the whole process, shared by fits running
        concurrently in threads and lifted when the last of them ends, during
        which other threads' BLAS products run on one thread too). Results do
        not depend on thread timing (block sums are added in a fixed order).
        With an explicit ``n_threads`` they do not depend on it either: the
        blocks are then sized for all the CPUs (``joblib.cpu_count()``) whatever
        the number of threads that run them, so one thread and eight give the
        same bits.

        Data of fewer than ``THREADED_ROWS`` rows are one or two blocks: there
        is nothing to run concurrently, and the set-up of threads (a few
        milliseconds) would cost more than the fit of a small data set. They are
        evaluated in the calling thread, whatever ``n_threads``; so are data of
        fewer than ``THREADED_BYTES`` bytes with ``n_threads`` None, where
        handing blocks and the GIL between threads costs about what it saves.
        BLAS is held at one thread all the same: its products are small there (Newton's
        Cholesky factorisations included), and a multi-threaded BLAS spends far
        more on waking its threads than on them, up to a hundred times the fit's
        time on a machine whose cores are busy.

        Yields
        ------
        None
        """
        automatic = self.n_threads is None
        if self.n_samples < THREADED_ROWS or (
            automatic and self.nbytes < THREADED_BYTES
        ):
            with single_threaded_blas():
                yield
            return
        with single_threaded_blas() as (blas_threads, hold_blas):
            if self.n_threads is None:
                n_threads = self._block_threads = blas_threads
            else:
                n_threads, self._block_threads = self.n_threads, cpu_count()
            try:
                if n_threads <= 1:
                    yield
                else:
                    pool = ThreadPoolExecutor(n_threads, initializer=hold_blas)
                    with pool as executor:
                        self.executor, self.n_workers = executor, n_threads
                        yield
            finally:
                self.executor, self.n_workers, self._block_threads = None, 1, 1
