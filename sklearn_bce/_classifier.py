"""The estimator: parameters, validation, target encoding, solver dispatch, predict."""

from __future__ import annotations

import sys
from numbers import Integral, Real

import numpy as np
from scipy.special import expit, logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._loss import LinearBCE, log_sigmoid
from ._solvers import lbfgs
from ._solvers._base import warn_not_converged

_SOLVERS = {"lbfgs": lbfgs}


class BCELogisticClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression that minimises the binary cross-entropy (BCE).

    The fit minimises, for each binary problem, the weighted mean BCE of a sigmoid
    output plus an L2 penalty on the coefficients::

        (1 / S) * sum_i s_i * [log(1 + exp(z_i)) - y_i z_i]  +  ||w||^2 / (2 C S)

    with ``z = X w + b``, ``s_i`` the sample weights (times the class weights) and
    ``S`` their sum. This is exactly the objective of
    :class:`sklearn.linear_model.LogisticRegression` with the same ``C``, so both
    estimators agree to the solver tolerance. The intercept is never penalised.

    Multi-class targets are fitted one-vs-rest: one binary BCE problem per class,
    solved together. ``predict_proba`` divides the per-class sigmoids by their sum,
    as :class:`sklearn.multiclass.OneVsRestClassifier` does; it is not a softmax.

    Parameters
    ----------
    C : float, default=1.0
        Inverse of the L2 regularisation strength, on the scale of
        ``LogisticRegression``: smaller values mean stronger regularisation.
        ``np.inf`` means no penalty.

    fit_intercept : bool, default=True
        Whether to fit an intercept (never penalised).

    class_weight : dict or 'balanced', default=None
        Weights multiplied into ``sample_weight``. A dict maps class labels to
        weights; every binary problem then uses the weight of each sample's own
        class. ``'balanced'`` weighs each binary problem so that its positive and
        negative samples carry equal total weight, exactly as
        ``OneVsRestClassifier(LogisticRegression(class_weight='balanced'))`` does (in
        the binary case, ``n_samples / (2 * np.bincount(y))``). Class weights shift
        the predicted probabilities towards the up-weighted class.

    tol : float, default=1e-4
        Stopping tolerance: the solver stops when the largest absolute entry of the
        gradient (in its internal, rescaled coordinates) is at most ``tol``.

    max_iter : int, default=100
        Maximum number of solver iterations.

    solver : {'lbfgs'}, default='lbfgs'
        Algorithm used to minimise the objective. ``'lbfgs'`` is
        :func:`scipy.optimize.minimize` with ``method='L-BFGS-B'`` on an internally
        centred and rescaled problem (the optimum is unchanged).

    warm_start : bool, default=False
        When True, start from the solution of the previous call to ``fit``. The
        classes and the number of features must be the same as in that call.

    random_state : int, RandomState instance or None, default=None
        Seed for the solvers that draw random numbers; the L-BFGS solver is
        deterministic and does not use it.

    verbose : int, default=0
        Values above 0 print the solver's progress.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients; one row for a binary problem (the class ``classes_[1]``), one
        row per class otherwise. Same dtype as the training data.

    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts, zero when ``fit_intercept=False``.

    n_iter_ : ndarray of shape (1,) or (n_classes,)
        Number of solver iterations for each binary problem.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The same objective in scikit-learn.
    sklearn_bce.binary_cross_entropy : The loss as a metric.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_bce import BCELogisticClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), BCELogisticClassifier(C=1.0)).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> round(clf.score(X, y), 3)
    0.988
    """

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="right")],
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "solver": [StrOptions(set(_SOLVERS))],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        C=1.0,
        *,
        fit_intercept=True,
        class_weight=None,
        tol=1e-4,
        max_iter=100,
        solver="lbfgs",
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.C = C
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.tol = tol
        self.max_iter = max_iter
        self.solver = solver
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ---------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model by minimising the regularised binary cross-entropy.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array, dask DataFrame} of shape \
                (n_samples, n_features)
            Training data. float32 data is fitted in float32; CSR and CSC matrices
            are used without densifying. A dask collection is fitted on the
            dask.distributed cluster of the current client without gathering it;
            its classes, weights and NaN / infinity checks are computed there, in
            the passes over the data that precede the first solver iteration (see
            the "dask" page of the user guide).

        y : array-like of shape (n_samples,)
            Target labels (any hashable type with at least two distinct values); a
            dask array or Series when ``X`` is a dask collection.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; an integer weight counts a sample that many times.
            Only relative weights matter. May be a dask array or Series when ``X``
            is a dask collection.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if _is_dask_collection(X):
            from ._dask import fit as dask_fit

            return dask_fit(self, X, y, sample_weight)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
        )
        check_classification_targets(y)
        sample_weight = _validate_sample_weight(sample_weight, X)
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the "
                f"data contains only one class: {classes[0]!r}."
            )
        Y, sw = self._encode_targets(y, classes, sample_weight)

        objective = LinearBCE(
            X, Y, sample_weight=sw, C=self.C, fit_intercept=self.fit_intercept
        )
        return self._solve_objective(objective, classes, X.dtype)

    def _solve_objective(self, objective, classes, dtype):
        """Run the solver on a built objective and set the fitted attributes."""
        theta0 = self._initial_theta(objective, classes)
        solve = _SOLVERS[self.solver]
        result = solve(
            objective, theta0, tol=self.tol, max_iter=self.max_iter,
            verbose=self.verbose,
        )
        if not result.converged:
            warn_not_converged(self.solver, result, self.max_iter)

        W, b = objective.to_coef(result.x)
        self.classes_ = classes
        self.coef_ = W.astype(dtype)
        self.intercept_ = b.astype(dtype)
        self.n_iter_ = np.asarray(result.n_iter, dtype=np.int32)
        return self

    def _encode_targets(self, y, classes, sample_weight):
        """Return the 0/1 target matrix and the (possibly per-problem) weights."""
        if classes.size == 2:
            Y = (y == classes[1]).astype(np.float64)[:, None]
        else:
            Y = (y[:, None] == classes[None, :]).astype(np.float64)
        sw = sample_weight
        if isinstance(self.class_weight, dict):
            unknown = [k for k in self.class_weight if k not in set(classes.tolist())]
            if unknown:
                raise ValueError(
                    f"class_weight has labels that are not classes of y: {unknown}; "
                    f"the classes are {classes.tolist()}."
                )
            cw = compute_class_weight(self.class_weight, classes=classes, y=y)
            sw = sw * cw[np.searchsorted(classes, y)]
        elif self.class_weight == "balanced":
            # Each binary problem balanced on its own, as OneVsRestClassifier would.
            cols = []
            for k in range(Y.shape[1]):
                yk = Y[:, k]
                cw = _balanced_weights(yk, sample_weight)
                cols.append(sample_weight * cw[yk.astype(np.intp)])
            sw = cols[0] if len(cols) == 1 else np.column_stack(cols)
        return Y, sw

    def _initial_theta(self, objective, classes):
        if self.warm_start and hasattr(self, "coef_"):
            if not np.array_equal(self.classes_, classes):
                raise ValueError(
                    "warm_start=True needs the same classes as the previous fit: it "
                    f"was fitted on {self.classes_.tolist()}, now given "
                    f"{classes.tolist()}. Set warm_start=False to fit from scratch."
                )
            if self.coef_.shape[1] != objective.n_features:
                raise ValueError(
                    "warm_start=True needs the same number of features as the "
                    f"previous fit ({self.coef_.shape[1]}), got {objective.n_features}."
                )
            return objective.from_coef(self.coef_, self.intercept_)
        return np.zeros(objective.n_params)

    # ---------------------------------------------------------------- predicting
    def decision_function(self, X):
        """Logits ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array, dask DataFrame} of shape \
                (n_samples, n_features)
            Samples. For a dask collection the result is a lazy dask array with
            the row chunks of ``X`` (nothing is computed until asked).

        Returns
        -------
        scores : ndarray or dask array of shape (n_samples,) or (n_samples, n_classes)
            For a binary problem, the logit of ``classes_[1]``; otherwise one logit
            per class (one-vs-rest).
        """
        if _is_dask_collection(X):
            return _dask_predict(self, X, "decision_function")
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32],
            reset=False,
        )
        return _scores(X, self.coef_, self.intercept_)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array, dask DataFrame} of shape \
                (n_samples, n_features)
            Samples. For a dask collection the result is a lazy dask array with
            the row chunks of ``X`` (nothing is computed until asked).

        Returns
        -------
        y_pred : ndarray or dask array of shape (n_samples,)
            Predicted labels: the class with the largest logit.
        """
        if _is_dask_collection(X):
            return _dask_predict(self, X, "predict")
        return _labels(self.decision_function(X), self.classes_)

    def predict_log_proba(self, X):
        """Log of the class probabilities, computed from the logits.

        Computed as ``log(sigmoid(z))`` in a stable form (never as the log of a
        rounded probability), so very confident predictions keep their exact
        log-probability instead of ``-inf``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array, dask DataFrame} of shape \
                (n_samples, n_features)
            Samples. For a dask collection the result is a lazy dask array with
            the row chunks of ``X`` (nothing is computed until asked).

        Returns
        -------
        log_proba : ndarray or dask array of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        if _is_dask_collection(X):
            return _dask_predict(self, X, "predict_log_proba")
        return _log_proba(self.decision_function(X))

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
            Samples. For a dask collection the result is a lazy dask array with
            the row chunks of ``X`` (nothing is computed until asked).

        Returns
        -------
        proba : ndarray or dask array of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        if _is_dask_collection(X):
            return _dask_predict(self, X, "predict_proba")
        return _proba(self.decision_function(X))


def _scores(X, coef, intercept):
    """Logits of validated ``X``: 1-d for one problem, (n_samples, K) otherwise."""
    Z = X @ coef.T.astype(X.dtype, copy=False)
    Z = np.asarray(Z) + intercept.astype(X.dtype, copy=False)
    return Z[:, 0] if Z.shape[1] == 1 else Z


def _labels(Z, classes):
    """Predicted labels from the logits of :func:`_scores`."""
    if Z.ndim == 1:
        return classes[(Z > 0).astype(np.intp)]
    return classes[np.argmax(Z, axis=1)]


def _log_proba(Z):
    """Class log-probabilities from the logits of :func:`_scores`."""
    if Z.ndim == 1:
        return np.column_stack([log_sigmoid(-Z), log_sigmoid(Z)])
    return _ovr_log_proba(Z)


def _proba(Z):
    """Class probabilities from the logits of :func:`_scores`."""
    if Z.ndim == 1:
        return np.column_stack([expit(-Z), expit(Z)])
    return np.exp(_ovr_log_proba(Z))


def _is_dask_collection(obj):
    """Whether ``obj`` is a dask collection, without ever importing dask.

    A dask collection can only exist if dask has been imported already.
    """
    dask = sys.modules.get("dask")
    return dask is not None and dask.is_dask_collection(obj)


def _dask_predict(estimator, X, method):
    from ._dask import predict

    return predict(estimator, X, method)


def _ovr_log_proba(Z):
    """One-vs-rest log-probabilities ``log(sigmoid(z_k) / sum_j sigmoid(z_j))``."""
    L = log_sigmoid(Z)
    return L - logsumexp(L, axis=1, keepdims=True)


def _validate_sample_weight(sample_weight, X):
    """Float64 weights of shape (n_samples,), with errors that name the problem."""
    if sample_weight is None:
        return np.ones(X.shape[0])
    if not np.isscalar(sample_weight):
        sw = np.asarray(sample_weight)
        if sw.ndim != 1 or sw.shape[0] != X.shape[0]:
            raise ValueError(
                f"sample_weight must have shape ({X.shape[0]},), one weight per "
                f"sample; got shape {sw.shape}."
            )
        if sw.dtype.kind in "fc" and not np.all(np.isfinite(sw)):
            raise ValueError("sample_weight contains NaN or infinity.")
        if sw.dtype.kind in "iuf":
            if np.any(sw < 0):
                raise ValueError("Negative values in sample_weight are not allowed.")
            if not np.any(sw > 0):
                raise ValueError(
                    "sample_weight sums to zero: at least one weight must be positive."
                )
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
    if np.any(sw < 0):
        raise ValueError("Negative values in sample_weight are not allowed.")
    if not np.any(sw > 0):
        raise ValueError(
            "sample_weight sums to zero: at least one weight must be positive."
        )
    return np.array(sw, dtype=np.float64)  # a copy: never modify the caller's array


def _balanced_weights(yk, sample_weight):
    """'balanced' class weights of a 0/1 column, weighted by ``sample_weight``."""
    totals = np.bincount(yk.astype(np.intp), weights=sample_weight, minlength=2)
    return totals.sum() / (2.0 * np.where(totals > 0, totals, 1.0))

