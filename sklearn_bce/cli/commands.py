"""Running the command: the main job, ``sklearn-bce predict``, and :func:`main`."""

from __future__ import annotations

import os
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from .args import build_parser, build_predict_parser
from .constraints import ColumnRules
from .data import (
    categorical_as_strings,
    describe_format,
    load_csv,
    load_default_data,
    one_column_hint,
    read_table,
)
from .errors import EXTRA_HINT, CommandError, import_optional, require_optional
from .export import export
from .inference import coef_table_of, format_coef_table
from .model import categorical_columns, make_model, reference_levels
from .persistence import load_model, save_model
from .plots import write_plots
from .progress import ConvergenceNotes, Progress
from .search import (
    chosen_C,
    cross_validate_models,
    edge_note,
    format_table,
    search_C,
)


def _load_data(args, progress):
    """The data named by the arguments, checked to be enough for the folds."""
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
    return X, y, tabular


def _rules(args, X, progress):
    """The column constraints of the arguments, checked against the data."""
    rules = ColumnRules(
        getattr(args, "positive", ()), getattr(args, "negative", ()),
        getattr(args, "unpenalised", ()),
    )
    if rules:
        rules.check(X)
        parts = [
            f"{what} {', '.join(names)}" for what, names in (
                ("coefficients >= 0:", rules.positive),
                ("coefficients <= 0:", rules.negative),
                ("unpenalised:", rules.unpenalised),
            ) if names
        ]
        progress.note("constraints: " + "; ".join(parts))
    return rules


def _choose_C(args, X, y, *, folds, tabular, progress, rules=None):
    """The search of ``C``: one warm-started path per fold (cold fits for SGD)."""
    fits = "cold fits" if args.solver == "sgd" else "a warm-started path per fold"
    progress.note(
        f"grid search of C over {len(args.Cs)} values x {args.cv} folds, {fits} "
        f"(scoring=bce_scorer, solver={args.solver!r})"
    )
    with ConvergenceNotes(progress, "grid search"):
        search = search_C(X, y, folds=folds, Cs=args.Cs, solver=args.solver,
                          seed=args.seed, tabular=tabular, progress=progress,
                          rules=rules)
    return search


#: The names of the comparison's rows for more than two classes.
OVR_LR = "OneVsRest(LogisticRegression)"
MULTINOMIAL_LR = "LogisticRegression (multinomial)"

#: What differs between the rows, printed under the table for 3+ classes.
MULTICLASS_NOTE = (
    f"note: BCELogisticClassifier and {OVR_LR} fit one binary model per class "
    f"against the rest (one-vs-rest); {MULTINOMIAL_LR} fits one softmax model, "
    "another objective"
)


def _compare(search, X, y, *, folds, tabular, progress, rules=None):
    """Cross-validate the chosen pipeline and ``LogisticRegression`` alike.

    For more than two classes, ``LogisticRegression`` is multinomial (softmax),
    so ``OneVsRestClassifier(LogisticRegression)``, one-vs-rest as ours, is
    compared too.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    C = chosen_C(search)
    ours = make_model(X, search.best_estimator_[-1], tabular=tabular)
    if rules:
        rules.apply(ours, X)
    models = {"BCELogisticClassifier": ours}
    if np.unique(y).size == 2:
        models["LogisticRegression"] = make_model(
            X, LogisticRegression(C=C), tabular=tabular
        )
        others = "LogisticRegression(C=same)"
    else:
        models[OVR_LR] = make_model(
            X, OneVsRestClassifier(LogisticRegression(C=C)), tabular=tabular
        )
        models[MULTINOMIAL_LR] = make_model(
            X, LogisticRegression(C=C), tabular=tabular
        )
        others = ("OneVsRestClassifier(LogisticRegression(C=same)) and "
                  "LogisticRegression(C=same), which is multinomial,")
    progress.note(f"chosen C = {C:g}; cross-validating it and {others} on the "
                  "same folds")
    with ConvergenceNotes(progress, "comparison"):
        return cross_validate_models(models, X, y, folds=folds, progress=progress)


def _save(model, path, progress):
    """Save the chosen pipeline and say how to apply it."""
    save_model(model, path)
    progress.note(f"saved the chosen pipeline, refitted on all rows, to {path}; "
                  f"apply it with: sklearn-bce predict {path} FILE.csv")


def run(args, progress, stdout=None):
    """The main job, from parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by :func:`~sklearn_bce.cli.build_parser`.
    progress : Progress
        Where progress and notes go.
    stdout : file-like, default=None
        Where the results table goes; ``sys.stdout`` when None.

    Returns
    -------
    result : dict
        ``search`` (:class:`~sklearn_bce.cli.CSearch`), ``rows`` (the table),
        ``oof_proba`` and ``plots`` (paths of the files written); with
        ``--coef-table``, also ``coef_table`` (a structured array).

    Raises
    ------
    CommandError
        For unusable input or arguments; when only the coefficient table
        cannot be computed (a singular information matrix, for instance), after
        the plots are written and the model saved.
    """
    from sklearn.model_selection import StratifiedKFold

    start = time.perf_counter()
    coef_table = getattr(args, "coef_table", False)
    cov = getattr(args, "cov", None)
    if cov is not None and not coef_table:
        raise CommandError("--cov chooses the covariance of --coef-table; add it")
    if args.save is not None:
        require_optional("skops.io", "--save")
    X, y, tabular = _load_data(args, progress)
    plotting = import_optional("matplotlib") is not None
    if not plotting:
        progress.note("note: matplotlib is not installed, so no plots; to get "
                      f"them, {EXTRA_HINT}")

    rules = _rules(args, X, progress)
    folds = StratifiedKFold(n_splits=args.cv, shuffle=True, random_state=args.seed)
    search = _choose_C(args, X, y, folds=folds, tabular=tabular, progress=progress,
                       rules=rules)
    rows, oof = _compare(search, X, y, folds=folds, tabular=tabular,
                         progress=progress, rules=rules)
    stdout = stdout or sys.stdout
    print(f"means over {args.cv} cross-validation folds, C = {chosen_C(search):g}",
          file=stdout)
    print(format_table(rows), file=stdout, flush=True)
    if len(rows) > 2:
        print(MULTICLASS_NOTE, file=stdout, flush=True)
    widen = edge_note(search)
    if widen is not None:
        print(widen, file=stdout, flush=True)
    table_error = None
    if coef_table:
        kind = cov or "nonrobust"
        best = search.best_estimator_
        try:
            table = coef_table_of(best, X, y, kind)
        except CommandError as exc:  # reported once the plots are written
            table_error = exc
        else:
            text = format_coef_table(
                table, chosen_C(search), kind, classes=best.classes_,
                target=args.target, categorical=categorical_columns(best),
                references=reference_levels(best),
            )
            print("", file=stdout)
            print(text, file=stdout, flush=True)

    plots = {}
    if plotting:
        plots = write_plots(args.out, X, y, search, oof, seed=args.seed,
                            progress=progress)
    if args.save is not None:
        _save(search.best_estimator_, args.save, progress)
    if table_error is not None:
        raise table_error
    progress.note(f"done in {time.perf_counter() - start:.1f} s")
    result = {"search": search, "rows": rows, "oof_proba": oof, "plots": plots}
    if coef_table:
        result["coef_table"] = table
    return result


#: How ``sklearn-bce predict`` writes the probabilities: six significant digits.
PROBA_FORMAT = "%.6g"


def _predict_input(args, model):
    """The rows to predict, as the model needs them, and the ID column."""
    names = getattr(model, "feature_names_in_", None)
    # IDs are carried through as written ("007" stays "007"), unless the model
    # also uses the column as a feature
    as_text = args.id is not None and (names is None or args.id not in names)
    df = read_table(args.data, dtype={args.id: str} if as_text else None)
    ids = None
    if args.id is not None:
        if args.id not in df.columns:
            raise CommandError(
                f"--id column {args.id!r} is not in {args.data}; its columns are: "
                + ", ".join(map(str, df.columns)) + one_column_hint(df)
            )
        ids = df[args.id]
    if names is None:
        return df.drop(columns=[args.id] if as_text else []).to_numpy(), ids
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise CommandError(
            f"{args.data}{describe_format(df)} lacks columns the model was trained "
            "on: " + ", ".join(map(str, missing)) + one_column_hint(df)
        )
    return categorical_as_strings(df[list(names)], categorical_columns(model)), ids


def predict(argv, stdout=None):
    """``sklearn-bce predict MODEL.skops FILE.csv [--id COLUMN] [-o PROBA.csv]``.

    Writes one row per input row: the ID column (with ``--id``), the predicted
    class, then the probability of each class (columns ``proba_<class>``), with
    six significant digits (:data:`PROBA_FORMAT`); then says on standard error
    how many predictions it wrote, and where.

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
    pd = require_optional("pandas", "reading CSV files")
    model = load_model(args.model)
    X, ids = _predict_input(args, model)
    if args.id is not None and (args.id == "prediction"
                                or args.id.startswith("proba_")):
        raise CommandError(f"--id column {args.id!r} would clash with an output "
                           "column; rename it in the input")
    try:
        proba = model.predict_proba(X)
    except ValueError as exc:  # e.g. words in a column that was numeric in training
        raise CommandError(f"cannot predict the rows of {args.data}: {exc}") from None
    classes = model.classes_
    result = pd.DataFrame(proba, columns=[f"proba_{c}" for c in classes])
    # as Python objects, so that PROBA_FORMAT rounds the probabilities only
    # (not float class labels or IDs)
    labels = classes[np.argmax(proba, axis=1)]
    result.insert(0, "prediction", np.asarray(labels, dtype=object))
    if ids is not None:
        result.insert(0, args.id, np.asarray(ids, dtype=object))
    out = args.output if args.output else (stdout or sys.stdout)
    where = args.output if args.output else "standard output"
    try:
        result.to_csv(out, index=False, float_format=PROBA_FORMAT)
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        raise CommandError(f"cannot write to {where}: {exc}") from None
    if not args.output:
        out.flush()  # a closed pipe fails here, before the summary
    print(f"wrote {len(result)} predictions ({len(classes)} classes) to {where}",
          file=sys.stderr)
    return 0


def main(argv=None):
    """Run the command.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments; ``sys.argv[1:]`` when None. A first argument ``predict`` runs
        the ``sklearn-bce predict`` command on the rest, ``export`` the
        ``sklearn-bce export`` command.

    Returns
    -------
    status : int
        Exit status: 0 on success, 2 for a usage or data error.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv[:1] == ["predict"]:
            return predict(argv[1:])
        if argv[:1] == ["export"]:
            return export(argv[1:])
        args = build_parser().parse_args(argv)
        with threadpool_limits(args.blas_threads or None, user_api="blas"):
            run(args, Progress(enabled=not args.quiet))
    except CommandError as exc:
        print(f"sklearn-bce: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader closed the pipe (``sklearn-bce predict ... | head``): stop
        # quietly. Point stdout at devnull so that the interpreter's final flush
        # does not fail again on exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 0
