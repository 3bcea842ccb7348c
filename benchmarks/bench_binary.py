"""Binary fits: BCELogisticClassifier against scikit-learn's LogisticRegression.

For every case (six large ones, and raw breast_cancer, small but unscaled and
nearly separable), fits our default estimator (``solver="auto"``), scikit-learn's
``LogisticRegression()`` (lbfgs) and ``LogisticRegression(solver="newton-cholesky")``,
and the peers that are installed: glum's binomial ``GeneralizedLinearRegressor``
and scikit-learn-intelex's ``LogisticRegression``, all at their default
tolerances and on the same objective. The fits are timed in interleaved rounds
that alternate which model goes first (best time of each). It reports time
ratios and the signed relative gap of each solution to a reference optimum that
scikit-learn computed (newton-cholesky at tol=1e-10; on the sparse 5000-feature
case lbfgs at tol=1e-12, since newton-cholesky forms a dense 5000 x 5000 Hessian
there); a reference that does not converge stops the benchmark. The float32 copy
of the 200k x 100 data is reported apart from the geometric means, which are over
distinct data sets.

Each row records the model's time, iterations, objective and gap
(``rel_subopt``, ``(f - f_ref) / f_ref``), whether it warned that it did not
converge, the warnings of its fits, and ``fell_back_to_lbfgs``: scikit-learn's
newton-cholesky gives up Newton's method for lbfgs when a Hessian is too
ill-conditioned for the precision of the data (with a ``LinAlgWarning``), as on
the float32 copy of the 200k x 100 data (10 of its columns are combinations of
others), where scikit-learn keeps float32 and its first Newton step fails.

Run ``python benchmarks/bench_binary.py [--quick]``.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import partial
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
    glum_logistic,
    interleaved_fits,
    objective_value,
    onehot_badly_scaled,
    onehot_rare_levels,
    reference_optimum,
    sparse_classification,
)

from sklearn_bce import BCELogisticClassifier  # noqa: E402


def cases(quick=False):
    """(name, X, y) for each binary case; ``quick`` shrinks the rows 100x."""
    f = 100 if quick else 1
    X64, y64 = dense_classification(200_000 // f, 100, seed=0)
    yield "dense 200k x 100 float64", X64, y64
    yield "dense 200k x 100 float32", X64.astype(np.float32), y64
    del X64
    yield ("dense 400k x 30 float64", *dense_classification(400_000 // f, 30, seed=1))
    yield "one-hot + badly scaled 200k x 245", *onehot_badly_scaled(200_000 // f)
    # mostly rare levels and 4 % positives: L-BFGS alone reaches max_iter
    yield "one-hot, rare levels and class 150k x 204", *onehot_rare_levels(
        150_000 // f
    )
    yield "sparse CSR 100k x 5000 (0.5%)", *sparse_classification(100_000 // f)
    # small, unscaled and nearly separable: LogisticRegression() stops at max_iter
    yield "raw breast_cancer 569 x 30", *load_breast_cancer(return_X_y=True)


def peers(sparse, C=1.0, n=1):
    """The other libraries' estimators, by name; those not installed are left out.

    glum's ``GeneralizedLinearRegressor(family="binomial", alpha=1 / (C n))``
    minimises the same objective as ``LogisticRegression(C)`` (its mean deviance
    is twice the mean BCE, and it halves it); scikit-learn-intelex's
    ``LogisticRegression`` is scikit-learn's with oneDAL kernels (dense only).
    """
    models = {
        "sklearn lbfgs": lambda: LogisticRegression(C=C),
    }
    if not sparse:
        models["sklearn newton-cholesky"] = lambda: LogisticRegression(
            C=C, solver="newton-cholesky"
        )
    if importlib.util.find_spec("glum") is not None:
        models["glum"] = partial(glum_logistic, C, n, sparse)
    if not sparse:
        try:
            from sklearnex.linear_model import LogisticRegression as IntelLR
        except ImportError:
            pass
        else:
            models["sklearnex lbfgs"] = lambda: IntelLR(C=C)
    return models


SKLEARN = ("sklearn lbfgs", "sklearn newton-cholesky")


def run(quick=False):
    """Run every binary case; return one row per (case, model).

    The models of a case are timed in interleaved rounds that alternate which
    goes first; gaps to the reference optimum (scikit-learn's, see
    ``reference_optimum``) are signed.
    """
    rows = []
    for name, X, y in cases(quick):
        # best of a few rounds; many for small data, whose fits take milliseconds
        repeat = 1 if quick else (20 if X.shape[0] < 10_000 else 3)
        sparse = sp.issparse(X)
        X64 = X.astype(np.float64) if X.dtype != np.float64 else X
        # newton-cholesky would form a dense 5000 x 5000 Hessian on the sparse
        # case (about 90 s): its reference is lbfgs at tol=1e-12 there
        f_opt = reference_optimum(
            X64, y, solver="lbfgs" if sparse else "newton-cholesky"
        )
        models = {"ours": lambda: BCELogisticClassifier()}
        models.update(peers(sparse, n=X.shape[0]))
        messages = {}
        fits = interleaved_fits(
            {model: (make, X, y) for model, make in models.items()}, repeat,
            messages=messages,
        )
        times = {model: fit[0] for model, fit in fits.items()}
        for model, (seconds, est, warned) in fits.items():
            f = objective_value(X64, y, est.coef_, est.intercept_)
            rows.append({
                "case": name, "model": model,
                "solver": getattr(est, "solver_", None) or est.solver,
                "time_s": seconds,
                "n_iter": int(np.max(est.n_iter_)),
                "objective": f, "rel_subopt": (f - f_opt) / f_opt,
                "convergence_warning": warned,
                "fell_back_to_lbfgs": any(
                    "resort to lbfgs" in m for m in messages[model]
                ),
                "warnings": sorted(messages[model]),
            })
        best_sklearn = min(times[m] for m in SKLEARN if m in times)
        best_peer = min(t for m, t in times.items() if m != "ours")
        for r in rows[-len(models):]:
            r["speedup_vs_lbfgs"] = times["sklearn lbfgs"] / r["time_s"]
            r["speedup_vs_best_sklearn"] = best_sklearn / r["time_s"]
            r["speedup_vs_best_peer"] = best_peer / r["time_s"]
    return rows


FLOAT32 = "dense 200k x 100 float32"


def summary(rows):
    """Geometric-mean speed-ups of our estimator over the distinct data sets.

    The float32 copy of the 200k x 100 data is not a data set of its own: it is
    left out of the means and reported on its own line.
    """
    ours = [r for r in rows if r["model"] == "ours"]
    distinct = [r for r in ours if r["case"] != FLOAT32]
    by_case = {r["case"]: r for r in ours}
    out = {
        f"geomean_{key}": geometric_mean([r[key] for r in distinct])
        for key in ("speedup_vs_lbfgs", "speedup_vs_best_sklearn",
                    "speedup_vs_best_peer")
    }
    if FLOAT32 in by_case:
        f32 = by_case[FLOAT32]
        out.update({
            "float32_speedup_vs_lbfgs": f32["speedup_vs_lbfgs"],
            "float32_speedup_vs_best_peer": f32["speedup_vs_best_peer"],
            "float32_speedup_vs_float64": (
                by_case["dense 200k x 100 float64"]["time_s"] / f32["time_s"]
            ),
        })
    out.update({
        "max_rel_subopt": max(r["rel_subopt"] for r in ours),
        "min_rel_subopt": min(r["rel_subopt"] for r in ours),
        "any_convergence_warning": any(r["convergence_warning"] for r in ours),
    })
    return out


COLUMNS = [
    "case", "model", "solver", "time_s", "n_iter", "rel_subopt", "speedup_vs_lbfgs",
    "speedup_vs_best_sklearn", "speedup_vs_best_peer", "convergence_warning",
    "fell_back_to_lbfgs",
]


def main(argv=None):
    bench_main(sys.modules[__name__], "binary", argv)


if __name__ == "__main__":
    main()
