"""One loss+gradient evaluation against the bare products ``X @ W.T`` and ``R.T @ X``.

The fit is memory-bound: its cost is passes over ``X``. This measures, in one run,
the time of one evaluation of the objective (loss and gradient) against the two
matrix products alone (multi-threaded BLAS for dense ``X``, scipy for sparse), as
the fit runs it (row blocks on the BLAS threads) and with serial blocks, on dense
200k x 100 float64 and float32, narrow 400k x 30, sparse CSR 100k x 5000 and ten
columns (one-vs-rest on 10 classes) of 50k x 100.

Run ``python benchmarks/bench_kernel.py [--quick]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).parent))
from _common import bench_main  # noqa: E402

from sklearn_bce._objective import InMemoryBackend, Objective, Penalty  # noqa: E402


def _best(f, repeat):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best


def _cases(quick, rng):
    f = 100 if quick else 1
    for n, d, K, dtype in [
        (200_000, 100, 1, np.float64),
        (200_000, 100, 1, np.float32),
        (400_000, 30, 1, np.float64),
        (50_000, 100, 10, np.float64),
    ]:
        X = rng.normal(size=(n // f, d)).astype(dtype)
        name = f"{n // f // 1000}k x {d} {np.dtype(dtype).name}"
        yield (name + (f", {K} columns" if K > 1 else "")), X, K
    X = sp.random(
        100_000 // f, 5000, density=0.005, format="csr", random_state=0,
        data_rvs=rng.standard_normal,
    )
    yield f"sparse CSR {100 // f}k x 5000", X, 1


def run(quick=False):
    """Time one evaluation and the two bare products; one row per case."""
    rng = np.random.default_rng(0)
    repeat = 1 if quick else 20
    rows = []
    for case, X, K in _cases(quick, rng):
        n, d = X.shape
        Y = (rng.uniform(size=(n, K)) < 0.5).astype(np.int8)
        backend = InMemoryBackend(X, Y)
        objective = Objective(backend, Penalty(1.0, 0.0, backend.weight_totals()))
        theta = rng.normal(size=objective.n_params) * 0.01
        Wt = rng.normal(size=(d, K)).astype(X.dtype)
        R = rng.normal(size=(n, K)).astype(X.dtype)
        if K == 1:  # matrix-vector products, as LogisticRegression runs them
            Wt, R = Wt[:, 0], R[:, 0]
        t_products = _best(lambda: (X @ Wt, X.T @ R), repeat)  # noqa: B023
        t_serial = _best(lambda: objective.loss_gradient(theta), repeat)  # noqa: B023
        with backend.parallel():  # as inside fit
            t_fit = _best(lambda: objective.loss_gradient(theta), repeat)  # noqa: B023
        rows.append({
            "case": case,
            "products_ms": 1000 * t_products,
            "loss_gradient_ms (as in fit)": 1000 * t_fit,
            "ratio (as in fit)": t_fit / t_products,
            "loss_gradient_ms (serial blocks)": 1000 * t_serial,
            "ratio (serial blocks)": t_serial / t_products,
        })
    return rows


COLUMNS = [
    "case", "products_ms", "loss_gradient_ms (as in fit)", "ratio (as in fit)",
    "loss_gradient_ms (serial blocks)", "ratio (serial blocks)",
]


def main(argv=None):
    bench_main(sys.modules[__name__], "kernel", argv)


if __name__ == "__main__":
    main()
