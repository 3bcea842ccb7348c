"""The BCE objective evaluated block-wise on a dask.distributed cluster.

Only imported when an estimator meets a dask collection, so that importing
``sklearn_bce`` never imports dask. Everything here runs the same in-memory kernels
as the rest of the package on one row chunk at a time:

* :class:`DaskLinearBCE` is :class:`~sklearn_bce._loss.LinearBCE` with the data left
  on the workers. Coordinates, preconditioning and the penalty are inherited; only
  :meth:`~DaskLinearBCE.data_term` and :meth:`~DaskLinearBCE.feature_moments` are
  replaced. One evaluation is one call to a dask actor on each worker holding
  chunks (tasks on very large clusters), running
  :func:`~sklearn_bce._loss.bce_sums` on the chunks that worker already holds and
  summing the ``(K, n_features + 2)`` results there, so that only one small array
  per worker comes back to the client. ``X`` itself never leaves the workers.
* :func:`fit` and :func:`predict` are the dask paths of
  :class:`~sklearn_bce.BCELogisticClassifier`: validation and target encoding done
  with cluster reductions, and lazy ``map_blocks`` predictions.
* :func:`stream_sgd` is ``solver="sgd"`` on the cluster: the chunks stay on their
  workers and the solver state visits them, making ``partial_fit``'s update on
  each.
"""

from __future__ import annotations

import copy
import warnings
from concurrent.futures import ThreadPoolExecutor

import dask
import dask.array as da
import numpy as np
import scipy.sparse as sp
from distributed import futures_of, get_client, get_worker, wait
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._loss import LinearBCE, _weighted_feature_moments, bce_sums
from ._solvers._base import warn_not_converged
from ._solvers.sgd import (
    SGDResult,
    _evaluate,
    _l1_setup,
    _optimality,
    sgd_partial_fit,
    start_stream,
)

__all__ = ["DaskLinearBCE", "fit", "predict", "stream_sgd"]

# Partial results combined per task in the reductions; 8 keeps the trees shallow
# while each combining task stays cheap.
_FAN_IN = 8


# ---------------------------------------------------------------------- plumbing
def _get_client(client=None):
    """The given client, or the current default one, with a helpful error."""
    if client is not None:
        return client
    try:
        return get_client()
    except ValueError:
        raise ValueError(
            "Fitting on dask collections needs a dask.distributed client: create one "
            "first, e.g. `from dask.distributed import Client; client = Client()` for "
            "a local cluster or `Client('tcp://scheduler-address:8786')` for an "
            "existing one."
        ) from None


def _delayed_tree(parts, combine):
    """Reduce a list of delayed values with ``combine`` in a tree of fan-in 8."""
    while len(parts) > 1:
        parts = [
            dask.delayed(combine, pure=True)(*parts[i : i + _FAN_IN])
            for i in range(0, len(parts), _FAN_IN)
        ]
    return parts[0]


def _map_reduce(client, block_fn, combine, arrays):
    """Run ``block_fn`` on aligned row blocks of dask ``arrays`` and tree-reduce.

    Used for the one-off passes over ``y`` and ``sample_weight`` before the
    objective exists; the objective reduces over its own persisted chunks. Up to
    ``DaskLinearBCE.gather_limit`` block results go straight to the client (no
    combining task to wait for), more are tree-reduced first.
    """
    blocks = [a.to_delayed().ravel() for a in arrays]
    fn = dask.delayed(block_fn, pure=True)
    parts = [fn(*row) for row in zip(*blocks, strict=True)]
    if len(parts) <= DaskLinearBCE.gather_limit:
        return combine(*client.compute(parts, sync=True))
    return client.compute(_delayed_tree(parts, combine)).result()


def _block_futures(arr):
    """Futures of a persisted array's row blocks, in row order."""
    by_key = {f.key: f for f in futures_of(arr)}
    keys = arr.__dask_keys__()
    return [by_key[k[0] if arr.ndim == 2 else k] for k in keys]


def _balanced_placement(client, futures, rows):
    """A worker for each chunk: where it is when that keeps the work balanced.

    Each worker should get rows in proportion to its threads. Chunks are placed
    largest first on the holder with most room, provided it then exceeds its share
    by less than half the chunk; otherwise on the least loaded worker (the chunk
    then moves once, when the objective is built).
    """
    wait(futures)
    who_has = client.who_has(futures)
    threads = {
        w: info.get("nthreads", 1)
        for w, info in client.scheduler_info()["workers"].items()
    }
    if not threads:  # no worker to balance over: leave it to the scheduler
        return [None] * len(futures)
    total = max(sum(rows), 1) / sum(threads.values())
    share = {w: total * t for w, t in threads.items()}
    load = dict.fromkeys(threads, 0.0)
    placement = [None] * len(futures)
    for i in sorted(range(len(futures)), key=lambda i: -rows[i]):
        holders = [w for w in who_has.get(futures[i].key, ()) if w in load]
        room = [w for w in holders if load[w] + rows[i] / 2 <= share[w]]
        if room:
            w = min(room, key=lambda w: load[w] / share[w])
        else:
            w = min(load, key=lambda w: (load[w] + rows[i]) / share[w])
        placement[i] = w
        load[w] += rows[i]
    return placement


def _sum_arrays(*parts):
    """Sum of equally shaped arrays (a reduction step)."""
    total = parts[0].copy()
    for p in parts[1:]:
        total += p
    return total


def _nonfinite_flags(X):
    """``[has_nan, has_inf]`` of a dense or sparse block.

    A finite sum proves the block finite in one pass without a temporary; only a
    non-finite sum (NaN, infinity, or an overflow of large values) is looked into.
    """
    data = X.data if sp.issparse(X) else X
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(data, dtype=np.float64)):
            return np.zeros(2, dtype=bool)
    return np.array([np.isnan(data).any(), np.isinf(data).any()])


def _raise_nonfinite(flags, dtype):
    if flags[0]:
        raise ValueError("Input X contains NaN.")
    if flags[1]:
        raise ValueError(
            f"Input X contains infinity or a value too large for dtype('{dtype}')."
        )


# ------------------------------------------------------- per-chunk functions
# Each runs on a worker, on one chunk ``(X_i, Y_i, sw_i)`` of DaskLinearBCE.blocks.
def _aligned(a):
    """``a``, copied into aligned memory if it is not aligned.

    Arrays deserialised from network frames (scattered data, chunks of
    ``da.from_array``) can start at any byte address; numpy then cannot hand
    them to BLAS and products run several times slower. Sparse blocks are used
    as they are.
    """
    if isinstance(a, np.ndarray) and not a.flags.aligned:
        return np.require(a, requirements=["A"])
    return a


class _Chunk(tuple):
    """``(X_i, Y_i, sw_i)`` of one chunk, re-aligned whenever it is unpickled.

    A copy of a chunk made by the scheduler (work stealing, replication, a worker
    leaving) arrives through the network like scattered data: this keeps it fast.
    """

    __slots__ = ()

    def __reduce__(self):
        return (_chunk, tuple(self))


def _chunk(X, Y, sw):
    return _Chunk((_aligned(X), _aligned(Y), _aligned(sw)))


def _pack(X, Y, sw, dtype):
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
    return _chunk(X, Y, sw)


# Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_ set, which (in glibc) turns
# off the adaptive mmap threshold: every temporary array above 128 kB is then a
# fresh mmap whose pages fault in one by one, several times the cost of the
# arithmetic on it. The chunk functions therefore walk dense chunks in slices
# whose temporaries stay near 64 kB.
_TEMP_ITEMS = 8192


def _slice_rows(X, width):
    """Rows per slice of a chunk for temporaries of about ``_TEMP_ITEMS * width``."""
    if sp.issparse(X):
        return max(X.shape[0], 1)
    return max(32, _TEMP_ITEMS // max(width, 1))


def _slices(X, width):
    """Row slices of a chunk, see :func:`_slice_rows`."""
    step = _slice_rows(X, width)
    return [slice(s, s + step) for s in range(0, X.shape[0], step)] or [slice(0, 0)]


def _chunk_sums(chunk, Wb, fit_intercept, cols=None):
    """``bce_sums`` of one chunk at ``[W | b]``, as ``[gW | gb | loss]`` (k, d + 2).

    ``cols`` selects the problems evaluated (all when None); ``Wb`` has one row
    per selected problem.
    """
    X, Y, sw = chunk
    d = X.shape[1]
    W, b = Wb[:, :d], Wb[:, d]
    out = np.zeros((Wb.shape[0], d + 2))
    for rows in _slices(X, Wb.shape[0]):
        loss_k, gW, gb = bce_sums(
            X[rows], Y[rows], sw[rows], W, b, fit_intercept, cols=cols
        )
        out[:, :d] += gW
        out[:, d] += gb
        out[:, d + 1] += loss_k
    return out


def _chunk_weight_sums(chunk):
    """``[S | P]``: the chunk's weight totals and weighted positive totals."""
    _, Y, sw = chunk
    positive = np.einsum("ik,ik->k", np.broadcast_to(sw, Y.shape), Y, dtype=np.float64)
    return np.concatenate([sw.sum(axis=0, dtype=np.float64), positive])


def _moments(X, m, flags):
    """Moments of ``X`` weighted by ``m``: ``(flags, weight, mean, std)``.

    ``weight`` is the total of ``m``; with a NaN / infinity flag set, or no
    weight, the moments are zeros with weight 0 (left out when pooled).
    """
    d = X.shape[1]
    weight = float(np.sum(m, dtype=np.float64))
    if flags.any() or weight <= 0:
        return flags, 0.0, np.zeros(d), np.zeros(d)
    mean, std = _weighted_feature_moments(
        X, np.asarray(m, np.float64) / weight, block_rows=_slice_rows(X, d)
    )
    return flags, weight, mean, std


def _chunk_setup(chunk, moments):
    """The first pass over a chunk: ``([S | P], (flags, weight, mean, std))``.

    ``[S | P]`` are the weight totals and weighted positive totals of
    :func:`_chunk_weight_sums`; ``flags`` are the chunk's NaN / infinity flags.
    The feature moments, weighted by the chunk's sample weights, are computed only
    when ``moments`` is true (the weights then have one column, so that their
    total does not change the pooled moments); otherwise they are zero with
    weight 0.
    """
    X, _, sw = chunk
    flags = _nonfinite_flags(X)
    if moments:
        stats = _moments(X, sw[:, 0], flags)
    else:
        stats = (flags, 0.0, np.zeros(X.shape[1]), np.zeros(X.shape[1]))
    return _chunk_weight_sums(chunk), stats


def _combine_setup(*parts):
    return (
        _sum_arrays(*[p[0] for p in parts]),
        _combine_moments(*[p[1] for p in parts]),
    )


def _chunk_moments(chunk, sw_sum):
    """Moments of a chunk with the row weights of the in-memory preconditioner.

    A row's weight is the mean over problems of its weight over the problem's
    total ``sw_sum``.
    """
    X, _, sw = chunk
    return _moments(X, (sw / sw_sum).mean(axis=1), np.zeros(2, dtype=bool))


def _combine_moments(*parts):
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


# ------------------------------------------------------- per-worker reductions
def _reduce_chunks(
    chunks, chunk_fn, combine, broadcast, executor=None, indices=None
):
    """``combine`` of ``chunk_fn(chunk, **broadcast)`` over the given chunks.

    With an ``executor``, the chunks run concurrently on its threads (the kernels
    release the GIL); the results are combined in chunk order either way. With
    ``indices`` (the chunks' positions in the whole array), the results are not
    combined but returned as ``[(index, result), ...]``, for the client to combine
    all of them in row order.
    """
    if executor is None or len(chunks) < 2:
        parts = [chunk_fn(c, **broadcast) for c in chunks]
    else:
        parts = list(executor.map(lambda c: chunk_fn(c, **broadcast), chunks))
    if indices is not None:
        return list(zip(indices, parts, strict=True))
    return combine(*parts)


def _in_row_order(combine, results):
    """``combine`` of ``(index, result)`` pairs from several workers, by index."""
    pairs = sorted((p for r in results for p in r), key=lambda p: p[0])
    return combine(*[part for _, part in pairs])


def _group_task(chunk_fn, combine, indices, *chunks, **broadcast):
    """One task reducing several chunks of one worker (see ``_reduce_chunks``)."""
    return _reduce_chunks(chunks, chunk_fn, combine, broadcast, indices=indices)


class _WorkerChunks:
    """The chunks one worker holds, reduced there when the client asks.

    A dask actor: it is created once per worker with that worker's chunks as
    arguments (the same objects as the worker's copies, nothing is duplicated), and
    a call to :meth:`reduce` goes from the client straight to the worker and back,
    without a task through the scheduler. The chunks are processed on up to as many
    threads as the worker has.
    """

    def __init__(self, indices, *chunks):
        self.indices = list(indices)
        self.chunks = chunks
        threads = min(get_worker().state.nthreads, len(chunks))
        self._executor = ThreadPoolExecutor(threads) if threads > 1 else None

    def reduce(self, chunk_fn, combine, broadcast, ordered=False):
        """``combine`` of ``chunk_fn(chunk, **broadcast)`` over the worker's chunks.

        With ``ordered``, the per-chunk results with their indices instead (see
        :func:`_reduce_chunks`).
        """
        return _reduce_chunks(
            self.chunks, chunk_fn, combine, broadcast, self._executor,
            indices=self.indices if ordered else None,
        )


# ------------------------------------------------------------------ objective
class DaskLinearBCE(LinearBCE):
    """:class:`~sklearn_bce._loss.LinearBCE` on dask arrays held by a cluster.

    The same objective, coordinates and preconditioner as the in-memory class; the
    data term is evaluated by running :func:`~sklearn_bce._loss.bce_sums` on the
    row chunks, on the workers that hold them, summing the results on each worker
    and adding up the per-worker sums on the client, so each evaluation sends only
    the ``K x n_features`` coefficients out and brings ``K x (n_features + 2)``
    sums back per worker.

    The row chunks of ``X``, ``Y`` and ``sample_weight`` are computed once, kept
    together on the cluster (one future per chunk, so targets and weights live on
    the worker of their rows) and released when the objective is garbage
    collected.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Design matrix, float32 or float64, with dense (or scipy sparse) chunks.
        Chunks are rows; a chunking along columns is undone with ``rechunk``.
    Y : dask.array.Array or ndarray of shape (n_samples, K) or (n_samples,)
        0/1 targets, one column per binary problem.
    sample_weight : dask.array.Array or ndarray of shape (n_samples,) or \
            (n_samples, K), default=None
        Non-negative weights; a 2-d array gives each problem its own weights.
    C : float, default=1.0
        Inverse L2 regularisation strength; ``np.inf`` means no penalty.
    fit_intercept : bool, default=True
        Whether each problem has an (unpenalised) intercept.
    precondition : bool, default=True
        Whether the solver coordinates are centred and scaled per feature.
    client : distributed.Client, default=None
        Client of the cluster to use; the current default client when None.

    Attributes
    ----------
    blocks : list of distributed.Future
        One future per row chunk, in row order, each holding the tuple
        ``(X_i, Y_i, sw_i)`` with ``Y_i`` of shape (n_i, K) and ``sw_i`` of shape
        (n_i, 1) or (n_i, K), both in X's dtype and not normalised. Chunk-wise
        algorithms (a solver streaming the chunks, say) run tasks on them where
        they live.
    n_params : int
        Length of the flat parameter vector, ``K * (n_features + fit_intercept)``.
    direct : bool
        Class attribute, True: evaluate through one dask actor per worker (calls
        from the client straight to the workers). False always uses tasks, e.g. for
        a client that can reach the scheduler but not the workers.
    gather_limit : int
        Class attribute, 32: the most task results sent straight to the client.
        Actors are used with up to that many workers, or with more as long as
        their sums total at most ``broadcast_limit`` bytes.
    broadcast_limit : int
        Class attribute, 1 MB: the most bytes of coefficients embedded in the tasks
        of one evaluation, and of actor sums brought to the client beyond
        ``gather_limit`` workers.

    Notes
    -----
    Set-up: one pass over the chunks gives the weight totals, the NaN and
    infinity check of ``X`` (which raises ValueError before any solver
    iteration) and, when the weights have one column, the feature moments of the
    preconditioner; per-problem weights need a second pass for the moments.

    Evaluation: when the chunks are held by at most ``gather_limit`` workers (or
    more, while the sums of all workers total at most ``broadcast_limit`` bytes),
    each worker gets one :class:`dask actor <distributed.actor.Actor>` created
    with its chunks, and an evaluation is one direct call to each actor, carrying
    the coefficients ``[W | b]`` out and one ``(K, n_features + 2)`` sum back: the
    scheduler is not involved, so a round trip costs a few milliseconds instead of
    several task transitions. If a call fails because a worker was lost or cannot
    be reached, the objective falls back to tasks for good.

    With tasks (large results from many workers, ``direct=False``, or after a
    failed call), an evaluation runs one task per worker thread holding chunks, on
    that worker's chunks. The coefficients travel inside each task while that
    costs at most ``broadcast_limit`` bytes (1 MB) in total; beyond, they are
    scattered once to every worker instead. Up to ``gather_limit`` (32) task
    results are sent straight to the client and summed there; with more, they are
    first summed in a tree of fan-in 8 (a worker's results side by side), so the
    client receives at most 8 partial sums whatever the size of the cluster.

    Reproducibility: while the per-chunk results of a reduction total at most
    ``broadcast_limit`` bytes (``n_chunks * 8 * K * (n_features + 2)``), actors
    and tasks send them back one per chunk and the client adds them up in row
    order, so the sums, and the fit, are the same bit for bit wherever the chunks
    happen to live. Beyond, each worker (or task) sums its own chunks first:
    fewer bytes, with a rounding that depends on the placement of the chunks.

    Actors hold references to their worker's chunks: memory the worker cannot
    spill to disk while the objective lives.
    """

    direct = True
    gather_limit = 32
    broadcast_limit = 1_000_000
    has_hessian = False  # no hessian_problems() on a cluster: L-BFGS or SGD
    fuse_problems = True  # every evaluation is a round trip: share them

    def __init__(
        self,
        X,
        Y,
        sample_weight=None,
        C=1.0,
        fit_intercept=True,
        precondition=True,
        client=None,
    ):
        self.client = _get_client(client)
        if len(X.chunks[1]) > 1:
            X = X.rechunk({1: -1})
        self.dtype = np.dtype(X.dtype)
        n, d = X.shape
        rows = X.chunks[0]
        Y = da.asarray(Y)
        Y = (Y[:, None] if Y.ndim == 1 else Y).rechunk((rows, -1))
        arrays = [X, Y]
        sw_columns = 1
        if sample_weight is not None:
            sw = da.asarray(sample_weight)
            sw = (sw[:, None] if sw.ndim == 1 else sw).rechunk((rows, -1))
            sw_columns = sw.shape[1]
            arrays.append(sw)
        futures = [_block_futures(a) for a in self.client.persist(arrays)]
        if sample_weight is None:
            futures.append([None] * len(rows))
        workers = _balanced_placement(self.client, futures[0], rows)
        self.blocks = [
            self.client.submit(
                _pack, x, y, s, self.dtype, workers=w and [w],
                allow_other_workers=w is not None, pure=False,
            )
            for x, y, s, w in zip(*futures, workers, strict=True)
        ]
        del futures, arrays  # the chunks now live in the packs
        self._groups = None
        self.n_samples, self.n_features = n, d
        self.K = Y.shape[1]
        # Per-chunk results summed on the client in row order while they are few
        # bytes: then the rounding does not depend on where the chunks live.
        self._ordered = len(rows) * 8 * self.K * (d + 2) <= self.broadcast_limit
        self._actors = self._start_actors(workers) if self.direct else None
        self._handles = None  # the actors, once created
        self.fit_intercept = bool(fit_intercept)
        self.C = float(C)

        fused = bool(precondition) and sw_columns == 1
        sums, (flags, _, mean, std) = self._map_reduce(
            _chunk_setup, _combine_setup, moments=fused
        )
        sw_sum, positive = sums[: -self.K], sums[-self.K :]
        if np.any(sw_sum <= 0):
            raise ValueError("The sample weights of every problem must not sum to 0.")
        _raise_nonfinite(flags, self.dtype)
        self._sw_norm = np.broadcast_to(sw_sum, (self.K,)).copy()
        self.sw_sum = self._sw_norm.copy()
        self.l2 = 1.0 / (self.C * self.sw_sum)
        # known from the set-up pass: positive_fraction() need not look at Y
        self._positive_fraction = np.clip(positive / self.sw_sum, 0.0, 1.0)
        self._set_preconditioner(
            precondition, sw_sum, moments=(mean, std) if fused else None
        )
        self.n_coef = d + self.fit_intercept
        self.n_params = self.K * self.n_coef

    # ---------------------------------------------------------------- reductions
    def _start_actors(self, workers):
        """One :class:`_WorkerChunks` actor per worker of the placement, or None.

        None when the placement is unknown, or when it spans more than
        ``gather_limit`` workers and their sums, one per worker, would bring more
        than ``broadcast_limit`` bytes to the client. The actors are created by
        tasks that depend on the packs, so nothing waits here.
        """
        by_worker = {}
        for i, w in enumerate(workers):
            by_worker.setdefault(w, []).append(i)
        back = len(by_worker) * 8 * self.K * (self.n_features + 2)
        if None in by_worker or (
            len(by_worker) > self.gather_limit and back > self.broadcast_limit
        ):
            return None
        return [
            self.client.submit(
                _WorkerChunks, idx, *[self.blocks[i] for i in idx], workers=[w],
                allow_other_workers=True, actor=True, pure=False,
            )
            for w, idx in by_worker.items()
        ]

    def _map_reduce(self, chunk_fn, combine, **broadcast):
        """``combine`` of ``chunk_fn(chunk_i, **broadcast)`` over all chunks.

        Through the per-worker actors when there are some, else through tasks
        (see the class notes).
        """
        if self._actors is not None:
            try:
                if self._handles is None:  # waits for the actors to be created
                    self._handles = [a.result() for a in self._actors]
                elif any(a.status != "finished" for a in self._actors):
                    raise RuntimeError("a worker holding an actor was lost")
                calls = [
                    h.reduce(chunk_fn, combine, broadcast, self._ordered)
                    for h in self._handles
                ]
                results = [c.result() for c in calls]
                if self._ordered:
                    return _in_row_order(combine, results)
                return combine(*results)
            except (OSError, RuntimeError):  # a worker holding an actor was lost
                self._actors = self._handles = None
                self._groups = None
        return self._task_map_reduce(chunk_fn, combine, broadcast)

    def _task_map_reduce(self, chunk_fn, combine, broadcast):
        """``_map_reduce`` with one task per worker thread, then a tree."""
        client = self.client
        groups = self._worker_groups()
        for name, value in broadcast.items():
            if (
                isinstance(value, np.ndarray)
                and value.nbytes * len(groups) > self.broadcast_limit
            ):
                broadcast[name] = client.scatter(value, broadcast=True, hash=False)
        parts = [
            client.submit(
                _group_task, chunk_fn, combine, idx if self._ordered else None,
                *[self.blocks[i] for i in idx], **broadcast, workers=w and [w],
                allow_other_workers=True, pure=False,
            )
            for w, idx in groups
        ]
        if self._ordered:
            return _in_row_order(combine, client.gather(parts))
        if len(parts) > self.gather_limit:
            while len(parts) > _FAN_IN:
                parts = [
                    client.submit(combine, *parts[i : i + _FAN_IN], pure=False)
                    for i in range(0, len(parts), _FAN_IN)
                ]
        return combine(*client.gather(parts))

    def _worker_groups(self):
        """``(worker, chunk indices)`` pairs, one per worker thread holding chunks.

        Each worker's chunks are split into as many groups as it has threads, and
        a worker's groups are side by side. Computed once; if chunks later move,
        the grouping is only less local.
        """
        if self._groups is None:
            wait(self.blocks)
            who_has = self.client.who_has(self.blocks)
            threads = {
                w: info.get("nthreads", 1)
                for w, info in self.client.scheduler_info()["workers"].items()
            }
            by_worker = {}
            for i, f in enumerate(self.blocks):
                holders = [w for w in who_has.get(f.key) or () if w in threads]
                # a replicated chunk joins the least loaded of its holders
                w = min(
                    sorted(holders) or [None],
                    key=lambda h: len(by_worker.get(h, ())),
                )
                by_worker.setdefault(w, []).append(i)
            self._groups = [
                (w, [int(i) for i in part])
                for w, idx in by_worker.items()
                for part in np.array_split(idx, min(threads.get(w, 1), len(idx)))
            ]
        return self._groups

    # ------------------------------------------------------------------ kernels
    def feature_moments(self, sw):
        """Weighted mean and standard deviation of every feature, on the cluster.

        One pass over ``X``: each chunk's moments are computed by the in-memory
        routine and pooled with the parallel-variance formula. The weight of a row
        is the mean over the problems of its weight divided by the problem's total,
        as in memory.

        Parameters
        ----------
        sw : ndarray of shape (K,) or (1,)
            The total weight of each problem (one total for weights shared by all
            problems).

        Returns
        -------
        mean, std : ndarray of shape (n_features,)
        """
        _, _, mean, std = self._map_reduce(
            _chunk_moments, _combine_moments, sw_sum=np.asarray(sw, np.float64)
        )
        return mean, std

    def data_term(self, W, b, rows=None, cols=None):
        """Weighted data term of the problems and their gradients, on the cluster.

        Parameters
        ----------
        W : ndarray of shape (K, n_features)
            Coefficients (original coordinates).
        b : ndarray of shape (K,)
            Intercepts.
        rows : None
            Must be None: the data term is always evaluated on all rows. Row
            subsets live on different workers; chunk-wise algorithms use
            :attr:`blocks` instead.
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
        if rows is not None:
            raise NotImplementedError(
                "DaskLinearBCE evaluates the data term on all rows only; run "
                "chunk-wise algorithms on its `blocks` instead."
            )
        total = self._map_reduce(
            _chunk_sums, _sum_arrays, Wb=np.column_stack([W, b]),
            fit_intercept=self.fit_intercept, cols=cols,
        )
        total /= (self._sw_norm if cols is None else self._sw_norm[cols])[:, None]
        d = self.n_features
        return total[:, d + 1], total[:, :d], total[:, d]


# ------------------------------------------------------------- streaming SGD
def _stream_objective(chunk, *, shift, scale, C, l2, fit_intercept):
    """The objective of one chunk in the global coordinates, with the global penalty.

    Its data term is the chunk's weighted mean loss; its penalty is the whole
    objective's ``l2 * ||W||^2 / 2``, so that the chunks' objectives, weighted by
    their share of the total weight, add up to the whole objective.
    """
    X, Y, sw = chunk
    if sp.issparse(X) and X.format == "csc":
        X = X.tocsr()  # mini-batches are row slices
    objective = LinearBCE(
        X, Y, sample_weight=sw, C=C, fit_intercept=fit_intercept,
        preconditioner=(shift, scale),
    )
    objective.l2 = np.array(l2, dtype=np.float64)
    return objective


def _stream_start(chunk, x0, *, seed, eta0, average, **coords):
    return start_stream(
        _stream_objective(chunk, **coords), x0, random_state=seed, eta0=eta0,
        average=average,
    )


def _stream_step(state, chunk, *, options, **coords):
    """``sgd_partial_fit`` of one chunk, on a copy of ``state`` (tasks may rerun)."""
    state = copy.deepcopy(state)
    sgd_partial_fit(_stream_objective(chunk, **coords), state, **options)
    return state


def _stream_point(state):
    return state.theta if state.average is None else state.average.mean


def stream_sgd(
    objective,
    x0,
    *,
    tol=1e-4,
    grad_tol=None,
    max_iter=100,
    verbose=0,
    random_state=None,
    learning_rate="auto",
    eta0="auto",
    power_t=0.5,
    batch_size="auto",
    shuffle=True,
    average=True,
    n_iter_no_change=5,
    alpha=None,
    l1=None,
):
    """Minimise a :class:`DaskLinearBCE` by streaming its chunks through SGD.

    Every epoch visits the chunks of ``objective.blocks`` in a random order and
    makes, on the worker holding each chunk, the update of
    :meth:`~sklearn_bce.BCELogisticClassifier.partial_fit`
    (:func:`~sklearn_bce._solvers.sgd.sgd_partial_fit`) on the objective of that
    chunk: the chunk's weighted mean loss plus the whole objective's penalty, in
    the whole objective's coordinates. Only the solver state (coefficients, step
    schedule, running average, random state) moves from worker to worker; the
    chunks stay where they are. After each epoch one evaluation of the whole
    objective gives the stopping test and ``history``.

    The random numbers are drawn from ``check_random_state(random_state)``: first
    the seed of the stream (its shuffles within the chunks and the curvature
    estimate of its initial step, on the first chunk visited), then one
    permutation of the chunks per epoch. Chunks on which a problem has zero total
    weight are skipped.

    The stopping rule is that of :func:`~sklearn_bce._solvers.sgd.sgd`, applied
    to all the problems together: the fit stops when, for every problem, the
    max-norm of the (proximal) gradient is at most ``grad_tol`` or ``n_iter_no_change``
    epochs in a row have not lowered the objective by more than ``tol`` times its
    best value; otherwise after ``max_iter`` epochs (not converged).

    Parameters
    ----------
    objective : DaskLinearBCE
        The objective; its penalty is the L2 part (``l2``) of the full penalty.
    x0 : ndarray of shape (n_params,)
        Starting point, in the objective's coordinates.
    tol : float, default=1e-4
        Stopping tolerance.
    grad_tol : float or ndarray of shape (K,), default=None
        Gradient max-norm at which a problem is done (one value per problem for
        an array); ``tol`` when None.
    max_iter : int, default=100
        Maximum number of epochs (passes over all the chunks).
    verbose : int, default=0
        Values above 0 print the objective after each epoch.
    random_state : int, RandomState instance or None, default=None
        Seed of the chunk orders and of the stream.
    learning_rate : {"auto", "constant", "optimal", "invscaling", "adaptive"}, \
            default="auto"
        Step-size rule of :func:`~sklearn_bce._solvers.sgd.sgd_partial_fit`.
    eta0 : float or "auto", default="auto"
        Initial step; "auto" is the inverse curvature on the first chunk.
    power_t : float, default=0.5
        Exponent of "invscaling".
    batch_size : int or "auto", default="auto"
        Rows per mini-batch within a chunk.
    shuffle : bool, default=True
        Whether the rows of a chunk are visited in random order.
    average : bool or int, default=True
        Polyak-Ruppert averaging over the whole stream.
    n_iter_no_change : int, default=5
        Epochs without sufficient progress before stopping.
    alpha : ndarray of shape (K,), default=None
        Strength of the whole penalty per problem, ``1 / (C * S_k)``.
    l1 : ndarray of shape (K,), default=None
        L1 strength of each problem.

    Returns
    -------
    result : SGDResult
        ``x`` the coefficients (the average, when averaging), ``history`` the
        objective after each epoch, ``n_iter`` the epochs (the same for every
        problem).
    """
    client = objective.client
    n_chunks = len(objective.blocks)
    K = objective.K
    rng = check_random_state(random_state)
    seed = rng.randint(np.iinfo(np.int32).max)
    weights = client.gather(client.map(_chunk_weight_sums, objective.blocks))
    # a chunk is usable when every problem has weight in it ([S | P], see above)
    usable = np.array([np.all(np.asarray(w)[:-K] > 0) for w in weights])
    wait(objective.blocks)
    who_has = client.who_has(objective.blocks)
    where = [sorted(who_has.get(f.key) or ()) or None for f in objective.blocks]
    coords = dict(
        shift=objective.shift, scale=objective.scale, C=objective.C,
        l2=objective.l2, fit_intercept=objective.fit_intercept,
    )
    options = dict(
        learning_rate=learning_rate, power_t=power_t, batch_size=batch_size,
        shuffle=shuffle, alpha=alpha, l1=l1,
    )
    _, l1w = _l1_setup(objective, l1)
    x = np.array(x0, dtype=np.float64)
    F, grad = _evaluate(objective, x, l1)
    best = F.copy()
    no_change = np.zeros(K, dtype=np.int32)
    grad_tol = tol if grad_tol is None else np.asarray(grad_tol, dtype=np.float64)
    done = _optimality(x, grad, l1w, K) <= grad_tol
    state = None
    history = []
    epochs = 0
    for _ in range(max_iter):
        if done.all():
            break
        order = [i for i in rng.permutation(n_chunks) if usable[i]]
        for i in order:
            place = dict(workers=where[i], allow_other_workers=True, pure=False)
            if state is None:
                state = client.submit(
                    _stream_start, objective.blocks[i], x, seed=seed, eta0=eta0,
                    average=average, **coords, **place,
                )
            state = client.submit(
                _stream_step, state, objective.blocks[i], options=options,
                **coords, **place,
            )
        epochs += 1
        x = _stream_point(state.result())
        F, grad = _evaluate(objective, x, l1)
        history.append(float(F.sum()))
        if verbose:
            print(f"SGD epoch {epochs}: objective {history[-1]:.10g}")
        no_change = np.where(F > best - tol * np.abs(best), no_change + 1, 0)
        best = np.minimum(best, F)
        done |= (_optimality(x, grad, l1w, K) <= grad_tol) | (
            no_change >= n_iter_no_change
        )
    return SGDResult(
        x=x,
        n_iter=np.full(K, epochs, dtype=np.int32),
        converged=bool(done.all()),
        fun=float(F.sum()),
        grad_norm=float(_optimality(x, grad, l1w, K).max(initial=0.0)),
        history=history,
        message="converged" if done.all() else "maximum number of epochs reached",
    )


# ------------------------------------------------------------ input handling
def _as_dask_matrix(X):
    """A dask array of X and an empty in-memory stand-in for validation.

    The stand-in (zero rows, X's columns, dtype and container type: a pandas
    DataFrame for a dask DataFrame) goes through scikit-learn's ``validate_data``,
    which then sets or checks ``n_features_in_`` and ``feature_names_in_`` and
    words its errors exactly as for in-memory input.
    """
    if hasattr(X, "to_dask_array"):  # dask DataFrame or Series
        return X.to_dask_array(), X._meta
    if not isinstance(X, da.Array):
        raise TypeError(
            "X must be a dask array or a dask DataFrame when it is a dask "
            f"collection; got {type(X).__module__}.{type(X).__name__}."
        )
    if X.ndim == 2 and sp.issparse(X._meta):
        meta = sp.csr_matrix((0, X.shape[1]), dtype=X.dtype)
    else:
        meta = np.empty((0,) + X.shape[1:], dtype=X.dtype)
    return X, meta


def _validated_matrix(estimator, X, reset):
    """X as a float dask array with whole rows per chunk, validated like in memory.

    ``reset=True`` (fit) sets ``n_features_in_`` and ``feature_names_in_``;
    ``reset=False`` (predict) checks them.
    """
    X, meta = _as_dask_matrix(X)
    validate_data(
        estimator, meta, reset=reset, accept_sparse=["csr", "csc"],
        dtype=[np.float64, np.float32], ensure_min_samples=0,
    )
    X = _numeric(X)
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return X


def _numeric(X, name="X"):
    """X in float32 or float64, converting other real dtypes lazily."""
    kind = np.dtype(X.dtype).kind
    if kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {X.dtype}.")
    if kind not in "biuf":
        raise ValueError(
            f"{name} must hold numbers, got dtype {X.dtype}. Convert the data to "
            "numeric values first."
        )
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    return X


def _persisted(client, arr):
    """``arr`` computed once and kept on the cluster, with known chunk sizes."""
    arr = client.persist(arr)
    if any(np.isnan(c) for c in arr.chunks[0]):
        arr.compute_chunk_sizes()  # cheap now: only the shapes of persisted chunks
    return arr


def _as_dask_vector(client, v, name, n_samples, rows):
    """``v`` as a persisted 1-d dask array with the row chunks of X."""
    if hasattr(v, "to_dask_array"):
        with warnings.catch_warnings():
            # string labels become an object array, which is all the fit needs
            warnings.filterwarnings(
                "ignore", "Dask currently has limited support for converting pandas",
                UserWarning,
            )
            v = v.to_dask_array()
    elif not isinstance(v, da.Array):
        v = np.asarray(v)
        if v.ndim > 0:
            v = da.from_array(v, chunks=(rows,) + v.shape[1:])
    if v.ndim == 0:
        return client.persist(da.full(n_samples, v, chunks=(rows,)))
    if v.ndim == 2 and v.shape[1] == 1:
        if name == "y":
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please "
                "change the shape of y to (n_samples,), for example using ravel().",
                DataConversionWarning,
                stacklevel=4,
            )
        v = v[:, 0]
    if name == "y" and v.ndim > 2:
        raise ValueError(
            f"y should be a 1d array, got an array of shape {v.shape} instead."
        )
    if v.ndim == 2 and len(v.chunks[1]) > 1:
        v = v.rechunk({1: -1})
    v = _persisted(client, v)
    if v.shape[0] != n_samples or (v.ndim != 1 and name != "y"):
        if name == "sample_weight":
            raise ValueError(
                f"sample_weight must have shape ({n_samples},), one weight per "
                f"sample; got shape {v.shape}."
            )
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{n_samples}, {v.shape[0]}]"
        )
    if v.chunks[0] == rows:
        return v
    return client.persist(v.rechunk((rows,) if v.ndim == 1 else (rows, -1)))


# ------------------------------------------------------- target statistics
def _block_class_stats(y, sw=None):
    """Classes of a chunk, their weighted totals and the weight flags.

    Returns ``(classes, totals, flags)`` with ``flags = [non-finite weight,
    negative weight]``.
    """
    classes, inverse = np.unique(y, return_inverse=True)
    flags = np.zeros(2, dtype=bool)
    if sw is not None:
        sw = np.asarray(sw, dtype=np.float64)
        flags[:] = [not np.isfinite(sw).all(), bool(np.any(sw < 0))]
        if flags[0]:
            sw = np.where(np.isfinite(sw), sw, 0.0)
    totals = np.bincount(inverse.ravel(), weights=sw, minlength=classes.size)
    return classes, totals.astype(np.float64), flags


def _combine_class_stats(*parts):
    classes, inverse = np.unique(
        np.concatenate([p[0] for p in parts]), return_inverse=True
    )
    totals = np.bincount(
        inverse.ravel(), weights=np.concatenate([p[1] for p in parts]),
        minlength=classes.size,
    )
    return classes, totals, np.logical_or.reduce([p[2] for p in parts])


def _block_indicator_stats(y, sw=None):
    """Statistics of a chunk of a 2-d target: is it a 0/1 indicator, and its weights.

    Returns ``(values, totals, flags)``: the (at most 3) smallest distinct values,
    the weighted count of 0 and of 1 in each column (shape (2, n_labels)), and
    ``flags = [non-finite weight, negative weight, NaN in y, infinity in y,
    non-integer value, more than 3 distinct values]``.
    """
    y = np.asarray(y)
    flags = np.zeros(6, dtype=bool)
    w = np.ones(y.shape[0])
    if sw is not None:
        w = np.asarray(sw, dtype=np.float64)
        flags[:2] = [not np.isfinite(w).all(), bool(np.any(w < 0))]
        if flags[0]:
            w = np.where(np.isfinite(w), w, 0.0)
    if y.dtype.kind == "f":
        flags[2], flags[3] = np.isnan(y).any(), np.isinf(y).any()
        finite = y[np.isfinite(y)]
        flags[4] = bool(np.any(finite != np.floor(finite)))
    values = np.unique(y)
    flags[5] = values.size > 3
    totals = np.stack([w @ (y == 0), w @ (y == 1)]).astype(np.float64)
    return values[:3], totals, flags


def _combine_indicator_stats(*parts):
    values = np.unique(np.concatenate([p[0] for p in parts]))
    flags = np.logical_or.reduce([p[2] for p in parts])
    flags[5] |= values.size > 3
    return values[:3], _sum_arrays(*[p[1] for p in parts]), flags


def _label_weight_block(y, sw=None, *, factors):
    """Per-label weights of one chunk of an indicator: class factors times weights."""
    w = np.where(np.asarray(y) == 1, factors[1], factors[0])
    return w if sw is None else w * np.asarray(sw, dtype=np.float64)


def _indicator_targets(estimator, y, sw):
    """Check a 2-d dask target on the cluster; its classes and per-label weights.

    Applies the in-memory rules: the values must be 0 and 1 (the errors are those of
    the in-memory fit), a dict ``class_weight`` is rejected and ``'balanced'``
    balances every label on its own.
    """
    from ._classifier import _balanced_weights

    client = _get_client()
    values, totals, flags = _map_reduce(
        client, _block_indicator_stats, _combine_indicator_stats,
        [y] if sw is None else [y, sw],
    )
    _raise_weight_flags(flags[:2], 1.0)
    if flags[2]:
        raise ValueError("Input y contains NaN.")
    if flags[3]:
        raise ValueError(
            f"Input y contains infinity or a value too large for dtype('{y.dtype}')."
        )
    prefix = (
        "A 2-d y must be a multilabel indicator matrix (0/1 entries, one column per "
        "label); got "
    )
    suffix = " Pass 1-d class labels for binary or multi-class problems."
    if flags[4] or flags[5] or values.size > 2:
        kind = "continuous" if flags[4] else "multiclass"
        raise ValueError(f"{prefix}a target of type '{kind}-multioutput'.{suffix}")
    if not np.isin(values, [0, 1]).all():
        raise ValueError(f"{prefix}the values {values.tolist()}.{suffix}")
    _raise_weight_flags(flags[:2], totals[:, 0].sum())
    K = y.shape[1]
    classes = np.arange(K)
    # the in-memory encoding of a small table raises its own class_weight errors
    estimator._encode_targets(np.zeros((2, K), np.int8), classes, True, None)
    if estimator.class_weight is None:
        return classes, sw
    factors = np.array([
        _balanced_weights(np.array([0, 1]), totals[:, k]) for k in range(K)
    ]).T  # (2, K): the weight factor of a 0 and of a 1 in each column
    weights = da.map_blocks(  # sw as a column: its blocks then pair with y's rows
        _label_weight_block, *([y] if sw is None else [y, sw[:, None]]),
        factors=factors,
        dtype=np.float64, meta=np.empty((0, 0)),
    )
    return classes, weights


def _raise_weight_flags(flags, total):
    if flags[0]:
        raise ValueError("sample_weight contains NaN or infinity.")
    if flags[1]:
        raise ValueError("Negative values in sample_weight are not allowed.")
    if not total > 0:
        raise ValueError(
            "sample_weight sums to zero: at least one weight must be positive."
        )


def _encode_block(y, *, classes, table):
    """Rows of ``table`` (one per class) for the labels of one chunk."""
    return table[np.searchsorted(classes, y)]


def _weight_block(y, sw=None, *, classes, factors):
    """Per-problem weights of one chunk: its sample weights times class factors."""
    f = factors[np.searchsorted(classes, y)]
    return f if sw is None else f * sw[:, None].astype(f.dtype)


# ------------------------------------------------------------------ estimator
def fit(estimator, X, y, sample_weight=None):
    """Fit a :class:`~sklearn_bce.BCELogisticClassifier` on dask collections.

    Validation happens on the cluster: the classes, their weighted totals (for
    ``class_weight``) and the sample-weight checks come from one reduction over
    ``y`` and ``sample_weight``; NaN and infinity in ``X`` are found in the first
    pass over ``X`` (see :class:`DaskLinearBCE`). The targets are encoded chunk by
    chunk with the estimator's own in-memory encoding applied to the table of
    classes, so every weight is exactly what the in-memory fit would use.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        The estimator to fit (parameters already validated).
    X : dask.array.Array or dask.dataframe.DataFrame of shape \
            (n_samples, n_features)
        Training data.
    y : dask.array.Array, dask Series or array-like of shape (n_samples,) or \
            (n_samples, n_labels)
        Target labels, or a 0/1 multilabel indicator matrix (one independent
        binary problem per column, checked on the cluster).
    sample_weight : dask.array.Array, dask Series, array-like or float, \
            default=None
        Sample weights.

    Returns
    -------
    estimator : BCELogisticClassifier
        The fitted estimator.

    Raises
    ------
    ValueError
        For invalid data, targets or weights (the errors of the in-memory fit), and
        for ``early_stopping=True`` with ``solver="sgd"``.
    """
    client = _get_client()
    X = _persisted(client, _validated_matrix(estimator, X, reset=True))
    n_samples, rows = X.shape[0], X.chunks[0]
    if n_samples == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 "
            "is required."
        )
    y = _as_dask_vector(client, y, "y", n_samples, rows)
    sw = None
    if sample_weight is not None:
        sw = _numeric(
            _as_dask_vector(client, sample_weight, "sample_weight", n_samples, rows),
            "sample_weight",
        )

    if estimator.solver == "sgd":
        estimator._check_sgd_schedule()
        if estimator.early_stopping:
            raise ValueError(
                "early_stopping=True is not supported on dask collections: hold out "
                "a validation set yourself, or set early_stopping=False."
            )
    estimator._reset_sgd_state()
    if y.ndim == 2:
        classes, weights = _indicator_targets(estimator, y, sw)
        objective = _objective(estimator, X, y.astype(X.dtype), weights, client)
        return _solve(estimator, objective, classes, X.dtype, True)

    classes, totals, flags = _map_reduce(
        client, _block_class_stats, _combine_class_stats,
        [y] if sw is None else [y, sw],
    )
    _raise_weight_flags(flags, totals.sum())
    check_classification_targets(classes)
    if classes.size < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but the "
            f"data contains only one class: {classes[0]!r}."
        )

    # The in-memory encoding of the class table, with each class's total weight as
    # its sample weight, gives every class's target row and weight factors.
    table, class_sw = estimator._encode_targets(classes, classes, False, totals)
    K = table.shape[1]
    Y = y.map_blocks(
        _encode_block, classes=classes, table=table.astype(X.dtype), dtype=X.dtype,
        chunks=(rows, (K,)), new_axis=1, meta=np.empty((0, 0), X.dtype),
    )
    if estimator.class_weight is None:
        weights = sw
    else:
        class_sw = class_sw.reshape(classes.size, -1)
        factors = np.divide(
            class_sw, totals[:, None], out=np.zeros_like(class_sw),
            where=totals[:, None] > 0,
        )
        blocks = [y] if sw is None else [y, sw]
        weights = da.map_blocks(
            _weight_block, *blocks, classes=classes, factors=factors,
            dtype=np.float64, chunks=(rows, (factors.shape[1],)), new_axis=1,
            meta=np.empty((0, 0)),
        )
    objective = _objective(estimator, X, Y, weights, client)
    return _solve(estimator, objective, classes, X.dtype, False)


def _objective(estimator, X, Y, weights, client):
    """The objective of the fit; for SGD, with the L2 part of the penalty only."""
    C = estimator.C
    if estimator.solver == "sgd":
        C = estimator._sgd_penalties(1, None)[0]
    return DaskLinearBCE(
        X, Y, sample_weight=weights, C=C, fit_intercept=estimator.fit_intercept,
        client=client,
    )


def _solve(estimator, objective, classes, dtype, multilabel):
    if estimator.solver != "sgd":
        return estimator._solve_objective(objective, classes, dtype, multilabel)
    from ._classifier import _SINGLE_VALUED_ADVICE, _warn_if_single_valued

    single_valued = _warn_if_single_valued(objective, classes, multilabel)
    _, alpha, l1 = estimator._sgd_penalties(1, None, objective.sw_sum)
    x0 = estimator._initial_theta(objective, classes, multilabel)
    result = stream_sgd(
        objective, x0, tol=estimator.tol,
        grad_tol=estimator.tol * objective.curvature_at_prior(),
        max_iter=estimator.max_iter,
        verbose=estimator.verbose, random_state=estimator.random_state,
        learning_rate=estimator.learning_rate, eta0=estimator.eta0,
        power_t=estimator.power_t, batch_size=estimator.batch_size,
        shuffle=estimator.shuffle,
        average=True if estimator.learning_rate == "auto" else estimator.average,
        n_iter_no_change=estimator.n_iter_no_change, alpha=alpha, l1=l1,
    )
    if not result.converged:
        warn_not_converged(
            "sgd", result, estimator.max_iter,
            "For solver='sgd', max_iter counts epochs over the chunks."
            + (_SINGLE_VALUED_ADVICE if single_valued else ""),
        )
    estimator._set_coef(objective, result.x, classes, multilabel, dtype)
    estimator.n_iter_ = np.asarray(result.n_iter, dtype=np.int32)
    estimator.solver_ = "sgd"
    estimator.loss_curve_ = list(result.history)
    estimator.validation_loss_curve_ = None
    return estimator


def _predict_block(X, *, coef, intercept, classes, method, multilabel=False):
    from ._classifier import _labels, _log_proba, _proba, _scores

    X = _aligned(X)
    _raise_nonfinite(_nonfinite_flags(X), X.dtype)
    Z = _scores(X, coef, intercept)
    if method == "decision_function":
        return Z
    if method == "predict":
        return _labels(Z, classes, multilabel)
    if method == "predict_proba":
        return _proba(Z, multilabel)
    return _log_proba(Z, multilabel)


def predict(estimator, X, method):
    """Lazy predictions of a fitted estimator on a dask collection.

    One ``map_blocks`` over the row chunks of ``X`` running the in-memory
    prediction code, so the result is chunk-aligned with ``X`` (for a dask
    DataFrame, one chunk per partition, of unknown size until computed). Feature
    names and the number of features are checked now; NaN and infinity in ``X``
    raise a ValueError when the result is computed.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        A fitted estimator.
    X : dask.array.Array or dask.dataframe.DataFrame of shape \
            (n_samples, n_features)
        Samples.
    method : {'decision_function', 'predict', 'predict_proba', \
            'predict_log_proba'}
        The prediction to compute.

    Returns
    -------
    result : dask.array.Array
        ``(n_samples,)`` for labels and binary logits, ``(n_samples, n_classes)``
        otherwise; nothing is computed.
    """
    check_is_fitted(estimator)
    X = _validated_matrix(estimator, X, reset=False)
    rows = X.chunks[0]
    multilabel = getattr(estimator, "multilabel_", False)
    n_out = {
        "decision_function": estimator.coef_.shape[0],
        "predict": estimator.classes_.size if multilabel else 1,
    }.get(method, estimator.classes_.size)
    if method == "predict":
        dtype = np.dtype(np.int64) if multilabel else estimator.classes_.dtype
    else:
        dtype = X.dtype
    if n_out == 1:
        shape = {"chunks": (rows,), "drop_axis": 1, "meta": np.empty(0, dtype)}
    else:
        shape = {"chunks": (rows, (n_out,)), "meta": np.empty((0, 0), dtype)}
    return X.map_blocks(
        _predict_block, coef=estimator.coef_, intercept=estimator.intercept_,
        classes=estimator.classes_, method=method, multilabel=multilabel,
        dtype=dtype, **shape,
    )
