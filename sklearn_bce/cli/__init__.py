"""The ``sklearn-bce`` command: the estimator at work on real data, with plots.

``sklearn-bce`` (or ``python -m sklearn_bce``) chooses ``C`` as
``GridSearchCV(Pipeline(preprocessing, BCELogisticClassifier), scoring=bce_scorer)``
would, with one warm-started path over the values of ``C`` per fold instead of one
cold fit per value and fold (:func:`search_C`), cross-validates the chosen model and
``LogisticRegression`` on the same folds (for 3 or more classes, also
``OneVsRestClassifier(LogisticRegression)``, one-vs-rest as ours), prints a table
and writes plots.
``sklearn-bce predict MODEL.skops FILE.csv`` applies a model saved with ``--save``;
``sklearn-bce export MODEL.skops -o MODEL.onnx`` converts it to ONNX and checks the
conversion with onnxruntime (both from the ``onnx`` extra).

Plots need matplotlib and CSV files need pandas; both come with the ``cli`` extra
(``pip install "sklearn-bce[cli]"``), as does skops for ``--save`` and ``predict``.
Without them the command still runs on the embedded data and says what is missing.

The modules of this package hold the command line (``args``), the data
(``data``), the pipeline (``model``), the search of ``C`` and the comparison
(``search``), the plots (``plots``), saving and loading (``persistence``), what
the user is told while it runs (``progress``, ``errors``), the export to ONNX
(``export``) and the commands themselves (``commands``). Import from
``sklearn_bce.cli`` the names of its ``__all__``.
"""

from .args import build_parser, build_predict_parser
from .commands import main, predict, run
from .data import categorical_as_strings, load_csv, load_default_data
from .errors import EXTRA_HINT, CommandError
from .export import ONNX_HINT, build_export_parser, check_onnx, example_rows, export
from .model import FillMissing, make_model, make_preprocessor
from .persistence import load_model, save_model, trusted_types
from .plots import (
    PLOT_FILES,
    plot_bce_vs_C,
    plot_reliability,
    plot_sgd_convergence,
    reliability_bins,
)
from .progress import ConvergenceNotes, Progress
from .search import (
    DEFAULT_CS,
    CSearch,
    cross_validate_models,
    fits_over_C,
    format_table,
    search_C,
)

__all__ = [
    "DEFAULT_CS",
    "EXTRA_HINT",
    "ONNX_HINT",
    "PLOT_FILES",
    "CSearch",
    "CommandError",
    "ConvergenceNotes",
    "FillMissing",
    "Progress",
    "build_export_parser",
    "build_parser",
    "check_onnx",
    "build_predict_parser",
    "categorical_as_strings",
    "cross_validate_models",
    "example_rows",
    "export",
    "fits_over_C",
    "format_table",
    "load_csv",
    "load_default_data",
    "load_model",
    "main",
    "make_model",
    "make_preprocessor",
    "plot_bce_vs_C",
    "plot_reliability",
    "plot_sgd_convergence",
    "predict",
    "reliability_bins",
    "run",
    "save_model",
    "search_C",
    "trusted_types",
]
