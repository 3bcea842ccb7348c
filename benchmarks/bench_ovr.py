"""One-vs-rest: built-in OvR against OneVsRestClassifier(LogisticRegression()).

10-class, 50k x 100 standardised synthetic data at default settings. Reports the time
ratio and the total objective (sum of the 10 binary objectives) of both, relative to
a tight reference optimum, all measured in this one run.

Run ``python benchmarks/bench_ovr.py [--quick]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).parent))
from _common import (  # noqa: E402
    bench_main,
    interleaved_fits,
    objective_value,
    reference_optimum,
)

from sklearn_bce import BCELogisticClassifier  # noqa: E402


def run(quick=False):
    """Fit both on the 10-class case; one row per model (float64 and float32)."""
    n = 2_000 if quick else 50_000
    X, y = make_classification(
        n_samples=n, n_features=100, n_informative=40, n_classes=10,
        n_clusters_per_class=1, random_state=0,
    )
    X = StandardScaler().fit_transform(X)
    classes = np.unique(y)
    Y = (y[:, None] == classes[None, :]).astype(np.float64)
    f_opt = reference_optimum(X, y)  # one scikit-learn fit per class
    repeat = 1 if quick else 3

    rows = []
    models = {
        "sklearn OneVsRest(LogisticRegression())": (
            lambda: OneVsRestClassifier(LogisticRegression()), X
        ),
        "ours float64": (lambda: BCELogisticClassifier(), X),
        "ours float32": (lambda: BCELogisticClassifier(), X.astype(np.float32)),
    }
    fits = interleaved_fits(
        {model: (make, data, y) for model, (make, data) in models.items()}, repeat
    )
    for model, (seconds, est, warned) in fits.items():
        if hasattr(est, "estimators_"):
            coef = np.vstack([e.coef_ for e in est.estimators_])
            intercept = np.concatenate([e.intercept_ for e in est.estimators_])
            n_iter = int(sum(e.n_iter_[0] for e in est.estimators_))
        else:
            coef, intercept, n_iter = est.coef_, est.intercept_, int(est.n_iter_.sum())
        f = objective_value(X, Y, coef, intercept)
        rows.append({
            "case": f"10-class {n // 1000}k x 100", "model": model, "time_s": seconds,
            "total_iterations": n_iter, "objective": f,
            "rel_subopt": (f - f_opt) / f_opt,
            "convergence_warning": warned,
        })
    t_ref = rows[0]["time_s"]
    for r in rows:
        r["speedup_vs_ovr_lr"] = t_ref / r["time_s"]
    return rows


COLUMNS = [
    "case", "model", "time_s", "total_iterations", "rel_subopt",
    "speedup_vs_ovr_lr", "convergence_warning",
]


def main(argv=None):
    bench_main(sys.modules[__name__], "ovr", argv)


if __name__ == "__main__":
    main()
