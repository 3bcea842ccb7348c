"""Cluster plumbing: the client, reductions over chunks, actors and tasks.

:class:`ChunkSet` holds the row chunks of a fit on the workers and runs a function
on every chunk where it lives, adding up the results: through one dask actor per
worker while that pays (a call goes from the client straight to the worker), or
through tasks. Nothing here knows about losses or solvers.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import dask
import numpy as np
from dask.utils import parse_timedelta
from distributed import futures_of, get_client, get_worker, wait

__all__ = [
    "FAN_IN",
    "TIMEOUT_KEY",
    "ChunkSet",
    "WorkerChunks",
    "balanced_placement",
    "block_futures",
    "cluster_client",
    "group_task",
    "in_row_order",
    "map_reduce",
    "near",
    "reduce_chunks",
    "settled",
    "timeout",
]

# Partial results combined per task in the reductions; 8 keeps the trees shallow
# while each combining task stays cheap.
FAN_IN = 8


#: The dask config key of the longest wait for one result of the cluster.
TIMEOUT_KEY = "sklearn_bce.timeout"


def timeout():
    """Seconds to wait for any one result of the cluster before giving up.

    Set with ``dask.config.set({"sklearn_bce.timeout": "2 minutes"})`` (a number
    of seconds or a dask time string); 600 s when unset.

    Returns
    -------
    seconds : float
    """
    return float(parse_timedelta(dask.config.get(TIMEOUT_KEY, 600), default="s"))


def settled(client, futures, what):
    """Wait for ``futures``; a clear ``TimeoutError`` after :func:`timeout` seconds.

    A worker lost while holding a chunk is handled by the scheduler, which
    computes the chunk again elsewhere; what is left to fear is a wait that never
    ends: a hung worker, or a scheduler that cannot be reached.

    Parameters
    ----------
    client : distributed.Client
    futures : list of distributed.Future
    what : str
        What is waited for, for the message.

    Returns
    -------
    futures : list of distributed.Future
        The same futures, all finished (or errored).
    """
    seconds = timeout()
    try:
        wait(futures, timeout=seconds)
    except TimeoutError:
        if client.status != "running":  # asking the scheduler would wait too
            workers = f"the client is {client.status}: its scheduler does not answer"
        else:
            n_workers = len(client.scheduler_info()["workers"])
            workers = f"it has {n_workers} worker(s) now"
        raise TimeoutError(
            f"The dask cluster did not return {what} within {seconds:g} s "
            f"({workers}): a worker that hangs, workers that were all lost, or a "
            "scheduler that cannot be reached stop the fit here. Restart the "
            "cluster and fit again, or allow longer waits with "
            f'dask.config.set({{"{TIMEOUT_KEY}": seconds}}).'
        ) from None
    return futures


def cluster_client(client=None):
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
            dask.delayed(combine, pure=True)(*parts[i : i + FAN_IN])
            for i in range(0, len(parts), FAN_IN)
        ]
    return parts[0]


def map_reduce(client, block_fn, combine, arrays):
    """Run ``block_fn`` on aligned row blocks of dask ``arrays`` and tree-reduce.

    Used for the one-off passes over ``y`` and ``sample_weight`` before the
    objective exists; the objective reduces over its own persisted chunks. Up to
    ``ChunkSet.gather_limit`` block results go straight to the client (no
    combining task to wait for), more are tree-reduced first.
    """
    blocks = [a.to_delayed().ravel() for a in arrays]
    fn = dask.delayed(block_fn, pure=True)
    parts = [fn(*row) for row in zip(*blocks, strict=True)]
    if len(parts) <= ChunkSet.gather_limit:
        futures = settled(client, client.compute(parts), "a pass over the data")
        return combine(*client.gather(futures))
    future = client.compute(_delayed_tree(parts, combine))
    return settled(client, [future], "a pass over the data")[0].result()


def near(workers):
    """``submit`` keywords that prefer ``workers`` (a name, a list, or None)."""
    if not workers:  # no holder known (e.g. its worker was lost): anywhere
        return {}
    workers = [workers] if isinstance(workers, str) else list(workers)
    return {"workers": workers, "allow_other_workers": True}


def block_futures(arr):
    """Futures of a persisted array's row blocks, in row order."""
    by_key = {f.key: f for f in futures_of(arr)}
    keys = arr.__dask_keys__()
    return [by_key[k[0] if arr.ndim == 2 else k] for k in keys]


def balanced_placement(client, futures, rows):
    """A worker for each chunk: where it is when that keeps the work balanced.

    Each worker should get rows in proportion to its threads. Chunks are placed
    largest first on the holder with most room, provided it then exceeds its share
    by less than half the chunk; otherwise on the least loaded worker (the chunk
    then moves once, when the objective is built).
    """
    settled(client, futures, "the chunks of the data")
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


def reduce_chunks(
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


def in_row_order(combine, results):
    """``combine`` of ``(index, result)`` pairs from several workers, by index."""
    pairs = sorted((p for r in results for p in r), key=lambda p: p[0])
    return combine(*[part for _, part in pairs])


def group_task(chunk_fn, combine, indices, *chunks, **broadcast):
    """One task reducing several chunks of one worker (see ``reduce_chunks``)."""
    return reduce_chunks(chunks, chunk_fn, combine, broadcast, indices=indices)


class WorkerChunks:
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
        :func:`reduce_chunks`).
        """
        return reduce_chunks(
            self.chunks, chunk_fn, combine, broadcast, self._executor,
            indices=self.indices if ordered else None,
        )


class ChunkSet:
    """Row chunks held on a cluster, and reductions over them where they live.

    Parameters
    ----------
    client : distributed.Client
        The client of the cluster.
    blocks : list of distributed.Future
        One future per row chunk, in row order.
    workers : list of str or None
        The worker each chunk was placed on (None: unknown).
    result_bytes : int
        Bytes of one chunk's result in the evaluations (for the choice between
        actors and tasks, and of ordered sums).

    Attributes
    ----------
    direct : bool
        Class attribute, True: reduce through one dask actor per worker (calls
        from the client straight to the workers). False always uses tasks, e.g.
        for a client that can reach the scheduler but not the workers.
    gather_limit : int
        Class attribute, 32: the most task results sent straight to the client.
        Actors are used with up to that many workers, or with more as long as
        their results total at most ``broadcast_limit`` bytes.
    broadcast_limit : int
        Class attribute, 1 MB: the most bytes of arguments embedded in the tasks
        of one reduction, and of actor results brought to the client beyond
        ``gather_limit`` workers.

    Notes
    -----
    While the per-chunk results of a reduction total at most ``broadcast_limit``
    bytes, actors and tasks send them back one per chunk and the client adds them
    up in row order, so the sums are the same bit for bit wherever the chunks
    happen to live. Beyond, each worker (or task) sums its own chunks first:
    fewer bytes, with a rounding that depends on the placement of the chunks.
    If an actor call fails because a worker was lost or cannot be reached, the
    set falls back to tasks for good.
    """

    direct = True
    gather_limit = 32
    broadcast_limit = 1_000_000

    def __init__(self, client, blocks, workers, result_bytes):
        self.client = client
        self.blocks = blocks
        self.result_bytes = result_bytes
        self._groups = None
        # Per-chunk results summed on the client in row order while they are few
        # bytes: then the rounding does not depend on where the chunks live.
        self._ordered = len(blocks) * result_bytes <= self.broadcast_limit
        self._actors = self._start_actors(workers) if self.direct else None
        self._handles = None  # the actors, once created

    @property
    def n_workers(self):
        """int: Workers holding chunks (as placed)."""
        if self._actors is not None:
            return len(self._actors)
        return len({w for w, _ in self._worker_groups()})

    def _start_actors(self, workers):
        """One :class:`WorkerChunks` actor per worker of the placement, or None.

        None when the placement is unknown, or when it spans more than
        ``gather_limit`` workers and their results, one per worker, would bring more
        than ``broadcast_limit`` bytes to the client. The actors are created by
        tasks that depend on the packs, so nothing waits here.
        """
        by_worker = {}
        for i, w in enumerate(workers):
            by_worker.setdefault(w, []).append(i)
        back = len(by_worker) * self.result_bytes
        if None in by_worker or (
            len(by_worker) > self.gather_limit and back > self.broadcast_limit
        ):
            return None
        return [
            self.client.submit(
                WorkerChunks, idx, *[self.blocks[i] for i in idx], workers=[w],
                allow_other_workers=True, actor=True, pure=False,
            )
            for w, idx in by_worker.items()
        ]

    def map_reduce(self, chunk_fn, combine, **broadcast):
        """``combine`` of ``chunk_fn(chunk_i, **broadcast)`` over all chunks.

        Through the per-worker actors when there are some, else through tasks
        (see the class notes).
        """
        if self._actors is not None:
            try:
                if self._handles is None:  # waits for the actors to be created
                    self._handles = [a.result(timeout=timeout()) for a in self._actors]
                elif any(a.status != "finished" for a in self._actors):
                    raise RuntimeError("a worker holding an actor was lost")
                calls = [
                    h.reduce(chunk_fn, combine, broadcast, self._ordered)
                    for h in self._handles
                ]
                results = [c.result(timeout=timeout()) for c in calls]
                if self._ordered:
                    return in_row_order(combine, results)
                return combine(*results)
            except (OSError, RuntimeError):  # lost, unreachable (or timed out)
                self._actors = self._handles = None
                self._groups = None
        return self._task_map_reduce(chunk_fn, combine, broadcast)

    def _task_map_reduce(self, chunk_fn, combine, broadcast):
        """``map_reduce`` with one task per worker thread, then a tree."""
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
                group_task, chunk_fn, combine, idx if self._ordered else None,
                *[self.blocks[i] for i in idx], **broadcast, **near(w), pure=False,
            )
            for w, idx in groups
        ]
        if self._ordered:
            settled(client, parts, "an evaluation")
            return in_row_order(combine, client.gather(parts))
        if len(parts) > self.gather_limit:
            while len(parts) > FAN_IN:
                parts = [
                    client.submit(combine, *parts[i : i + FAN_IN], pure=False)
                    for i in range(0, len(parts), FAN_IN)
                ]
        return combine(*client.gather(settled(client, parts, "an evaluation")))

    def _worker_groups(self):
        """``(worker, chunk indices)`` pairs, one per worker thread holding chunks.

        Each worker's chunks are split into as many groups as it has threads, and
        a worker's groups are side by side. Computed once; if chunks later move,
        the grouping is only less local.
        """
        if self._groups is None:
            settled(self.client, self.blocks, "the chunks of the data")
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
