"""Fitting on a dask.distributed cluster: sklearn-bce against dask-ml.

One ``LocalCluster`` (2 worker processes, 1 thread each) serves every model, and the
data is persisted on it before any timing, as it would be when it does not fit on
one machine. Models, all with ``C=1`` and an intercept:

* ``BCELogisticClassifier`` on the in-memory arrays (the reference speed);
* ``BCELogisticClassifier`` on the dask arrays;
* ``dask_ml.linear_model.LogisticRegression(solver="lbfgs")`` on the same dask
  arrays, twice: with the tolerance translated to ours (see below) and with its
  default ``tol=1e-4``.

Same problem. dask-ml's lbfgs minimises ``sum_i bce_i + ||beta||^2 / (2 C)`` (its
``lamduh = 1 / C`` times ``||beta||^2 / 2``, on the summed, not averaged, loss), with
``beta`` the coefficients of the standardised features and the intercept. Ours is
that objective divided by ``n_samples`` (same minimiser for the same ``C``), with the
intercept not penalised. The features are standardised here, so dask-ml's internal
standardisation is the identity and the only difference is the intercept penalty,
``b^2 / (2 C)`` against a sum over 200 000 samples: negligible, and the objective
column (our objective at each model's coefficients) shows it. Its ``tol`` is the
gradient max-norm of the summed loss, ``n_samples`` times ours: ours runs with
``tol=1e-4`` (passed explicitly; the estimator's default is 1e-5), and ``tol = 1e-4
* n_samples`` asks dask-ml for the same gradient, reaching the same objective. The
headline speed-up is against that run.

Times are the best of ``repeats`` runs, interleaved so that a busy machine slows
every model alike; ratios come from the same run.

A second table measures what one objective evaluation costs on the cluster, the
numbers behind the scale estimate of the documentation (docs/dask.rst): the time of
one evaluation for several chunk counts (each worker's chunks are reduced in one
call, so it should hardly grow), the
kernel's throughput on one worker thread, and the bytes each evaluation moves.
"""

from __future__ import annotations

import json
import pickle
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sklearn_bce import BCELogisticClassifier
from sklearn_bce._objective import InMemoryBackend, Objective, Penalty

RESULTS = Path(__file__).parent / "results" / "dask.json"
REFERENCE = "dask-ml lbfgs, tol matched"


def _objective(X, y, C, coef, intercept):
    """Our objective at the given coefficients (the same for every model)."""
    backend = InMemoryBackend(X, (y == 1).astype(float)[:, None])
    objective = Objective(backend, Penalty(C, 0.0, backend.weight_totals()))
    return objective.loss(objective.from_coef(coef, intercept))


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _kernel_throughput(chunk, Wb, repeats=20):
    """Bytes of X per second through one chunk's kernel, on one worker thread."""
    from sklearn_bce._dask.chunks import chunk_sums

    evaluate = partial(chunk_sums, chunk, Wb, True)
    times = [_timed(evaluate)[0] for _ in range(repeats)]
    return chunk[0].nbytes / float(np.median(times))


def evaluation_costs(client, X, y, chunk_counts, repeats):
    """Time of one objective evaluation against the number of chunks.

    Parameters
    ----------
    client : distributed.Client
        Client of the cluster to measure.
    X, y : ndarray
        Data, sent to the cluster once per chunk count.
    chunk_counts : list of int
        Numbers of row chunks to try.
    repeats : int
        Evaluations timed per chunk count (the median is kept).

    Returns
    -------
    rows : list of dict
        One dict per chunk count: ``time_s`` (one evaluation, median),
        ``kernel_bytes_per_s`` (throughput of one chunk's kernel on one worker
        thread), ``bytes_out`` (pickled coefficients times the actor calls or
        tasks carrying them) and ``bytes_back`` (pickled partial sums the client
        receives).
    """
    import dask.array as da
    from distributed import wait

    from sklearn_bce._dask import DaskBackend
    from sklearn_bce._dask.cluster import FAN_IN

    n, d = X.shape
    rows = []
    Wb = np.zeros((1, d + 1))
    for n_chunks in chunk_counts:
        Xd = client.persist(da.from_array(X, chunks=(-(-n // n_chunks), d)))
        wait(Xd)
        backend = DaskBackend(Xd, da.from_array(y, chunks=(Xd.chunks[0],)))
        objective = Objective(backend, Penalty(1.0, 0.0, backend.weight_totals()))
        chunks = backend.chunks
        theta = np.zeros(objective.n_params)
        evaluate = partial(objective.loss_gradient, theta)
        evaluate()  # warm-up
        times = [_timed(evaluate)[0] for _ in range(repeats)]
        throughput = client.submit(
            _kernel_throughput, chunks.blocks[0], Wb, pure=False
        ).result()
        if chunks._actors is not None:  # one call per worker, one sum back
            n_out = n_back = len(chunks._actors)
        else:  # one task per worker thread; more than gather_limit: a tree
            n_out = len(chunks._worker_groups())
            n_back = n_out if n_out <= chunks.gather_limit else FAN_IN
        rows.append(
            {
                "case": f"one evaluation, {n}x{d}",
                "model": f"sklearn-bce on dask, {n_chunks} chunks",
                "time_s": float(np.median(times)),
                "objective": None,
                "kernel_bytes_per_s": throughput,
                "bytes_out": n_out * len(pickle.dumps(Wb)),
                "bytes_back": n_back * len(pickle.dumps(np.zeros((1, d + 2)))),
            }
        )
    return rows


def _fit_rows(client, X, y, n_chunks, repeats, C=1.0, tol=1e-4):
    """The four models on one chunking of the data, interleaved; see :func:`run`."""
    import dask.array as da
    from dask_ml.linear_model import LogisticRegression as DaskMLLogisticRegression
    from distributed import wait

    n, d = X.shape
    Xd = da.from_array(X, chunks=(-(-n // n_chunks), d))
    yd = da.from_array(y, chunks=(Xd.chunks[0],))
    Xd, yd = client.persist([Xd, yd])
    wait([Xd, yd])
    models = {
        "sklearn-bce in memory": lambda: BCELogisticClassifier(C=C, tol=tol).fit(X, y),
        "sklearn-bce on dask": lambda: BCELogisticClassifier(C=C, tol=tol).fit(Xd, yd),
        REFERENCE: lambda: DaskMLLogisticRegression(
            C=C, solver="lbfgs", tol=tol * n
        ).fit(Xd, yd),
        "dask-ml lbfgs, default tol": lambda: DaskMLLogisticRegression(
            C=C, solver="lbfgs", tol=tol
        ).fit(Xd, yd),
    }
    for fit in models.values():  # warm-up: imports on the workers, caches
        fit()
    times = {name: [] for name in models}
    fitted = {}
    names = list(models)
    for r in range(repeats):  # interleaved, alternating which model goes first
        for name in names if r % 2 == 0 else names[::-1]:
            t, fitted[name] = _timed(models[name])
            times[name].append(t)

    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():  # a reference that did not converge stops here
        warnings.simplefilter("error", ConvergenceWarning)
        tight = LogisticRegression(
            C=C, solver="newton-cholesky", tol=1e-10, max_iter=1000
        ).fit(X, y)
    best = _objective(X, y, C, tight.coef_, tight.intercept_)
    case = f"{n}x{d}, {n_chunks} chunks, 2 workers x 1 thread"
    rows = []
    for name, model in fitted.items():
        coef = np.atleast_2d(np.asarray(model.coef_, dtype=float))
        intercept = np.atleast_1d(np.asarray(model.intercept_, dtype=float))
        obj = _objective(X, y, C, coef, intercept)
        n_iter = getattr(model, "n_iter_", None)
        rows.append(
            {
                "case": case,
                "model": name,
                "time_s": min(times[name]),
                "objective": obj,
                "objective_gap": (obj - best) / best,
                "n_iter": None if n_iter is None else int(np.max(n_iter)),
            }
        )
    t = {r["model"]: r["time_s"] for r in rows}
    ours = rows[1]
    ours["speedup_vs_ref"] = t[REFERENCE] / t["sklearn-bce on dask"]
    ours["speedup_vs_default"] = (
        t["dask-ml lbfgs, default tol"] / t["sklearn-bce on dask"]
    )
    ours["ratio_vs_in_memory"] = t["sklearn-bce on dask"] / t["sklearn-bce in memory"]
    return rows


def run(quick=False):
    """Time the models on one 2-worker LocalCluster.

    Two chunkings of the same data: 8 chunks of 10 MB, and 2 chunks (one per
    worker, the fewest tasks).

    Parameters
    ----------
    quick : bool, default=False
        A small data set and one repeat, for a smoke run.

    Returns
    -------
    rows : list of dict
        For each chunking, one dict per model: ``case``, ``model``, ``time_s``,
        ``objective``, ``n_iter``, ``objective_gap`` (relative to a tightly
        converged scikit-learn fit) and, for the dask fit of sklearn-bce,
        ``speedup_vs_ref``
        (dask-ml time / ours, against dask-ml with the matched tolerance),
        ``speedup_vs_default`` (against dask-ml at its default tolerance) and
        ``ratio_vs_in_memory`` (ours on dask / ours in memory); then the rows of
        :func:`evaluation_costs`.
    """
    from distributed import Client, LocalCluster

    n, d, repeats = (4_000, 20, 1) if quick else (200_000, 50, 3)
    X, y = make_classification(
        n_samples=n, n_features=d, n_informative=d // 2, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dask-ml's deprecation noise
        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True,
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            rows = []
            for n_chunks in (8, 2):
                rows += _fit_rows(client, X, y, n_chunks, repeats)
            rows += evaluation_costs(
                client, X, y, [2, 8] if quick else [2, 8, 32, 128],
                repeats=1 if quick else 15,
            )
    return rows


def _print_tables(rows):
    fits = [r for r in rows if r["objective"] is not None]
    for case in dict.fromkeys(r["case"] for r in fits):
        print(case)
        print(
            f"{'model':30s} {'time_s':>8s} {'n_iter':>6s} {'objective':>14s} "
            f"{'gap':>9s}"
        )
        for r in fits:
            if r["case"] != case:
                continue
            n_iter = "" if r["n_iter"] is None else str(r["n_iter"])
            print(
                f"{r['model']:30s} {r['time_s']:8.3f} {n_iter:>6s} "
                f"{r['objective']:14.10f} {r['objective_gap']:9.1e}"
            )
            if "speedup_vs_ref" in r:
                ours = r
        print(
            f"speed-up over dask-ml lbfgs: {ours['speedup_vs_ref']:.1f}x (matched "
            f"tol), {ours['speedup_vs_default']:.1f}x (default tol); dask / in-memory "
            f"time: {ours['ratio_vs_in_memory']:.2f}\n"
        )
    costs = [r for r in rows if r["objective"] is None]
    print(costs[0]["case"])
    print(
        f"{'model':36s} {'ms/eval':>8s} {'kernel GB/s':>11s} {'bytes out':>10s} "
        f"{'bytes back':>10s}"
    )
    for r in costs:
        print(
            f"{r['model']:36s} {r['time_s'] * 1e3:8.1f} "
            f"{r['kernel_bytes_per_s'] / 1e9:11.2f} {r['bytes_out']:10d} "
            f"{r['bytes_back']:10d}"
        )


if __name__ == "__main__":
    import sys

    rows = run(quick="--quick" in sys.argv)
    _print_tables(rows)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2))
