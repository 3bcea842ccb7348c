"""The ``sklearn-bce`` command: the estimator at work on real data, with plots.

``sklearn-bce`` (or ``python -m sklearn_bce``) chooses ``C`` by
``GridSearchCV(Pipeline(preprocessing, BCELogisticClassifier), scoring=bce_scorer)``,
cross-validates the chosen model and ``LogisticRegression`` on the same folds, prints
a table and writes plots. ``sklearn-bce predict MODEL.skops FILE.csv`` applies a model
saved with ``--save``.

Plots need matplotlib and CSV files need pandas; both come with the ``cli`` extra
(``pip install "sklearn-bce[cli]"``), as does skops for ``--save`` and ``predict``.
Without them the command still runs on the embedded data and says what is missing.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from . import __version__

#: The ``C`` values searched by default.
DEFAULT_CS = (0.001, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0)

#: How to get the optional dependencies of the command.
EXTRA_HINT = (
    'install the cli extra: pip install "sklearn-bce[cli]" (in a clone of the '
    'repository: pip install ".[cli]")'
)

#: File names of the plots, in the output folder.
PLOT_FILES = {
    "reliability": "reliability.png",
    "bce_vs_C": "bce_vs_C.png",
    "sgd": "sgd_convergence.png",
}


class CommandError(Exception):
    """An error in the user's input, reported as one line and exit status 2."""


# ---------------------------------------------------------------- arguments
def _at_least_two(text):
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be an integer >= 2, got {text}")
    return value


def _threads(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _c_grid(text):
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers such as 0.01,0.1,1; got {text!r}"
        ) from None
    if not values or any(not v > 0 for v in values):
        raise argparse.ArgumentTypeError(f"every C must be > 0, got {text!r}")
    return sorted(set(values))


def build_parser():
    """Build the parser of the main command (search, compare, plot, save).

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="sklearn-bce",
        description=(
            "Choose C for Pipeline(preprocessing, BCELogisticClassifier) by a "
            "cross-validated grid search scored with the binary cross-entropy, "
            "compare the chosen model with LogisticRegression on the same folds, "
            "and write plots. Without --data it uses the breast-cancer data shipped "
            "with scikit-learn."
        ),
        epilog=(
            "To apply a saved model: sklearn-bce predict MODEL.skops FILE.csv "
            "[--output PROBA.csv]. Plots, CSV input and --save need matplotlib, "
            f"pandas and skops; {EXTRA_HINT}."
        ),
    )
    parser.add_argument(
        "--data", metavar="FILE.csv",
        help="your own table (CSV with a header row) instead of the embedded data",
    )
    parser.add_argument(
        "--target", metavar="COLUMN",
        help="name of the column to predict (required with --data)",
    )
    parser.add_argument(
        "--out", metavar="DIR", default=".",
        help="folder for the PNG plots (created if missing; default: current folder)",
    )
    parser.add_argument(
        "--save", metavar="MODEL.skops",
        help="save the chosen pipeline, refitted on all rows, with skops",
    )
    parser.add_argument(
        "--solver", choices=["auto", "lbfgs", "newton-cholesky", "sgd"],
        default="auto",
        help="solver of BCELogisticClassifier in the search (default: auto)",
    )
    parser.add_argument(
        "--C", dest="Cs", metavar="C1,C2,...", type=_c_grid,
        default=list(DEFAULT_CS),
        help="C values to search (default: " + ",".join(f"{c:g}" for c in DEFAULT_CS)
        + ")",
    )
    parser.add_argument(
        "--cv", type=_at_least_two, default=5,
        help="number of stratified cross-validation folds (default: 5)",
    )
    parser.add_argument(
        "--seed", type=int, default=0,
        help="seed of the fold shuffling and of the SGD solver (default: 0)",
    )
    parser.add_argument(
        "--blas-threads", type=_threads, default=1, metavar="N",
        help=(
            "BLAS threads per fit (default: 1, the fastest for the many small fits "
            "of a grid search; 0 keeps the BLAS library's own default)"
        ),
    )
    parser.add_argument(
        "--quiet", action="store_true",
        help="print only the results table (no progress, no notes)",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    return parser


def build_predict_parser():
    """Build the parser of ``sklearn-bce predict``.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="sklearn-bce predict",
        description=(
            "Load a pipeline saved with 'sklearn-bce --save' (only after checking "
            "that it holds nothing but scikit-learn and sklearn-bce types) and write "
            "the class probabilities of every row of a CSV file."
        ),
    )
    parser.add_argument("model", metavar="MODEL.skops", help="a saved pipeline")
    parser.add_argument("data", metavar="FILE.csv", help="rows to predict")
    parser.add_argument(
        "--output", "-o", metavar="PROBA.csv",
        help="write the probabilities here instead of to standard output",
    )
    return parser


# ---------------------------------------------------------------- progress
class Progress:
    """Progress messages on a stream (standard error by default).

    On a terminal, :meth:`update` rewrites one status line in place (which C, which
    fold); elsewhere (files, pipes, tests) only the lines of :meth:`note` appear.

    Parameters
    ----------
    enabled : bool, default=True
        When False, nothing is written.
    stream : file-like, default=None
        Where to write; ``sys.stderr`` when None.
    """

    def __init__(self, enabled=True, stream=None):
        self.enabled = enabled
        self.stream = sys.stderr if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.live = bool(isatty and isatty())
        self._width = 0

    def update(self, message):
        """Show a transient status line (terminals only).

        Parameters
        ----------
        message : str
            The status.
        """
        if not (self.enabled and self.live):
            return
        self.stream.write("\r" + message.ljust(self._width))
        self._width = len(message)
        self.stream.flush()

    def note(self, message):
        """Write a permanent line, replacing any status line.

        Parameters
        ----------
        message : str
            The line.
        """
        if not self.enabled:
            return
        if self.live and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.stream.write(message + "\n")
        self.stream.flush()


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


# ---------------------------------------------------------------- data
def _import_optional(name):
    """Import an optional dependency, or return None when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def load_default_data():
    """The breast-cancer data shipped with scikit-learn.

    Returns
    -------
    X : DataFrame or ndarray of shape (569, 30)
        A DataFrame with the feature names when pandas is installed.
    y : ndarray of shape (569,)
        Labels, 0 (malignant) or 1 (benign).
    description : str
        One line describing the data.
    """
    from sklearn.datasets import load_breast_cancer

    as_frame = _import_optional("pandas") is not None
    data = load_breast_cancer(as_frame=as_frame)
    y = np.asarray(data.target)
    return data.data, y, (
        f"breast-cancer data shipped with scikit-learn: {y.shape[0]} samples, "
        f"{data.data.shape[1]} numeric features, classes 0 = malignant, 1 = benign"
    )


def load_csv(path, target):
    """Read a CSV table and split it into features and target.

    Rows whose target is missing are dropped; missing feature values are left for
    the preprocessing pipeline (see :func:`make_preprocessor`).

    Parameters
    ----------
    path : str or Path
        CSV file with a header row.
    target : str
        Name of the target column.

    Returns
    -------
    X : DataFrame
        All columns but the target.
    y : ndarray of shape (n_samples,)
        Target labels.
    description : str
        One line describing the data.

    Raises
    ------
    CommandError
        When pandas is missing, the file cannot be read, the target column is not
        in the file, there are no feature columns, or the target has fewer than two
        classes or is continuous.
    """
    from sklearn.utils.multiclass import type_of_target

    pd = _import_optional("pandas")
    if pd is None:
        raise CommandError(f"reading CSV files needs pandas; {EXTRA_HINT}")
    try:
        df = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from None
    if target not in df.columns:
        raise CommandError(
            f"target column {target!r} is not in {path}; its columns are: "
            + ", ".join(map(str, df.columns))
        )
    n_missing = int(df[target].isna().sum())
    if n_missing:
        df = df[df[target].notna()]
    X = df.drop(columns=[target])
    if X.shape[1] == 0:
        raise CommandError(f"{path} has no feature columns besides {target!r}")
    y = df[target].to_numpy()
    if y.dtype.kind not in "biuf":  # strings and mixed labels as Python objects
        y = y.astype(object)
    classes = np.unique(y)
    if classes.size < 2:
        found = repr(classes[0]) if classes.size else "none"
        raise CommandError(
            f"target column {target!r} needs at least two classes to fit a "
            f"classifier, but it has one class only ({found})"
        )
    kind = type_of_target(y)
    if kind not in ("binary", "multiclass"):
        raise CommandError(
            f"target column {target!r} looks {kind} ({classes.size} distinct "
            "values); a classifier needs class labels"
        )
    note = f", {n_missing} rows without a target dropped" if n_missing else ""
    n_num = len(_numeric_columns(X))
    return X, y, (
        f"{path}: {X.shape[0]} samples, {n_num} numeric and {X.shape[1] - n_num} "
        f"other feature columns, target {target!r} with {classes.size} classes"
        f"{note}"
    )


def _numeric_columns(X):
    return [c for c in X.columns if X[c].dtype.kind in "iuf"]


def categorical_as_strings(X, columns=None):
    """Make categorical columns hold strings, keeping missing values missing.

    One-hot encoding needs each column to hold one type; a CSV column with both
    numbers and words (or booleans) would otherwise mix them.

    Parameters
    ----------
    X : DataFrame
        Features.
    columns : list of str, default=None
        The categorical columns; all non-numeric columns when None.

    Returns
    -------
    X : DataFrame
        A copy with those columns as ``object`` columns of ``str`` or NaN.
    """
    import pandas as pd

    numeric = set(_numeric_columns(X))
    if columns is None:
        columns = [c for c in X.columns if c not in numeric]
    if not columns:
        return X
    X = X.copy()
    for c in columns:
        X[c] = pd.Series(
            [np.nan if pd.isna(v) else str(v) for v in X[c]],
            index=X.index, dtype=object,
        )
    return X


class FillMissing(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Replace missing values (NaN) by a constant.

    Placed after ``StandardScaler`` (which ignores NaN when fitting), the default
    ``value=0.0`` imputes the mean of each column. It stores no fitted state
    besides the input's shape and names, so a saved pipeline holds nothing but
    scikit-learn and sklearn-bce types.

    Parameters
    ----------
    value : float, default=0.0
        The replacement.
    """

    def __init__(self, value=0.0):
        self.value = value

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X, y=None):
        """Record the number (and names) of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric data, possibly with NaN.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        validate_data(self, X, ensure_all_finite="allow-nan")
        return self

    def transform(self, X):
        """Return a copy of ``X`` with NaN replaced by ``value``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric data, possibly with NaN.

        Returns
        -------
        X_filled : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan",
                          dtype=[np.float64, np.float32], copy=True)
        X[np.isnan(X)] = self.value
        return X


def make_preprocessor(X, *, tabular=True):
    """The preprocessing step of the command's pipeline.

    For the embedded data (``tabular=False``): ``StandardScaler()``. For a table
    (``--data``), a ``ColumnTransformer`` that

    - standardises numeric columns, then replaces their missing values by 0, the
      column mean (``StandardScaler`` followed by :class:`FillMissing`);
    - one-hot encodes every other column as categorical, with missing values as a
      category of their own and categories not seen in training ignored (all
      zeros).

    Parameters
    ----------
    X : DataFrame or ndarray
        The training features.
    tabular : bool, default=True
        Whether ``X`` is a user's table (a DataFrame).

    Returns
    -------
    step : transformer
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    if not tabular:
        return StandardScaler()
    numeric = _numeric_columns(X)
    other = [c for c in X.columns if c not in set(numeric)]
    transformers = []
    if numeric:
        transformers.append((
            "numeric",
            make_pipeline(StandardScaler(), FillMissing(0.0)),
            numeric,
        ))
    if other:
        transformers.append((
            "categorical",
            OneHotEncoder(handle_unknown="ignore"),
            other,
        ))
    return ColumnTransformer(transformers)


def make_model(X, classifier, *, tabular=True):
    """``Pipeline([("preprocess", make_preprocessor(X)), ("classifier", ...)])``.

    Parameters
    ----------
    X : DataFrame or ndarray
        The training features.
    classifier : estimator
        The final step.
    tabular : bool, default=True
        Passed to :func:`make_preprocessor`.

    Returns
    -------
    pipeline : Pipeline
    """
    from sklearn.pipeline import Pipeline

    return Pipeline([
        ("preprocess", make_preprocessor(X, tabular=tabular)),
        ("classifier", classifier),
    ])


# ---------------------------------------------------------------- the job
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
        Passed to :func:`make_preprocessor`.
    progress : Progress, default=None
        Where to report each C and fold.

    Returns
    -------
    search : GridSearchCV
        Fitted; ``best_estimator_`` is the chosen pipeline refitted on all rows.
    """
    from sklearn.model_selection import GridSearchCV

    from ._classifier import BCELogisticClassifier
    from .metrics import bce_scorer

    progress = Progress(enabled=False) if progress is None else progress
    model = make_model(
        X, BCELogisticClassifier(solver=solver, random_state=seed), tabular=tabular
    )
    scorer = _ReportingScorer(bce_scorer, folds.get_n_splits(), Cs, progress)
    search = GridSearchCV(
        model, {"classifier__C": list(Cs)}, scoring=scorer, cv=folds,
        error_score="raise",
    )
    return search.fit(X, y)


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

    from .metrics import bce_scorer

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


# ---------------------------------------------------------------- plots
def _figure(**kwargs):
    from matplotlib.figure import Figure

    return Figure(layout="constrained", **kwargs)


def reliability_bins(y01, proba, n_bins=10):
    """Bin predictions for a reliability diagram, with 95 % intervals.

    Parameters
    ----------
    y01 : ndarray of shape (n,)
        0/1 outcomes.
    proba : ndarray of shape (n,)
        Predicted probabilities of the outcome 1.
    n_bins : int, default=10
        Number of equal-width bins on [0, 1]; empty bins are left out.

    Returns
    -------
    mean_pred, frac, low, high, count : ndarray of shape (n_nonempty_bins,)
        Mean prediction, observed frequency, Wilson score interval of the
        frequency, and number of samples of each bin.
    """
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.searchsorted(edges, proba, side="right") - 1, 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins).astype(float)
    keep = count > 0
    n = count[keep]
    mean_pred = np.bincount(which, weights=proba, minlength=n_bins)[keep] / n
    frac = np.bincount(which, weights=y01, minlength=n_bins)[keep] / n
    z = 1.959964  # 97.5 % quantile of the standard normal
    centre = (frac + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(frac * (1 - frac) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return mean_pred, frac, centre - half, centre + half, n


def plot_reliability(y, oof_proba, path, *, n_bins=10):
    """Reliability (calibration) diagram of out-of-fold probabilities.

    For two classes, the predicted probability of the second class against the
    observed frequency of that class, per bin of predictions, with 95 % Wilson
    intervals (wide where a bin holds few samples). For more classes, the same
    for all one-vs-rest probabilities pooled.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Labels.
    oof_proba : dict of str to ndarray of shape (n_samples, n_classes)
        Out-of-fold probabilities of each model.
    path : str or Path
        PNG file to write.
    n_bins : int, default=10
        Number of equal-width bins.
    """
    classes = np.unique(y)
    if classes.size == 2:
        truth = (y == classes[1]).astype(float)
        what = f"P(class = {classes[1]})"
        flat = {name: p[:, 1] for name, p in oof_proba.items()}
    else:
        truth = (y[:, None] == classes[None, :]).astype(float).ravel()
        what = "one-vs-rest probability (all classes pooled)"
        flat = {name: p.ravel() for name, p in oof_proba.items()}
    fig = _figure(figsize=(6, 6.5))
    ax, hist = fig.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    ax.plot([0, 1], [0, 1], ls=":", color="grey", label="perfectly calibrated")
    styles = [("o", "-", 2.5), ("s", "--", 1.5), ("^", "-.", 1.5), ("v", ":", 1.5)]
    for (name, p), (marker, ls, lw) in zip(flat.items(), styles, strict=False):
        mean, frac, low, high, _ = reliability_bins(truth, p, n_bins)
        ax.errorbar(mean, frac, yerr=[frac - low, high - frac], marker=marker,
                    ls=ls, lw=lw, mfc="none", capsize=3, label=name)
        hist.hist(p, bins=n_bins, range=(0, 1), histtype="step", ls=ls, lw=lw,
                  label=name)
    ax.set(ylabel="observed frequency (95 % interval)", xlim=(0, 1),
           ylim=(-0.02, 1.02), title="Reliability of out-of-fold probabilities")
    ax.legend(loc="upper left")
    hist.set(xlabel=f"predicted {what}", ylabel="samples per bin", yscale="log")
    fig.savefig(path, dpi=100)


def plot_bce_vs_C(search, path):
    """Cross-validated BCE against ``C`` from the grid search.

    Parameters
    ----------
    search : GridSearchCV
        Fitted by :func:`search_C`.
    path : str or Path
        PNG file to write.
    """
    res = search.cv_results_
    Cs = np.asarray(res["param_classifier__C"], dtype=float)
    bce, std = -np.asarray(res["mean_test_score"]), np.asarray(res["std_test_score"])
    order = np.argsort(Cs)
    best = search.best_params_["classifier__C"]
    fig = _figure(figsize=(6, 4))
    ax = fig.subplots()
    ax.errorbar(Cs[order], bce[order], yerr=std[order], marker="o", capsize=3,
                label="mean +/- std over folds")
    ax.axvline(best, ls="--", color="grey", label=f"chosen C = {best:g}")
    if Cs.min() == Cs.max():  # a single C: give the log axis some width
        ax.set_xlim(Cs.min() / 3, Cs.max() * 3)
    ax.set(xscale="log", xlabel="C (inverse L2 strength)",
           ylabel="cross-validated BCE (lower is better)",
           title="Grid search of C with bce_scorer")
    ax.legend()
    fig.savefig(path, dpi=100)


def plot_sgd_convergence(X, y, path, *, C=1.0, seed=0):
    """Objective after each SGD epoch against the L-BFGS optimum.

    Fits ``BCELogisticClassifier(solver="sgd")`` and a tightly converged
    ``solver="lbfgs"`` with the same ``C`` on preprocessed data, and plots the SGD
    ``loss_curve_`` together with the L-BFGS objective value.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Preprocessed features.
    y : ndarray of shape (n_samples,)
        Labels.
    path : str or Path
        PNG file to write.
    C : float, default=1.0
        Inverse regularisation strength of both fits.
    seed : int, default=0
        ``random_state`` of the SGD solver.

    Returns
    -------
    sgd : BCELogisticClassifier
        The fitted SGD model.
    optimum : float
        The objective value at the L-BFGS solution.
    """
    from sklearn.exceptions import ConvergenceWarning

    from ._classifier import BCELogisticClassifier

    exact = BCELogisticClassifier(C=C, solver="lbfgs", tol=1e-10, max_iter=10_000)
    exact.fit(X, y)
    optimum = exact.objective(X, y)
    sgd = BCELogisticClassifier(C=C, solver="sgd", random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sgd.fit(X, y)
    curve = np.asarray(sgd.loss_curve_, dtype=float)
    epochs = np.arange(1, curve.size + 1)
    fig = _figure(figsize=(6, 6.5))
    ax, gap = fig.subplots(2, 1, sharex=True)
    ax.plot(epochs, curve, marker=".", label='solver="sgd": loss_curve_')
    ax.axhline(optimum, ls="--", color="k",
               label=f'solver="lbfgs" optimum = {optimum:.5f}')
    ax.set(ylabel="objective (BCE + L2)",
           title=f"SGD against the L-BFGS optimum (C = {C:g})")
    ax.legend()
    excess = curve - optimum
    gap.plot(epochs, np.where(excess > 0, excess, np.nan), marker=".")
    gap.set(xlabel="epoch", ylabel="objective - optimum", yscale="log")
    fig.savefig(path, dpi=100)
    return sgd, optimum


# ---------------------------------------------------------------- persistence
def trusted_types():
    """The types a model saved by this command may hold beyond skops' defaults.

    skops trusts scikit-learn's estimators on its own; the other types in a
    pipeline saved by ``sklearn-bce --save`` are this package's
    :class:`~sklearn_bce.BCELogisticClassifier` and :class:`FillMissing`, and,
    with scikit-learn 1.6, the plain list subclass in which ``ColumnTransformer``
    records its remainder columns.

    Returns
    -------
    types : list of str
    """
    from ._classifier import BCELogisticClassifier

    ours = [f"{c.__module__}.{c.__qualname__}"
            for c in (BCELogisticClassifier, FillMissing)]
    return ours + ["sklearn.compose._column_transformer._RemainderColsList"]


def save_model(model, path):
    """Save a fitted pipeline with :func:`skops.io.dump`.

    Parameters
    ----------
    model : estimator
        The fitted pipeline.
    path : str or Path
        Output file, conventionally ``*.skops``.
    """
    sio = _import_optional("skops.io")
    if sio is None:
        raise CommandError(f"--save needs skops; {EXTRA_HINT}")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sio.dump(model, path)


def load_model(path):
    """Load a pipeline saved by ``sklearn-bce --save``, safely.

    The file is inspected with :func:`skops.io.get_untrusted_types` first; it is
    loaded only when every type skops does not trust by default is one of
    :func:`trusted_types`, and only those types are passed as ``trusted``.

    Parameters
    ----------
    path : str or Path
        A ``.skops`` file.

    Returns
    -------
    model : estimator

    Raises
    ------
    CommandError
        When skops is missing, the file cannot be read, or it holds other types.
    """
    sio = _import_optional("skops.io")
    if sio is None:
        raise CommandError(f"loading a model needs skops; {EXTRA_HINT}")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises several types for unreadable files
        raise CommandError(f"cannot read model {path}: {exc}") from None
    unknown = sorted(set(untrusted) - set(trusted_types()))
    if unknown:
        raise CommandError(
            f"{path} holds types that are neither scikit-learn's nor sklearn-bce's "
            f"({', '.join(unknown)}); refusing to load it. Inspect it and load it "
            "yourself with skops.io.load(path, trusted=[...]) if you trust it."
        )
    return sio.load(path, trusted=untrusted)


# ---------------------------------------------------------------- commands
class _ConvergenceNotes:
    """Collect ConvergenceWarnings of many fits into one note.

    Other warnings are passed on unchanged.
    """

    def __init__(self, progress, stage):
        self.progress = progress
        self.stage = stage

    def __enter__(self):
        from sklearn.exceptions import ConvergenceWarning

        self._category = ConvergenceWarning
        self._catcher = warnings.catch_warnings(record=True)
        self._caught = self._catcher.__enter__()
        warnings.simplefilter("always", ConvergenceWarning)
        return self

    def __exit__(self, *exc_info):
        self._catcher.__exit__(*exc_info)
        notes = [w for w in self._caught if issubclass(w.category, self._category)]
        for w in self._caught:
            if not issubclass(w.category, self._category):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if notes:
            fits = "1 fit" if len(notes) == 1 else f"{len(notes)} fits"
            self.progress.note(
                f"note: {fits} of the {self.stage} stopped before converging; "
                f"the first said: {notes[0].message}"
            )
        return False


def run(args, progress, stdout=None):
    """The main job, from parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by :func:`build_parser`.
    progress : Progress
        Where progress and notes go.
    stdout : file-like, default=None
        Where the results table goes; ``sys.stdout`` when None.

    Returns
    -------
    result : dict
        ``search`` (GridSearchCV), ``rows`` (the table), ``oof_proba`` and
        ``plots`` (paths of the files written).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.utils._param_validation import InvalidParameterError

    start = time.perf_counter()
    if args.save is not None and _import_optional("skops.io") is None:
        raise CommandError(f"--save needs skops; {EXTRA_HINT}")
    tabular = args.data is not None
    if tabular:
        if args.target is None:
            raise CommandError("--data needs --target COLUMN, the column to predict")
        X, y, description = load_csv(args.data, args.target)
        X = categorical_as_strings(X)
    elif args.target is not None:
        raise CommandError("--target needs --data FILE.csv")
    else:
        X, y, description = load_default_data()
    smallest = int(np.unique(y, return_counts=True)[1].min())
    if smallest < args.cv:
        raise CommandError(
            f"the smallest class has {smallest} samples, fewer than the {args.cv} "
            f"cross-validation folds; use --cv {max(smallest, 2)} or more data"
        )
    progress.note(description)
    mpl = _import_optional("matplotlib")
    if mpl is None:
        progress.note("note: matplotlib is not installed, so no plots; to get "
                      f"them, {EXTRA_HINT}")

    folds = StratifiedKFold(n_splits=args.cv, shuffle=True, random_state=args.seed)
    progress.note(
        f"grid search of C over {len(args.Cs)} values x {args.cv} folds "
        f"(scoring=bce_scorer, solver={args.solver!r})"
    )
    with _ConvergenceNotes(progress, "grid search"):
        search = search_C(X, y, folds=folds, Cs=args.Cs, solver=args.solver,
                          seed=args.seed, tabular=tabular, progress=progress)
    best = search.best_estimator_
    best_C = search.best_params_["classifier__C"]
    progress.note(f"chosen C = {best_C:g}; cross-validating it and "
                  "LogisticRegression(C=same) on the same folds")
    models = {
        "BCELogisticClassifier": make_model(X, best[-1], tabular=tabular),
        "LogisticRegression": make_model(
            X, LogisticRegression(C=best_C), tabular=tabular
        ),
    }
    with _ConvergenceNotes(progress, "comparison"):
        rows, oof = cross_validate_models(models, X, y, folds=folds,
                                          progress=progress)
    print(f"means over {args.cv} cross-validation folds, C = {best_C:g}",
          file=stdout or sys.stdout)
    print(format_table(rows), file=stdout or sys.stdout, flush=True)

    plots = {}
    if mpl is not None:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        progress.update("plots")
        plots["reliability"] = out / PLOT_FILES["reliability"]
        plot_reliability(y, oof, plots["reliability"])
        plots["bce_vs_C"] = out / PLOT_FILES["bce_vs_C"]
        plot_bce_vs_C(search, plots["bce_vs_C"])
        progress.update("SGD convergence plot")
        Xt = best[:-1].transform(X)
        try:
            plot_sgd_convergence(Xt, y, out / PLOT_FILES["sgd"], C=best_C,
                                 seed=args.seed)
            plots["sgd"] = out / PLOT_FILES["sgd"]
        except InvalidParameterError as exc:  # a version without solver="sgd"
            progress.note(f"note: no SGD convergence plot: {exc}")
        for path in plots.values():
            progress.note(f"wrote {path}")
    if args.save is not None:
        save_model(best, args.save)
        progress.note(f"saved the chosen pipeline, refitted on all rows, to "
                      f"{args.save}; apply it with: sklearn-bce predict "
                      f"{args.save} FILE.csv")
    progress.note(f"done in {time.perf_counter() - start:.1f} s")
    return {"search": search, "rows": rows, "oof_proba": oof, "plots": plots}


def _categorical_columns(model):
    """The columns a fitted pipeline of this command one-hot encodes."""
    step = model[0] if hasattr(model, "steps") else None
    for name, _, columns in getattr(step, "transformers_", []):
        if name == "categorical":
            return list(columns)
    return []


def predict(argv, stdout=None):
    """``sklearn-bce predict MODEL.skops FILE.csv [--output PROBA.csv]``.

    Writes one row per input row: the predicted class, then the probability of
    each class (columns ``proba_<class>``).

    Parameters
    ----------
    argv : list of str
        Arguments after ``predict``.
    stdout : file-like, default=None
        Where the CSV goes without ``--output``; ``sys.stdout`` when None.

    Returns
    -------
    status : int
        0 on success.
    """
    args = build_predict_parser().parse_args(argv)
    pd = _import_optional("pandas")
    if pd is None:
        raise CommandError(f"reading CSV files needs pandas; {EXTRA_HINT}")
    model = load_model(args.model)
    try:
        df = pd.read_csv(args.data)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read {args.data}: {exc}") from None
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        missing = [c for c in names if c not in df.columns]
        if missing:
            raise CommandError(
                f"{args.data} lacks columns the model was trained on: "
                + ", ".join(map(str, missing))
            )
        X = categorical_as_strings(df[list(names)], _categorical_columns(model))
    else:
        X = df.to_numpy()
    try:
        proba = model.predict_proba(X)
    except ValueError as exc:  # e.g. words in a column that was numeric in training
        raise CommandError(f"cannot predict the rows of {args.data}: {exc}") from None
    classes = model.classes_
    result = pd.DataFrame(proba, columns=[f"proba_{c}" for c in classes])
    result.insert(0, "prediction", classes[np.argmax(proba, axis=1)])
    result.to_csv(args.output if args.output else (stdout or sys.stdout),
                  index=False)
    return 0


def main(argv=None):
    """Run the command.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments; ``sys.argv[1:]`` when None. A first argument ``predict`` runs
        :func:`predict` on the rest.

    Returns
    -------
    status : int
        Exit status: 0 on success, 2 for a usage or data error.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv[:1] == ["predict"]:
            return predict(argv[1:])
        args = build_parser().parse_args(argv)
        with threadpool_limits(args.blas_threads or None, user_api="blas"):
            run(args, Progress(enabled=not args.quiet))
    except CommandError as exc:
        print(f"sklearn-bce: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
