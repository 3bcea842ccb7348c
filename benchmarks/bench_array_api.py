"""Array API fits: torch tensors (CPU, and CUDA when present) against NumPy input.

For 200k x 100 binary data in float64 and float32, fits ``BCELogisticClassifier()``
(``solver="auto"``, L-BFGS on these data) on a NumPy array (the in-memory backend)
and on the same data as a torch tensor on the CPU under
``sklearn.config_context(array_api_dispatch=True)``, by both routes of such a
tensor: ``torch cpu``, the default, on a NumPy view of its memory (the in-memory
backend), and ``torch cpu (namespace ops)``, inside
``sklearn_bce._array_api.use_host_view(False)``, with torch's operations
(``ArrayAPIBackend``, the backend of GPU arrays). The runs alternate (NumPy,
torch, torch, NumPy, ...) so that all see the same load on a shared machine;
each time is the best of its runs, and ``ratio`` is the time over the NumPy time
(below 1.5 is the target). ``max_coef_diff`` is the largest difference of the
fit's coefficients from the NumPy fit's. When a CUDA device is present, 1M x 100
float32 is also timed on it, against the CPU fit and against
``LogisticRegression`` on the same device.

Run ``python benchmarks/bench_array_api.py [--quick]``. torch's CPU operations
run on OpenMP threads: on a machine shared with other busy processes, threads
that spin while waiting for each other slow every operation down, and
``OMP_WAIT_POLICY=passive`` (set before torch is imported) avoids that.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # before scipy is imported

sys.path.insert(0, str(Path(__file__).parent))
from _common import bench_main, dense_classification  # noqa: E402

from sklearn_bce import BCELogisticClassifier  # noqa: E402


def _fit_seconds(make, X, y, dispatch, host_view=True):
    """Wall time of one fit (synchronised with a GPU when there is one).

    ``host_view=False`` fits a CPU tensor with torch's operations.
    """
    import sklearn
    import torch

    from sklearn_bce import _array_api

    with (
        _array_api.use_host_view(host_view),
        sklearn.config_context(array_api_dispatch=dispatch),
    ):
        start = time.perf_counter()
        est = make().fit(X, y)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        return time.perf_counter() - start, est


def _interleaved(contenders, y, repeat):
    """Best time of each contender, their runs alternating; and the last fits.

    ``contenders`` maps names to ``(make, X, dispatch)`` or ``(make, X,
    dispatch, host_view)``; odd rounds run them in reverse order.
    """
    best = {name: np.inf for name in contenders}
    fitted = {}
    names = list(contenders)
    for r in range(repeat):
        for name in names if r % 2 == 0 else names[::-1]:
            make, X, dispatch, *host_view = contenders[name]
            seconds, fitted[name] = _fit_seconds(make, X, y, dispatch, *host_view)
            best[name] = min(best[name], seconds)
    return best, fitted


def _coef(est):
    from sklearn_bce._objective.array_api import to_numpy

    return np.asarray(to_numpy(est.coef_), dtype=np.float64)


def run(quick=False):
    """Time each case; return one row per (case, input)."""
    import torch

    f = 100 if quick else 1
    repeat = 1 if quick else 5
    rows = []
    X64, y = dense_classification(200_000 // f, 100, seed=0)
    for dtype in ("float64", "float32"):
        X = X64.astype(dtype)
        Xt = torch.asarray(X)
        contenders = {
            "numpy": (BCELogisticClassifier, X, False),
            "torch cpu": (BCELogisticClassifier, Xt, True),
            "torch cpu (namespace ops)": (BCELogisticClassifier, Xt, True, False),
        }
        best, fitted = _interleaved(contenders, y, repeat)
        for name in contenders:
            rows.append({
                "case": f"dense {X.shape[0] // 1000}k x 100 {dtype}",
                "input": name,
                "solver": fitted[name].solver_,
                "time_s": best[name],
                "ratio": best[name] / best["numpy"],
                "max_coef_diff": float(
                    np.abs(_coef(fitted[name]) - _coef(fitted["numpy"])).max()
                ),
            })
    if torch.cuda.is_available():
        rows += _gpu_rows(quick, repeat)
    return rows


def _gpu_rows(quick, repeat):
    """1M x 100 float32 on the GPU, against the CPU fit and LogisticRegression."""
    import torch
    from sklearn.linear_model import LogisticRegression

    X, y = dense_classification(1_000_000 // (10 if quick else 1), 100, seed=2)
    X = X.astype(np.float32)
    Xg, yg = torch.asarray(X, device="cuda"), torch.asarray(y, device="cuda")
    contenders = {
        "numpy": (BCELogisticClassifier, X, False),
        "torch cuda": (BCELogisticClassifier, Xg, True),
        "LogisticRegression torch cuda": (LogisticRegression, Xg, True),
    }
    best, fitted = _interleaved(
        {k: v for k, v in contenders.items() if k != "LogisticRegression torch cuda"},
        y, repeat,
    )
    seconds, fitted_lr = _fit_seconds(LogisticRegression, Xg, yg, True)
    best["LogisticRegression torch cuda"] = seconds
    fitted["LogisticRegression torch cuda"] = fitted_lr
    return [
        {
            "case": f"dense {X.shape[0] // 1000}k x 100 float32 (GPU)",
            "input": name,
            "solver": getattr(fitted[name], "solver_", "lbfgs"),
            "time_s": best[name],
            "ratio": best[name] / best["numpy"],
            "max_coef_diff": float(
                np.abs(_coef(fitted[name]) - _coef(fitted["numpy"])).max()
            ),
        }
        for name in contenders
    ]


def summary(rows):
    """The torch-CPU / NumPy time ratios of each dtype, by both routes."""
    keys = {"torch cpu": "torch_cpu", "torch cpu (namespace ops)": "torch_cpu_ops"}
    return {
        f"{keys[r['input']]}_ratio_{r['case'].split()[-1]}": r["ratio"]
        for r in rows
        if r["input"] in keys
    }


COLUMNS = ["case", "input", "solver", "time_s", "ratio", "max_coef_diff"]


def main(argv=None):
    bench_main(sys.modules[__name__], "array_api", argv)


if __name__ == "__main__":
    main()
