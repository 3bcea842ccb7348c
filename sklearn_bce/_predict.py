"""Predictions from the logits, the same for in-memory and dask input."""

from __future__ import annotations

import sys

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, logsumexp
from sklearn.utils.validation import validate_data

from ._loss import log_sigmoid
from ._objective.array_api import to_numpy

__all__ = [
    "is_dask_collection",
    "labels",
    "log_proba",
    "predict_in_memory",
    "proba",
    "scores",
    "stable_log_proba",
]


def is_dask_collection(obj):
    """Whether ``obj`` is a dask collection, without ever importing dask.

    A dask collection can only exist if dask has been imported already.

    Parameters
    ----------
    obj : object

    Returns
    -------
    is_dask : bool
    """
    dask = sys.modules.get("dask")
    return dask is not None and dask.is_dask_collection(obj)


def scores(X, coef, intercept):
    """Logits of validated ``X``: 1-d for one problem, (n_samples, K) otherwise.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Samples.
    coef : {ndarray, sparse matrix} of shape (K, n_features)
        Coefficients; a sparse ``coef_`` (after ``sparsify()``) is made dense
        for dense ``X``, so that the logits are those of the dense ``coef_`` bit
        for bit, and multiplies a sparse ``X`` as it is.
    intercept : ndarray of shape (K,)
        Intercepts.

    Returns
    -------
    Z : ndarray of shape (n_samples,) or (n_samples, K)
    """
    if sp.issparse(coef) and not sp.issparse(X):
        coef = coef.toarray()
    Z = X @ coef.T.astype(X.dtype, copy=False)
    Z = Z.toarray() if sp.issparse(Z) else np.asarray(Z)
    Z = Z + intercept.astype(X.dtype, copy=False)
    return Z[:, 0] if Z.shape[1] == 1 else Z


def labels(Z, classes, multilabel=False):
    """Predicted labels (an indicator matrix if multilabel) from the logits.

    Parameters
    ----------
    Z : ndarray of shape (n_samples,) or (n_samples, K)
        Logits from :func:`scores`.
    classes : ndarray
        The classes.
    multilabel : bool, default=False
        Whether the model is multilabel.

    Returns
    -------
    y : ndarray
    """
    if Z.ndim == 1:
        return classes[(Z > 0).astype(np.intp)]
    if multilabel:
        return (Z > 0).astype(np.int64)
    return classes[np.argmax(Z, axis=1)]


def log_proba(Z, multilabel=False):
    """Class (or per-label) log-probabilities from the logits of :func:`scores`.

    One-vs-rest rows are normalised like ``OneVsRestClassifier``'s:
    ``log(sigmoid(z_k) / sum_j sigmoid(z_j))``, computed in log space, so that
    small probabilities keep their exact logarithm instead of ``-inf``. Where
    the probability is at least 1/2, the log of :func:`proba` is returned
    instead (its absolute error is below the dtype's epsilon there), so that
    ``predict_log_proba`` equals ``log(predict_proba)`` wherever a probability
    rounds to one.

    Parameters
    ----------
    Z : ndarray of shape (n_samples,) or (n_samples, K)
        Logits.
    multilabel : bool, default=False
        Whether the model is multilabel (per-label, not normalised).

    Returns
    -------
    log_proba : ndarray of shape (n_samples, n_classes)
    """
    P = proba(Z, multilabel)
    with np.errstate(divide="ignore"):
        return np.where(P >= 0.5, np.log(P), stable_log_proba(Z, multilabel))


def stable_log_proba(Z, multilabel=False):
    """Log-probabilities computed in log space only (see :func:`log_proba`).

    Parameters
    ----------
    Z : ndarray of shape (n_samples,) or (n_samples, K)
        Logits.
    multilabel : bool, default=False
        Whether the model is multilabel (per-label, not normalised).

    Returns
    -------
    log_proba : ndarray of shape (n_samples, n_classes)
    """
    if Z.ndim == 1:
        return np.column_stack([log_sigmoid(-Z), log_sigmoid(Z)])
    L = log_sigmoid(Z)
    if multilabel:
        return L
    return L - logsumexp(L, axis=1, keepdims=True)


def proba(Z, multilabel=False):
    """Class (or per-label) probabilities from the logits of :func:`scores`.

    Parameters
    ----------
    Z : ndarray of shape (n_samples,) or (n_samples, K)
        Logits.
    multilabel : bool, default=False
        Whether the model is multilabel.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes)
    """
    if Z.ndim == 1:
        return np.column_stack([expit(-Z), expit(Z)])
    if multilabel:
        return expit(Z)
    return np.exp(stable_log_proba(Z))


def predict_in_memory(estimator, X, method):
    """The output of a prediction method on NumPy / SciPy input.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        A fitted estimator. Its attributes are read as NumPy arrays (a model
        fitted on another array namespace predicts NumPy input outside array
        API dispatch, as its attributes are small).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples (arrays of other namespaces are converted by the validation).
    method : {"decision_function", "predict", "predict_proba", \
            "predict_log_proba"}

    Returns
    -------
    out : ndarray
    """
    X = validate_data(
        estimator, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32],
        reset=False,
    )
    Z = scores(X, to_numpy(estimator.coef_), to_numpy(estimator.intercept_))
    multilabel = estimator.multilabel_
    if method == "decision_function":
        return Z
    if method == "predict":
        return labels(Z, to_numpy(estimator.classes_), multilabel)
    if method == "predict_log_proba":
        return log_proba(Z, multilabel)
    return proba(Z, multilabel)
