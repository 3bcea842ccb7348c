"""A fitted model evaluated on data: validation of the data, and the objective.

:func:`evaluation_data` checks data against a fitted estimator and encodes its
targets and weights as ``fit`` does; :func:`objective_value` is the fitted
model's objective on them (``BCELogisticClassifier.objective``), and the
inference of :mod:`~sklearn_bce._inference` starts from the same data.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted, validate_data

from ._constraints import make_objective
from ._fit import check_namespace
from ._objective import InMemoryBackend
from ._objective.array_api import to_numpy
from ._sparse_coef import dense_coef
from ._targets import encode_targets, validate_sample_weight

__all__ = ["evaluation_data", "objective_value"]


def evaluation_data(estimator, X, y, sample_weight=None, method="objective"):
    """Validate in-memory data for an evaluation of a fitted estimator.

    ``X`` is checked against the fitted features (never refitted on), ``y``
    against the fitted classes, and the targets and weights are encoded as in
    ``fit`` (class weights included).

    Parameters
    ----------
    estimator : BCELogisticClassifier
        A fitted estimator.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples.
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Labels from ``classes_``, or an indicator matrix for a multilabel model.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    method : str, default="objective"
        The method that asks, for the message of arrays it cannot take.

    Returns
    -------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Validated, float32 or float64.
    Y : ndarray of int8 of shape (n_samples, K)
        The 0/1 targets of the binary problems.
    sample_weight : ndarray of shape (n_samples,) or (n_samples, K), or None
        Their weights (None for uniform weights).
    """
    check_is_fitted(estimator)
    check_namespace(X, method)
    X = validate_data(
        estimator, X, accept_sparse=["csr", "csc"],
        dtype=[np.float64, np.float32], reset=False,
    )
    y = np.asarray(y.toarray() if sp.issparse(y) else y)
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y has {y.shape[0]} samples but X has {X.shape[0]}: they must "
            "have the same number of rows."
        )
    if not estimator.multilabel_:
        unknown = np.setdiff1d(np.unique(y), to_numpy(estimator.classes_))
        if unknown.size:
            raise ValueError(
                f"y has labels the model was not fitted on: {unknown.tolist()}."
            )
    sample_weight = validate_sample_weight(sample_weight, X.shape[0])
    return (X, *encode_targets(
        y, to_numpy(estimator.classes_), estimator.multilabel_, sample_weight,
        estimator.class_weight,
    ))


def objective_value(estimator, X, y, sample_weight=None):
    """The fitted estimator's objective on ``(X, y)`` (see its ``objective``).

    Parameters
    ----------
    estimator : BCELogisticClassifier
        A fitted estimator.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples.
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Labels from ``classes_``, or an indicator matrix for a multilabel model.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    value : float
    """
    recorded = getattr(estimator, "_iterate_objective", None)
    if recorded is not None and recorded.answers(X, y, sample_weight):
        return recorded.value  # a copy given to callbacks during a fit
    X, Y, sw = evaluation_data(estimator, X, y, sample_weight)
    backend = InMemoryBackend(X, Y, sample_weight=sw)
    objective = make_objective(
        estimator, backend, estimator.C, estimator.l1_ratio, precondition=False
    )
    return objective.loss(
        objective.from_coef(dense_coef(estimator.coef_), to_numpy(estimator.intercept_))
    )
