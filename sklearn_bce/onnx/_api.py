"""Registration with skl2onnx, conversion, and running a converted model."""

from __future__ import annotations

import json

import numpy as np
import scipy.sparse as sp

from ._graph import convert_classifier, convert_fill_missing
from ._parse import (
    calculate_classifier_output_shapes,
    calculate_fill_missing_output_shapes,
    parse_classifier,
)

__all__ = [
    "ALIASES",
    "COLUMNS_KEY",
    "MISSING_CATEGORY",
    "input_types",
    "onnx_inputs",
    "predict_onnx",
    "register",
    "to_onnx",
]

#: The names the converters are registered under in skl2onnx.
ALIASES = {
    "BCELogisticClassifier": "SklearnBCELogisticClassifier",
    "BCELogisticClassifierCV": "SklearnBCELogisticClassifierCV",
    "FillMissing": "SklearnBCEFillMissing",
}

#: The metadata entry of an ONNX model that maps its inputs to data frame columns.
COLUMNS_KEY = "sklearn_bce.columns"

#: How a missing value of a string column is written in an ONNX model's input:
#: ``OneHotEncoder`` keeps NaN as a category, which its skl2onnx converter
#: writes as the string ``"nan"``.
MISSING_CATEGORY = "nan"


def _estimator_types():
    from .. import BCELogisticClassifier, BCELogisticClassifierCV

    return BCELogisticClassifier, BCELogisticClassifierCV


def register():
    """Register the converters of sklearn-bce's estimators with skl2onnx.

    Registers, with :func:`skl2onnx.update_registered_converter`, a converter,
    a shape calculator and a parser for
    :class:`~sklearn_bce.BCELogisticClassifier` and
    :class:`~sklearn_bce.BCELogisticClassifierCV` (with the option ``zipmap``:
    ``True``, ``False`` or ``"columns"``), and for
    :class:`~sklearn_bce.cli.FillMissing`, the imputer of the ``sklearn-bce``
    command's pipelines. Afterwards :func:`skl2onnx.to_onnx` converts them,
    also inside pipelines, alongside scikit-learn's own estimators. Calling it
    again does no harm.

    Examples
    --------
    >>> import skl2onnx  # doctest: +SKIP
    >>> from sklearn_bce.onnx import register
    >>> register()  # doctest: +SKIP
    >>> options = {"zipmap": False}
    >>> onx = skl2onnx.to_onnx(model, X[:1], options=options)  # doctest: +SKIP
    """
    from skl2onnx import update_registered_converter

    from ..cli.model import FillMissing

    for model in _estimator_types():
        update_registered_converter(
            model, ALIASES[model.__name__], calculate_classifier_output_shapes,
            convert_classifier, parser=parse_classifier,
            # skl2onnx's ZipMap reads "nocl"; the labels are always the classes
            options={"zipmap": [True, False, "columns"], "nocl": [False]},
        )
    update_registered_converter(
        FillMissing, ALIASES["FillMissing"], calculate_fill_missing_output_shapes,
        convert_fill_missing,
    )


def _is_frame(X):
    return hasattr(X, "columns") and hasattr(X, "dtypes")


def _numeric_kind(dtype):
    return np.dtype(dtype).kind in "iuf" if isinstance(dtype, np.dtype) else False


def input_types(X, *, per_column=None):
    """The inputs of an ONNX model for data like ``X``, as skl2onnx types.

    Parameters
    ----------
    X : {array-like, sparse matrix, DataFrame}
        Samples; only the dtypes and the number of columns are read.
    per_column : bool, default=None
        For a data frame, whether to make one input per column (as a
        ``ColumnTransformer`` that selects columns by name needs); None makes
        them only when some column is not numeric.

    Returns
    -------
    types : list of (str, skl2onnx.common.data_types.DataType)
        One input ``"X"`` of shape ``(None, n_features)`` for an array, a
        sparse matrix, or a data frame whose columns are all numeric: float32
        for float32 data, float64 otherwise. For a data frame with other
        columns, one input per column, named as the column, of shape
        ``(None, 1)``: float32 or float64 for numeric columns, strings for the
        others.

    Raises
    ------
    TypeError
        For an array that holds neither numbers nor (as a data frame) columns.
    """
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        StringTensorType,
    )

    def numeric(dtype, shape):
        if np.dtype(dtype) == np.float32:
            return FloatTensorType(shape)
        return DoubleTensorType(shape)

    if _is_frame(X):
        dtypes = list(X.dtypes)
        if per_column is None:
            per_column = not all(_numeric_kind(d) for d in dtypes)
        if not per_column:
            common = np.result_type(*dtypes) if dtypes else np.float64
            return [("X", numeric(common, [None, len(dtypes)]))]
        return [
            (str(c), numeric(d, [None, 1]) if _numeric_kind(d)
             else StringTensorType([None, 1]))
            for c, d in zip(X.columns, dtypes, strict=True)
        ]
    if not sp.issparse(X):
        X = np.asarray(X)
    if X.ndim != 2 or X.dtype.kind not in "biuf":
        raise TypeError(
            "input_types needs a 2-d numeric array, a sparse matrix or a data "
            f"frame; got an array of dtype {X.dtype} and shape {X.shape} (pass "
            "text columns in a data frame, one input per column)"
        )
    return [("X", numeric(X.dtype, [None, X.shape[1]]))]


def to_onnx(model, X, *, zipmap=False, options=None, target_opset=None,
            name=None):
    """Convert a fitted model or pipeline to ONNX.

    Calls :func:`register`, then :func:`skl2onnx.to_onnx` with the inputs of
    :func:`input_types` and, for our estimators, the option ``zipmap``.

    Parameters
    ----------
    model : estimator
        A fitted :class:`~sklearn_bce.BCELogisticClassifier`,
        :class:`~sklearn_bce.BCELogisticClassifierCV`, or a pipeline of
        scikit-learn's estimators that skl2onnx converts and ends in one of
        them.
    X : {array-like, sparse matrix, DataFrame}
        Samples like those the model predicts; their types give the inputs
        (see :func:`input_types`). A float32 array gives a float32 model.
    zipmap : {False, True, "columns"}, default=False
        skl2onnx's option for the probabilities of our estimators: False
        gives the tensor of ``predict_proba``; True a sequence of dictionaries
        (float32 inputs only); ``"columns"`` one output per class.
    options : dict, default=None
        Further options of :func:`skl2onnx.to_onnx`, by class or ``id`` of the
        estimator (a dictionary of option names applies to ``model``
        itself); they take precedence over ``zipmap``.
    target_opset : int, default=None
        The ONNX opset; skl2onnx's newest when None.
    name : str, default=None
        The name of the ONNX graph.

    Returns
    -------
    onx : onnx.ModelProto
        Outputs ``label`` and ``probabilities`` (with ``zipmap=False``). For a
        model with one input per column, whose names skl2onnx makes
        identifiers (``"width (cm)"`` becomes ``"width__cm_"``), the metadata
        entry ``"sklearn_bce.columns"`` maps each input to its column (JSON),
        which :func:`onnx_inputs` reads.

    Raises
    ------
    ValueError
        For an option that cannot be converted (``zipmap`` on a multilabel
        model, ``zipmap=True`` with float64 inputs) or class labels ONNX
        cannot hold.
    TypeError
        For data that gives no ONNX input.
    """
    import skl2onnx

    register()
    per_column = True if _selects_columns(model) else None
    merged = {t: {"zipmap": zipmap} for t in _estimator_types()}
    options = options or {}
    if options and all(isinstance(key, str) for key in options):
        options = {id(model): options}  # skl2onnx's form for the model itself
    for key, value in options.items():
        merged[key] = {**merged.get(key, {}), **value}
    kwargs = {} if name is None else {"name": name}
    types = input_types(X, per_column=per_column)
    onx = skl2onnx.to_onnx(model, initial_types=types, options=merged,
                           target_opset=target_opset, **kwargs)
    if _is_frame(X) and len(types) > 1:
        # skl2onnx makes the names of inputs identifiers ("a (cm)" -> "a__cm_")
        columns = {i.name: column
                   for i, (column, _) in zip(onx.graph.input, types, strict=True)}
        entry = onx.metadata_props.add()
        entry.key, entry.value = COLUMNS_KEY, json.dumps(columns)
    return onx


def _selects_columns(model):
    """Whether a model holds a ``ColumnTransformer`` (that may select by name)."""
    from sklearn.compose import ColumnTransformer

    if isinstance(model, ColumnTransformer):
        return True
    parts = [step for _, step in getattr(model, "steps", [])]
    parts += [step for _, step in getattr(model, "transformer_list", [])]
    return any(_selects_columns(part) for part in parts)


def _session(onx):
    import onnxruntime

    if isinstance(onx, onnxruntime.InferenceSession):
        return onx
    if hasattr(onx, "SerializeToString"):
        onx = onx.SerializeToString()
    return onnxruntime.InferenceSession(
        onx if isinstance(onx, bytes) else str(onx),
        providers=["CPUExecutionProvider"],
    )


_NUMPY_OF_ONNX = {"tensor(float)": np.float32, "tensor(double)": np.float64,
                  "tensor(int64)": np.int64, "tensor(int32)": np.int32}


def _column_input(values, onnx_type):
    """One column of a data frame as the ONNX input of type ``onnx_type``."""
    import pandas as pd

    if onnx_type == "tensor(string)":
        text = [MISSING_CATEGORY if pd.isna(v) else str(v) for v in values]
        return np.array(text, dtype=object).reshape(-1, 1)
    return np.asarray(values, dtype=_NUMPY_OF_ONNX[onnx_type]).reshape(-1, 1)


def onnx_inputs(onx, X):
    """The inputs of an ONNX model made by :func:`to_onnx`, for onnxruntime.

    Parameters
    ----------
    onx : {onnx.ModelProto, bytes, str, onnxruntime.InferenceSession}
        The model, its serialisation, the path of its file, or a session.
    X : {array-like, sparse matrix, DataFrame}
        Samples. For a model with one input per column, a data frame with
        those columns (found by the names of the inputs, or by the metadata
        that :func:`to_onnx` writes); missing values of string columns become
        :data:`MISSING_CATEGORY`.

    Returns
    -------
    feeds : dict
        Input name to array, for :meth:`onnxruntime.InferenceSession.run`.
    """
    session = _session(onx)
    inputs = session.get_inputs()
    if len(inputs) == 1 and not (_is_frame(X) and inputs[0].name in X.columns):
        dtype = _NUMPY_OF_ONNX.get(inputs[0].type, np.float64)
        X = X.toarray() if sp.issparse(X) else X
        return {inputs[0].name: np.asarray(X, dtype=dtype)}
    if not _is_frame(X):
        raise TypeError(
            "this ONNX model has one input per column ("
            + ", ".join(i.name for i in inputs) + "); pass a data frame"
        )
    meta = session.get_modelmeta().custom_metadata_map
    columns = json.loads(meta[COLUMNS_KEY]) if COLUMNS_KEY in meta else {}
    columns = {i.name: columns.get(i.name, i.name) for i in inputs}
    missing = [str(c) for c in columns.values() if c not in X.columns]
    if missing:
        raise ValueError("X lacks columns the ONNX model takes: " + ", ".join(missing))
    return {i.name: _column_input(X[columns[i.name]], i.type) for i in inputs}


def predict_onnx(onx, X):
    """The labels and the probabilities that onnxruntime computes for ``X``.

    Parameters
    ----------
    onx : {onnx.ModelProto, bytes, str, onnxruntime.InferenceSession}
        A model made by :func:`to_onnx` (or by :func:`skl2onnx.to_onnx` after
        :func:`register`), with any ``zipmap`` option.
    X : {array-like, sparse matrix, DataFrame}
        Samples, as for :func:`onnx_inputs`.

    Returns
    -------
    labels : ndarray of shape (n_samples,) or (n_samples, n_labels)
        ``predict``; an indicator matrix for a multilabel model.
    proba : ndarray of shape (n_samples, n_classes)
        ``predict_proba``.
    """
    session = _session(onx)
    outputs = session.run(None, onnx_inputs(session, X))
    labels, rest = np.asarray(outputs[0]), outputs[1:]
    if len(rest) == 1 and isinstance(rest[0], list):  # zipmap=True: dictionaries
        proba = np.array([list(row.values()) for row in rest[0]])
    elif len(rest) == 1:
        proba = np.asarray(rest[0])
    else:  # zipmap="columns": one output per class
        proba = np.column_stack([np.asarray(p).reshape(-1) for p in rest])
    return labels, proba
