"""``sklearn-bce export``: a saved pipeline in ONNX, checked with onnxruntime."""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from pathlib import Path

import numpy as np

from .data import categorical_as_strings, describe_format, one_column_hint, read_table
from .errors import CommandError, import_optional
from .model import CATEGORICAL_STEP, categorical_columns
from .persistence import load_model

#: How to get the optional dependencies of ``sklearn-bce export``.
ONNX_HINT = (
    'install the onnx extra: pip install "sklearn-bce[onnx]" (in a clone of the '
    'repository: pip install ".[onnx]")'
)

#: The largest difference between onnxruntime's probabilities and the model's
#: that the check accepts, by the dtype of the ONNX model's inputs.
CHECK_TOLERANCE = 1e-6


def build_export_parser():
    """Build the parser of ``sklearn-bce export``.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="sklearn-bce export",
        description=(
            "Convert a pipeline saved with 'sklearn-bce --save' to ONNX, to serve "
            "it outside Python (with onnxruntime, for instance), then check that "
            "onnxruntime running the ONNX model predicts the classes and the "
            "probabilities of the saved pipeline on a few rows, and say so. "
            "Needs skl2onnx and onnxruntime (the onnx extra)."
        ),
    )
    parser.add_argument("model", metavar="MODEL.skops", help="a saved pipeline")
    parser.add_argument(
        "--output", "-o", metavar="MODEL.onnx",
        help="where to write the ONNX model (default: MODEL with the suffix .onnx)",
    )
    parser.add_argument(
        "--data", metavar="FILE.csv",
        help="check on the first rows of this CSV file (default: rows made up "
        "from what the pipeline learnt: the columns' means and spreads, their "
        "levels, and missing values where the pipeline takes them)",
    )
    parser.add_argument(
        "--rows", type=int, default=20, metavar="N",
        help="how many rows to check on (default: 20)",
    )
    return parser


def _scaler_stats(model, n_numeric):
    """The mean and scale of the first ``StandardScaler`` over ``n_numeric``."""
    from sklearn.preprocessing import StandardScaler

    stack = [model]
    while stack:
        step = stack.pop(0)
        if isinstance(step, StandardScaler) and step.n_features_in_ == n_numeric:
            if getattr(step, "mean_", None) is not None:
                return step.mean_, step.scale_
        stack.extend(s for _, s in getattr(step, "steps", []))
        stack.extend(t for _, t, _ in getattr(step, "transformers_", []))
    return np.zeros(n_numeric), np.ones(n_numeric)


def example_rows(model, n_rows=20, seed=0):
    """Rows made up for a fitted pipeline, to check a conversion on.

    Numeric columns are drawn from a normal distribution with the mean and
    the scale of the pipeline's ``StandardScaler`` (standard normal without
    one); categorical columns (see :func:`~sklearn_bce.cli.make_model`) take
    their levels in turn, a missing value included. In a pipeline that
    imputes (one with a ``ColumnTransformer``), the first row has a missing
    value in each numeric column, and the last row a categorical level not
    seen in training.

    Parameters
    ----------
    model : estimator
        A fitted pipeline of the command, or any fitted model.
    n_rows : int, default=20
        How many rows.
    seed : int, default=0
        Seed of the draws.

    Returns
    -------
    X : DataFrame or ndarray of shape (n_rows, n_features)
        A DataFrame with the model's columns when it was fitted on one.
    """
    rng = np.random.default_rng(seed)
    names = getattr(model, "feature_names_in_", None)
    categorical = categorical_columns(model)
    if names is None:
        mean, scale = _scaler_stats(model, model.n_features_in_)
        return mean + scale * rng.standard_normal((n_rows, model.n_features_in_))
    import pandas as pd

    numeric = [c for c in names if c not in set(categorical)]
    mean, scale = _scaler_stats(model, len(numeric))
    frame = pd.DataFrame(mean + scale * rng.standard_normal((n_rows, len(numeric))),
                         columns=numeric)
    first = model[0] if hasattr(model, "steps") else model
    if hasattr(first, "transformers_") and numeric and n_rows > 1:  # imputes
        frame.iloc[0] = np.nan
    encoder = first.named_transformers_.get(CATEGORICAL_STEP) if categorical else None
    for j, column in enumerate(categorical):
        levels = list(encoder.categories_[j])
        values = [levels[(i + j) % len(levels)] for i in range(n_rows)]
        if n_rows > 1:
            values[-1] = "a level not seen in training"
        frame[column] = values
    return categorical_as_strings(frame[list(names)], categorical)


def _rows_of_file(model, path, n_rows):
    """The first ``n_rows`` rows of a CSV file, as the model takes them."""
    df = read_table(path).head(n_rows)
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        return df.to_numpy()
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise CommandError(
            f"{path}{describe_format(df)} lacks columns the model was trained on: "
            + ", ".join(map(str, missing)) + one_column_hint(df)
        )
    return categorical_as_strings(df[list(names)], categorical_columns(model))


def check_onnx(model, onx, X):
    """Compare onnxruntime running ``onx`` with the model's own predictions.

    Parameters
    ----------
    model : estimator
        The fitted model.
    onx : onnx.ModelProto
        Its conversion.
    X : DataFrame or ndarray
        Rows to compare on.

    Returns
    -------
    difference : float
        The largest absolute difference between the probabilities.

    Raises
    ------
    CommandError
        When a label differs, or a probability by more than
        ``CHECK_TOLERANCE``.
    """
    from ..onnx import predict_onnx

    with warnings.catch_warnings():
        # OneHotEncoder warns of unseen levels when it drops a reference level
        warnings.simplefilter("ignore", UserWarning)
        expected, reference = model.predict(X), model.predict_proba(X)
    labels, proba = predict_onnx(onx, X)
    difference = float(np.max(np.abs(proba - reference))) if len(X) else 0.0
    same = np.array_equal(np.asarray(labels, dtype=expected.dtype), expected)
    if not same or not difference <= CHECK_TOLERANCE:
        raise CommandError(
            "the ONNX model does not reproduce the saved model: onnxruntime's "
            f"labels {'agree' if same else 'differ'}, its probabilities differ by "
            f"up to {difference:.3g} (tolerance {CHECK_TOLERANCE:g}); it was not "
            "written"
        )
    return difference


def _one_line(exc):
    """The reason of a failed conversion, in one line."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    missing = re.search(r"shape calculator for type '<class '([\w.]+)'>'", first)
    if missing:
        return (f"skl2onnx has no converter for {missing.group(1)}; only "
                "pipelines of estimators it converts can be exported")
    return first


def _describe_inputs(onx):
    """The inputs of an ONNX model, for the summary."""
    from onnx import TensorProto

    def kind(value_info):
        elem = value_info.type.tensor_type.elem_type
        return {TensorProto.STRING: "text", TensorProto.FLOAT: "float32"}.get(
            elem, "float64"
        )

    inputs = list(onx.graph.input)
    if len(inputs) == 1:
        dims = inputs[0].type.tensor_type.shape.dim
        width = dims[1].dim_value if len(dims) > 1 else "?"
        return f"one input '{inputs[0].name}' ({width} {kind(inputs[0])} columns)"
    return f"{len(inputs)} inputs, one per column: " + ", ".join(
        f"{i.name} ({kind(i)})" for i in inputs
    )


def export(argv, stdout=None):
    """``sklearn-bce export MODEL.skops [-o MODEL.onnx] [--data FILE.csv]``.

    Loads a saved pipeline (as ``sklearn-bce predict`` does), converts it with
    :func:`sklearn_bce.onnx.to_onnx` (outputs ``label`` and ``probabilities``),
    checks on a few rows that onnxruntime reproduces its labels exactly and its
    probabilities within ``CHECK_TOLERANCE`` (1e-6; see ``check_onnx``), then
    writes the ONNX file and says so on standard output.

    Parameters
    ----------
    argv : list of str
        Arguments after ``export``.
    stdout : file-like, default=None
        Where the summary goes; ``sys.stdout`` when None.

    Returns
    -------
    status : int
        0 on success.

    Raises
    ------
    CommandError
        When skl2onnx or onnxruntime is missing, the model cannot be loaded or
        converted, the check fails, or the file cannot be written.
    """
    args = build_export_parser().parse_args(argv)
    if args.rows < 1:
        raise CommandError(f"--rows must be 1 or more, got {args.rows}")
    for module in ("skl2onnx", "onnxruntime"):
        if import_optional(module) is None:
            raise CommandError(f"export needs {module}; {ONNX_HINT}")
    from ..onnx import MISSING_CATEGORY, to_onnx

    model = load_model(args.model)
    if args.data is not None:
        X = _rows_of_file(model, args.data, args.rows)
        source = f"the first {len(X)} rows of {args.data}"
    else:
        X = example_rows(model, args.rows)
        source = f"{len(X)} made-up rows"
    try:
        onx = to_onnx(model, X)
    except (TypeError, ValueError, RuntimeError, NameError) as exc:
        raise CommandError(
            f"cannot convert {args.model} to ONNX: {_one_line(exc)}"
        ) from None
    difference = check_onnx(model, onx, X)
    output = Path(args.output or Path(args.model).with_suffix(".onnx"))
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(onx.SerializeToString())
    except OSError as exc:
        raise CommandError(f"cannot write {output}: {exc}") from None
    out = stdout or sys.stdout
    print(f"wrote {output}: {_describe_inputs(onx)}; outputs 'label' and "
          "'probabilities'", file=out)
    from onnx import TensorProto

    if any(i.type.tensor_type.elem_type == TensorProto.STRING
           for i in onx.graph.input):
        print(f"a missing value of a text column is the string "
              f"'{MISSING_CATEGORY}'", file=out)
    print(f"checked with onnxruntime on {source}: the same labels as the saved "
          f"model, and probabilities within {difference:.2g} of its own",
          file=out, flush=True)
    return 0
