"""The ONNX graphs of the estimators: logits, probabilities and labels.

The graphs use standard ONNX operators only and compute in the input's dtype
(float32 or float64; integer inputs are cast to float64, as ``predict`` casts
them), so that onnxruntime reproduces ``predict_proba`` to the rounding of
that dtype:

- binary: ``[sigmoid(-z), sigmoid(z)]``, the label ``classes_[z > 0]``;
- one-vs-rest: ``sigmoid(z_k) / sum_j sigmoid(z_j)``, computed as the softmax
  of the log-sigmoids ``min(z, 0) - log(1 + exp(-|z|))`` (exact even where
  every sigmoid underflows), the label ``classes_[argmax(z)]``;
- multilabel: ``sigmoid(z)`` per label, the labels the indicator ``z > 0``.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from .._objective.array_api import to_numpy

__all__ = [
    "class_labels",
    "compute_dtype",
    "convert_classifier",
    "convert_fill_missing",
    "used_weights",
]


def compute_dtype(input_type, name="BCELogisticClassifier"):
    """The dtype the graph computes in for an input of a skl2onnx type.

    Parameters
    ----------
    input_type : skl2onnx.common.data_types.DataType
        The type of the input variable.
    name : str, default="BCELogisticClassifier"
        The estimator converted, for the error message.

    Returns
    -------
    dtype : {numpy.float32, numpy.float64}
        float32 for ``FloatTensorType``; float64 for ``DoubleTensorType`` and
        integer tensors (which ``predict`` casts to float64).

    Raises
    ------
    TypeError
        For any other type (strings, for instance), naming it.
    """
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int32TensorType,
        Int64TensorType,
    )

    if isinstance(input_type, FloatTensorType):
        return np.float32
    if isinstance(input_type, (DoubleTensorType, Int64TensorType, Int32TensorType)):
        return np.float64
    raise TypeError(
        f"{name} converts numeric inputs only (float, double or "
        f"integer tensors), got {type(input_type).__name__}; encode other columns "
        "first, for instance with a OneHotEncoder in a ColumnTransformer"
    )


def class_labels(model):
    """The labels of a model as the ONNX graph outputs them.

    Parameters
    ----------
    model : BCELogisticClassifier or BCELogisticClassifierCV
        Fitted.

    Returns
    -------
    labels : ndarray of int64 or of str
        ``classes_`` as int64 for integer, boolean and integral float classes,
        as ``str`` for string classes.

    Raises
    ------
    ValueError
        For classes ONNX cannot hold as labels: floats with a fractional part,
        or objects that are neither all strings nor all integers.
    """
    classes = np.asarray(to_numpy(model.classes_))
    kind = classes.dtype.kind
    if kind in "biu":
        return classes.astype(np.int64)
    if kind == "f":
        if np.all(np.isfinite(classes)) and np.all(classes == np.round(classes)):
            return classes.astype(np.int64)
        raise ValueError(
            f"cannot convert a model with class labels {classes.tolist()!r} to "
            "ONNX: ONNX labels are integers or strings, and these floats are not "
            "integers"
        )
    if kind in "US" or all(isinstance(c, str) for c in classes):
        return classes.astype(str)
    if all(isinstance(c, numbers.Integral) for c in classes):
        return classes.astype(np.int64)
    raise ValueError(
        f"cannot convert a model with class labels {classes.tolist()!r} to ONNX: "
        "ONNX labels are all integers or all strings"
    )


def used_weights(model, dtype):
    """The weights of the logits, restricted to the features they use.

    Parameters
    ----------
    model : BCELogisticClassifier or BCELogisticClassifierCV
        Fitted.
    dtype : {numpy.float32, numpy.float64}
        The dtype the graph computes in.

    Returns
    -------
    columns : ndarray of int64 or None
        For a sparse ``coef_`` (after ``sparsify()``) that leaves features out,
        the features with a non-zero coefficient in some row, which the graph
        gathers before the product; None when the graph uses every feature.
    W : ndarray of shape (n_used_features, K)
        ``coef_.T`` (its rows ``columns``), in ``dtype``.
    b : ndarray of shape (K,)
        ``intercept_`` in ``dtype``.
    """
    coef = model.coef_
    b = np.asarray(to_numpy(model.intercept_), dtype=dtype).reshape(-1)
    if not sp.issparse(coef):
        return None, np.asarray(to_numpy(coef), dtype=dtype).T.copy(), b
    coef = sp.csc_array(coef)
    n_features = coef.shape[1]
    columns = np.flatnonzero(np.diff(coef.indptr))
    if columns.size == n_features:
        return None, coef.toarray().astype(dtype).T.copy(), b
    if columns.size == 0:  # every coefficient is zero: one column of zeros
        columns = np.zeros(1, dtype=np.intp)
    W = coef[:, columns].toarray().astype(dtype).T.copy()
    return columns.astype(np.int64), W, b


def _constant(scope, container, name, value):
    """Add an initializer holding ``value``; return its unique name."""
    from onnx import TensorProto, numpy_helper

    unique = scope.get_unique_variable_name(name)
    value = np.asarray(value)
    if value.dtype.kind in "UO":
        content = [str(v).encode("utf-8") for v in value.reshape(-1)]
        container.add_initializer(unique, TensorProto.STRING, list(value.shape),
                                  content)
    else:
        tensor = numpy_helper.from_array(value, unique)
        container.add_initializer(unique, tensor.data_type, list(value.shape),
                                  tensor)
    return unique


class _Nodes:
    """Adds nodes to a skl2onnx container under unique names."""

    def __init__(self, scope, container):
        self.scope, self.container = scope, container

    def __call__(self, op_type, inputs, output=None, **attrs):
        """Add one node; return the name of its output."""
        output = output or self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(
            op_type, inputs, output,
            name=self.scope.get_unique_operator_name(op_type), **attrs,
        )
        return output

    def constant(self, name, value):
        """Add an initializer; return its name."""
        return _constant(self.scope, self.container, name, value)


def _logits(node, model, x, dtype):
    """Nodes computing the logits ``Z`` (n_samples, K) of ``x``; also ``K``."""
    columns, W, b = used_weights(model, dtype)
    if columns is not None:
        x = node("Gather", [x, node.constant("used_features", columns)], axis=1)
    Z = node("MatMul", [x, node.constant("coef_T", W)])
    return node("Add", [Z, node.constant("intercept", b)]), b.size


def _log_sigmoid(node, Z, dtype):
    """``min(z, 0) - log(1 + exp(-|z|))``, elementwise."""
    zero, one = node.constant("zero", dtype(0)), node.constant("one", dtype(1))
    tail = node("Log", [node("Add", [
        node("Exp", [node("Neg", [node("Abs", [Z])])]), one,
    ])])
    return node("Sub", [node("Min", [Z, zero]), tail])


def convert_classifier(scope, operator, container):
    """Convert ``BCELogisticClassifier`` or ``BCELogisticClassifierCV`` to ONNX.

    The converter that :func:`sklearn_bce.onnx.register` registers with
    skl2onnx. Its outputs are the labels (``predict``) and the probabilities
    (``predict_proba``), in the dtype the graph computes in (see
    ``compute_dtype``).

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Gives unique names.
    operator : skl2onnx.common._topology.Operator
        Holds the fitted model (``raw_operator``), one input and two outputs.
    container : skl2onnx.common._container.ModelComponentContainer
        Receives the nodes and initializers.
    """
    from onnx import TensorProto

    model = operator.raw_operator
    node = _Nodes(scope, container)
    dtype = compute_dtype(operator.inputs[0].type, type(model).__name__)
    x = operator.inputs[0].full_name
    if np.dtype(dtype) != np.dtype(_input_numpy_dtype(operator.inputs[0].type)):
        x = node("Cast", [x], to=TensorProto.DOUBLE)
    Z, n_problems = _logits(node, model, x, dtype)
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    zero = node.constant("zero", dtype(0))
    if model.multilabel_:
        node("Sigmoid", [Z], proba)
        node("Cast", [node("Greater", [Z, zero])], label, to=TensorProto.INT64)
        return
    classes = node.constant("classes", class_labels(model))
    if n_problems == 1:  # binary: one column of logits
        node("Sigmoid", [node("Concat", [node("Neg", [Z]), Z], axis=1)], proba)
        positive = node("Cast", [node("Greater", [Z, zero])], to=TensorProto.INT64)
        index = node("Reshape", [positive, node.constant("flat", np.array([-1]))])
    else:
        node("Softmax", [_log_sigmoid(node, Z, dtype)], proba, axis=1)
        index = node("ArgMax", [Z], axis=1, keepdims=0)
    node("Gather", [classes, index], label, axis=0)


def _input_numpy_dtype(input_type):
    from skl2onnx.common.data_types import guess_numpy_type

    return guess_numpy_type(input_type)


def convert_fill_missing(scope, operator, container):
    """Convert :class:`sklearn_bce.cli.FillMissing` to ONNX.

    ``Where(IsNaN(X), value, X)``, in the input's dtype.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Gives unique names.
    operator : skl2onnx.common._topology.Operator
        Holds the fitted transformer (``raw_operator``), one input, one output.
    container : skl2onnx.common._container.ModelComponentContainer
        Receives the nodes and initializers.
    """
    node = _Nodes(scope, container)
    x = operator.inputs[0].full_name
    dtype = compute_dtype(operator.inputs[0].type, "FillMissing")
    if np.dtype(dtype) != np.dtype(_input_numpy_dtype(operator.inputs[0].type)):
        raise TypeError(
            "FillMissing converts float or double inputs only, got "
            f"{type(operator.inputs[0].type).__name__}"
        )
    value = node.constant("fill_value", dtype(operator.raw_operator.value))
    node("Where", [node("IsNaN", [x]), value, x], operator.outputs[0].full_name)
