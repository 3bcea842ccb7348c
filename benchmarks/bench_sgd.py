"""SGD: solver="sgd" against SGDClassifier(loss="log_loss") on the same objective.

100 000 x 50 standardised synthetic data, ``C = 1``.
``SGDClassifier(loss="log_loss", alpha=1 / (C * n))`` minimises the objective of
``BCELogisticClassifier(C=C)``, so every model is scored by that objective and by
its distance to the optimum (a tight L-BFGS fit), all measured in this one run.
Default settings otherwise; BLAS limited to one thread (SGDClassifier's loop is
single-threaded) when threadpoolctl is installed; best of three fits. The L-BFGS
fits, ours and scikit-learn's, are listed for context.

Run ``python benchmarks/bench_sgd.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).parent))
from _common import (  # noqa: E402
    interleaved_fits,
    objective_value,
    print_table,
    reference_optimum,
    write_json,
)

from sklearn_bce import BCELogisticClassifier  # noqa: E402

REFERENCE = "sklearn SGDClassifier(log_loss)"
COLUMNS = [
    "model", "time_s", "speedup_vs_ref", "n_iter", "objective", "rel_subopt",
    "warned",
]


def _single_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # then every model uses the default BLAS threads
        return nullcontext()
    return threadpool_limits(limits=1)


def run(quick=False):
    """Time the models and score them on the shared objective.

    Parameters
    ----------
    quick : bool, default=False
        20 000 x 50 data and a single fit per model.

    Returns
    -------
    rows : list of dict
        One dict per model: "case", "model", "time_s", "objective", "n_iter"
        (epochs or iterations), "rel_subopt" (relative distance to the optimum),
        "warned" (a ConvergenceWarning), and the ratios against SGDClassifier
        measured in the same run: "speedup_vs_ref" (its time over the model's)
        and "objective_vs_ref" (the model's objective over its).
    """
    n, d, C = (20_000 if quick else 100_000), 50, 1.0
    repeat = 1 if quick else 3
    X, y = make_classification(
        n_samples=n, n_features=d, n_informative=d // 2, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    case = f"{n // 1000}k x {d} standardised, C={C:g}"
    models = {
        REFERENCE: lambda: SGDClassifier(
            loss="log_loss", alpha=1.0 / (C * n), random_state=0
        ),
        'ours solver="sgd"': lambda: BCELogisticClassifier(
            C=C, solver="sgd", random_state=0
        ),
        'ours solver="lbfgs"': lambda: BCELogisticClassifier(C=C),
        "sklearn LogisticRegression()": lambda: LogisticRegression(C=C),
    }
    with _single_thread():
        f_opt = reference_optimum(X, y, C=C)
        fits = interleaved_fits(
            {name: (make, X, y) for name, make in models.items()}, repeat
        )
    values = {
        name: objective_value(X, y, est.coef_, est.intercept_, C=C)
        for name, (_, est, _) in fits.items()
    }
    ref_time, ref_value = fits[REFERENCE][0], values[REFERENCE]
    rows = []
    for name, (seconds, est, warned) in fits.items():
        f = values[name]
        rows.append({
            "case": case,
            "model": name,
            "time_s": seconds,
            "objective": f,
            "n_iter": int(np.max(est.n_iter_)),
            "rel_subopt": (f - f_opt) / f_opt,
            "warned": warned,
            "speedup_vs_ref": ref_time / seconds,
            "objective_vs_ref": f / ref_value,
        })
    return rows


def summary(rows):
    """Speed-up and objectives of solver="sgd" against SGDClassifier."""
    ours = next(r for r in rows if r["model"] == 'ours solver="sgd"')
    ref = next(r for r in rows if r["model"] == REFERENCE)
    return {
        "sgd_speedup_vs_SGDClassifier": ours["speedup_vs_ref"],
        "sgd_rel_subopt": ours["rel_subopt"],
        "SGDClassifier_rel_subopt": ref["rel_subopt"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, one fit")
    rows = run(quick=parser.parse_args().quick)
    print(rows[0]["case"])
    print_table(rows, COLUMNS)
    print("summary:", summary(rows))
    print(f"written to {write_json('sgd', rows)}")


if __name__ == "__main__":
    main()
