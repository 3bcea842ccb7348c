"""Lazy predictions on dask collections: the in-memory code on every chunk."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._predict import labels, log_proba, proba, scores
from .chunks import aligned, nonfinite_flags, raise_nonfinite
from .prepare import validated_matrix

__all__ = ["predict"]


def _predict_block(X, *, coef, intercept, classes, method, multilabel=False):
    X = aligned(X)
    raise_nonfinite(nonfinite_flags(X), X.dtype)
    Z = scores(X, coef, intercept)
    if method == "decision_function":
        return Z
    if method == "predict":
        return labels(Z, classes, multilabel)
    if method == "predict_proba":
        return proba(Z, multilabel)
    return log_proba(Z, multilabel)


def predict(estimator, X, method):
    """Lazy predictions of a fitted estimator on a dask collection.

    One ``map_blocks`` over the row chunks of ``X`` running the in-memory
    prediction code, so the result is chunk-aligned with ``X`` (for a dask
    DataFrame, one chunk per partition, of unknown size until computed). Feature
    names and the number of features are checked now; NaN and infinity in ``X``
    raise a ValueError when the result is computed.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        A fitted estimator.
    X : dask.array.Array or dask.dataframe.DataFrame of shape \
            (n_samples, n_features)
        Samples.
    method : {'decision_function', 'predict', 'predict_proba', \
            'predict_log_proba'}
        The prediction to compute.

    Returns
    -------
    result : dask.array.Array
        ``(n_samples,)`` for labels and binary logits, ``(n_samples, n_classes)``
        otherwise; nothing is computed.
    """
    check_is_fitted(estimator)
    X = validated_matrix(estimator, X, reset=False)
    rows = X.chunks[0]
    multilabel = getattr(estimator, "multilabel_", False)
    n_out = {
        "decision_function": estimator.coef_.shape[0],
        "predict": estimator.classes_.size if multilabel else 1,
    }.get(method, estimator.classes_.size)
    if method == "predict":
        dtype = np.dtype(np.int64) if multilabel else estimator.classes_.dtype
    else:
        dtype = X.dtype
    if n_out == 1:
        shape = {"chunks": (rows,), "drop_axis": 1, "meta": np.empty(0, dtype)}
    else:
        shape = {"chunks": (rows, (n_out,)), "meta": np.empty((0, 0), dtype)}
    return X.map_blocks(
        _predict_block, coef=estimator.coef_, intercept=estimator.intercept_,
        classes=estimator.classes_, method=method, multilabel=multilabel,
        dtype=dtype, **shape,
    )
