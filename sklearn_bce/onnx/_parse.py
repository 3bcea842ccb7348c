"""The parser and the shape calculators that skl2onnx calls for our estimators."""

from __future__ import annotations

import numpy as np

from .._objective.array_api import to_numpy
from ._graph import class_labels, compute_dtype

__all__ = [
    "calculate_classifier_output_shapes",
    "calculate_fill_missing_output_shapes",
    "parse_classifier",
]


def _n_outputs(model):
    """The number of columns of ``predict_proba``."""
    return int(np.asarray(to_numpy(model.classes_)).shape[0])


def _label_type(model, shape=None):
    from skl2onnx.common.data_types import Int64TensorType, StringTensorType

    if model.multilabel_ or class_labels(model).dtype.kind == "i":
        return Int64TensorType(shape)
    return StringTensorType(shape)


def _proba_type(input_type, shape=None, name="BCELogisticClassifier"):
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    if compute_dtype(input_type, name) == np.float32:
        return FloatTensorType(shape)
    return DoubleTensorType(shape)


def parse_classifier(scope, model, inputs, custom_parsers=None):
    """Declare the operator of a classifier and its outputs, with ``zipmap``.

    The parser that :func:`sklearn_bce.onnx.register` registers with skl2onnx.
    The outputs are ``label`` and ``probabilities`` (float32 for float32
    inputs, float64 otherwise), followed by skl2onnx's ``ZipMap`` as the
    ``zipmap`` option asks (``True``, the default of skl2onnx: a sequence of
    dictionaries; ``"columns"``: one output per class; ``False``: the tensors
    as they are).

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        The scope of the conversion (holds the options).
    model : BCELogisticClassifier or BCELogisticClassifierCV
        Fitted.
    inputs : list of skl2onnx.common._topology.Variable
        One numeric input.
    custom_parsers : dict, default=None
        Unused; part of the signature skl2onnx calls.

    Returns
    -------
    outputs : list of skl2onnx.common._topology.Variable

    Raises
    ------
    sklearn.exceptions.NotFittedError
        For a model that is not fitted.
    TypeError
        For an input that is not numeric.
    ValueError
        For ``zipmap`` on a multilabel model, ``zipmap=True`` with a float64
        input (ONNX's ``ZipMap`` holds float32 values), or class labels ONNX
        cannot hold.
    """
    from skl2onnx._parse import _apply_zipmap, _get_sklearn_operator_name
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model)
    explicit = scope.get_options(model) or {}
    zipmap = explicit.get("zipmap", True)
    name = type(model).__name__
    proba_type = _proba_type(inputs[0].type, name=name)
    operator = scope.declare_local_operator(
        _get_sklearn_operator_name(type(model)), model
    )
    operator.inputs = inputs
    operator.outputs.append(scope.declare_local_variable("label", _label_type(model)))
    operator.outputs.append(scope.declare_local_variable("probabilities", proba_type))
    if model.multilabel_:
        if explicit.get("zipmap", False) is not False:
            raise ValueError(
                f"option zipmap={zipmap!r} is not available for a multilabel "
                f"{name}: its labels are an indicator matrix; use zipmap=False"
            )
        return list(operator.outputs)
    if zipmap is False:
        return list(operator.outputs)
    if zipmap is True and proba_type.__class__.__name__ == "DoubleTensorType":
        raise ValueError(
            f"option zipmap=True is not available for {name} with float64 "
            "inputs: ONNX's ZipMap holds float32 probabilities only; use "
            "zipmap=False (or 'columns'), or float32 inputs"
        )
    return _apply_zipmap(zipmap, scope, model, inputs[0].type,
                         list(operator.outputs))


def calculate_classifier_output_shapes(operator):
    """Set the shapes of a classifier's outputs.

    ``label``: ``(N,)``, or ``(N, n_labels)`` for a multilabel model;
    ``probabilities``: ``(N, n_classes)``.

    Parameters
    ----------
    operator : skl2onnx.common._topology.Operator
        The operator declared by :func:`parse_classifier`.
    """
    model = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    k = _n_outputs(model)
    input_type = operator.inputs[0].type
    operator.outputs[0].type = _label_type(
        model, [n, k] if model.multilabel_ else [n]
    )
    operator.outputs[1].type = _proba_type(input_type, [n, k])


def calculate_fill_missing_output_shapes(operator):
    """Set the output of :class:`~sklearn_bce.cli.FillMissing`: the input's type.

    Parameters
    ----------
    operator : skl2onnx.common._topology.Operator
        One input, one output.
    """
    input_type = operator.inputs[0].type
    operator.outputs[0].type = input_type.__class__(list(input_type.shape))
