"""SGD solver against scikit-learn's SGDClassifier on the same objective.

The case: ``make_classification`` data (100 000 x 50, standardised), ``C = 1``.
``SGDClassifier(loss="log_loss", alpha=1 / (C * n))`` minimises the same objective
as ``BCELogisticClassifier(C=C)``, so both are scored by that objective, computed
by our objective for every model, and compared with the optimum (a tight L-BFGS
fit). Every model runs with default settings otherwise, one BLAS thread (as
SGDClassifier), best of ``repeats`` runs. L-BFGS, ours and scikit-learn's, are
listed for context.

Run ``python benchmarks/bench_sgd.py [--quick]``: prints a table and writes
``benchmarks/results/sgd.json``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from contextlib import nullcontext
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_bce import BCELogisticClassifier
from sklearn_bce._loss import LinearBCE

REFERENCE = "SGDClassifier(log_loss)"


def _single_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the comparison then uses the default BLAS threads
        return nullcontext()
    return threadpool_limits(limits=1)


def _timed(make, X, y, repeats):
    best, model = np.inf, None
    for _ in range(repeats):
        est = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            est.fit(X, y)
            best = min(best, time.perf_counter() - start)
        model = est
    return best, model


def run(quick=False):
    """Time the solvers and score them on the shared objective.

    Parameters
    ----------
    quick : bool, default=False
        A smaller problem (20 000 x 50) and a single run per model.

    Returns
    -------
    rows : list of dict
        One dict per model: "case", "model", "time_s", "objective", "n_iter",
        "rel_subopt" (relative distance to the optimum), and the ratios against
        SGDClassifier measured in the same run: "speedup_vs_ref" (its time over
        ours) and "objective_vs_ref" (our objective over its).
    """
    n, d, C = (20_000, 50, 1.0) if quick else (100_000, 50, 1.0)
    repeats = 1 if quick else 3
    X, y = make_classification(
        n_samples=n, n_features=d, n_informative=d // 2, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    case = f"{n}x{d} standardised, C={C:g}"
    objective = LinearBCE(X, y[:, None].astype(np.float64), C=C)

    def value(est):
        return objective.loss(objective.from_coef(est.coef_, est.intercept_))

    models = {
        REFERENCE: lambda: SGDClassifier(
            loss="log_loss", alpha=1.0 / (C * n), random_state=0
        ),
        "BCELogisticClassifier(sgd)": lambda: BCELogisticClassifier(
            C=C, solver="sgd", random_state=0
        ),
        "BCELogisticClassifier(lbfgs)": lambda: BCELogisticClassifier(C=C),
        "LogisticRegression(lbfgs)": lambda: LogisticRegression(C=C),
    }
    with _single_thread():
        optimum = value(BCELogisticClassifier(C=C, tol=1e-10, max_iter=1000).fit(X, y))
        results = {}
        for name, make in models.items():
            results[name] = _timed(make, X, y, repeats)
    ref_time, ref_model = results[REFERENCE]
    ref_value = value(ref_model)
    rows = []
    for name, (seconds, est) in results.items():
        f = value(est)
        rows.append(
            {
                "case": case,
                "model": name,
                "time_s": seconds,
                "objective": f,
                "n_iter": int(np.max(est.n_iter_)),
                "rel_subopt": (f - optimum) / optimum,
                "speedup_vs_ref": ref_time / seconds,
                "objective_vs_ref": f / ref_value,
            }
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller problem")
    rows = run(quick=parser.parse_args().quick)
    print(rows[0]["case"])
    header = (
        f"{'model':<30}{'time [s]':>10}{'speedup':>9}{'n_iter':>8}"
        f"{'objective':>13}{'rel. subopt.':>14}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['model']:<30}{r['time_s']:>10.3f}{r['speedup_vs_ref']:>9.2f}"
            f"{r['n_iter']:>8d}{r['objective']:>13.8f}{r['rel_subopt']:>14.2e}"
        )
    out = Path(__file__).parent / "results" / "sgd.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
