"""The fitted model's statistics on data: its objective and inference.

:class:`ModelStatisticsMixin` gives :class:`~sklearn_bce.BCELogisticClassifier`
its ``objective``, ``covariance_matrix`` and ``coef_table`` methods; the work is
done by :mod:`~sklearn_bce._evaluation` (``objective_value``) and
:mod:`~sklearn_bce._inference`.
"""

from __future__ import annotations

from ._evaluation import objective_value
from ._inference import coef_table, covariance_matrix

__all__ = ["ModelStatisticsMixin"]


class ModelStatisticsMixin:
    """The objective, covariance matrix and coefficient table of a fitted model."""

    def objective(self, X, y, sample_weight=None):
        """Value of the regularised objective at the fitted coefficients.

        The quantity the fit minimises, evaluated on ``(X, y)``: the weighted mean
        binary cross-entropy of every one-vs-rest (or per-label) problem plus the
        penalty ``||w||^2 / (2 C S)`` (the elastic net of ``l1_ratio`` when it is
        not 0), summed over the problems, with the same
        class weights as in ``fit``. On the training data it compares solvers and
        stopping rules exactly (lower is better).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            True labels, from ``classes_`` (or an indicator matrix for a
            multilabel model).

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, as in ``fit``.

        Returns
        -------
        value : float
            The objective value.
        """
        return objective_value(self, X, y, sample_weight)

    # ---------------------------------------------------------------- inference
    def covariance_matrix(
        self, X, y, sample_weight=None, *, kind="nonrobust", groups=None
    ):
        """Covariance matrix of the fitted coefficients and intercept.

        Computed on the training data ``(X, y, sample_weight)``, which the
        estimator does not keep. With ``C=np.inf``, ``"nonrobust"`` and
        ``"HC0"`` are the matrices of statsmodels' ``Logit`` (or ``GLM`` with
        ``family=Binomial()`` and ``freq_weights=sample_weight``) for the same
        ``cov_type``, and ``"cluster"`` is theirs without weights. The others
        differ from theirs by a scalar factor: ``"HC1"`` is their HC0 times
        ``S / (S - n_coef)`` (their ``cov_type="HC1"`` returns HC0
        unchanged), and ``"cluster"`` with weights is their ``GLM``
        ``freq_weights`` cluster covariance times ``(S - 1) (n - n_coef) /
        ((S - n_coef) (n - 1))``, ``n`` the number of rows (their factor
        counts the rows, ours the total weight ``S``, as for repeated rows).
        With a finite ``C`` the Hessian is that of the penalised objective and
        a ``UserWarning`` says so (see the "Inference" page of the user guide
        for the formulas and what the numbers mean).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training data, in memory.

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Their labels, from ``classes_``.

        sample_weight : array-like of shape (n_samples,), default=None
            Their weights, as in ``fit``: an integer weight counts a row that
            many times (statsmodels' ``freq_weights``). Class weights are
            multiplied in.

        kind : {"nonrobust", "HC0", "HC1", "cluster"}, default="nonrobust"
            ``"nonrobust"``: the inverse of the observed information (the
            Hessian of the weighted negative log-likelihood). ``"HC0"``: the
            sandwich estimator, robust to a misspecified variance. ``"HC1"``:
            HC0 times ``S / (S - n_coef)``, ``S`` the total weight (the factor
            of R's ``sandwich::vcovHC(type="HC1")``, with ``S`` for the number
            of rows). ``"cluster"``: robust to correlation within the
            ``groups``, with the small-sample factor ``G / (G - 1) * (S - 1) /
            (S - n_coef)``, ``G`` the number of groups (statsmodels' factor,
            with ``S`` in place of the number of rows).

        groups : array-like of shape (n_samples,), default=None
            Cluster label of every row; only (and always) with
            ``kind="cluster"``.

        Returns
        -------
        cov : ndarray of shape (n_problems, n_coef, n_coef)
            One matrix per row of ``coef_`` (a single one for a binary problem,
            one per class for one-vs-rest, one per label for multilabel), in
            the order of the features with the intercept last; ``n_coef`` is
            ``n_features + fit_intercept``.

        Raises
        ------
        ValueError
            For a singular information matrix (separable data without a
            penalty, collinear or constant features), a ``groups`` that does
            not match ``X``, or data that do not match the fit.
        NotImplementedError
            For dask input, whose backend has no Hessian blocks.

        Warns
        -----
        UserWarning
            With a finite ``C``.
        ConvergenceWarning
            When the coefficients are not at the optimum of the objective on
            these data (a fit that did not converge, a stream fitted by
            ``partial_fit``, or other data than the training data).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn_bce import BCELogisticClassifier
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> X = X[:, :3]
        >>> clf = BCELogisticClassifier(C=np.inf).fit(X, y)
        >>> clf.covariance_matrix(X, y).shape
        (1, 4, 4)
        """
        return covariance_matrix(
            self, X, y, sample_weight, kind=kind, groups=groups
        )

    def coef_table(
        self, X, y, sample_weight=None, *, kind="nonrobust", groups=None, alpha=0.05
    ):
        """Coefficients with standard errors, z-statistics, p-values and intervals.

        The standard errors are the square roots of the diagonal of
        :meth:`covariance_matrix`; ``z = coef / se``, the p-values are
        two-sided normal ones and the intervals ``coef +- q se``, ``q`` the
        ``1 - alpha / 2`` normal quantile, as statsmodels' ``summary()`` gives
        them.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training data, in memory.

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Their labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Their weights, as in ``fit``.

        kind : {"nonrobust", "HC0", "HC1", "cluster"}, default="nonrobust"
            The covariance, see :meth:`covariance_matrix`.

        groups : array-like of shape (n_samples,), default=None
            Cluster labels, with ``kind="cluster"``.

        alpha : float, default=0.05
            The intervals cover the coefficients with probability ``1 - alpha``.

        Returns
        -------
        table : pandas.DataFrame or structured ndarray
            Columns ``coef``, ``se``, ``z``, ``p_value``, ``ci_lower`` and
            ``ci_upper``; one row per feature (named by ``feature_names_in_``,
            else ``x0, x1, ...``) and a last row ``"intercept"``. For more than
            one binary problem the index is a MultiIndex ``(class, term)``, one
            block per class (or label). Without pandas, a structured array with
            the same columns and fields ``term`` (and ``class``).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn_bce import BCELogisticClassifier
        >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        >>> X = X[["mean radius", "mean texture"]]
        >>> clf = BCELogisticClassifier(C=np.inf).fit(X, y)
        >>> clf.coef_table(X, y).columns.tolist()
        ['coef', 'se', 'z', 'p_value', 'ci_lower', 'ci_upper']
        >>> clf.coef_table(X, y).index.tolist()
        ['mean radius', 'mean texture', 'intercept']
        """
        return coef_table(
            self, X, y, sample_weight, kind=kind, groups=groups, alpha=alpha
        )
