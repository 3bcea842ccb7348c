"""Choosing ``C`` by a grid search, and cross-validating the chosen model.

Both report each fit to a :class:`~sklearn_bce.cli.Progress` and use the same
folds, so that their scores can be compared.
"""

from __future__ import annotations

import time

import numpy as np

from .model import make_model
from .progress import Progress

#: The ``C`` values searched by default.
DEFAULT_CS = (0.001, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0)


class _ReportingScorer:
    """Wrap a scorer to report each (C, fold) of a grid search as it is scored."""

    def __init__(self, scorer, n_folds, Cs, progress):
        self.scorer = scorer
        self.n_folds = n_folds
        self.Cs = list(Cs)
        self.progress = progress
        self._scores = {}

    def __call__(self, estimator, X, y, **kwargs):
        score = self.scorer(estimator, X, y, **kwargs)
        C = estimator[-1].C
        scores = self._scores.setdefault(C, [])
        scores.append(score)
        where = self.Cs.index(C) + 1 if C in self.Cs else "?"
        self.progress.update(
            f"search: C={C:g} ({where}/{len(self.Cs)}), fold "
            f"{len(scores)}/{self.n_folds}"
        )
        if len(scores) == self.n_folds:
            self.progress.note(
                f"  C={C:<8g} mean CV BCE {-np.mean(scores):.4f} "
                f"(+/- {np.std(scores):.4f}) over {self.n_folds} folds"
            )
        return score


def search_C(X, y, *, folds, Cs=DEFAULT_CS, solver="auto", seed=0,
             tabular=True, progress=None):
    """Choose ``C`` by a grid search scored with :data:`~sklearn_bce.bce_scorer`.

    Parameters
    ----------
    X : DataFrame or ndarray of shape (n_samples, n_features)
        Features.
    y : ndarray of shape (n_samples,)
        Labels.
    folds : cross-validation splitter
        The folds (the same ones are used for the comparison).
    Cs : sequence of float, default=DEFAULT_CS
        Candidate values of ``C``.
    solver : str, default="auto"
        Solver of ``BCELogisticClassifier``.
    seed : int, default=0
        ``random_state`` of the classifier.
    tabular : bool, default=True
        Passed to :func:`~sklearn_bce.cli.make_preprocessor`.
    progress : Progress, default=None
        Where to report each C and fold: on a terminal, scikit-learn's progress
        bars of the search (scikit-learn >= 1.9 with rich), or else a status
        line; the mean score of each C as a note.

    Returns
    -------
    search : GridSearchCV
        Fitted; ``best_estimator_`` is the chosen pipeline refitted on all rows.
    """
    from sklearn.model_selection import GridSearchCV

    from .._classifier import BCELogisticClassifier
    from ..metrics import bce_scorer

    progress = Progress(enabled=False) if progress is None else progress
    model = make_model(
        X, BCELogisticClassifier(solver=solver, random_state=seed), tabular=tabular
    )
    scorer = _ReportingScorer(bce_scorer, folds.get_n_splits(), Cs, progress)
    search = GridSearchCV(
        model, {"classifier__C": list(Cs)}, scoring=scorer, cv=folds,
        error_score="raise",
    )
    with progress.bars(search):  # on a terminal: scikit-learn's progress bars
        return search.fit(X, y)


def chosen_C(search):
    """The ``C`` a grid search of :func:`search_C` chose.

    Parameters
    ----------
    search : GridSearchCV
        Fitted by :func:`search_C`.

    Returns
    -------
    C : float
    """
    return search.best_params_["classifier__C"]


def cross_validate_models(models, X, y, *, folds, progress=None):
    """Cross-validate several models on the same folds.

    Parameters
    ----------
    models : dict of str to estimator
        Named models (pipelines with a classifier as last step).
    X : DataFrame or ndarray of shape (n_samples, n_features)
        Features.
    y : ndarray of shape (n_samples,)
        Labels.
    folds : cross-validation splitter
        The folds.
    progress : Progress, default=None
        Where to report each model and fold.

    Returns
    -------
    rows : list of dict
        One row per model with the means over folds of ``bce`` (and its standard
        deviation ``bce_std``), ``accuracy``, ``roc_auc``, ``fit_time`` (seconds)
        and ``n_iter`` (largest solver iteration count of the fold).
    oof_proba : dict of str to ndarray of shape (n_samples, n_classes)
        Out-of-fold predicted probabilities of every model.
    """
    from sklearn.base import clone
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.utils import _safe_indexing

    from ..metrics import bce_scorer

    progress = Progress(enabled=False) if progress is None else progress
    classes = np.unique(y)
    splits = list(folds.split(X, y))
    rows, oof = [], {}
    for name, model in models.items():
        proba = np.zeros((len(y), classes.size))
        scores = {"bce": [], "accuracy": [], "roc_auc": [], "fit_time": [],
                  "n_iter": []}
        for k, (train, test) in enumerate(splits):
            progress.update(f"cross-validation: {name}, fold {k + 1}/{len(splits)}")
            est = clone(model)
            start = time.perf_counter()
            est.fit(_safe_indexing(X, train), y[train])
            scores["fit_time"].append(time.perf_counter() - start)
            X_test, y_test = _safe_indexing(X, test), y[test]
            p = est.predict_proba(X_test)
            proba[test] = p
            scores["bce"].append(-bce_scorer(est, X_test, y_test))
            scores["accuracy"].append(
                accuracy_score(y_test, classes[np.argmax(p, axis=1)])
            )
            if classes.size == 2:
                auc = roc_auc_score(y_test == classes[1], p[:, 1])
            else:
                auc = roc_auc_score(y_test, p, multi_class="ovr", labels=classes)
            scores["roc_auc"].append(auc)
            scores["n_iter"].append(int(np.max(est[-1].n_iter_)))
        row = {"model": name, **{m: float(np.mean(v)) for m, v in scores.items()}}
        row["bce_std"] = float(np.std(scores["bce"]))
        rows.append(row)
        oof[name] = proba
        progress.note(
            f"  {name}: mean CV BCE {row['bce']:.4f} over {len(splits)} folds"
        )
    return rows, oof


def format_table(rows):
    """Format the comparison as a fixed-width text table.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`cross_validate_models`.

    Returns
    -------
    table : str
    """
    header = (
        f"{'model':<24}{'BCE':>16}{'accuracy':>10}{'ROC AUC':>9}"
        f"{'fit time (ms)':>15}{'n_iter':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        bce = f"{r['bce']:.4f} +/- {r['bce_std']:.4f}"
        lines.append(
            f"{r['model']:<24}{bce:>16}{r['accuracy']:>10.4f}{r['roc_auc']:>9.4f}"
            f"{1000 * r['fit_time']:>15.1f}{r['n_iter']:>8.1f}"
        )
    return "\n".join(lines)
