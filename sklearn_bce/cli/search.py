"""Choosing ``C`` by cross-validated paths, and cross-validating the chosen model.

:func:`search_C` makes the choice of ``GridSearchCV(pipeline, {"classifier__C":
Cs}, scoring=bce_scorer)`` at a fraction of its cost: in each fold it fits the
preprocessing once, on the fold's training rows as the grid search does, and
then one warm-started path over all the values of ``C``
(:func:`~sklearn_bce.bce_path`) instead of one cold fit per value. Both it and
:func:`cross_validate_models` report to a :class:`~sklearn_bce.cli.Progress`
and use the same folds, so that their scores can be compared.
"""

from __future__ import annotations

import time

import numpy as np

from .model import drop_param, make_model, with_C
from .progress import Progress

#: The ``C`` values searched by default.
DEFAULT_CS = (0.001, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0)

#: The parameter of the command's pipeline that the search chooses.
C_PARAM = "classifier__C"


class CSearch:
    """The result of :func:`search_C`, under ``GridSearchCV``'s attribute names.

    The candidate with the best mean score is chosen, the first one among equal
    means, as ``GridSearchCV`` chooses.

    Parameters
    ----------
    Cs : sequence of float
        The values of ``C``, in the order searched.
    scores : ndarray of shape (n_Cs, n_folds)
        The held-out score (:data:`~sklearn_bce.bce_scorer`) of each ``C`` and
        fold.
    n_iter : ndarray of shape (n_Cs, n_folds)
        Solver iterations of each fit (the largest over its binary problems).

    Attributes
    ----------
    Cs_ : list of float
        The values of ``C``.
    scores_ : ndarray of shape (n_Cs, n_folds)
        The held-out scores (minus the BCE: higher is better).
    n_iter_ : ndarray of shape (n_Cs, n_folds)
        Solver iterations of each fit.
    n_splits_ : int
        The number of folds.
    cv_results_ : dict of str to ndarray or list
        As ``GridSearchCV``'s: ``param_classifier__C``, ``params``,
        ``split<k>_test_score``, ``mean_test_score``, ``std_test_score`` and
        ``rank_test_score``, one entry per ``C``.
    best_index_ : int
        The index of the chosen ``C``.
    best_params_ : dict
        ``{"classifier__C": C}`` for the chosen ``C``.
    best_score_ : float
        Its mean held-out score.
    best_estimator_ : Pipeline
        The pipeline with the chosen ``C`` refitted on all rows; set by
        :meth:`refit`.
    """

    def __init__(self, Cs, scores, n_iter):
        self.Cs_ = list(Cs)
        self.scores_ = np.asarray(scores, dtype=np.float64)
        self.n_iter_ = np.asarray(n_iter)
        self.n_splits_ = self.scores_.shape[1]
        mean = self.scores_.mean(axis=1)
        std = self.scores_.std(axis=1)
        ranked = np.nan_to_num(mean, nan=-np.inf)
        # rank 1 for the best mean, equal means sharing the smallest rank
        rank = 1 + (ranked[None, :] > ranked[:, None]).sum(axis=1)
        self.cv_results_ = {
            f"param_{C_PARAM}": np.asarray(self.Cs_, dtype=np.float64),
            "params": [{C_PARAM: C} for C in self.Cs_],
            **{f"split{k}_test_score": self.scores_[:, k]
               for k in range(self.n_splits_)},
            "mean_test_score": mean,
            "std_test_score": std,
            "rank_test_score": rank.astype(np.int32),
        }
        self.best_index_ = int(np.argmax(ranked))
        self.best_params_ = {C_PARAM: self.Cs_[self.best_index_]}
        self.best_score_ = float(mean[self.best_index_])

    def refit(self, model, X, y, rules=None):
        """Fit a clone of ``model`` with the chosen ``C`` on all rows.

        The encoding of categorical columns follows the chosen ``C`` (a
        reference level for ``C=inf``; see :func:`~sklearn_bce.cli.make_model`).

        Parameters
        ----------
        model : Pipeline
            The searched pipeline (unfitted).
        X : DataFrame or ndarray of shape (n_samples, n_features)
            Features.
        y : ndarray of shape (n_samples,)
            Labels.
        rules : ColumnRules, default=None
            Column constraints (see ``sklearn_bce.cli.constraints``).

        Returns
        -------
        self : CSearch
            With ``best_estimator_``.
        """
        self.best_estimator_ = with_C(model, self.best_params_[C_PARAM], rules, X)
        self.best_estimator_.fit(X, y)
        return self


def fits_over_C(classifier, X, y, Cs):
    """Yield ``classifier`` fitted on ``(X, y)`` with each value of ``C``.

    With a deterministic solver, from one warm-started path
    (:func:`~sklearn_bce.bce_path` with the classifier's settings), each fit
    reaching the optimum a cold fit reaches (to the solver's tolerance). With
    ``solver="sgd"``, whose result depends on its starting point and its random
    draws, cold fits, as a grid search runs them.

    Parameters
    ----------
    classifier : BCELogisticClassifier
        Gives every setting but ``C``; it is not modified.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training features (preprocessed).
    y : ndarray of shape (n_samples,)
        Labels.
    Cs : sequence of float
        The values of ``C``.

    Yields
    ------
    fitted : BCELogisticClassifier
        A clone of ``classifier`` with ``C`` set, fitted, in the order of ``Cs``.
    """
    from sklearn.base import clone

    from .._fit import set_coef
    from .._path import bce_path

    if classifier.solver == "sgd":
        for C in Cs:
            yield clone(classifier).set_params(C=C).fit(X, y)
        return
    params = clone(classifier).get_params(deep=False)
    settings = {name: params[name] for name in (
        "l1_ratio", "fit_intercept", "class_weight", "solver", "tol", "max_iter",
        "n_jobs", "verbose", "penalty_factor", "lower_bounds", "upper_bounds",
    )}
    path = bce_path(X, y, Cs=list(Cs), **settings)
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    for i, C in enumerate(Cs):
        fitted = type(classifier)(**{**params, "C": C})
        fitted.n_features_in_ = X.shape[1]
        set_coef(fitted, path.coefs[i], path.intercepts[i], path.classes, False,
                 dtype)
        fitted.n_iter_ = path.n_iter[i]
        fitted.solver_ = path.solvers[i]
        yield fitted


def _fold_scores(model, X, y, train, test, Cs, rules=None):
    """Fit and score every ``C`` of one fold.

    The values of ``C`` that share an encoding of the categorical columns (one
    column per level for a finite ``C``, a reference level for ``C=inf``) share
    one preprocessing and one path.

    Parameters
    ----------
    model : Pipeline
        The searched pipeline (unfitted): preprocessing, then the classifier.
    X : DataFrame or ndarray of shape (n_samples, n_features)
        Features.
    y : ndarray of shape (n_samples,)
        Labels.
    train, test : ndarray of int
        The fold's training and held-out rows.
    Cs : list of float
        The values of ``C``.
    rules : ColumnRules, default=None
        Column constraints (see ``sklearn_bce.cli.constraints``).

    Yields
    ------
    i : int
        The index of the ``C`` in ``Cs``, in order within each encoding.
    score : float
        Its held-out score (:data:`~sklearn_bce.bce_scorer`).
    n_iter : int
        Its solver iterations (the largest over the binary problems).
    """
    from sklearn.utils import _safe_indexing

    from ..metrics import bce_scorer

    encodes = drop_param(model) is not None
    groups = {}  # the values of C that share an encoding, by index
    for i, C in enumerate(Cs):
        groups.setdefault(encodes and bool(np.isinf(C)), []).append(i)
    for indices in groups.values():
        # fitted on the fold's training rows only, as Pipeline.fit in a grid search
        encoded = with_C(model, Cs[indices[0]], rules, X)
        preprocess = encoded[:-1]
        X_train = preprocess.fit_transform(_safe_indexing(X, train), y[train])
        X_test = preprocess.transform(_safe_indexing(X, test))
        fits = fits_over_C(encoded[-1], X_train, y[train], [Cs[i] for i in indices])
        for i, fitted in zip(indices, fits, strict=True):
            yield i, bce_scorer(fitted, X_test, y[test]), int(np.max(fitted.n_iter_))


def search_C(X, y, *, folds, Cs=DEFAULT_CS, solver="auto", seed=0,
             tabular=True, progress=None, rules=None):
    """Choose ``C`` as a grid search scored with :data:`~sklearn_bce.bce_scorer`.

    The choice and the scores are those of ``GridSearchCV(make_model(X,
    BCELogisticClassifier(solver=solver, random_state=seed)), {"classifier__C":
    Cs}, scoring=bce_scorer, cv=folds)`` (to the solver's tolerance), computed
    with one warm-started path per fold (see :func:`fits_over_C`): in each fold
    the preprocessing is fitted on the training rows, then the path on the
    transformed training rows, and each ``C`` is scored on the transformed
    held-out rows. The best mean score chooses ``C`` (the first of equal ones),
    and the pipeline is refitted with it on all rows. For ``C=inf`` the
    categorical columns have a reference level (see
    :func:`~sklearn_bce.cli.make_model`), in the search as in the refit: that
    is a grid search whose candidates set the encoder's ``drop`` with ``C``.

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
        Where to report each C and fold: on a terminal, a progress bar (with
        rich) or else a status line; the mean score of each C as a note.
    rules : ColumnRules, default=None
        Sign constraints and unpenalised columns of the classifier (see
        ``sklearn_bce.cli.constraints``).

    Returns
    -------
    search : CSearch
        ``best_estimator_`` is the chosen pipeline refitted on all rows.
    """
    from .._classifier import BCELogisticClassifier

    progress = Progress(enabled=False) if progress is None else progress
    model = make_model(
        X, BCELogisticClassifier(solver=solver, random_state=seed), tabular=tabular
    )
    Cs = list(Cs)
    splits = list(folds.split(X, y))
    n_Cs, n_folds = len(Cs), len(splits)
    scores = np.empty((n_Cs, n_folds))
    n_iter = np.zeros((n_Cs, n_folds), dtype=int)
    how = "cold fits of" if solver == "sgd" else "path over"
    with progress.bar(n_Cs * n_folds):
        for k, (train, test) in enumerate(splits):
            progress.update(f"search: fold {k + 1}/{n_folds}, {how} {n_Cs} "
                            "values of C")
            for i, score, iters in _fold_scores(
                model, X, y, train, test, Cs, rules
            ):
                scores[i, k], n_iter[i, k] = score, iters
                progress.step(f"search: C={Cs[i]:g} ({i + 1}/{n_Cs}), fold "
                              f"{k + 1}/{n_folds}")
        for C, fold_scores in zip(Cs, scores, strict=True):
            progress.note(
                f"  C={C:<8g} mean CV BCE {-np.mean(fold_scores):.4f} "
                f"(+/- {np.std(fold_scores):.4f}) over {n_folds} folds"
            )
    return CSearch(Cs, scores, n_iter).refit(model, X, y, rules)


def chosen_C(search):
    """The ``C`` that :func:`search_C` chose.

    Parameters
    ----------
    search : CSearch
        Returned by :func:`search_C`.

    Returns
    -------
    C : float
    """
    return search.best_params_[C_PARAM]


def edge_note(search):
    """A line suggesting a wider grid when the chosen ``C`` is at its edge.

    When the chosen ``C`` is the smallest or the largest finite value of a grid
    of two or more, the best ``C`` may lie beyond it. ``C = inf`` (no penalty)
    is an edge that cannot be widened.

    Parameters
    ----------
    search : CSearch
        Returned by :func:`search_C`.

    Returns
    -------
    note : str or None
        None when the chosen ``C`` is inside the grid.
    """
    C = chosen_C(search)
    Cs = sorted(search.Cs_)
    if len(Cs) < 2 or np.isinf(C) or C not in (Cs[0], Cs[-1]):
        return None
    if C == Cs[0]:
        side, direction, wider = "smallest", "smaller", [C / 100, C / 10, *Cs]
    else:
        side, direction, wider = "largest", "larger", [*Cs, C * 10, C * 100]
    grid = ",".join(f"{c:g}" for c in wider)
    return (f"note: the chosen C = {C:g} is the {side} value searched, so the best "
            f"C may be {direction}; widen the grid, for instance --C {grid}")


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
        and ``n_iter`` (largest solver iteration count of the fold, over the
        binary problems or the estimators of a ``OneVsRestClassifier``).
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
            scores["n_iter"].append(_n_iter(est[-1]))
        row = {"model": name, **{m: float(np.mean(v)) for m, v in scores.items()}}
        row["bce_std"] = float(np.std(scores["bce"]))
        rows.append(row)
        oof[name] = proba
        progress.note(
            f"  {name}: mean CV BCE {row['bce']:.4f} over {len(splits)} folds"
        )
    return rows, oof


def _n_iter(classifier):
    """The largest solver iteration count of a fitted classifier."""
    if hasattr(classifier, "n_iter_"):
        return int(np.max(classifier.n_iter_))
    return max(_n_iter(e) for e in classifier.estimators_)  # OneVsRestClassifier


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
    width = max([24, *(len(r["model"]) + 2 for r in rows)])
    header = (
        f"{'model':<{width}}{'BCE':>16}{'accuracy':>10}{'ROC AUC':>9}"
        f"{'fit time (ms)':>15}{'n_iter':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        bce = f"{r['bce']:.4f} +/- {r['bce_std']:.4f}"
        lines.append(
            f"{r['model']:<{width}}{bce:>16}{r['accuracy']:>10.4f}"
            f"{r['roc_auc']:>9.4f}{1000 * r['fit_time']:>15.1f}{r['n_iter']:>8.1f}"
        )
    return "\n".join(lines)
