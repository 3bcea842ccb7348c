"""The ``sklearn-bce`` command's search of C: warm-started paths against GridSearchCV.

On the command's default data (the breast-cancer data, 569 x 30) with its
default grid of nine values of ``C`` and five shuffled stratified folds, times
in turn (interleaved rounds, best time of each) :func:`sklearn_bce.cli.search_C`,
which fits the scaler once per fold and then one warm-started path over the
values of ``C``, and the ``GridSearchCV`` of the same pipeline with
``scoring=bce_scorer`` that the command ran before (one cold fit of the pipeline
per value and fold), for each ``--solver`` with a path. BLAS runs on one thread,
as the command's default ``--blas-threads 1``. Reports both times, their ratio,
the chosen ``C`` of each and the largest difference between their mean scores.

Run ``python benchmarks/bench_cli_search.py [--quick]`` (``--quick``: one round,
three folds).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from _common import bench_main, interleaved_fits  # noqa: E402

from sklearn_bce import BCELogisticClassifier, bce_scorer  # noqa: E402
from sklearn_bce.cli import (  # noqa: E402
    DEFAULT_CS,
    load_default_data,
    make_model,
    search_C,
)

SOLVERS = ("auto", "lbfgs", "newton-cholesky")


class PathSearch:
    """:func:`~sklearn_bce.cli.search_C` as an object with ``fit``, for timing.

    Parameters
    ----------
    folds : cross-validation splitter
        The folds.
    solver : str
        The classifier's solver.
    """

    def __init__(self, folds, solver):
        self.folds, self.solver = folds, solver

    def fit(self, X, y):
        """Run the search.

        Parameters
        ----------
        X : DataFrame or ndarray of shape (n_samples, n_features)
            Features.
        y : ndarray of shape (n_samples,)
            Labels.

        Returns
        -------
        self : PathSearch
            With the result of the search as ``search_``.
        """
        self.search_ = search_C(X, y, folds=self.folds, solver=self.solver,
                                tabular=False)
        return self


def grid_search(X, folds, solver):
    """The ``GridSearchCV`` that the command ran before its paths.

    Parameters
    ----------
    X : DataFrame or ndarray of shape (n_samples, n_features)
        Features (for the pipeline's preprocessing).
    folds : cross-validation splitter
        The folds.
    solver : str
        The classifier's solver.

    Returns
    -------
    search : GridSearchCV
        Unfitted.
    """
    model = make_model(X, BCELogisticClassifier(solver=solver, random_state=0),
                       tabular=False)
    return GridSearchCV(model, {"classifier__C": list(DEFAULT_CS)},
                        scoring=bce_scorer, cv=folds)


def run(quick=False):
    """Time both searches for each solver.

    Parameters
    ----------
    quick : bool, default=False
        One round and three folds instead of five rounds and five folds.

    Returns
    -------
    rows : list of dict
        One row per solver, with the columns of :data:`COLUMNS`.
    """
    X, y, _ = load_default_data()
    folds = StratifiedKFold(3 if quick else 5, shuffle=True, random_state=0)
    rows = []
    with threadpool_limits(1, user_api="blas"):
        for solver in SOLVERS:
            fits = interleaved_fits({
                "paths": (lambda s=solver: PathSearch(folds, s), X, y),
                "grid": (lambda s=solver: grid_search(X, folds, s), X, y),
            }, repeat=1 if quick else 5)
            (t_path, paths, _), (t_grid, grid, grid_warned) = fits.values()
            ours = paths.search_.cv_results_["mean_test_score"]
            theirs = grid.cv_results_["mean_test_score"]
            rows.append({
                "solver": solver, "paths_s": t_path, "grid_search_s": t_grid,
                "speedup": t_grid / t_path,
                "C_paths": paths.search_.best_params_["classifier__C"],
                "C_grid": grid.best_params_["classifier__C"],
                "max_mean_score_diff": float(np.abs(ours - theirs).max()),
                "grid_convergence_warning": grid_warned,
            })
    return rows


COLUMNS = [
    "solver", "paths_s", "grid_search_s", "speedup", "C_paths", "C_grid",
    "max_mean_score_diff", "grid_convergence_warning",
]


def main(argv=None):
    """Run, print the table and write ``results/cli_search.json``.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments (``--quick``); ``sys.argv[1:]`` when None.
    """
    bench_main(sys.modules[__name__], "cli_search", argv)


if __name__ == "__main__":
    main()
