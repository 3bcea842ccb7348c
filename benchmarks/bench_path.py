"""Paths: BCELogisticClassifierCV against LogisticRegressionCV and GridSearchCV.

A search over 20 values of ``C`` with 5 stratified folds (the same fold index
arrays for every model), scored by the held-out log loss (``"neg_log_loss"``;
our default ``bce_scorer`` gives the same numbers on a binary target), each
model refitted on all the data at its chosen ``C``. Two cases, both standardised
``make_classification`` data, 20k x 200 with 20 informative features and 10 %
of the labels flipped:

- **L1**: ``BCELogisticClassifierCV(l1_ratios=(1,))`` (coordinate descent,
  warm-started paths) against ``LogisticRegressionCV(l1_ratios=(1,),
  solver="saga")`` (also warm-started paths), on 20 values from ``l1_min_c``
  (every coefficient zero) up four decades;
- **L2**: ``BCELogisticClassifierCV()`` against
  ``GridSearchCV(LogisticRegression(), {"C": grid})`` with lbfgs and with
  newton-cholesky (one cold-started fit per fold and ``C``), and against
  ``LogisticRegressionCV(solver="lbfgs")``, on 20 values from 1e-4 to 1e2.

Every model runs at its default tolerance and iteration limit (ours
``tol=1e-5``, ``max_iter=100``; scikit-learn's ``tol=1e-4``, ``max_iter=100``),
and a ``ConvergenceWarning`` of any fit is recorded. The models are timed in
interleaved rounds that alternate which goes first (best time of each). Each row
gives the time ratio to ours, the chosen ``C``, whether it is ours, the mean
held-out score at the chosen ``C`` both in the model's own table and in ours,
which says how close a different choice comes, and the gap of the model
refitted on all the data (``rel_subopt``): its objective at its chosen ``C``
relative to a reference optimum there, ``(f - f_ref) / f_ref`` (scikit-learn's
newton-cholesky at ``tol=1e-10`` for L2, glum's ``irls-cd`` at
``gradient_tol=1e-12`` for L1, as in ``bench_binary.py`` and ``bench_l1.py``).

Run ``python benchmarks/bench_path.py [--quick]`` (``--quick``: 100x fewer rows).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).parent))
from _common import (  # noqa: E402
    bench_main,
    interleaved_fits,
    objective_value,
    reference_optimum,
)
from bench_l1 import l1_objective  # noqa: E402
from bench_l1 import reference as l1_reference  # noqa: E402

from sklearn_bce import BCELogisticClassifierCV, l1_min_c  # noqa: E402

N_CS, N_FOLDS = 20, 5
SCORING = "neg_log_loss"


def cases(quick=False):
    """(name, X, y, l1_ratio, Cs) of each case; ``quick`` shrinks the rows 100x."""
    n = 20_000 // (100 if quick else 1)
    for seed, l1_ratio in [(0, 1.0), (1, 0.0)]:
        X, y = make_classification(
            n_samples=n, n_features=200, n_informative=20, n_redundant=0,
            flip_y=0.1, random_state=seed,
        )
        X = StandardScaler().fit_transform(X)
        if l1_ratio > 0:
            c_min = l1_min_c(X, y, l1_ratio=l1_ratio)
            Cs = np.geomspace(c_min, c_min * 1e4, N_CS)
        else:
            Cs = np.logspace(-4, 2, N_CS)
        rows = f"{n // 1000}k" if n >= 1000 else str(n)
        yield f"L{1 if l1_ratio > 0 else 2}, dense {rows} x 200", X, y, l1_ratio, Cs


def logistic_regression_cv(Cs, l1_ratio, solver, folds):
    """``LogisticRegressionCV`` at its default tolerances, on scikit-learn 1.6 to 1.9.

    From 1.8 the penalty is given by ``l1_ratios`` and the new attribute layout is
    asked for; every parameter whose default is deprecated is passed explicitly,
    so that no ``FutureWarning`` is raised.
    """
    params = dict(Cs=Cs, solver=solver, cv=folds, scoring=SCORING)
    if tuple(int(v) for v in sklearn.__version__.split(".")[:2]) >= (1, 8):
        params.update(l1_ratios=(l1_ratio,), use_legacy_attributes=False)
    elif l1_ratio > 0:
        params.update(penalty="l1" if l1_ratio == 1 else "elasticnet")
        if l1_ratio < 1:
            params.update(l1_ratios=(l1_ratio,))
    return LogisticRegressionCV(**params)


def models(Cs, l1_ratio, folds):
    """The models of one case, by name (``make_estimator`` callables)."""
    out = {
        "ours": lambda: BCELogisticClassifierCV(
            Cs=Cs, l1_ratios=(l1_ratio,), cv=folds
        ),
    }
    if l1_ratio > 0:
        out["LogisticRegressionCV saga"] = lambda: logistic_regression_cv(
            Cs, l1_ratio, "saga", folds
        )
        return out
    for solver in ("lbfgs", "newton-cholesky"):
        out[f"GridSearchCV {solver}"] = lambda solver=solver: GridSearchCV(
            LogisticRegression(solver=solver), {"C": Cs}, cv=folds, scoring=SCORING
        )
    out["LogisticRegressionCV lbfgs"] = lambda: logistic_regression_cv(
        Cs, l1_ratio, "lbfgs", folds
    )
    return out


def mean_scores(est):
    """Mean held-out score of each ``C`` over the folds, from a fitted search."""
    if isinstance(est, GridSearchCV):
        return np.asarray(est.cv_results_["mean_test_score"])
    # ours stacked (folds, l1_ratios, Cs, problems), or scikit-learn's
    scores = getattr(est, "cv_scores_", est.scores_)
    if isinstance(scores, dict):  # scikit-learn's legacy layout
        scores = next(iter(scores.values()))
    return np.asarray(scores).reshape(N_FOLDS, -1).mean(axis=0)


def chosen(est):
    """The fitted model and the chosen ``C`` of a fitted search."""
    if isinstance(est, GridSearchCV):
        return est.best_estimator_, float(est.best_params_["C"])
    return est, float(np.ravel(est.C_)[0])


def tolerances(est):
    """``tol`` and ``max_iter`` of the fits of a search, as a short string."""
    inner = est.estimator if isinstance(est, GridSearchCV) else est
    return f"tol={inner.tol:g}, max_iter={inner.max_iter}"


def _grid_index(Cs, C):
    """Position of a chosen ``C`` in the grid."""
    return int(np.flatnonzero(np.isclose(Cs, C, rtol=1e-12))[0])


def gap_at(X, y, l1_ratio, C, fitted, references):
    """Gap of a refitted model to the reference optimum at its ``C``.

    ``references`` caches the reference objective of each ``C``.
    """
    if l1_ratio > 0:
        if C not in references:
            references[C] = l1_reference(X, y, C)
        f = l1_objective(X, y, fitted.coef_, fitted.intercept_, C)
    else:
        if C not in references:
            references[C] = reference_optimum(X, y, C=C)
        f = objective_value(X, y, fitted.coef_, fitted.intercept_, C=C)
    return (f - references[C]) / abs(references[C])


def run(quick=False):
    """Run both cases; return one row per (case, model)."""
    rows = []
    for name, X, y, l1_ratio, Cs in cases(quick):
        splitter = StratifiedKFold(N_FOLDS, shuffle=True, random_state=0)
        folds = list(splitter.split(X, y))
        candidates = models(Cs, l1_ratio, folds)
        fits = interleaved_fits(
            {model: (make, X, y) for model, make in candidates.items()},
            repeat=1 if quick else 3,
        )
        ours_time, ours_est = fits["ours"][0], fits["ours"][1]
        ours_scores = mean_scores(ours_est)
        ours_C = float(np.ravel(ours_est.C_)[0])
        ours_index = _grid_index(Cs, ours_C)
        references = {}
        for model, (seconds, est, warned) in fits.items():
            fitted, C = chosen(est)
            index = _grid_index(Cs, C)
            scores = mean_scores(est)
            rows.append({
                "case": name, "model": model, "time_s": seconds,
                "ratio_to_ours": seconds / ours_time,
                "C": C, "same_C": index == ours_index,
                "cv_score": float(scores[index]),
                "cv_score_at_ours_C": float(scores[ours_index]),
                "ours_cv_score_at_C": float(ours_scores[index]),
                "nnz": int(np.count_nonzero(fitted.coef_)),
                "rel_subopt": gap_at(X, y, l1_ratio, C, fitted, references),
                "settings": tolerances(est),
                "convergence_warning": warned,
            })
    return rows


#: The usual way to choose ``C`` for each penalty in scikit-learn, which the
#: summary compares with first.
TARGET = {"L1": "LogisticRegressionCV saga", "L2": "GridSearchCV lbfgs"}


def summary(rows):
    """Per case: speed-up of ours over the named peer and the fastest peer."""
    out = {}
    for case in dict.fromkeys(r["case"] for r in rows):
        others = [r for r in rows if r["case"] == case and r["model"] != "ours"]
        target = next(r for r in others if r["model"] == TARGET[case[:2]])
        fastest = min(others, key=lambda r: r["time_s"])
        out[case] = {
            "speedup_vs_" + target["model"]: target["ratio_to_ours"],
            "same_C_as_" + target["model"]: target["same_C"],
            "fastest_peer": fastest["model"],
            "speedup_vs_fastest_peer": fastest["ratio_to_ours"],
            "all_same_C": all(r["same_C"] for r in others),
            "peers_with_convergence_warning": [
                r["model"] for r in others if r["convergence_warning"]
            ],
        }
    return out


COLUMNS = [
    "case", "model", "time_s", "ratio_to_ours", "C", "same_C", "cv_score",
    "cv_score_at_ours_C", "ours_cv_score_at_C", "nnz", "rel_subopt", "settings",
    "convergence_warning",
]


def main(argv=None):
    bench_main(sys.modules[__name__], "path", argv)


if __name__ == "__main__":
    main()
