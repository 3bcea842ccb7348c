"""The estimator: parameters, validation, target encoding, solver dispatch, predict."""

from __future__ import annotations

import functools
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._loss import LinearBCE, _nbytes, log_sigmoid
from ._solvers import lbfgs, newton_cholesky, sgd
from ._solvers._base import warn_not_converged
from ._solvers.sgd import LEARNING_RATES, sgd_partial_fit, start_stream

_SOLVERS = {
    "auto": None,  # chosen per fit, see _auto_solver
    "lbfgs": lbfgs,
    "newton-cholesky": newton_cholesky,
    "sgd": sgd,
}
#: ``solver='auto'`` takes Newton's method while the Hessian of one problem costs
#: at most this many multiply-adds (about a millisecond) and those of all problems
#: ten times that, and L-BFGS above. Below, a fit takes a few tens of milliseconds
#: whichever solver runs, and Newton's method converges at default settings
#: however ill-conditioned the data; above, L-BFGS's cheaper iterations pay.
_NEWTON_WORK = 1e7


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
    solved together (one pass over ``X`` serves every class, and each class stops
    on its own tolerance). ``predict_proba`` divides the per-class sigmoids by
    their sum, as :class:`sklearn.multiclass.OneVsRestClassifier` does; it is not a
    softmax. A multilabel indicator matrix ``y`` of shape (n_samples, n_labels)
    fits one independent BCE problem per label, with per-label probabilities.

    Parameters
    ----------
    C : float, default=1.0
        Inverse of the L2 regularisation strength, on the scale of
        ``LogisticRegression``: smaller values mean stronger regularisation.
        ``np.inf`` means no penalty; on linearly separable data the loss then has
        no minimum, and the fit warns (``ConvergenceWarning``).

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

    tol : float, default=1e-5
        Stopping tolerance: the L-BFGS and Newton solvers stop when the largest
        absolute entry of the objective's gradient, taken with respect to
        internally standardised features, is at most ``tol``. The default is ten
        times tighter than ``LogisticRegression``'s because it is cheap here:
        fits at the default reach the optimum to about 1e-6 relative, on raw,
        one-hot or sparse data alike. On standardised data, ``tol=1e-4`` is the
        stopping rule of ``LogisticRegression``. With several classes, each
        one-vs-rest problem stops on its own, its gradient tolerance multiplied by
        ``4 p (1 - p)``, with ``p`` its weighted fraction of positive samples, so
        that a rare class's logits are fitted as accurately as a common one's.
        The SGD solver stops on the same gradient test, or after
        ``n_iter_no_change`` epochs that each fail to lower the objective by more
        than ``tol`` times its value (see ``n_iter_no_change``).

    max_iter : int, default=100
        Maximum number of solver iterations; for ``solver='sgd'``, of epochs
        (passes over the data).

    solver : {'auto', 'lbfgs', 'newton-cholesky', 'sgd'}, default='auto'
        Algorithm used to minimise the objective; all minimise the same objective
        in the same internally centred and rescaled coordinates, so they reach
        the same optimum. ``solver_`` tells which one ran.

        - ``'auto'``: ``'newton-cholesky'`` while the Hessian of one class
          costs at most 1e7 multiply-adds (``n_samples * n_features**2``; for
          CSR input the sum of squared row lengths), those of all classes 1e8,
          and they take little memory next to ``X``; ``'lbfgs'`` otherwise, for
          CSC input and on dask input.
        - ``'newton-cholesky'``: Newton's method with the exact Hessian and a
          Cholesky solve; a few iterations whatever the conditioning of the
          data, each costing about ``n_samples * n_features**2`` per class. Not
          available on dask input.
        - ``'lbfgs'``: :func:`scipy.optimize.minimize` with
          ``method='L-BFGS-B'``; each iteration is a pass over all the data, and
          ill-conditioned data need more of them.
        - ``'sgd'``: mini-batch stochastic gradient descent (see
          ``learning_rate``), a few epochs over the data. Choose it for data
          that arrive in chunks or do not fit in memory (:meth:`partial_fit`),
          for the elastic net (``l1_ratio``), and for very many samples.

    warm_start : bool, default=False
        When True, ``fit`` starts from the solution of the previous call to
        ``fit`` or ``partial_fit``. The classes and the number of features must be
        the same as in that call.

    random_state : int, RandomState instance or None, default=None
        Seed of the shuffles, the curvature estimate and the validation split of
        the SGD solver: the same seed gives the same coefficients. The other
        solvers are deterministic and do not use it.

    verbose : int, default=0
        Values above 0 print the solver's progress.

    learning_rate : {'auto', 'constant', 'optimal', 'invscaling', 'adaptive'}, \
            default='auto'
        Step-size rule of the SGD solver (only used when ``solver='sgd'``); ``t``
        counts mini-batch steps from 1.

        - ``'auto'``: variance-reduced epochs (SVRG). Each epoch computes the
          full gradient ``mu`` at its starting point ``w_s`` (the same pass gives
          the objective, recorded in ``loss_curve_``), then steps along
          ``g_B(w) - g_B(w_s) + mu`` for mini-batches ``B``: an unbiased gradient
          estimate whose noise vanishes at the optimum, so the iterates converge
          to the exact optimum of ``'lbfgs'``. The step of each class in an
          epoch is ``1 / L``, ``L`` the largest curvature (Hessian eigenvalue) of
          its objective at ``w_s``, estimated from a few gradient differences; an
          epoch that does not lower the objective is undone and the step halved.
          An epoch thus costs about two passes over the data, and no tuning is
          needed on standardised data. In :meth:`partial_fit` the anchor is the
          chunk's gradient, the step decays as ``eta0 / (1 + alpha * eta0 * t)``
          and the iterates are averaged over the stream.
        - ``'constant'``: plain SGD with step ``eta0``.
        - ``'optimal'``: plain SGD with step ``1 / (alpha * (t0 + t))``,
          ``t0 = 1 / (alpha * eta0)``, where ``alpha = 1 / (C * S)`` is the L2
          strength per unit of sample weight (``S`` the total sample weight);
          needs a finite ``C``.
        - ``'invscaling'``: plain SGD with step ``eta0 / t ** power_t``.
        - ``'adaptive'``: plain SGD with step ``eta0``, divided by 5 each time
          ``n_iter_no_change`` epochs in a row fail to lower the objective by
          ``tol`` times its value; a class stops when its step would fall below
          1e-6.

        Plain SGD approaches the optimum only as fast as its steps decay; use
        ``average`` with it.

    eta0 : float or 'auto', default='auto'
        Initial step of the SGD solver (only used when ``solver='sgd'``).
        ``'auto'`` is ``1 / L``, ``L`` the largest eigenvalue of the Hessian of
        the objective at the starting point (estimated from a few gradient
        differences on at most 1024 rows), a step that is safe on any data. With
        ``learning_rate='auto'`` in ``fit``, a number is an upper bound on the
        steps, which otherwise follow the curvature.

    power_t : float, default=0.5
        Exponent of ``learning_rate='invscaling'``.

    batch_size : int or 'auto', default='auto'
        Rows per mini-batch of the SGD solver. ``'auto'``: the whole data set (or
        chunk) up to 32 rows, so that every step is an exact gradient step;
        otherwise about 32 batches per epoch, at most 1024 rows each.

    shuffle : bool, default=True
        Whether the SGD solver visits the rows in a new random order every epoch;
        otherwise the mini-batches are contiguous slices in the order of the data.

    average : bool or int, default=False
        Polyak-Ruppert averaging for the plain SGD schedules: the coefficients are
        the mean of the iterates, from the first step (True) or once that many
        samples have been seen in total (an int). It removes most of the noise of
        plain SGD. ``learning_rate='auto'`` does not use it (in ``fit`` variance
        reduction already removes the noise; :meth:`partial_fit` always averages).

    n_iter_no_change : int, default=5
        The SGD solver stops a class after this many consecutive epochs that each
        fail to lower its objective (its validation loss, with ``early_stopping``)
        below the best value so far by more than ``tol`` times that value. With
        ``learning_rate='auto'``, an epoch whose step proved too long (undone
        because it raised the objective by more than ``tol`` times its value) is
        not counted.

    early_stopping : bool, default=False
        Whether ``fit`` with the SGD solver holds out a stratified fraction
        ``validation_fraction`` of the training data and stops a class when its
        mean binary cross-entropy on it stops improving (see
        ``n_iter_no_change``); each class then keeps its coefficients of its best
        epoch. The held-out rows are not used for fitting. :meth:`partial_fit`
        does not use it.

    validation_fraction : float, default=0.1
        Fraction of the training data held out when ``early_stopping=True``,
        stratified by class.

    l1_ratio : float, default=0.0
        Elastic-net mixing, only available with ``solver='sgd'`` (the other
        solvers raise an error for a non-zero value). The penalty becomes
        ``((1 - l1_ratio) / 2 * ||w||^2 + l1_ratio * ||w||_1) / (C * S)``, the
        elastic net of ``LogisticRegression(l1_ratio=l1_ratio)`` on the scale of
        ``C``. The L1 part is handled by proximal (soft-thresholding) steps, so
        coefficients can be exactly zero.

    stream_size : float, default=None
        Only used by :meth:`partial_fit`: the total sample weight (the number of
        samples, with unit weights) of the data that the calls go through. The
        objective scales its penalty by the total weight ``S`` of the data, which a
        stream cannot know; with ``stream_size=n``, several passes over chunks of
        ``n`` samples minimise the objective that ``fit`` minimises on all of
        them. None uses the weight seen so far: one pass over a stream minimises
        the objective of all the data seen, but further passes over the same
        chunks count them again and weaken the penalty.

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
        Number of solver iterations for each binary problem: each problem stops
        on its own tolerance, as in ``OneVsRestClassifier``. For the SGD solver,
        the number of epochs (one per :meth:`partial_fit` call, counted over the
        calls).

    solver_ : str
        The solver that ran: ``solver``, or the one ``solver='auto'`` chose.

    multilabel_ : bool
        Whether the model was fitted on a multilabel indicator matrix; then
        ``classes_`` is ``arange(n_labels)``, ``predict`` returns an indicator
        matrix and ``predict_proba`` the per-label probabilities (rows do not sum
        to one).

    loss_curve_ : list of float
        Only with ``solver='sgd'``: the objective (summed over the binary
        problems) after each epoch; for :meth:`partial_fit`, on the chunk of each
        call.

    validation_loss_curve_ : list of float or None
        Only with ``solver='sgd'``: with ``early_stopping=True``, the mean binary
        cross-entropy on the held-out data after each epoch (summed over the
        binary problems); None otherwise.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The same objective in scikit-learn.
    sklearn.linear_model.SGDClassifier : Stochastic gradient descent with a
        per-sample penalty ``alpha``; ``alpha = 1 / (C * n_samples)`` is the same
        objective.
    sklearn_bce.binary_cross_entropy : The loss as a metric.

    Notes
    -----
    **Choosing the solver.** The default ``solver='auto'`` takes Newton's method
    (``'newton-cholesky'``) on small and moderate problems, where it converges in
    a few iterations even on unscaled, collinear or nearly separable data (raw
    ``load_breast_cancer``: 8 iterations, where ``LogisticRegression()`` stops at
    ``max_iter`` with a warning), and ``'lbfgs'`` on large ones, where its cheap
    iterations (a few tens of passes over the data) win. ``solver='sgd'`` is the
    choice for data that come in chunks or do not
    fit in memory (:meth:`partial_fit`) and for the elastic net; with its default
    ``learning_rate='auto'`` it needs no tuning and reaches the optimum in a few
    to a few tens of epochs, so it also suits very many samples. Both minimise
    exactly the objective above: switching solver changes the path, not the
    answer. Unlike :class:`sklearn.linear_model.SGDClassifier`, whose default
    stops well above the optimum, the SGD solver stops on the gradient test of
    L-BFGS, or when its progress stalls (``n_iter_no_change``).

    **Streaming.** ``partial_fit`` makes one epoch over the chunk it is given;
    ``classes`` must be passed on the first call. Pass ``stream_size`` to make
    several passes over chunks converge to the optimum of ``fit`` on all of them.

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

    Stochastic gradient descent reaches the same optimum:

    >>> sgd = make_pipeline(
    ...     StandardScaler(), BCELogisticClassifier(solver="sgd", random_state=0)
    ... ).fit(X, y)
    >>> round(sgd.score(X, y), 3)
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
        "learning_rate": [StrOptions(set(LEARNING_RATES))],
        "eta0": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "shuffle": ["boolean"],
        "average": [Interval(Integral, 0, None, closed="left"), "boolean"],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "stream_size": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        C=1.0,
        *,
        fit_intercept=True,
        class_weight=None,
        tol=1e-5,
        max_iter=100,
        solver="auto",
        warm_start=False,
        random_state=None,
        verbose=0,
        learning_rate="auto",
        eta0="auto",
        power_t=0.5,
        batch_size="auto",
        shuffle=True,
        average=False,
        n_iter_no_change=5,
        early_stopping=False,
        validation_fraction=0.1,
        l1_ratio=0.0,
        stream_size=None,
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
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.average = average
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.l1_ratio = l1_ratio
        self.stream_size = stream_size

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags

    # ---------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model by minimising the regularised binary cross-entropy.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array, dask DataFrame} of shape \
                (n_samples, n_features)
            Training data, never copied: float32 data is fitted in float32, C- and
            F-ordered arrays and CSR/CSC matrices are used as they are. The fit
            needs little memory beyond ``X`` (a quarter of its size at most on
            typical data); CSC input also holds one (n_samples, n_classes) array
            of logits, which CSR input avoids. A dask collection is fitted on the
            dask.distributed cluster of the current client without gathering it;
            its classes, weights and NaN / infinity checks are computed there, in
            the passes over the data that precede the first solver iteration (see
            the "dask" page of the user guide).

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (any hashable type with at least two distinct values), or
            a multilabel indicator matrix of 0/1 (one independent binary problem
            per column). A dask array or Series of labels when ``X`` is a dask
            collection.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; an integer weight counts a sample that many times.
            As in ``LogisticRegression``, multiplying all weights by ``k`` acts
            like multiplying ``C`` by ``k``. May be a dask array or Series when ``X``
            is a dask collection.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if self.l1_ratio > 0 and self.solver != "sgd":
            raise ValueError(
                f"l1_ratio={self.l1_ratio!r} needs solver='sgd': solver="
                f"{self.solver!r} only handles the (smooth) L2 penalty. Set "
                "solver='sgd', or l1_ratio=0."
            )
        if _is_dask_collection(X):
            from ._dask import fit as dask_fit

            return dask_fit(self, X, y, sample_weight)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            multi_output=True,
        )
        multilabel, classes, y = _check_targets(y)
        sample_weight = _validate_sample_weight(sample_weight, X)
        Y, sw = self._encode_targets(y, classes, multilabel, sample_weight)
        self._reset_sgd_state()
        if self.solver == "sgd":
            return self._fit_sgd(X, y, Y, sw, classes, multilabel)

        objective = LinearBCE(
            X, Y, sample_weight=sw, C=self.C, fit_intercept=self.fit_intercept
        )
        del Y  # the objective keeps the targets (as signs)
        with _kernel_threads(objective):
            self._solve_objective(objective, classes, X.dtype, multilabel)
        if not np.isfinite(self.C):
            positive = objective.signs < 0
            _warn_if_separable(X, positive, sw, self.coef_, self.intercept_)
        return self

    def _solve_objective(self, objective, classes, dtype, multilabel=False):
        """Run the solver on a built objective and set the fitted attributes."""
        _warn_if_single_valued(objective, classes, multilabel)
        theta0 = self._initial_theta(objective, classes, multilabel, prior=True)
        name = _auto_solver(objective) if self.solver == "auto" else self.solver
        if name == "newton-cholesky" and not objective.has_hessian:
            raise ValueError(
                "solver='newton-cholesky' is not available for dask input; use "
                "solver='auto' or 'lbfgs' (or 'sgd')."
            )
        result = _SOLVERS[name](
            objective, theta0, tol=self.tol * objective.curvature_at_prior(),
            max_iter=self.max_iter, verbose=self.verbose,
        )
        if not result.converged:
            warn_not_converged(name, result, self.max_iter)
        self.solver_ = name

        W, b = objective.to_coef(result.x)
        self.multilabel_ = multilabel
        self.classes_ = classes
        self.coef_ = W.astype(dtype)
        self.intercept_ = b.astype(dtype)
        self.n_iter_ = np.asarray(result.n_iter, dtype=np.int32)
        return self

    def _encode_targets(self, y, classes, multilabel, sample_weight):
        """Return the 0/1 target matrix (int8) and the weights.

        The weights are None (uniform), an (n_samples,) array, or an
        (n_samples, K) array when every problem has its own class weights.
        """
        if multilabel:
            Y = np.asarray(y.toarray() if sp.issparse(y) else y, dtype=np.int8)
        elif classes.size == 2:
            Y = (y == classes[1]).astype(np.int8)[:, None]
        else:
            Y = (y[:, None] == classes[None, :]).astype(np.int8)
        if self.class_weight is not None and sample_weight is None:
            sample_weight = np.ones(y.shape[0])
        sw = sample_weight
        if isinstance(self.class_weight, dict) and multilabel:
            raise ValueError(
                "class_weight as a dict is not defined for multilabel targets; use "
                "class_weight='balanced' (each label balanced on its own) or "
                "sample_weight."
            )
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
                cols.append(sample_weight * cw[yk])
            sw = cols[0] if len(cols) == 1 else np.column_stack(cols)
        return Y, sw

    def _initial_theta(self, objective, classes, multilabel, prior=False):
        """Return the solver's starting point.

        The previous fit's coefficients when warm-starting; else zeros, with the
        intercepts at the classes' log-odds (the best constant model) when
        ``prior`` is True.
        """
        if self.warm_start and hasattr(self, "coef_"):
            if self.multilabel_ != multilabel or not np.array_equal(
                self.classes_, classes
            ):
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
        # In the solver's coordinates the intercept is the last entry of each
        # problem, and equals b while the coefficients are 0.
        T = np.zeros((objective.K, objective.n_coef))
        if prior and objective.fit_intercept:
            T[:, -1] = objective.prior_logit()
        return T.ravel()

    # ---------------------------------------------------------------- SGD
    def _reset_sgd_state(self):
        """Forget what a previous SGD fit or stream left on the estimator."""
        self._stream = None
        for name in ("loss_curve_", "validation_loss_curve_"):
            if hasattr(self, name):
                delattr(self, name)

    def _sgd_penalties(self, n_samples, sw, total_weight=None):
        """C of the L2 part for LinearBCE, and the L2 (alpha) and L1 strengths.

        ``alpha = 1 / (C * S_k)`` is the whole penalty's strength per unit of
        weight (``S_k`` the total weight of problem ``k``, or ``total_weight``);
        the L2 part gets ``1 - l1_ratio`` of it, the L1 part ``l1_ratio``.
        """
        rho = float(self.l1_ratio)
        if total_weight is not None:
            S = total_weight
        else:
            S = n_samples if sw is None else np.sum(sw, axis=0)
        alpha = np.atleast_1d(1.0 / (self.C * np.asarray(S, dtype=np.float64)))
        C_l2 = self.C / (1.0 - rho) if rho < 1 else np.inf
        return C_l2, alpha, (rho * alpha if rho > 0 else None)

    def _check_sgd_schedule(self):
        if self.learning_rate == "optimal" and not np.isfinite(self.C):
            raise ValueError(
                "learning_rate='optimal' needs a finite C: its steps "
                "1 / (alpha * (t0 + t)) use the L2 strength alpha = 1 / (C * S). "
                "Use another learning_rate with C=np.inf."
            )

    def _fit_sgd(self, X, y, Y, sw, classes, multilabel):
        """``fit`` with the SGD solver (after validation and target encoding)."""
        self._check_sgd_schedule()
        if sp.issparse(X) and X.format == "csc":
            X = X.tocsr()  # mini-batches are row slices
        validation = None
        if self.early_stopping:
            train, val = self._validation_split(y, sw, multilabel)
            X_val, Y_val = X[val], Y[val]
            X, Y = X[train], Y[train]
            sw_val, sw = (None, None) if sw is None else (sw[val], sw[train])
        C_l2, alpha, l1 = self._sgd_penalties(X.shape[0], sw)
        objective = LinearBCE(
            X, Y, sample_weight=sw, C=C_l2, fit_intercept=self.fit_intercept
        )
        if self.early_stopping:
            held_out = LinearBCE(
                X_val, Y_val, sample_weight=sw_val, C=np.inf,
                fit_intercept=self.fit_intercept, precondition=False,
            )

            def validation(theta):
                return held_out.data_term(*objective.to_coef(theta))[0]

        single_valued = _warn_if_single_valued(objective, classes, multilabel)
        theta0 = self._initial_theta(objective, classes, multilabel)
        result = sgd(
            objective, theta0, tol=self.tol,
            grad_tol=self.tol * objective.curvature_at_prior(),
            max_iter=self.max_iter,
            verbose=self.verbose, random_state=self.random_state,
            learning_rate=self.learning_rate, eta0=self.eta0, power_t=self.power_t,
            batch_size=self.batch_size, shuffle=self.shuffle, average=self.average,
            n_iter_no_change=self.n_iter_no_change, alpha=alpha, l1=l1,
            validation=validation,
        )
        if not result.converged:
            advice = "For solver='sgd', max_iter counts epochs."
            if single_valued:
                advice += _SINGLE_VALUED_ADVICE
            elif self.learning_rate != "auto":
                advice += (
                    " learning_rate='auto' reaches the optimum without tuning the "
                    "step sizes."
                )
            else:
                advice += (
                    " Little progress per epoch means ill-conditioned data: "
                    "strongly correlated features, or features of tiny variance "
                    "next to a weak penalty, which the solver's per-feature scaling "
                    "cannot undo. solver='lbfgs' copes with them; with "
                    "solver='sgd', increase max_iter; standardising features whose "
                    "scales differ widely (e.g. StandardScaler, which also changes "
                    "what the penalty acts on) helps too."
                )
            warn_not_converged("sgd", result, self.max_iter, advice)
        self._set_coef(objective, result.x, classes, multilabel, X.dtype)
        if not np.isfinite(self.C):
            _warn_if_separable(X, Y, sw, self.coef_, self.intercept_)
        self.n_iter_ = np.asarray(result.n_iter, dtype=np.int32)
        self.solver_ = "sgd"
        self.loss_curve_ = list(result.history)
        self.validation_loss_curve_ = (
            list(result.validation_history) if self.early_stopping else None
        )
        return self

    def _set_coef(self, objective, theta, classes, multilabel, dtype):
        W, b = objective.to_coef(theta)
        self.multilabel_ = multilabel
        self.classes_ = classes
        self.coef_ = W.astype(dtype)
        self.intercept_ = b.astype(dtype)

    def _validation_split(self, y, sw, multilabel):
        """Train/validation row indices for ``early_stopping``, stratified by class.

        Multilabel targets are split at random (label sets are not classes).
        """
        split = ShuffleSplit if multilabel else StratifiedShuffleSplit
        splitter = split(
            n_splits=1, test_size=self.validation_fraction,
            random_state=self.random_state,
        )
        try:
            train, val = next(splitter.split(np.zeros((y.shape[0], 1)), y))
        except ValueError as exc:
            raise ValueError(
                f"early_stopping=True could not hold out a stratified "
                f"validation_fraction={self.validation_fraction!r} of the "
                f"{y.shape[0]} samples: {exc} Use more samples, another "
                "validation_fraction, or early_stopping=False."
            ) from exc
        for part, rows in (("training", train), ("validation", val)):
            if sw is not None and not np.all(np.sum(sw[rows], axis=0) > 0):
                raise ValueError(
                    f"early_stopping=True: the sample weights of the {part} set "
                    "sum to zero. Use another random_state or validation_fraction, "
                    "or early_stopping=False."
                )
        return train, val

    def _check_partial_fit(self):
        if self.solver != "sgd":
            raise AttributeError(
                "partial_fit is only available with solver='sgd', not "
                f"solver={self.solver!r}."
            )
        return True

    @available_if(_check_partial_fit)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Make one SGD epoch over a chunk of data (streaming, out-of-core).

        Available with ``solver='sgd'``. Every call makes one pass in mini-batches
        over ``X`` (see ``learning_rate``), continuing from the previous call, or
        from a previous ``fit``. The coordinates, the step schedule, the averages
        and the random state carry over from call to call, so repeated passes
        over the chunks of a data set converge to the optimum of ``fit`` on all
        of it when ``stream_size`` is its total sample weight. No convergence
        test is made (``tol``, ``max_iter``, ``n_iter_no_change`` and
        ``early_stopping`` are not used) and no ``ConvergenceWarning`` is raised;
        ``learning_rate='adaptive'`` keeps its initial step (one epoch gives no
        signal to adapt on).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.

        y : array-like of shape (n_samples,)
            Target labels of the chunk; all of them must be in ``classes``.
            Multilabel targets are not supported.

        classes : array-like of shape (n_classes,), default=None
            All the classes of the stream. Required on the first call (a chunk
            need not contain every class), optional afterwards, where it must
            not change.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the chunk's samples.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        first_call = not hasattr(self, "classes_")
        if not first_call and self.multilabel_:
            raise ValueError(
                "partial_fit cannot continue a model fitted on multilabel targets; "
                "it takes 1-d class labels."
            )
        if first_call and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: a chunk "
                "need not contain every class of the stream."
            )
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: the class "
                "frequencies of the whole stream are not known. Compute them with "
                "sklearn.utils.class_weight.compute_class_weight and pass a dict."
            )
        self._check_sgd_schedule()
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32], reset=first_call,
        )
        check_classification_targets(y)
        if classes is not None:
            classes = np.unique(np.asarray(classes))
            if not first_call and not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"classes={classes.tolist()} differs from the classes of the "
                    f"previous calls, {self.classes_.tolist()}."
                )
        else:
            classes = self.classes_
        if classes.size < 2:
            raise ValueError(
                f"classes must hold at least 2 classes, got {classes.tolist()}."
            )
        unknown = np.setdiff1d(np.unique(y), classes)
        if unknown.size:
            raise ValueError(
                f"y contains labels that are not in classes: {unknown.tolist()}; "
                f"classes are {classes.tolist()}."
            )
        sample_weight = _validate_sample_weight(sample_weight, X)
        if sp.issparse(X) and X.format == "csc":
            X = X.tocsr()
        Y, sw = self._encode_targets(y, classes, False, sample_weight)

        stream = getattr(self, "_stream", None)
        weight_seen = 0.0 if stream is None else stream["weight_seen"]
        chunk_weight = float(X.shape[0] if sw is None else np.sum(sw))
        total = self.stream_size
        if total is None:
            total = weight_seen + chunk_weight
        C_l2, alpha, l1 = self._sgd_penalties(X.shape[0], sw, total)
        # The chunk's own LinearBCE scales the penalty by its weight: rescale C so
        # that the penalty per unit of weight is that of the whole stream.
        C_chunk = C_l2 * total / chunk_weight
        if stream is None:
            objective = LinearBCE(
                X, Y, sample_weight=sw, C=C_chunk, fit_intercept=self.fit_intercept
            )
            if first_call:
                theta0 = np.zeros(objective.n_params)
            else:  # continue from fit, or from the previous stream
                theta0 = objective.from_coef(self.coef_, self.intercept_)
            stream = {
                "preconditioner": (objective.shift, objective.scale),
                "state": start_stream(
                    objective, theta0, random_state=self.random_state,
                    eta0=self.eta0,
                    average=True if self.learning_rate == "auto" else self.average,
                ),
                "weight_seen": 0.0,
            }
        else:
            objective = LinearBCE(
                X, Y, sample_weight=sw, C=C_chunk, fit_intercept=self.fit_intercept,
                preconditioner=stream["preconditioner"],
            )
        theta, fun = sgd_partial_fit(
            objective, stream["state"], learning_rate=self.learning_rate,
            power_t=self.power_t, batch_size=self.batch_size, shuffle=self.shuffle,
            alpha=alpha, l1=l1,
        )
        stream["weight_seen"] = weight_seen + chunk_weight
        self._set_coef(objective, theta, classes, False, X.dtype)
        self._stream = stream
        # Epochs and objectives continue those of a previous SGD fit or call.
        if not hasattr(self, "loss_curve_"):
            self.loss_curve_ = []
            self.n_iter_ = np.zeros(objective.K, dtype=np.int32)
        self.n_iter_ = self.n_iter_ + 1
        self.solver_ = "sgd"
        self.loss_curve_.append(float(fun.sum()))
        self.validation_loss_curve_ = None
        return self

    # ---------------------------------------------------------------- predicting
    def objective(self, X, y, sample_weight=None):
        """Value of the regularised objective at the fitted coefficients.

        The quantity the fit minimises, evaluated on ``(X, y)``: the weighted mean
        binary cross-entropy of every one-vs-rest (or per-label) problem plus the
        L2 penalty ``||w||^2 / (2 C S)``, summed over the problems, with the same
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
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32],
            reset=False,
        )
        y = np.asarray(y.toarray() if sp.issparse(y) else y)
        if not self.multilabel_:
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            if unknown.size:
                raise ValueError(
                    f"y has labels the model was not fitted on: {unknown.tolist()}."
                )
        sample_weight = _validate_sample_weight(sample_weight, X)
        Y, sw = self._encode_targets(y, self.classes_, self.multilabel_, sample_weight)
        objective = LinearBCE(
            X, Y, sample_weight=sw, C=self.C, fit_intercept=self.fit_intercept,
            precondition=False,
        )
        return objective.loss(objective.from_coef(self.coef_, self.intercept_))

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
        return _labels(self.decision_function(X), self.classes_, self.multilabel_)

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
        return _log_proba(self.decision_function(X), self.multilabel_)

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
        return _proba(self.decision_function(X), self.multilabel_)


def _scores(X, coef, intercept):
    """Logits of validated ``X``: 1-d for one problem, (n_samples, K) otherwise."""
    Z = X @ coef.T.astype(X.dtype, copy=False)
    Z = np.asarray(Z) + intercept.astype(X.dtype, copy=False)
    return Z[:, 0] if Z.shape[1] == 1 else Z


def _labels(Z, classes, multilabel=False):
    """Predicted labels (an indicator matrix if multilabel) from the logits."""
    if Z.ndim == 1:
        return classes[(Z > 0).astype(np.intp)]
    if multilabel:
        return (Z > 0).astype(np.int64)
    return classes[np.argmax(Z, axis=1)]


def _log_proba(Z, multilabel=False):
    """Class (or per-label) log-probabilities from the logits of :func:`_scores`."""
    if Z.ndim == 1:
        return np.column_stack([log_sigmoid(-Z), log_sigmoid(Z)])
    if multilabel:
        return log_sigmoid(Z)
    return _ovr_log_proba(Z)


def _proba(Z, multilabel=False):
    """Class (or per-label) probabilities from the logits of :func:`_scores`."""
    if Z.ndim == 1:
        return np.column_stack([expit(-Z), expit(Z)])
    if multilabel:
        return expit(Z)
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


def _auto_solver(objective):
    """The solver ``solver='auto'`` runs on ``objective``.

    Newton's method while the Hessian of one problem costs at most
    ``_NEWTON_WORK`` multiply-adds, those of all problems ten times that, and
    they take at most 1/8 of ``X``'s size (or 1 MB); L-BFGS otherwise, for CSC
    input, and on objectives without Hessians (dask).
    """
    if not objective.has_hessian:
        return "lbfgs"
    X, K = objective.X, objective.K
    d = objective.n_features
    if sp.issparse(X):
        if X.format != "csr":
            return "lbfgs"
        lengths = np.diff(X.indptr).astype(np.float64)
        work = float(lengths @ lengths)
    else:
        work = float(X.shape[0]) * d * d
    hessian_bytes = 2 * 8 * K * (d + 1) ** 2
    cheap = work <= _NEWTON_WORK and K * work <= 10 * _NEWTON_WORK
    if cheap and hessian_bytes <= max(_nbytes(X) / 8, 1 << 20):
        return "newton-cholesky"
    return "lbfgs"


#: Fewest rows for which ``fit`` runs the kernel's row blocks on threads.
_THREADED_ROWS = 8192


@functools.cache
def _threadpool_controller():
    """Return the process's threadpoolctl controller, built once.

    Building one inspects the loaded libraries, which takes milliseconds.
    """
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def _kernel_threads(objective):
    """Spend the cores BLAS would use on whole row blocks of the kernel instead.

    ``LogisticRegression`` spends the machine's cores on multi-threaded BLAS
    products, while the element-wise part of each evaluation runs on one core.
    Here the row blocks of every evaluation (products and element-wise work)
    run concurrently on as many threads as BLAS was set to use, with BLAS itself
    limited to one thread for the duration of the fit. Results do not depend on
    thread timing (block sums are added in a fixed order).

    Data of fewer than ``_THREADED_ROWS`` rows are one or two blocks: there is
    nothing to run concurrently, and the set-up (a few milliseconds) would cost
    more than the fit of a small data set.
    """
    if objective.n_samples < _THREADED_ROWS:
        yield
        return
    blas = _threadpool_controller().select(user_api="blas")
    n_threads = max((lib["num_threads"] for lib in blas.info()), default=1)
    if n_threads <= 1:
        yield
        return
    with blas.limit(limits=1), ThreadPoolExecutor(n_threads) as executor:
        objective.executor, objective.n_threads = executor, n_threads
        try:
            yield
        finally:
            objective.executor, objective.n_threads = None, 1


def _warn_if_separable(X, Y, sample_weight, W, b):
    """Warn when, without a penalty, a problem's optimum lies at infinity.

    If the fitted logits classify every sample of positive weight correctly, the
    data of that problem are linearly separable: scaling the coefficients up
    lowers the loss forever, so there is no finite minimiser and the solver
    stopped at an arbitrary point on the way.
    """
    Z = np.asarray(X @ W.T.astype(X.dtype)) + b.astype(X.dtype)
    weighted = np.ones(Y.shape, dtype=bool)
    if sample_weight is not None:
        sw = np.asarray(sample_weight)
        weighted = np.broadcast_to((sw if sw.ndim == 2 else sw[:, None]) > 0, Y.shape)
    correct = np.where(Y == 1, Z > 0, Z < 0) | ~weighted
    separable = np.flatnonzero(correct.all(axis=0))
    if separable.size:
        norm = float(np.linalg.norm(W[separable], axis=1).max())
        warnings.warn(
            f"The data of problem(s) {separable.tolist()} are linearly separable: "
            "without a penalty (C=np.inf) the loss has no minimum, and the "
            f"coefficients only stopped growing (norm {norm:.3g}) because the "
            "solver stopped. Use a finite C to get a well-defined model.",
            ConvergenceWarning,
            stacklevel=3,
        )


_SINGLE_VALUED_ADVICE = (
    " Some binary problems see a single value of their target (see the warning "
    "above): they have no finite optimum to converge to."
)


def _warn_if_single_valued(objective, classes, multilabel):
    """Warn about problems whose target has one value among the weighted samples.

    With an intercept, such a problem's loss keeps falling as the intercept goes
    to infinity, so it has no finite minimiser: the fit then stops wherever the
    solver's tolerance is met, with a probability close to 0 or 1. Returns whether
    it warned.
    """
    if not objective.fit_intercept:
        return False
    p = objective.positive_fraction()
    never, always = np.flatnonzero(p <= 0), np.flatnonzero(p >= 1)
    if not (never.size or always.size):
        return False
    if multilabel:
        found = " and ".join(
            f"label(s) {idx.tolist()} {kind} positive"
            for idx, kind in ((never, "never"), (always, "always"))
            if idx.size
        )
        found = f"In y, {found} (counting samples of positive weight)"
    else:
        # problem k is "classes[k] against the rest" (binary: classes[1])
        absent = [classes[k + (classes.size == 2)] for k in never]
        if classes.size == 2 and always.size:
            absent.append(classes[0])
        found = (
            f"Class(es) {np.asarray(absent).tolist()} have no sample of positive "
            "weight"
        )
    warnings.warn(
        f"{found}: with fit_intercept=True, the loss of such a binary problem has "
        "no minimum (it keeps falling as the intercept goes to infinity), so its "
        "intercept stops where the solver's tolerance is met and its predicted "
        "probability is close to 0 or 1. Remove such labels or classes, or give "
        "them samples (or weight) of both values.",
        UserWarning,
        stacklevel=3,
    )
    return True


def _check_targets(y):
    """Classify the target: ``(multilabel, classes, y)`` with clear errors."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    if y.ndim == 2:
        kind = type_of_target(y)
        if kind != "multilabel-indicator":
            raise ValueError(
                "A 2-d y must be a multilabel indicator matrix (0/1 entries, one "
                f"column per label); got a target of type {kind!r}. Pass 1-d class "
                "labels for binary or multi-class problems."
            )
        values = np.unique(y.data if sp.issparse(y) else y)
        if not np.isin(values, (0, 1)).all():
            raise ValueError(
                "A 2-d y must be a multilabel indicator matrix (0/1 entries, one "
                f"column per label); got the values {values.tolist()}. Pass 1-d "
                "class labels for binary or multi-class problems."
            )
        return True, np.arange(y.shape[1]), y
    check_classification_targets(y)
    classes = np.unique(y)
    if classes.size < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but the "
            f"data contains only one class: {classes[0]!r}."
        )
    return False, classes, y


def _validate_sample_weight(sample_weight, X):
    """Float64 weights of shape (n_samples,) (None stays None), with clear errors."""
    if sample_weight is None:
        return None
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

