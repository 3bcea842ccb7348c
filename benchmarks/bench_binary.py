"""Binary fits: BCELogisticClassifier against scikit-learn's LogisticRegression.

For every case (five large ones, and raw breast_cancer, small but unscaled and
nearly separable), fits (best of a few runs, all in this process) our default
estimator (``solver="auto"``: L-BFGS on the large cases, Newton on the small one),
``LogisticRegression()`` (lbfgs) and ``LogisticRegression(solver="newton-cholesky")``,
and reports time ratios and the relative suboptimality of each solution against a
tight reference optimum (newton-cholesky at tol=1e-10; on the sparse 5000-feature
case, lbfgs at tol=1e-12, because newton-cholesky forms a dense 5000 x 5000 Hessian
there and needs about 90 s, so it is not run on that case).

Run ``python benchmarks/bench_binary.py [--quick]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).parent))
from _common import (  # noqa: E402
    bench_main,
    dense_classification,
    geometric_mean,
    objective_value,
    onehot_badly_scaled,
    sparse_classification,
    timed_fit,
)

from sklearn_bce import BCELogisticClassifier  # noqa: E402


def cases(quick=False):
    """(name, X, y) for each binary case; ``quick`` shrinks the rows 10x."""
    f = 10 if quick else 1
    X64, y64 = dense_classification(200_000 // f, 100, seed=0)
    yield "dense 200k x 100 float64", X64, y64
    yield "dense 200k x 100 float32", X64.astype(np.float32), y64
    del X64
    yield ("dense 400k x 30 float64", *dense_classification(400_000 // f, 30, seed=1))
    yield "one-hot + badly scaled 200k x 245", *onehot_badly_scaled(200_000 // f)
    yield "sparse CSR 100k x 5000 (0.5%)", *sparse_classification(100_000 // f)
    # small, unscaled and nearly separable: LogisticRegression() stops at max_iter
    yield "raw breast_cancer 569 x 30", *load_breast_cancer(return_X_y=True)


def run(quick=False):
    """Run every binary case; return one row per (case, model)."""
    rows = []
    for name, X, y in cases(quick):
        # best of a few runs; many for small data, whose fits take milliseconds
        repeat = 20 if X.shape[0] < 10_000 else (1 if quick else 2)
        sparse = sp.issparse(X)
        X64 = X.astype(np.float64) if X.dtype != np.float64 else X
        if sparse:
            ref = LogisticRegression(tol=1e-12, max_iter=10_000).fit(X64, y)
        else:
            ref = LogisticRegression(
                solver="newton-cholesky", tol=1e-10, max_iter=1000
            ).fit(X64, y)
        f_opt = objective_value(X64, y, ref.coef_, ref.intercept_)
        models = {
            "ours": lambda: BCELogisticClassifier(),
            "sklearn lbfgs": lambda: LogisticRegression(),
        }
        if not sparse:
            models["sklearn newton-cholesky"] = lambda: LogisticRegression(
                solver="newton-cholesky"
            )
        times = {}
        for model, make in models.items():
            seconds, est, warned = timed_fit(make, X, y, repeat=repeat)
            f = objective_value(X64, y, est.coef_, est.intercept_)
            times[model] = seconds
            rows.append({
                "case": name, "model": model,
                "solver": getattr(est, "solver_", None) or est.solver,
                "time_s": seconds,
                "n_iter": int(np.max(est.n_iter_)),
                "objective": f, "rel_subopt": max(0.0, (f - f_opt) / f_opt),
                "convergence_warning": warned,
            })
        fastest = min(t for m, t in times.items() if m != "ours")
        for r in rows[-len(models):]:
            r["speedup_vs_lbfgs"] = times["sklearn lbfgs"] / r["time_s"]
            r["speedup_vs_best_sklearn"] = fastest / r["time_s"]
    return rows


def summary(rows):
    """Geometric-mean speed-ups of our estimator over the cases."""
    ours = [r for r in rows if r["model"] == "ours"]
    by_case = {r["case"]: r["time_s"] for r in ours}
    return {
        "float32_speedup_vs_float64": (
            by_case["dense 200k x 100 float64"] / by_case["dense 200k x 100 float32"]
        ),
        "geomean_speedup_vs_lbfgs": geometric_mean(
            [r["speedup_vs_lbfgs"] for r in ours]
        ),
        "geomean_speedup_vs_best_sklearn": geometric_mean(
            [r["speedup_vs_best_sklearn"] for r in ours]
        ),
        "max_rel_subopt": max(r["rel_subopt"] for r in ours),
        "any_convergence_warning": any(r["convergence_warning"] for r in ours),
    }


COLUMNS = [
    "case", "model", "solver", "time_s", "n_iter", "rel_subopt", "speedup_vs_lbfgs",
    "speedup_vs_best_sklearn", "convergence_warning",
]


def main(argv=None):
    bench_main(sys.modules[__name__], "binary", argv)


if __name__ == "__main__":
    main()
