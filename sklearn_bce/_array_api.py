"""Fits and predictions on arrays of any array API namespace, on their device.

Under ``sklearn.config_context(array_api_dispatch=True)``, an ``X`` of a namespace
other than NumPy (torch, CuPy, array-api-strict, ...) is fitted where it lives:

* :func:`prepare_array_api` validates the input with the checks and errors of the
  in-memory preparation (``X`` on its device with scikit-learn's validation; the
  labels and weights, ``n_samples`` numbers, on the host with ``_targets.py``).
  An ``X`` in host memory that NumPy can view without a copy (:func:`host_view`;
  a thread can switch this off with :func:`use_host_view`) is then held, as that
  view, in the :class:`~sklearn_bce._objective.InMemoryBackend` of NumPy input
  (same memory, its threaded kernels, every solver); any other ``X`` (on a GPU,
  or not viewable) in an
  :class:`~sklearn_bce._objective.array_api.ArrayAPIBackend`, which computes
  with the namespace's operations on ``X``'s device;
* :func:`place_fitted` then puts ``coef_``, ``intercept_`` and ``n_iter_`` in
  ``X``'s namespace, on its device, and ``classes_`` in the namespace of ``y``,
  as :class:`~sklearn.linear_model.LogisticRegression` does;
* :func:`predict_array_api` computes the outputs of the ``predict*`` methods and
  ``decision_function`` with the namespace's operations, on ``X``'s device, after
  checking that ``X`` is of the namespace and device of the fit.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.utils.validation import validate_data

from ._fit import FitData, in_memory_data, validation_split
from ._objective.array_api import (
    ArrayAPIBackend,
    has_float64,
    namespace_and_device,
    to_numpy,
    xp_log_sigmoid,
    xp_sigmoid,
)
from ._targets import check_targets, encode_targets, validate_sample_weight

__all__ = [
    "HOST_VIEW",
    "array_api_input",
    "host_view",
    "host_view_enabled",
    "place_fitted",
    "predict_array_api",
    "prepare_array_api",
    "use_host_view",
    "uses_array_api",
]


#: Whether arrays in host memory are fitted on a NumPy view of their memory (see
#: :func:`host_view`), where no :func:`use_host_view` block says otherwise: the
#: default of the whole process. Set to False, every such array is fitted with
#: its namespace's operations (``ArrayAPIBackend``), as on a GPU. Prefer
#: :func:`use_host_view`, which changes the setting of one thread (or
#: ``contextvars`` context) only.
HOST_VIEW = True

#: The setting of :func:`use_host_view` in the current context; None outside its
#: blocks (then :data:`HOST_VIEW` holds).
_HOST_VIEW = ContextVar("sklearn_bce_host_view", default=None)

#: DLPack's device type of host memory (``kDLCPU``).
_DLPACK_CPU = 1

#: Whether ``np.from_dlpack`` takes ``copy`` (NumPy 2.1 and later).
_FROM_DLPACK_COPY = np.lib.NumpyVersion(np.__version__) >= "2.1.0"

#: Names of NumPy's namespace as scikit-learn returns it (NumPy itself or
#: array-api-compat's wrapper, vendored by scikit-learn 1.8 and later).
_NUMPY_NAMES = frozenset({
    "numpy", "array_api_compat.numpy", "sklearn.externals.array_api_compat.numpy",
})


def _namespace_name(X):
    """The name of ``X``'s array namespace, or None for NumPy and non-arrays."""
    if X is None or isinstance(X, np.ndarray) or sp.issparse(X):
        return None
    try:
        xp, _ = namespace_and_device(X)
    except (TypeError, ValueError):
        return None  # data frames, lists, ...: validation converts them
    name = xp.__name__
    return None if name in _NUMPY_NAMES else name


def array_api_input(X):
    """Whether ``X`` is fitted by the array API backend.

    True under ``array_api_dispatch=True`` for an array of a namespace other
    than NumPy; NumPy arrays, sparse matrices, lists and data frames go to the
    in-memory backend, and dask collections to the dask backend, as without
    dispatch.

    Parameters
    ----------
    X : object

    Returns
    -------
    device_input : bool
    """
    if not get_config().get("array_api_dispatch", False):
        return False
    return _namespace_name(X) is not None


def uses_array_api(estimator, X):
    """Whether a fitted estimator predicts ``X`` on the array API path.

    Under dispatch: when ``X`` is an array of a namespace other than NumPy, or the
    estimator was fitted on one (the namespaces are then checked against each
    other). Without dispatch every input is converted to NumPy, as scikit-learn
    does.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        A fitted estimator.
    X : object

    Returns
    -------
    device_path : bool
    """
    if not get_config().get("array_api_dispatch", False):
        return False
    coef = estimator.coef_
    return array_api_input(X) or not (isinstance(coef, np.ndarray) or sp.issparse(coef))


@contextmanager
def use_host_view(enabled=True):
    """Fit arrays in host memory on a NumPy view, or not, inside a ``with`` block.

    With ``enabled=False``, every array of another namespace is fitted with its
    namespace's operations (``ArrayAPIBackend``), as on a GPU: the tests and
    ``benchmarks/bench_array_api.py`` run that backend on the CPU this way. The
    setting is a :class:`contextvars.ContextVar`: it holds in the thread (or
    ``contextvars`` context, e.g. an asyncio task) that enters the block, until
    the block ends, and fits running meanwhile in other threads keep their own
    (:data:`HOST_VIEW`, the process's default, where they set none). Blocks
    nest. A thread started inside a block starts from the default (its context
    is empty), unless Python gives new threads a copy of the caller's context
    (``sys.flags.thread_inherit_context``, Python 3.14).

    Parameters
    ----------
    enabled : bool, default=True
        Whether an array in host memory that NumPy can view is fitted on that
        view (see :func:`host_view`).

    Yields
    ------
    None

    Examples
    --------
    >>> from sklearn_bce._array_api import host_view_enabled, use_host_view
    >>> with use_host_view(False):
    ...     host_view_enabled()
    False
    >>> host_view_enabled()
    True
    """
    token = _HOST_VIEW.set(bool(enabled))
    try:
        yield
    finally:
        _HOST_VIEW.reset(token)


def host_view_enabled():
    """Whether a fit here would fit arrays in host memory on a NumPy view.

    The setting of the innermost :func:`use_host_view` block of the current
    thread (or context), and :data:`HOST_VIEW` outside such blocks.

    Returns
    -------
    enabled : bool
    """
    enabled = _HOST_VIEW.get()
    return bool(HOST_VIEW) if enabled is None else enabled


def _float_dtypes(xp, device):
    """The dtypes ``X`` may keep: float64 and float32, or float32 alone."""
    return [xp.float64, xp.float32] if has_float64(xp, device) else [xp.float32]


def host_view(X):
    """A NumPy array on the memory of ``X``, or None when there is none.

    ``X`` must report host memory through DLPack (``__dlpack_device__``: torch
    tensors on the CPU, array-api-strict arrays; CUDA, MPS, ... do not), and
    ``np.from_dlpack(X, copy=False)`` must take it: NumPy then views ``X``'s
    memory, and raises rather than copies when it cannot (a torch tensor that
    requires grad, ...). NumPy before 2.1 has no ``copy`` argument; its
    ``from_dlpack`` only wraps the memory the producer exports, never a copy.
    None whenever host views are switched off (:func:`host_view_enabled` is
    False: see :func:`use_host_view`).

    Parameters
    ----------
    X : array
        An array of an array API namespace.

    Returns
    -------
    view : ndarray or None
        Sharing ``X``'s memory, of its shape and dtype.
    """
    from_dlpack = getattr(np, "from_dlpack", None)
    if from_dlpack is None or not host_view_enabled():
        return None
    try:
        device_type = X.__dlpack_device__()[0]
    except (AttributeError, TypeError, ValueError, BufferError):
        return None
    if int(device_type) != _DLPACK_CPU:
        return None
    try:
        return from_dlpack(X, **({"copy": False} if _FROM_DLPACK_COPY else {}))
    except (BufferError, RuntimeError, TypeError, ValueError):
        return None


def prepare_array_api(estimator, X, y, sample_weight):
    """Validate array API input and hold it in the backend for its memory.

    ``X`` is validated on its device by scikit-learn (NaN, infinity, shape,
    ``n_features_in_``) and never copied to the host; ``y`` and ``sample_weight``
    are brought to the host once and checked and encoded by ``_targets.py``, as
    for NumPy input, so that bad input gets the same errors. Then an ``X`` in host
    memory goes, as a NumPy view (:func:`host_view`), to the in-memory backend of
    NumPy input (with ``n_jobs`` threads); any other ``X`` to an
    ``ArrayAPIBackend``, with the encoded targets and weights sent to ``X``'s
    device once.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        The estimator being fitted.
    X : array of shape (n_samples, n_features)
        Training data of an array API namespace.
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Labels or a multilabel indicator matrix (any namespace).
    sample_weight : array-like of shape (n_samples,) or None
        Sample weights (any namespace).

    Returns
    -------
    data : FitData
        With an ``InMemoryBackend`` or an ``ArrayAPIBackend``, and ``place``
        putting the fitted attributes in the input's namespaces.
    """
    xp, device = namespace_and_device(X)
    y_space = namespace_and_device(y) if _namespace_name(y) else None
    y, sample_weight = to_numpy(y), to_numpy(sample_weight)
    X, y = validate_data(
        estimator, X, y, accept_sparse=False, dtype=_float_dtypes(xp, device),
        multi_output=True,
    )
    multilabel, classes, y = check_targets(y)
    sw = validate_sample_weight(sample_weight, X.shape[0])

    def place(fitted):
        place_fitted(fitted, xp, device, y_space)

    view = host_view(X)
    if view is not None:
        data = in_memory_data(estimator, view, y, sw, classes, multilabel)
        return replace(data, place=place)
    Y, sw = encode_targets(y, classes, multilabel, sw, estimator.class_weight)
    validation = None
    if estimator.solver == "sgd" and estimator.early_stopping:
        train, val = validation_split(estimator, y, sw, multilabel)

        def rows(idx):
            X_rows = xp.take(X, xp.asarray(idx, device=device), axis=0)
            return X_rows, Y[idx], None if sw is None else sw[idx]

        validation = ArrayAPIBackend(*rows(val))
        X, Y, sw = rows(train)
    backend = ArrayAPIBackend(X, Y, sample_weight=sw)
    return FitData(backend, classes, multilabel, backend.dtype, validation, place)


def place_fitted(estimator, xp, device, y_space=None):
    """Put the fitted attributes in the namespaces of the training data.

    ``coef_``, ``intercept_`` and ``n_iter_`` go to ``X``'s namespace and device;
    ``classes_`` to those of ``y`` when ``y`` was an array of a namespace other
    than NumPy and the classes are numbers (as ``LogisticRegression`` does),
    otherwise it stays a NumPy array.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        Fitted, with NumPy attributes.
    xp : module
        Namespace of ``X``.
    device : object
        Device of ``X``.
    y_space : tuple (namespace, device) or None, default=None
        Namespace and device of ``y``, None for NumPy and array-likes.
    """
    for name in ("coef_", "intercept_", "n_iter_"):
        value = np.ascontiguousarray(getattr(estimator, name))
        setattr(estimator, name, xp.asarray(value, device=device))
    classes = estimator.classes_
    if y_space is not None and classes.dtype.kind in "biuf":
        xp_y, device_y = y_space
        estimator.classes_ = xp_y.asarray(classes, device=device_y)


def check_same_namespace(X, estimator, method):
    """Raise scikit-learn's error when ``X`` is not where the model was fitted.

    Parameters
    ----------
    X : object
        The input of a prediction method.
    estimator : BCELogisticClassifier
        The fitted estimator.
    method : str
        The name of the method, for the message.
    """
    try:
        from sklearn.utils._array_api import check_same_namespace as check
    except ImportError:  # scikit-learn < 1.9
        check = None
    if check is not None:
        check(X, estimator, attribute="coef_", method=method)
        return
    fitted_space = _namespace_name(estimator.coef_)
    if fitted_space == _namespace_name(X) and (
        fitted_space is None
        or namespace_and_device(X)[1] == namespace_and_device(estimator.coef_)[1]
    ):
        return
    raise ValueError(
        f"Inputs passed to {type(estimator).__name__}.{method}() must use the "
        "same namespace and the same device as those passed to fit(). Fitted on "
        f"{fitted_space or 'numpy'}, given {_namespace_name(X) or 'numpy'}."
    )


def predict_array_api(estimator, X, method):
    """The output of a prediction method, in ``X``'s namespace and on its device.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        A fitted estimator (fitted on ``X``'s namespace and device).
    X : array of shape (n_samples, n_features)
        Samples.
    method : {"decision_function", "predict", "predict_proba", \
            "predict_log_proba"}

    Returns
    -------
    out : array
    """
    check_same_namespace(X, estimator, method)
    xp, device = namespace_and_device(X)
    X = validate_data(
        estimator, X, accept_sparse=False, dtype=_float_dtypes(xp, device),
        reset=False,
    )
    coef = xp.astype(estimator.coef_, X.dtype)
    Z = X @ coef.T + xp.astype(estimator.intercept_, X.dtype)
    Z = Z[:, 0] if Z.shape[1] == 1 else Z
    multilabel = estimator.multilabel_
    if method == "decision_function":
        return Z
    if method == "predict":
        return _labels(xp, device, Z, estimator.classes_, multilabel)
    if Z.ndim == 1 or multilabel:
        P = xp_sigmoid(xp, Z)
        P = P if multilabel else xp.stack([xp_sigmoid(xp, -Z), P], axis=1)
        if method == "predict_proba":
            return P
        log_p = _log_proba(xp, Z, multilabel)
    else:
        log_p = _log_proba(xp, Z, multilabel)
        P = xp.exp(log_p)
        if method == "predict_proba":
            return P
    # as _predict.log_proba: the log of the probability where it is >= 1/2
    return xp.where(P >= 0.5, xp.log(P), log_p)


def _labels(xp, device, Z, classes, multilabel):
    """Predicted labels: on the device for numeric classes, NumPy for strings."""
    if multilabel:
        return xp.astype(Z > 0, xp.int64)
    idx = xp.astype(Z > 0, xp.int64) if Z.ndim == 1 else xp.argmax(Z, axis=1)
    classes = to_numpy(classes)
    if classes.dtype.kind in "biuf":
        return xp.take(xp.asarray(classes, device=device), idx, axis=0)
    return classes[to_numpy(idx)]


def _log_proba(xp, Z, multilabel):
    """Log-probabilities from the logits, as ``_predict.log_proba`` computes them."""
    if Z.ndim == 1:
        return xp.stack([xp_log_sigmoid(xp, -Z), xp_log_sigmoid(xp, Z)], axis=1)
    L = xp_log_sigmoid(xp, Z)
    if multilabel:
        return L
    top = xp.max(L, axis=1, keepdims=True)
    return L - (top + xp.log(xp.sum(xp.exp(L - top), axis=1, keepdims=True)))

