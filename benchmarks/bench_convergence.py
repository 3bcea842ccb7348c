"""Time to accuracy: each library's fastest fit that reaches a relative suboptimality.

Speed at default settings compares fits that stop at different distances from the
optimum. Here every library runs with its own stopping knob swept over a grid,
and each fit is scored by its relative suboptimality ``(f - f_opt) / f_opt`` on
the shared objective (the mean BCE plus ``||w||^2 / (2 C n)``), ``f_opt`` being
the optimum scikit-learn computed (newton-cholesky at tol=1e-10, or lbfgs at
tol=1e-12 on sparse and wide data). For each accuracy target (1e-4, 1e-6, 1e-8,
1e-10) a library's time is that of its fastest fit within the target; the speed-up
is the fastest peer's time over ours.

Libraries and knobs: ours (``tol``), scikit-learn's ``LogisticRegression`` with
lbfgs, newton-cg and newton-cholesky (``tol``), glum (``gradient_tol``),
scikit-learn-intelex (``tol``), and, on the problems without an intercept (where
they solve the same problem: both penalise an intercept), liblinear and snapml
(``tol``). Peers that are not installed are left out. The fits of a case and
tolerance are timed in interleaved rounds that alternate which goes first (best
time of each); a library's sweep stops once it has reached the tightest target
or a fit took more than ``BUDGET_S`` seconds.

The problems span the envelope: small and large, narrow and wide (p > n), dense
and sparse, float32, nearly separable classes (labels ``sign(X beta)`` without
noise), an intercept or none, C = 1 and C = 100.

Run ``python benchmarks/bench_convergence.py [--quick]``; ``--plot DIR`` draws
time against suboptimality per case from ``results/convergence.json`` (or the
``convergence`` entry of ``results/all.json``).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).parent))
from _common import (  # noqa: E402
    RESULTS,
    bench_main,
    dense_classification,
    geometric_mean,
    glum_logistic,
    interleaved_fits,
    objective_value,
    onehot_badly_scaled,
    sparse_classification,
)

from sklearn_bce import BCELogisticClassifier  # noqa: E402

#: Relative suboptimalities at which the libraries are compared.
TARGETS = (1e-4, 1e-6, 1e-8, 1e-10)
#: Each library's tolerance grid, from loose to tight.
TOLS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10, 1e-12)
#: A library whose fit took longer than this many seconds tries no tighter tol.
BUDGET_S = 20.0
#: Iterations every library may take (a fit that reaches them keeps its gap).
MAX_ITER = 2000


def gaussian_separable(n, d, seed=0, dtype=np.float64):
    """Gaussian features, labels ``sign(X beta)``: nearly separable at weak C."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) > 0).astype(np.int64)
    return X.astype(dtype), y


def cases(quick=False):
    """(name, X, y, C, fit_intercept) for each problem; ``quick`` shrinks them."""
    f = 20 if quick else 1
    yield ("gaussian 1000 x 10", *gaussian_separable(1000 // f, 10), 1.0, False)
    yield (
        "gaussian 200 x 500 (p > n)", *gaussian_separable(200 // f, 500, 1),
        1.0, False,
    )
    yield (
        "gaussian 50k x 200, C=100", *gaussian_separable(50_000 // f, 200, 2),
        100.0, False,
    )
    yield (
        "classification 30k x 10", *dense_classification(30_000 // f, 10, 3),
        1.0, True,
    )
    yield (
        "classification 20k x 100 float32",
        *dense_classification(20_000 // f, 100, 4, dtype=np.float32), 1.0, True,
    )
    yield (
        "one-hot + badly scaled 20k x 245", *onehot_badly_scaled(20_000 // f, seed=5),
        1.0, True,
    )
    yield (
        "sparse CSR 20k x 20k (0.1%)",
        *sparse_classification(20_000 // f, 20_000, density=0.001, seed=6), 1.0, True,
    )


def libraries(C, n, n_features, fit_intercept, sparse, max_iter=MAX_ITER):
    """``{name: make(tol)}`` of the libraries that solve the case's problem."""
    common = {"C": C, "fit_intercept": fit_intercept, "max_iter": max_iter}
    libs = {
        "ours": lambda tol: BCELogisticClassifier(tol=tol, **common),
        "sklearn lbfgs": lambda tol: LogisticRegression(tol=tol, **common),
        "sklearn newton-cg": lambda tol: LogisticRegression(
            solver="newton-cg", tol=tol, **common
        ),
    }
    if not sparse:
        libs["sklearn newton-cholesky"] = lambda tol: LogisticRegression(
            solver="newton-cholesky", tol=tol, **common
        )
    if importlib.util.find_spec("glum") is not None:
        libs["glum"] = lambda tol: glum_logistic(
            C, n, sparse, fit_intercept=fit_intercept, gradient_tol=tol,
            max_iter=max_iter,
        )
    if not sparse:
        try:
            from sklearnex.linear_model import LogisticRegression as IntelLR
        except ImportError:
            pass
        else:
            libs["sklearnex"] = lambda tol: IntelLR(tol=tol, **common)
    if not fit_intercept:
        libs["sklearn liblinear"] = lambda tol: LogisticRegression(
            solver="liblinear", tol=tol, **common
        )
        try:
            from snapml import LogisticRegression as SnapLR
        except ImportError:
            pass
        else:
            # snapml minimises the summed loss plus regularizer/2 ||w||^2; its
            # primal solver is the more accurate unless p > n
            libs["snapml"] = lambda tol: SnapLR(
                regularizer=1.0 / C, tol=tol, max_iter=max_iter, fit_intercept=False,
                dual=n < n_features,
            )
    return libs


def reference(X64, y, C, fit_intercept):
    """Optimum of the shared objective, computed by scikit-learn."""
    wide_or_sparse = sp.issparse(X64) or X64.shape[1] > X64.shape[0]
    solver = "lbfgs" if wide_or_sparse else "newton-cholesky"
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ref = LogisticRegression(
            C=C, solver=solver, fit_intercept=fit_intercept,
            tol=1e-12 if solver == "lbfgs" else 1e-10, max_iter=100_000,
        ).fit(X64, y)
    return objective_value(X64, y, ref.coef_, ref.intercept_, C, fit_intercept)


def run(quick=False):
    """One row per (case, library, tol): time, iterations, suboptimality."""
    rows = []
    for name, X, y, C, fit_intercept in cases(quick):
        X64 = X.astype(np.float64) if X.dtype != np.float64 else X
        f_opt = reference(X64, y, C, fit_intercept)
        libs = libraries(
            C, *X.shape, fit_intercept, sp.issparse(X),
            max_iter=100 if quick else MAX_ITER,
        )
        repeat = 1 if quick else (5 if X.shape[0] * X.shape[1] < 1e6 else 2)
        running = set(libs)
        budget = 1.0 if quick else BUDGET_S
        for tol in TOLS[::4] if quick else TOLS:
            if not running:
                break
            fits = interleaved_fits(
                {lib: (partial(libs[lib], tol), X, y) for lib in libs
                 if lib in running},
                repeat,
            )
            for lib, (seconds, est, warned) in fits.items():
                coef = np.asarray(est.coef_, dtype=np.float64).reshape(1, -1)
                intercept = np.atleast_1d(np.asarray(est.intercept_, np.float64))
                if not fit_intercept:
                    intercept = np.zeros(1)
                f = objective_value(X64, y, coef, intercept, C, fit_intercept)
                gap = (f - f_opt) / f_opt
                rows.append({
                    "case": name, "library": lib, "tol": tol, "time_s": seconds,
                    "n_iter": int(np.max(est.n_iter_)), "rel_subopt": gap,
                    "convergence_warning": warned,
                })
                if gap <= TARGETS[-1] or seconds > budget:
                    running.discard(lib)
            print(f"  {name}, tol={tol:g}: " + ", ".join(
                f"{r['library']} {r['time_s']:.3g}s {r['rel_subopt']:.1e}"
                for r in rows[-len(fits):]
            ), file=sys.stderr, flush=True)
    return rows


def time_to_accuracy(rows):
    """``{case: {target: {library: seconds}}}``: fastest fit within each target."""
    out = {}
    for r in rows:
        for target in TARGETS:
            if r["rel_subopt"] <= target:
                best = out.setdefault(r["case"], {}).setdefault(target, {})
                best[r["library"]] = min(best.get(r["library"], np.inf), r["time_s"])
    return out


def summary(rows):
    """Per target: our speed-up over the fastest peer, per case and geomean."""
    out = {}
    for target in TARGETS:
        ratios = {}
        for case, by_target in time_to_accuracy(rows).items():
            times = by_target.get(target, {})
            peers = [t for lib, t in times.items() if lib != "ours"]
            if "ours" in times and peers:
                ratios[case] = min(peers) / times["ours"]
            elif peers:
                ratios[case] = 0.0  # we did not reach the target, a peer did
        out[f"{target:g}"] = {
            "speedup_vs_best_peer": ratios,
            "geomean": geometric_mean([v for v in ratios.values() if v > 0])
            if any(v > 0 for v in ratios.values()) else None,
            "cases_where_a_peer_is_faster": sorted(
                case for case, v in ratios.items() if v < 1
            ),
        }
    return out


COLUMNS = [
    "case", "library", "tol", "time_s", "n_iter", "rel_subopt",
    "convergence_warning",
]


def plot(rows, directory):
    """Time against suboptimality, one figure per case, into ``directory``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for case in dict.fromkeys(r["case"] for r in rows):
        fig, ax = plt.subplots(figsize=(6, 4))
        mine = [r for r in rows if r["case"] == case]
        for lib in dict.fromkeys(r["library"] for r in mine):
            pts = np.array(sorted(
                (r["time_s"], max(r["rel_subopt"], 1e-16))
                for r in mine if r["library"] == lib
            ))
            ax.plot(pts[:, 0], pts[:, 1], marker="o", label=lib,
                    linewidth=2.5 if lib == "ours" else 1)
        ax.set(xscale="log", yscale="log", xlabel="fit time (s)",
               ylabel="relative suboptimality", title=case)
        ax.legend(fontsize=7)
        fig.tight_layout()
        slug = "".join(c if c.isalnum() else "_" for c in case).strip("_")
        fig.savefig(directory / f"convergence_{slug}.png", dpi=100)
        plt.close(fig)


def _stored_rows():
    path = RESULTS / "convergence.json"
    if path.exists():
        return json.loads(path.read_text())["rows"]
    return json.loads((RESULTS / "all.json").read_text())["convergence"]["rows"]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--plot"]:
        plot(_stored_rows(), argv[1] if len(argv) > 1 else "convergence_plots")
        return
    bench_main(sys.modules[__name__], "convergence", argv)


if __name__ == "__main__":
    main()
