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
time against suboptimality from ``results/convergence.json`` (or the
``convergence`` entry of ``results/all.json``): a figure per case and one with
every case, the figure that the documentation build draws from ``all.json``
(``docs/conf.py``, shown in ``docs/solvers.rst``).
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


#: Colour and marker of each library, the same in every panel.
STYLES = {
    "ours": ("black", "o"),
    "sklearn lbfgs": ("tab:blue", "s"),
    "sklearn newton-cg": ("tab:orange", "^"),
    "sklearn newton-cholesky": ("tab:green", "v"),
    "sklearn liblinear": ("tab:purple", "D"),
    "glum": ("tab:red", "P"),
    "sklearnex": ("tab:brown", "X"),
    "snapml": ("tab:pink", "*"),
}
#: Accuracy targets drawn as reference lines.
PLOTTED_TARGETS = (1e-6, 1e-10)
#: Suboptimalities at or below this (rounding, or a fit marginally below the
#: reference optimum) are drawn at it.
FLOOR = 1e-16


def _draw_case(ax, rows):
    """One case's sweeps on ``ax``: a line per library, in the order of its tol."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    for target in PLOTTED_TARGETS:
        ax.axhline(target, color="0.55", linestyle="--", linewidth=0.9, zorder=1)
    for lib in dict.fromkeys(r["library"] for r in rows):
        sweep = sorted(
            (r for r in rows if r["library"] == lib), key=lambda r: -r["tol"]
        )
        color, marker = STYLES.get(lib, ("0.3", "o"))
        ours = lib == "ours"
        times = [r["time_s"] for r in sweep]
        gaps = [max(r["rel_subopt"], FLOOR) for r in sweep]
        (line,) = ax.plot(
            times, gaps, marker=marker, color=color, label=lib,
            linewidth=2.2 if ours else 1.2, markersize=6 if ours else 5,
            zorder=4 if ours else 3,
        )
        warned = [(t, g) for t, g, r in zip(times, gaps, sweep, strict=True)
                  if r["convergence_warning"]]
        if warned:
            ax.plot(
                *zip(*warned, strict=True), linestyle="none", marker=marker,
                markersize=9, markerfacecolor="white",
                markeredgecolor=line.get_color(), zorder=5,
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    # times as plain numbers, 1-2-5 ticks on a narrow range (a few ms to a few s)
    times = [r["time_s"] for r in rows]
    decades = np.log10(max(times) / min(times))
    subs = (1.0, 2.0, 5.0) if decades < 1.5 else (1.0, 3.0) if decades < 2.5 else (1.0,)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    # a labelled tick every second decade, which includes both targets
    ax.yaxis.set_major_locator(LogLocator(base=100))
    ax.yaxis.set_minor_locator(LogLocator(base=10, subs=(1.0,), numticks=40))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="major", color="0.9", linewidth=0.6, zorder=0)
    ax.set_title(rows[0]["case"], fontsize=10)


def _legend_handles(rows):
    """Legend entries: the libraries present, the targets, a warned fit."""
    from matplotlib.lines import Line2D

    present = set(r["library"] for r in rows)
    libs = [lib for lib in STYLES if lib in present]
    libs += sorted(present - set(STYLES))
    handles = []
    for lib in libs:
        color, marker = STYLES.get(lib, ("0.3", "o"))
        handles.append(Line2D(
            [], [], color=color, marker=marker, label=lib,
            linewidth=2.2 if lib == "ours" else 1.2,
        ))
    handles.append(Line2D(
        [], [], color="0.55", linestyle="--", linewidth=0.9,
        label="targets " + " and ".join(
            f"1e{np.log10(t):.0f}" for t in PLOTTED_TARGETS
        ),
    ))
    if any(r["convergence_warning"] for r in rows):
        handles.append(Line2D(
            [], [], linestyle="none", marker="o", markersize=9,
            markerfacecolor="white", markeredgecolor="0.3",
            label="fit with a ConvergenceWarning",
        ))
    return handles


def _cases(rows):
    """``{case: its rows}``, in the order of the run."""
    out = {}
    for r in rows:
        out.setdefault(r["case"], []).append(r)
    return out


def plot_overview(rows, path, subtitle=None):
    """All the cases on one figure, a panel each, the legend in a panel of its own.

    The panels share the suboptimality axis; each has its own time axis.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = _cases(rows)
    ncols = 2
    nrows = -(-(len(cases) + 1) // ncols)  # one more panel for the legend
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(10, 3.1 * nrows), sharey=True, squeeze=False
    )
    flat = axes.ravel()
    for ax, case_rows in zip(flat, cases.values(), strict=False):
        _draw_case(ax, case_rows)
    for ax in flat[len(cases):]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel("relative suboptimality")
    for ax in flat[:len(cases)]:
        ax.set_xlabel("fit time (s)", fontsize=9)
        ax.tick_params(labelleft=True, labelsize=8)
    flat[len(cases)].legend(
        handles=_legend_handles(rows), loc="center", fontsize=10, frameon=False
    )
    if subtitle:
        fig.suptitle(subtitle, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot(rows, directory):
    """Time against suboptimality into ``directory``: a figure per case, and all.

    ``convergence_<case>.png`` for each case, ``convergence_all.png`` with every
    case (:func:`plot_overview`). Returns the paths written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for case, case_rows in _cases(rows).items():
        fig, ax = plt.subplots(figsize=(7.5, 4))
        _draw_case(ax, case_rows)
        ax.set(xlabel="fit time (s)", ylabel="relative suboptimality")
        ax.legend(
            handles=_legend_handles(case_rows), loc="center left",
            bbox_to_anchor=(1.02, 0.5), fontsize=8, frameon=False,
        )
        fig.tight_layout()
        slug = "".join(c if c.isalnum() else "_" for c in case).strip("_")
        written.append(directory / f"convergence_{slug}.png")
        fig.savefig(written[-1], dpi=100)
        plt.close(fig)
    written.append(plot_overview(rows, directory / "convergence_all.png"))
    return written


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
