"""Export to ONNX: converters of sklearn-bce's estimators for skl2onnx.

Import this module explicitly (``import sklearn_bce.onnx``); ``sklearn_bce``
itself does not import skl2onnx. It needs skl2onnx, onnx and, to run the
models, onnxruntime: ``pip install "sklearn-bce[onnx]"``.

:func:`register` registers a converter, a shape calculator and a parser (with
skl2onnx's ``zipmap`` option) for :class:`~sklearn_bce.BCELogisticClassifier`
and :class:`~sklearn_bce.BCELogisticClassifierCV`, after which
:func:`skl2onnx.to_onnx` converts them, alone or inside pipelines and column
transformers; :func:`to_onnx` registers and converts in one call. The ONNX
graph computes ``predict`` and ``predict_proba`` as the estimators do: per-class
sigmoids normalised to sum to one for one-vs-rest (not a softmax of the
logits), per-label sigmoids for multilabel models, in float32 for float32
inputs and float64 otherwise. :func:`predict_onnx` runs a converted model with
onnxruntime.
"""

from ._api import (
    ALIASES,
    COLUMNS_KEY,
    MISSING_CATEGORY,
    input_types,
    onnx_inputs,
    predict_onnx,
    register,
    to_onnx,
)
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
    "calculate_classifier_output_shapes",
    "calculate_fill_missing_output_shapes",
    "convert_classifier",
    "convert_fill_missing",
    "input_types",
    "onnx_inputs",
    "parse_classifier",
    "predict_onnx",
    "register",
    "to_onnx",
]
