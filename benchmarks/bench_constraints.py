"""Penalty factors and bounds: their cost, and glum on the same constrained problems.

For each case, three fits of one binary problem: ours without constraints, ours
with the case's penalty factors and bounds (``penalty_factor``,
``lower_bounds``, ``upper_bounds``), and glum's ``GeneralizedLinearRegressor``
on the same constrained problem (``alpha = 1 / (C n)``, ``P1 = P2`` the factors,
``lower_bounds`` and ``upper_bounds``). At equal accuracy: each of the
constrained fits runs over a grid of its own tolerance (ours ``tol``, glum's
``gradient_tol``), and its time is that of the fastest fit within ``TARGET`` of
the constrained optimum, which glum computed at ``gradient_tol=1e-12`` (its
objective in our terms, checked against our own formula of it). Our plain fit
is timed at the ``tol`` of our fastest constrained fit that reached the target,
on the unconstrained problem. Fits are timed in interleaved rounds (best of).

Run ``python benchmarks/bench_constraints.py [--quick]``.
"""

from __future__ import annotations

import sys
import warnings
from functools import partial
from pathlib import Path

import numpy as np
from scipy.special import log_expit

sys.path.insert(0, str(Path(__file__).parent))
from _common import (  # noqa: E402
    bench_main,
    dense_classification,
    glum_logistic,
    interleaved_fits,
)

from sklearn_bce import BCELogisticClassifier  # noqa: E402

#: Relative suboptimality at which the constrained fits are compared.
TARGET = 1e-8
#: The tolerance grid of the constrained fits, loose to tight.
TOLS = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10)


def objective(X, y, coef, intercept, C, factor, l1_ratio):
    """Mean BCE plus the factor-weighted elastic-net penalty (``C`` scale)."""
    z = X @ coef + intercept
    n = X.shape[0]
    bce = -np.mean(y * log_expit(z) + (1 - y) * log_expit(-z))
    l2 = 0.5 * (1 - l1_ratio) * np.sum(factor * coef**2)
    l1 = l1_ratio * np.sum(factor * np.abs(coef))
    return bce + (l2 + l1) / (C * n)


def cases(quick=False):
    """(name, X, y, C, l1_ratio, factor, lower, upper) per case."""
    f = 50 if quick else 1
    X, y = dense_classification(200_000 // f, 50, seed=11)
    d = X.shape[1]
    factor = np.ones(d)
    factor[:5] = 0.0  # unpenalised "exposure" features
    factor[5:15] = 2.0
    lower, upper = np.full(d, -np.inf), np.full(d, np.inf)
    lower[15:30] = 0.0  # risk factors that can only raise the risk
    upper[30:35] = 0.0
    lower[35:40], upper[35:40] = -0.05, 0.05
    yield (
        "dense 200k x 50, L2, factors and bounds", X, y, 1.0, 0.0, factor, lower,
        upper,
    )
    yield (
        "dense 200k x 50, L1, factors and sign constraints", X, y, 0.01, 1.0,
        factor, np.where(np.isfinite(upper), -np.inf, lower),
        np.where(np.isfinite(lower), np.inf, upper),
    )


def _ours(C, l1_ratio, tol, constraints=None):
    extra = {} if constraints is None else dict(
        penalty_factor=constraints[0], lower_bounds=constraints[1],
        upper_bounds=constraints[2],
    )
    return BCELogisticClassifier(
        C=C, l1_ratio=l1_ratio, tol=tol, max_iter=10_000, **extra
    )


class _Glum:
    """glum's binomial model on our objective, fitted quietly."""

    def __init__(self, C, n, l1_ratio, factor, lower, upper, tol):
        self.model = glum_logistic(
            C, n, l1_ratio=l1_ratio, P1=factor, P2=factor, lower_bounds=lower,
            upper_bounds=upper, gradient_tol=tol, max_iter=10_000,
        )

    def fit(self, X, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tabmat's notes on copies
            self.model.fit(X, y)
        self.coef_ = self.model.coef_[None, :]
        self.intercept_ = np.atleast_1d(self.model.intercept_)
        self.n_iter_ = np.atleast_1d(self.model.n_iter_)
        return self


def run(quick=False):
    """One row per (case, model): time to the target and the gap reached."""
    rows = []
    for name, X, y, C, l1_ratio, factor, lower, upper in cases(quick):
        n = X.shape[0]
        ref = _Glum(C, n, l1_ratio, factor, lower, upper, 1e-12).fit(X, y)
        f_opt = objective(X, y, ref.coef_[0], ref.intercept_[0], C, factor, l1_ratio)
        constraints = (factor, lower, upper)
        makers = {
            "ours": partial(_ours, C, l1_ratio, constraints=constraints),
            "glum": partial(_Glum, C, n, l1_ratio, factor, lower, upper),
        }
        best = {}
        repeat = 1 if quick else 3
        for tol in TOLS:
            todo = [m for m in makers if m not in best]
            if not todo:
                break
            fits = interleaved_fits(
                {m: (partial(makers[m], tol=tol), X, y) for m in todo}, repeat
            )
            for m, (seconds, est, warned) in fits.items():
                gap = (objective(X, y, est.coef_[0], est.intercept_[0], C, factor,
                                 l1_ratio) - f_opt) / f_opt
                if gap <= TARGET:
                    best[m] = dict(time_s=seconds, tol=tol, rel_subopt=gap,
                                   n_iter=int(np.max(est.n_iter_)), warned=warned)
        if "ours" in best:
            tol = best["ours"]["tol"]
            plain = interleaved_fits(
                {"ours, no constraints": (partial(_ours, C, l1_ratio, tol), X, y)},
                repeat,
            )["ours, no constraints"]
            best["ours, no constraints"] = dict(
                time_s=plain[0], tol=tol, rel_subopt=None,
                n_iter=int(np.max(plain[1].n_iter_)), warned=plain[2],
            )
        for m, r in best.items():
            rows.append({"case": name, "model": m, **r})
        ours = best.get("ours", {}).get("time_s")
        for r in rows[-len(best):]:
            r["time_over_ours"] = None if ours is None else r["time_s"] / ours
    return rows


def summary(rows):
    """Per case: glum's time over ours, and our constrained over our plain fit."""
    out = {}
    for case in dict.fromkeys(r["case"] for r in rows):
        by = {r["model"]: r for r in rows if r["case"] == case}
        ours = by.get("ours")
        out[case] = {
            "glum_over_ours": by["glum"]["time_s"] / ours["time_s"]
            if ours and "glum" in by else None,
            "constrained_over_plain": ours["time_s"]
            / by["ours, no constraints"]["time_s"] if ours else None,
        }
    return out


COLUMNS = ["case", "model", "tol", "time_s", "n_iter", "rel_subopt", "time_over_ours"]


def main(argv=None):
    bench_main(sys.modules[__name__], "constraints", argv)


if __name__ == "__main__":
    main()
