"""The command line: the parsers of ``sklearn-bce`` and ``sklearn-bce predict``."""

from __future__ import annotations

import argparse

from .. import __version__
from .constraints import parse_columns
from .errors import EXTRA_HINT
from .export import build_export_parser
from .inference import COV_KINDS
from .search import DEFAULT_CS


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
            "cross-validated grid search scored with the binary cross-entropy "
            "(one warm-started path over the values of C per fold), "
            "compare the chosen model with LogisticRegression on the same folds "
            "(for 3 or more classes, with OneVsRestClassifier(LogisticRegression), "
            "one-vs-rest as ours, and with the multinomial LogisticRegression), "
            "and write plots. Without --data it uses the breast-cancer data shipped "
            "with scikit-learn."
        ),
        epilog=(
            "To apply a saved model: sklearn-bce predict MODEL.skops FILE.csv "
            "[--id COLUMN] [--output PROBA.csv] (sklearn-bce predict --help "
            "describes it). To convert a saved model to ONNX: sklearn-bce export "
            "MODEL.skops [-o MODEL.onnx] (sklearn-bce export --help). "
            "Plots, CSV input and --save need matplotlib, "
            f"pandas and skops; {EXTRA_HINT}."
        ),
    )
    _add_data_options(parser)
    _add_search_options(parser)
    _add_output_options(parser)
    # the usage line names both forms of the command
    usage = parser.format_usage().removeprefix("usage: ").rstrip()
    predict = build_predict_parser().format_usage().removeprefix("usage: ").rstrip()
    export = build_export_parser().format_usage().removeprefix("usage: ").rstrip()
    parser.usage = f"{usage}\n       {predict}\n       {export}"
    return parser


def _add_data_options(parser):
    """The options that say what to fit on and where results go."""
    parser.add_argument(
        "--data", metavar="FILE.csv",
        help="your own table (CSV with a header row, separated by commas, "
        "semicolons, tabs or vertical bars) instead of the embedded data",
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


def _add_search_options(parser):
    """The options of the search of C."""
    parser.add_argument(
        "--solver", choices=["auto", "lbfgs", "newton-cholesky", "sgd"],
        default="auto",
        help="solver of BCELogisticClassifier in the search (default: auto)",
    )
    parser.add_argument(
        "--C", dest="Cs", metavar="C1,C2,...", type=_c_grid,
        default=list(DEFAULT_CS),
        help="C values to search, inf for no penalty (default: "
        + ",".join(f"{c:g}" for c in DEFAULT_CS) + ")",
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
        "--positive", type=parse_columns, default=[], metavar="COLUMN,...",
        help="columns whose coefficients must be >= 0 (a risk that can only "
        "rise with them; every level of a categorical column)",
    )
    parser.add_argument(
        "--negative", type=parse_columns, default=[], metavar="COLUMN,...",
        help="columns whose coefficients must be <= 0",
    )
    parser.add_argument(
        "--unpenalised", type=parse_columns, default=[], metavar="COLUMN,...",
        help="columns left out of the penalty (kept in the model whatever C is)",
    )
    parser.add_argument(
        "--blas-threads", type=_threads, default=1, metavar="N",
        help=(
            "BLAS threads per fit (default: 1, the fastest for the many small fits "
            "of a grid search; 0 keeps the BLAS library's own default)"
        ),
    )


def _add_output_options(parser):
    """The options of what the command prints."""
    parser.add_argument(
        "--coef-table", action="store_true",
        help=(
            "also print the coefficients of the chosen model with standard errors, "
            "z, p-values and 95%% intervals: penalised ones for a finite C, "
            "classical ones with --C inf (categorical columns then coded against "
            "a reference level, the first in sorted order)"
        ),
    )
    parser.add_argument(
        "--cov", choices=list(COV_KINDS), default=None,
        help="covariance of --coef-table (default: nonrobust)",
    )
    parser.add_argument(
        "--quiet", action="store_true",
        help="print only the results table (no progress, no notes)",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )


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
            "the predicted class and the class probabilities (six significant "
            "digits) of every row of a CSV file (separated by commas, semicolons, "
            "tabs or vertical bars), then say on standard error how many rows it "
            "wrote."
        ),
    )
    parser.add_argument("model", metavar="MODEL.skops", help="a saved pipeline")
    parser.add_argument("data", metavar="FILE.csv", help="rows to predict")
    parser.add_argument(
        "--output", "-o", metavar="PROBA.csv",
        help="write the probabilities here instead of to standard output",
    )
    parser.add_argument(
        "--id", metavar="COLUMN",
        help="copy this column of FILE.csv (row identifiers) into the output, "
        "first, as written",
    )
    return parser
