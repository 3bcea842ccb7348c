"""Which backend holds an input: dask, array API (device) or in memory.

The estimator's ``fit`` and prediction methods hand their input here;
:func:`prepare` returns the :class:`~sklearn_bce._fit.FitData` of the backend
that fits it and :func:`predict` computes a prediction method's output where the
input lives:

* a dask collection: ``sklearn_bce._dask`` (imported only then);
* under ``array_api_dispatch=True``, an array of a namespace other than NumPy
  (or, for predictions, a model fitted on one): ``_array_api.py`` (which fits
  an array in host memory on a NumPy view in the in-memory backend, any other
  with the namespace's operations on its device);
* anything else (NumPy, SciPy sparse, lists, data frames): in memory.
"""

from __future__ import annotations

from sklearn.utils.validation import check_is_fitted

from ._array_api import (
    array_api_input,
    predict_array_api,
    prepare_array_api,
    uses_array_api,
)
from ._fit import prepare_in_memory
from ._predict import is_dask_collection, predict_in_memory

__all__ = ["PredictionMixin", "predict", "prepare"]


def prepare(estimator, X, y, sample_weight):
    """Validate the training data and hold them in the backend for their kind.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        The estimator being fitted.
    X : {array-like, sparse matrix, array API array, dask collection}
        Training data.
    y : array-like
        Targets.
    sample_weight : array-like or None
        Sample weights.

    Returns
    -------
    data : FitData
    """
    if is_dask_collection(X):
        from ._dask import prepare as prepare_dask

        return prepare_dask(estimator, X, y, sample_weight)
    if array_api_input(X):
        return prepare_array_api(estimator, X, y, sample_weight)
    return prepare_in_memory(estimator, X, y, sample_weight)


def predict(estimator, X, method):
    """The output of a prediction method: lazily on dask, on the device, or here.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        The estimator.
    X : {array-like, sparse matrix, array API array, dask collection}
        Samples.
    method : {"decision_function", "predict", "predict_proba", \
            "predict_log_proba"}

    Returns
    -------
    out : ndarray, array of X's namespace, or dask array
    """
    if is_dask_collection(X):
        from ._dask import predict as predict_dask

        return predict_dask(estimator, X, method)
    check_is_fitted(estimator)
    if uses_array_api(estimator, X):
        return predict_array_api(estimator, X, method)
    return predict_in_memory(estimator, X, method)


class PredictionMixin:
    """The prediction methods of a fitted linear model of the binary problems.

    They read ``coef_``, ``intercept_``, ``classes_`` and ``multilabel_``, and
    compute where the input lives (see :func:`predict`).
    """

    def decision_function(self, X):
        """Logits ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array, dask DataFrame} of shape \
                (n_samples, n_features)
            Samples. A dask collection gives a lazy dask array (its row chunks);
            an array of the fit's array API namespace, an array of it there.

        Returns
        -------
        scores : ndarray or dask array of shape (n_samples,) or (n_samples, n_classes)
            For a binary problem, the logit of ``classes_[1]``; otherwise one logit
            per class (one-vs-rest).
        """
        return predict(self, X, "decision_function")

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array, dask DataFrame} of shape \
                (n_samples, n_features)
            Samples. A dask collection gives a lazy dask array (its row chunks);
            an array of the fit's array API namespace, an array of it there.

        Returns
        -------
        y_pred : ndarray or dask array of shape (n_samples,)
            Predicted labels: the class with the largest logit.
        """
        return predict(self, X, "predict")

    def predict_log_proba(self, X):
        """Log of the class probabilities, computed from the logits.

        Computed in log space, as ``log(sigmoid(z))`` in a stable form, so very
        confident predictions keep the exact log-probability of their unlikely
        classes instead of ``-inf``; where a probability is at least 1/2 it is
        the log of ``predict_proba``'s value.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array, dask DataFrame} of shape \
                (n_samples, n_features)
            Samples. A dask collection gives a lazy dask array (its row chunks);
            an array of the fit's array API namespace, an array of it there.

        Returns
        -------
        log_proba : ndarray or dask array of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        return predict(self, X, "predict_log_proba")

    def predict_proba(self, X):
        """Class probabilities.

        For a binary problem, ``[1 - p, p]`` with ``p = sigmoid(z)``. For more
        classes, the one-vs-rest sigmoids divided by their sum (as
        ``OneVsRestClassifier`` normalises them), computed in log space so that
        rows always sum to one.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array, dask DataFrame} of shape \
                (n_samples, n_features)
            Samples. A dask collection gives a lazy dask array (its row chunks);
            an array of the fit's array API namespace, an array of it there.

        Returns
        -------
        proba : ndarray or dask array of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        return predict(self, X, "predict_proba")

