"""One loss+gradient evaluation against the bare products ``X @ w`` and ``X.T @ r``.

The fit is memory-bound: its cost is passes over ``X``. This measures, in one run,
the time of one evaluation of the objective (loss and gradient) against the two
matrix-vector products alone (multi-threaded BLAS), on 200k x 100 dense data in
float64 and float32: as the fit runs it (row blocks on the BLAS threads) and with
serial blocks.

Run ``python benchmarks/bench_kernel.py [--quick]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import bench_main  # noqa: E402

from sklearn_bce._classifier import _kernel_threads  # noqa: E402
from sklearn_bce._loss import LinearBCE  # noqa: E402


def _best(f, repeat):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best


def run(quick=False):
    """Time one evaluation and the two bare products; one row per dtype."""
    n, d = (20_000 if quick else 200_000), 100
    rng = np.random.default_rng(0)
    rows = []
    for dtype in (np.float64, np.float32):
        X = rng.normal(size=(n, d)).astype(dtype)
        y = (rng.uniform(size=n) < 0.5).astype(np.int8)
        objective = LinearBCE(X, y)
        theta = rng.normal(size=objective.n_params) * 0.01
        w = rng.normal(size=d).astype(dtype)
        r = rng.normal(size=n).astype(dtype)
        repeat = 5 if quick else 20
        t_products = _best(lambda: (X @ w, X.T @ r), repeat)  # noqa: B023
        t_serial = _best(lambda: objective.loss_gradient(theta), repeat)  # noqa: B023
        with _kernel_threads(objective):  # as inside fit
            t_fit = _best(lambda: objective.loss_gradient(theta), repeat)  # noqa: B023
        rows.append({
            "case": f"{n // 1000}k x {d} {np.dtype(dtype).name}",
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
