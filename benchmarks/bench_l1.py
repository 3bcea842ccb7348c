"""One L1 fit: BCELogisticClassifier(solver="cd") against liblinear, saga and glum.

Two cases with a single ``C``: dense 50k x 500 with 30 informative features, and
sparse CSR 50k x 20k at 0.2 % density (a logistic model on all the features). On
each, fits in turn (interleaved rounds, best time of each model) our estimator
(``l1_ratio=1``, ``solver="auto"``, which runs coordinate descent),
``LogisticRegression`` with liblinear and with saga at their defaults, and glum's
``GeneralizedLinearRegressor(family="binomial", solver="irls-cd")`` with
``alpha = 1 / (C * n_samples)`` (the same objective). Reports time ratios against
ours and each solution's signed gap to a reference optimum from another library
(glum at ``gradient_tol=1e-12``): negative means below the reference. liblinear
penalises its intercept, so its optimum is not quite the others' and its gap
includes that difference. glum is optional (skipped when not installed).

Run ``python benchmarks/bench_l1.py [--quick]`` (``--quick``: 10x fewer rows and
features).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).parent))
from _common import (  # noqa: E402
    bench_main,
    interleaved_fits,
    sparse_classification,
)

from sklearn_bce import BCELogisticClassifier  # noqa: E402


def cases(quick=False):
    """(name, X, y, C) for each case; ``quick`` shrinks the rows and columns 10x."""
    f = 10 if quick else 1
    n = 50_000 // f
    X, y = make_classification(
        n_samples=n, n_features=500 // f, n_informative=30 // f, n_redundant=0,
        n_repeated=0, shuffle=False, random_state=0,
    )
    # C for about 135 and 40 non-zero coefficients
    yield f"dense {n // 1000}k x {500 // f}", X, y, 0.01
    X, y = sparse_classification(n, 20_000 // f, density=0.002, seed=0)
    yield f"sparse CSR {n // 1000}k x {20_000 // f} (0.2%)", X, y, 0.033


def l1_objective(X, y, coef, intercept, C):
    """Mean BCE plus ``||w||_1 / (C n)``: the objective of every model here."""
    coef = np.asarray(coef, dtype=np.float64).ravel()
    z = np.asarray(X @ coef).ravel() + float(np.ravel(intercept)[0])
    loss = np.mean(np.logaddexp(0.0, z) - y * z)
    return float(loss + np.abs(coef).sum() / (C * X.shape[0]))


def l1_logistic_regression(C, solver):
    """``LogisticRegression`` with an L1 penalty, on scikit-learn 1.6 to 1.9."""
    if tuple(int(v) for v in sklearn.__version__.split(".")[:2]) >= (1, 8):
        return LogisticRegression(C=C, solver=solver, l1_ratio=1.0)
    return LogisticRegression(C=C, solver=solver, penalty="l1")


class _Glum:
    """glum's irls-cd with ``alpha = 1 / (C n)``, fitted on ``(X, y)``."""

    def __init__(self, C, **options):
        self.C, self.options = C, options

    def fit(self, X, y):
        from glum import GeneralizedLinearRegressor

        model = GeneralizedLinearRegressor(
            family="binomial", alpha=1.0 / (self.C * X.shape[0]), l1_ratio=1.0,
            solver="irls-cd", **self.options,
        ).fit(X, y)
        self.coef_, self.intercept_ = model.coef_, model.intercept_
        self.n_iter_ = model.n_iter_
        return self


def models(C):
    """The models of one case, by name."""
    out = {
        "ours": lambda: BCELogisticClassifier(C=C, l1_ratio=1.0),
        "liblinear": lambda: l1_logistic_regression(C, "liblinear"),
        "saga": lambda: l1_logistic_regression(C, "saga"),
    }
    try:
        import glum  # noqa: F401

        out["glum irls-cd"] = lambda: _Glum(C)
    except ImportError:
        pass
    return out


def reference(X, y, C):
    """A tight optimum from another library: glum, else saga at tol 1e-10."""
    try:
        import glum  # noqa: F401

        est = _Glum(C, gradient_tol=1e-12, max_iter=1000).fit(X, y)
    except ImportError:
        est = l1_logistic_regression(C, "saga").set_params(
            tol=1e-10, max_iter=100_000
        ).fit(X, y)
    return l1_objective(X, y, est.coef_, est.intercept_, C)


def run(quick=False):
    """Run every case; return one row per (case, model)."""
    rows = []
    for name, X, y, C in cases(quick):
        f_ref = reference(X, y, C)
        fits = interleaved_fits(
            {model: (make, X, y) for model, make in models(C).items()},
            repeat=2 if quick else 3,
        )
        best = {model: fit[0] for model, fit in fits.items()}
        for model, (_, est, warned) in fits.items():
            f = l1_objective(X, y, est.coef_, est.intercept_, C)
            rows.append({
                "case": name, "model": model, "time_s": best[model],
                "ratio_to_ours": best[model] / best["ours"],
                "n_iter": int(np.max(est.n_iter_)),
                "nnz": int(np.count_nonzero(est.coef_)),
                "signed_gap": (f - f_ref) / abs(f_ref),
                "convergence_warning": warned,
            })
    return rows


def summary(rows):
    """Per case, how many times faster ours is than the fastest other model."""
    out = {}
    for case in dict.fromkeys(r["case"] for r in rows):
        others = [r for r in rows if r["case"] == case and r["model"] != "ours"]
        fastest = min(others, key=lambda r: r["time_s"])
        out[case] = {
            "fastest_other": fastest["model"],
            "speedup_vs_fastest": fastest["ratio_to_ours"],
        }
    return out


COLUMNS = [
    "case", "model", "time_s", "ratio_to_ours", "n_iter", "nnz", "signed_gap",
    "convergence_warning",
]


def main(argv=None):
    bench_main(sys.modules[__name__], "l1", argv)


if __name__ == "__main__":
    main()
