"""``sparsify`` and ``densify``: ``coef_`` as a CSR matrix and back.

The two methods of scikit-learn's ``SparseCoefMixin``, with its semantics, for
this package's fitted attributes: :func:`dense_coef` gives every computation
that reads the coefficients (warm starts, ``partial_fit``, ``objective``, the
covariances) an array whatever form ``coef_`` has, and the prediction path
handles a sparse ``coef_`` itself (:func:`~sklearn_bce._predict.scores`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.utils.validation import check_is_fitted

from ._objective.array_api import to_numpy

__all__ = ["SparseCoefMixin", "dense_coef"]


def dense_coef(coef):
    """``coef_`` as a NumPy array on the host, whether it was sparsified or not.

    Parameters
    ----------
    coef : {ndarray, sparse matrix, array of an array API namespace}
        A fitted ``coef_``.

    Returns
    -------
    coef : ndarray of shape (n_problems, n_features)
    """
    return coef.toarray() if sp.issparse(coef) else to_numpy(coef)


def _csr(array):
    """``array`` as a CSR matrix, or a CSR array when scikit-learn is set to them.

    scikit-learn 1.9's ``sparse_interface`` configuration ("spmatrix" by
    default, or "sparray") decides which SciPy interface it returns; earlier
    versions always return a ``csr_matrix``.
    """
    if get_config().get("sparse_interface", "spmatrix") == "sparray":
        return sp.csr_array(array)
    return sp.csr_matrix(array)


class SparseCoefMixin:
    """Convert ``coef_`` to and from the CSR format, as scikit-learn's mixin does."""

    def densify(self):
        """Convert coefficient matrix to dense array format.

        Converts the ``coef_`` member (back) to a numpy.ndarray. This is the
        default format of ``coef_``, and the one every fit sets, so calling
        this method is only required on models that have previously been
        sparsified; otherwise, it is a no-op.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        msg = "Estimator, %(name)s, must be fitted before densifying."
        check_is_fitted(self, msg=msg)
        if sp.issparse(self.coef_):
            self.coef_ = self.coef_.toarray()
        return self

    def sparsify(self):
        """Convert coefficient matrix to sparse format.

        Converts the ``coef_`` member to a ``scipy.sparse`` CSR matrix (a CSR
        array under ``sklearn.set_config(sparse_interface="sparray")``), which
        for models with many zero coefficients (``l1_ratio > 0``) can be much
        more memory- and storage-efficient than the usual numpy.ndarray
        representation. The predictions do not change: ``predict``,
        ``predict_proba``, ``predict_log_proba`` and ``decision_function``
        return the same values, and so do ``objective``,
        ``covariance_matrix`` and ``coef_table``.

        The ``intercept_`` member is not converted.

        Returns
        -------
        self : object
            Fitted estimator.

        Raises
        ------
        TypeError
            For a model fitted on arrays of another array API namespace than
            NumPy, whose ``coef_`` lives in that namespace.

        Notes
        -----
        For non-sparse models, i.e. when there are not many zeros in
        ``coef_``, this may actually *increase* memory usage, so use this
        method with care. A rule of thumb is that the number of zero elements,
        which can be computed with ``(coef_ == 0).sum()``, must be more than
        50% for this to provide significant benefits.

        Unlike scikit-learn's estimators, further fitting works after this
        method: ``fit`` with ``warm_start=True`` and ``partial_fit`` start from
        the sparse coefficients, and set a dense ``coef_`` again.
        """
        msg = "Estimator, %(name)s, must be fitted before sparsifying."
        check_is_fitted(self, msg=msg)
        coef = self.coef_
        if not (sp.issparse(coef) or isinstance(coef, np.ndarray)):
            module = type(coef).__module__.split(".")[0]
            raise TypeError(
                f"sparsify() converts a NumPy coef_ to a SciPy sparse matrix; this "
                f"model was fitted on arrays of the {module!r} namespace and its "
                "coef_ is one of them. Refit it on NumPy arrays to sparsify it."
            )
        self.coef_ = _csr(coef)
        return self
