"""``BCELogisticClassifierCV``: ``C`` and ``l1_ratio`` chosen by cross-validated paths.

For each fold and each ``l1_ratio``, one warm-started path over ``Cs``
(:func:`~sklearn_bce._path.fit_path`) is fitted on the training part and scored
on the held-out part, one binary problem at a time. Each problem (the single
problem of a binary target, one per class for one-vs-rest, one per label for a
multilabel target) then takes the ``(l1_ratio, C)`` of its best mean score, and
the model is refitted on all the data with those penalties.
"""

from __future__ import annotations

import copy
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.metrics import get_scorer, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.validation import _check_method_params, validate_data

from ._choice import chosen_solver, ran_solvers
from ._classifier import BCELogisticClassifier
from ._constraints import (
    CONSTRAINT_PARAMETERS,
    check_constraints,
    document,
    make_objective,
)
from ._dispatch import PredictionMixin
from ._fit import (
    check_namespace,
    in_memory_data,
    restored_on_error,
    run_solver,
    set_coef,
)
from ._path import c_grid, fit_path
from ._predict import is_dask_collection
from ._solvers import SOLVERS
from ._sparse_coef import SparseCoefMixin
from ._targets import check_targets, validate_sample_weight
from .metrics import bce_scorer

__all__ = ["BCELogisticClassifierCV"]


@document
class BCELogisticClassifierCV(
    SparseCoefMixin, PredictionMixin, ClassifierMixin, BaseEstimator
):
    """BCE logistic regression with ``C`` and ``l1_ratio`` chosen by cross-validation.

    The counterpart of :class:`sklearn.linear_model.LogisticRegressionCV` for
    :class:`~sklearn_bce.BCELogisticClassifier`. For every fold of ``cv`` and
    every value of ``l1_ratios``, a warm-started path over ``Cs`` is fitted on the
    training part (see :func:`~sklearn_bce.bce_path`: the data are held once
    per fold, and each ``C`` starts from the previous solution) and scored on the
    held-out part with ``scoring``. The ``(l1_ratio, C)`` with the best mean score
    over the folds is chosen, and the model is refitted on all the data.

    **Each binary problem chooses its own penalty.** With several classes the
    model is one-vs-rest, K independent binary problems; each is scored as a
    binary classifier of its class against the rest and takes its own ``C`` and
    ``l1_ratio``, exactly as
    ``OneVsRestClassifier(LogisticRegressionCV(...))`` would choose them (a
    multilabel target: one choice per label). ``C_`` and ``l1_ratio_`` hold one
    value per problem. A binary target is one problem, scored as it is.

    **The attributes of** ``LogisticRegressionCV``. ``Cs_``, ``l1_ratios_``,
    ``C_``, ``l1_ratio_``, ``scores_``, ``coefs_paths_`` and ``n_iter_`` have
    the shapes and meaning of scikit-learn 1.9's, in its default (legacy)
    layout of dicts keyed by class, so that code written for it runs. Each
    class's entries are those of its own binary problem, as in the one-vs-rest
    fits of older versions (``multi_class="ovr"``). The ``cv_*`` attributes
    hold the same paths stacked in arrays.

    Parameters
    ----------
    Cs : int or array-like of float, default=10
        The values of ``C`` to try. An int asks for that many values on a log
        scale between 1e-4 and 1e4, as ``LogisticRegressionCV``. ``np.inf``
        (no penalty) may be one of them.

    l1_ratios : array-like of float or None, default=(0.0,)
        The shares of the L1 part of the penalty to try, each in ``[0, 1]``
        (0: L2, the default; 1: L1). Values above 0 are fitted by the
        coordinate-descent solver (``solver="auto"`` or ``"cd"``). None fits
        the L2 penalty alone, as ``(0.0,)``, but lays out ``scores_``,
        ``coefs_paths_`` and ``n_iter_`` without their ``l1_ratios`` axis, as
        ``LogisticRegressionCV(l1_ratios=None)`` does.

    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.

    cv : int, cross-validation generator or iterable, default=None
        The folds, as in :func:`sklearn.model_selection.check_cv`: None for 5-fold,
        an int for that many folds (stratified for binary and multi-class
        targets), a splitter, or an iterable of ``(train, test)`` index arrays.

    scoring : str or callable, default=None
        How a held-out problem is scored, higher is better: a scorer name or a
        callable ``scorer(estimator, X, y)``, applied to each binary problem with
        labels 0/1 (class against the rest) for one-vs-rest. None means
        :data:`~sklearn_bce.bce_scorer`, minus the held-out binary cross-entropy:
        the quantity the fit minimises, evaluated on new data.

    solver : {'auto', 'lbfgs', 'newton-cholesky', 'cd', 'sgd'}, default='auto'
        The solver of every fit, as in
        :class:`~sklearn_bce.BCELogisticClassifier`; ``'auto'`` chooses for each
        fit (``'cd'`` whenever the penalty has an L1 part).

    tol : float, default=1e-5
        Stopping tolerance of every fit (see
        :class:`~sklearn_bce.BCELogisticClassifier`).

    max_iter : int, default=100
        Maximum number of solver iterations of every fit; 0 keeps every fit at
        its starting point, with a ``ConvergenceWarning`` (see
        :class:`~sklearn_bce.BCELogisticClassifier`).

    class_weight : dict or 'balanced', default=None
        As in :class:`~sklearn_bce.BCELogisticClassifier`; ``'balanced'`` weights
        are computed on each fold's training part, as a
        :class:`~sklearn.model_selection.GridSearchCV` fit would.

    n_jobs : int, default=None
        Number of paths (folds times ``l1_ratios``) fitted at once, in threads;
        None means 1 unless in a :obj:`joblib.parallel_backend` context, -1 all
        the processors. With more than one, each fit evaluates its objective in
        one thread; otherwise as the estimator's ``n_jobs=None``.

    verbose : int, default=0
        Verbosity of the solvers.

    refit : bool, default=True
        If True, each problem is refitted on all the data with its chosen ``C``
        and ``l1_ratio``, as ``BCELogisticClassifier(C=C_, l1_ratio=l1_ratio_)``
        would fit it (from the same starting point, whatever the folds).
        If False, its coefficients are the mean over the folds of each fold's
        best coefficients, and ``C_`` and ``l1_ratio_`` the mean of each fold's
        best values, as in ``LogisticRegressionCV``.

    random_state : int, RandomState instance or None, default=None
        Seed of ``solver='sgd'`` (the other solvers are deterministic). It does
        not shuffle the folds: pass a splitter as ``cv`` for that.

    {constraint_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes (``arange(n_labels)`` for a multilabel target).

    coef_ : ndarray of shape (n_problems, n_features)
        Coefficients of the binary problems: one row for a binary target, one
        per class (one-vs-rest) or label otherwise.

    intercept_ : ndarray of shape (n_problems,)
        Intercepts.

    Cs_ : ndarray of shape (n_cs,)
        The values of ``C`` tried.

    l1_ratios_ : ndarray of shape (n_l1_ratios,)
        The values of ``l1_ratio`` tried; ``[0.0]`` for ``l1_ratios=None``
        (where ``LogisticRegressionCV`` has ``[None]``).

    C_ : ndarray of shape (n_problems,)
        The chosen ``C`` of each problem (shape ``(1,)`` for a binary target).

    l1_ratio_ : ndarray of shape (n_problems,)
        The chosen ``l1_ratio`` of each problem.

    scores_ : dict of ndarray of shape (n_folds, n_cs, n_l1_ratios)
        The held-out scores of every fold, ``C`` and ``l1_ratio``, keyed by
        class as in ``LogisticRegressionCV``: one key per binary problem, its
        own scores under each (the class of a one-vs-rest problem, the label's
        index in ``classes_`` for a multilabel target, ``classes_[1]`` alone for
        a binary target). Shape ``(n_folds, n_cs)`` for ``l1_ratios=None``.

    coefs_paths_ : dict of ndarray of shape (n_folds, n_cs, n_l1_ratios, \
            n_features + fit_intercept)
        The coefficients of every fit of the paths, the intercept last, keyed
        as ``scores_``. Shape ``(n_folds, n_cs, n_features + fit_intercept)``
        for ``l1_ratios=None``.

    n_iter_ : ndarray of shape (n_problems, n_folds, n_cs, n_l1_ratios)
        The solver's iterations of every fit of the paths, in the order of the
        keys of ``scores_``. Shape ``(n_problems, n_folds, n_cs)`` for
        ``l1_ratios=None``.

    cv_scores_ : ndarray of shape (n_folds, n_l1_ratios, n_cs, n_problems)
        ``scores_`` stacked in one array, the problems last.

    cv_coefs_paths_ : ndarray of shape (n_folds, n_l1_ratios, n_cs, \
            n_problems, n_features + fit_intercept)
        ``coefs_paths_`` stacked in one array (the layout of
        ``LogisticRegressionCV(use_legacy_attributes=False).coefs_paths_``).

    cv_n_iter_ : ndarray of shape (n_folds, n_l1_ratios, n_cs, n_problems)
        ``n_iter_`` in the layout of ``cv_scores_``.

    solver_ : str or None
        The solver of the refit (None with ``refit=False``).

    multilabel_ : bool
        Whether the target was a multilabel indicator matrix.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has feature names that
        are all strings.

    See Also
    --------
    BCELogisticClassifier : The estimator with a given ``C``.
    bce_path : The coefficients of a path of ``C``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_bce import BCELogisticClassifierCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> search = BCELogisticClassifierCV(Cs=8, l1_ratios=[1.0])
    >>> model = make_pipeline(StandardScaler(), search).fit(X, y)
    >>> search.C_
    array([0.26826958])
    >>> int((search.coef_ != 0).sum())
    10
    >>> search.scores_[1].shape  # class 1's scores: (folds, Cs, l1_ratios)
    (5, 8, 1)
    >>> search.cv_scores_.shape  # all in one: (folds, l1_ratios, Cs, problems)
    (5, 1, 8, 1)
    """

    _parameter_constraints: dict = {
        **{
            key: BCELogisticClassifier._parameter_constraints[key]
            for key in (
                "fit_intercept", "class_weight", "tol", "max_iter", "random_state",
                "verbose",
            )
        },
        "Cs": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "l1_ratios": ["array-like", None],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "solver": [StrOptions({"auto", *SOLVERS})],
        "n_jobs": [Integral, None],
        "refit": ["boolean"],
        **CONSTRAINT_PARAMETERS,
    }

    def __init__(
        self,
        *,
        Cs=10,
        l1_ratios=(0.0,),
        fit_intercept=True,
        cv=None,
        scoring=None,
        solver="auto",
        tol=1e-5,
        max_iter=100,
        class_weight=None,
        n_jobs=None,
        verbose=0,
        refit=True,
        random_state=None,
        penalty_factor=None,
        lower_bounds=None,
        upper_bounds=None,
    ):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.refit = refit
        self.random_state = random_state
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **params):
        """Fit the paths of every fold, choose the penalties, and refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, in memory (NumPy arrays, CSR/CSC matrices, data
            frames); float32 data are fitted in float32.

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the fits. With the default ``scoring`` they
            also weigh the held-out scores (an integer weight then counts a
            sample that many times in the whole search); a ``scoring`` given by
            the user receives them only when routed (metadata routing, with
            the scorer's ``set_score_request(sample_weight=True)``), as in
            ``LogisticRegressionCV``.

        **params : dict
            Metadata for the splitter (``groups``, ...) and the scorer, with
            metadata routing enabled (``sklearn.set_config(
            enable_metadata_routing=True)``).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _raise_for_params(params, self, "fit")
        with restored_on_error(self):
            return self._fit(X, y, sample_weight, params)

    def _fit(self, X, y, sample_weight, params):
        if is_dask_collection(X):
            raise TypeError(
                "BCELogisticClassifierCV fits in-memory data (NumPy, SciPy "
                "sparse, data frames), not dask collections. Choose C on a "
                "sample in memory, or fit BCELogisticClassifier on the cluster "
                "for each C."
            )
        check_namespace(X, "fit", owner=type(self).__name__)
        check_constraints(self)
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32], multi_output=True,
        )
        multilabel, classes, y = check_targets(y)
        sample_weight = validate_sample_weight(sample_weight, X.shape[0])
        l1_ratios = self._check_l1_ratios()
        Cs = c_grid(self.Cs)
        routed = self._routed(sample_weight, params)
        folds = list(
            check_cv(self.cv, y, classifier=True).split(X, y, **routed.splitter.split)
        )
        inner_jobs = 1 if effective_n_jobs(self.n_jobs) > 1 else None
        template = self._template(inner_jobs)
        scorer = self._get_scorer()
        score_params = dict(routed.scorer.score)
        if self.scoring is None and sample_weight is not None:
            # the default score, as LogisticRegressionCV's, is weighted
            score_params.setdefault("sample_weight", sample_weight)
        runs = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_fold_path)(
                template, X, y, sample_weight, classes, multilabel, train, test,
                Cs, l1_ratio, scorer,
                _check_method_params(X, score_params, indices=test),
            )
            for train, test in folds
            for l1_ratio in l1_ratios
        )
        shape = (len(folds), l1_ratios.size)
        scores = np.stack([run.scores for run in runs]).reshape(
            *shape, *runs[0].scores.shape
        )
        paths = np.stack([run.paths for run in runs]).reshape(
            *shape, *runs[0].paths.shape
        )
        n_iter = np.stack([run.n_iter for run in runs]).reshape(
            *shape, *runs[0].n_iter.shape
        )
        self.Cs_, self.l1_ratios_ = Cs, l1_ratios
        self.cv_scores_, self.cv_coefs_paths_ = scores, paths
        self.cv_n_iter_ = n_iter
        self._set_per_class_paths(classes, multilabel)
        if self.refit:
            self._refit(X, y, sample_weight, classes, multilabel)
        else:
            self._average_folds(X.dtype, classes, multilabel)
        return self

    # ------------------------------------------------------------ the pieces
    def _check_l1_ratios(self):
        if self.l1_ratios is None:
            return np.zeros(1)
        values = np.asarray(self.l1_ratios, dtype=np.float64).ravel()
        if values.size == 0 or np.isnan(values).any() or (
            (values < 0) | (values > 1)
        ).any():
            raise ValueError(
                "l1_ratios must hold at least one value, each in [0, 1], got "
                f"{np.asarray(self.l1_ratios).tolist()!r}."
            )
        if (values > 0).any() and self.solver in ("lbfgs", "newton-cholesky"):
            raise ValueError(
                f"l1_ratios={values.tolist()!r} has values above 0, which need "
                f"solver='cd', 'sgd' or 'auto': solver={self.solver!r} only "
                "handles the (smooth) L2 penalty."
            )
        return values

    def _template(self, n_jobs):
        """The estimator whose settings every fit of the search uses."""
        return BCELogisticClassifier(
            fit_intercept=self.fit_intercept, class_weight=self.class_weight,
            tol=self.tol, max_iter=self.max_iter, solver=self.solver,
            random_state=self.random_state, verbose=self.verbose, n_jobs=n_jobs,
            penalty_factor=self.penalty_factor, lower_bounds=self.lower_bounds,
            upper_bounds=self.upper_bounds,
        )

    def _get_scorer(self):
        if self.scoring is None:
            # The default score is weighted by sample_weight, with metadata
            # routing too: a copy of bce_scorer that requests the weights.
            with config_context(enable_metadata_routing=True):
                return copy.deepcopy(bce_scorer).set_score_request(
                    sample_weight=True
                )
        return get_scorer(self.scoring)

    def _routed(self, sample_weight, params):
        if _routing_enabled():
            return process_routing(self, "fit", sample_weight=sample_weight, **params)
        return Bunch(splitter=Bunch(split={}), scorer=Bunch(score={}))

    def _set_per_class_paths(self, classes, multilabel):
        """``scores_``, ``coefs_paths_`` and ``n_iter_`` as LogisticRegressionCV's.

        Dicts keyed by the class of each binary problem (``classes_[1]`` alone
        for a binary target), each value laid out ``(n_folds, n_cs,
        n_l1_ratios[, n_dof])``, and ``n_iter_`` ``(n_problems, n_folds, n_cs,
        n_l1_ratios)``; without the ``l1_ratios`` axis for ``l1_ratios=None``.
        The values are views of the stacked ``cv_*`` arrays.
        """
        binary = classes.size == 2 and not multilabel
        keys = classes[1:] if binary else classes
        scores = self.cv_scores_.transpose(3, 0, 2, 1)  # (K, folds, Cs, l1)
        paths = self.cv_coefs_paths_.transpose(3, 0, 2, 1, 4)
        n_iter = self.cv_n_iter_.transpose(3, 0, 2, 1)
        if self.l1_ratios is None:
            scores, paths, n_iter = scores[..., 0], paths[..., 0, :], n_iter[..., 0]
        self.scores_ = dict(zip(keys, scores, strict=True))
        self.coefs_paths_ = dict(zip(keys, paths, strict=True))
        self.n_iter_ = n_iter

    def _best(self):
        """Per problem: index of the best (l1_ratio, C) by mean held-out score."""
        mean = np.nan_to_num(self.cv_scores_.mean(axis=0), nan=-np.inf)
        n_l1, n_cs, K = mean.shape
        flat = mean.reshape(n_l1 * n_cs, K).argmax(axis=0)
        return np.unravel_index(flat, (n_l1, n_cs))

    def _refit(self, X, y, sample_weight, classes, multilabel):
        best_l1, best_c = self._best()
        self.C_ = self.Cs_[best_c]
        self.l1_ratio_ = self.l1_ratios_[best_l1]
        template = self._template(None)
        data = in_memory_data(template, X, y, sample_weight, classes, multilabel)
        objective = make_objective(template, data.backend, self.C_, self.l1_ratio_)
        name = chosen_solver(self, objective)
        start = objective.project(objective.initial_point(prior=name != "sgd"))
        theta, result = run_solver(template, objective, name, start, data)
        W, b = objective.to_coef(theta)
        set_coef(self, W, b, classes, multilabel, X.dtype)
        self.solver_ = ran_solvers(name, result)

    def _average_folds(self, dtype, classes, multilabel):
        scores = np.nan_to_num(self.cv_scores_, nan=-np.inf)
        n_folds, n_l1, n_cs, K = scores.shape
        flat = scores.reshape(n_folds, n_l1 * n_cs, K).argmax(axis=1)
        best_l1, best_c = np.unravel_index(flat, (n_l1, n_cs))  # (n_folds, K)
        folds, problems = np.arange(n_folds)[:, None], np.arange(K)[None, :]
        chosen = self.cv_coefs_paths_[folds, best_l1, best_c, problems].mean(axis=0)
        self.C_ = self.Cs_[best_c].mean(axis=0)
        self.l1_ratio_ = self.l1_ratios_[best_l1].mean(axis=0)
        d = self.n_features_in_
        b = chosen[:, d] if self.fit_intercept else np.zeros(K)
        set_coef(self, chosen[:, :d], b, classes, multilabel, dtype)
        self.solver_ = None

    # ----------------------------------------------------------- scoring API
    def score(self, X, y, sample_weight=None, **score_params):
        """Score of the fitted model on ``(X, y)`` with ``scoring``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights of the score.
        **score_params : dict
            Metadata for the scorer, with metadata routing enabled.

        Returns
        -------
        score : float
            The score of ``scoring`` (by default minus the binary
            cross-entropy; higher is better).
        """
        _raise_for_params(score_params, self, "score")
        if sample_weight is not None:
            score_params["sample_weight"] = sample_weight
        if _routing_enabled():
            params = process_routing(self, "score", **score_params).scorer.score
        else:
            params = {}
            if score_params.get("sample_weight") is not None:
                params["sample_weight"] = score_params["sample_weight"]
        return self._get_scorer()(self, X, y, **params)

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        ``sample_weight`` is consumed by ``fit``; ``groups`` and the like go to
        the splitter, and requested metadata to the scorer.

        Returns
        -------
        routing : MetadataRouter
            The routing information.
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                splitter=check_cv(self.cv),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
            .add(
                scorer=self._get_scorer(),
                method_mapping=MethodMapping()
                .add(caller="score", callee="score")
                .add(caller="fit", callee="score"),
            )
        )


def _fold_path(
    template, X, y, sample_weight, classes, multilabel, train, test, Cs, l1_ratio,
    scorer, score_params,
):
    """Fit one fold's path and score each of its fits on the held-out part."""
    sw = None if sample_weight is None else sample_weight[train]
    data = in_memory_data(template, X[train], y[train], sw, classes, multilabel)
    path = fit_path(template, data, Cs, l1_ratio)
    n_cs, K, d = path.coefs.shape
    X_test, y_test = X[test], y[test]
    if hasattr(y_test, "toarray"):
        y_test = y_test.toarray()
    scores = np.empty((n_cs, K))
    for k in range(K):
        if K == 1 and not multilabel:
            view_classes, y_k = classes, y_test
        else:
            target = y_test[:, k] if multilabel else y_test == classes[k]
            view_classes, y_k = np.array([0, 1]), np.asarray(target, dtype=int)
        for c in range(n_cs):
            view = _binary_view(
                path.coefs[c, k], path.intercepts[c, k], view_classes, X.dtype
            )
            scores[c, k] = scorer(view, X_test, y_k, **score_params)
    paths = path.coefs
    if template.fit_intercept:
        paths = np.concatenate([paths, path.intercepts[:, :, None]], axis=2)
    return Bunch(scores=scores, paths=paths, n_iter=path.n_iter)


def _binary_view(w, b, classes, dtype):
    """A fitted binary estimator with coefficients ``w`` and intercept ``b``."""
    view = BCELogisticClassifier()
    view.n_features_in_ = w.size
    set_coef(view, w[None, :], np.array([b]), classes, False, dtype)
    return view
