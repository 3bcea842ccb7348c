"""The estimator: its parameters and documentation, and the methods users call.

The work is done elsewhere: :mod:`~sklearn_bce._fit` (the one fit path, for every
backend), :mod:`~sklearn_bce._partial_fit` (streams), :mod:`~sklearn_bce._targets`
(targets and weights), :mod:`~sklearn_bce._predict` (predictions) and
:mod:`~sklearn_bce._statistics` (the objective and inference on data).
"""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if

from ._callbacks import CallbackSupport
from ._constraints import CONSTRAINT_PARAMETERS, check_constraints, document
from ._dispatch import PredictionMixin, prepare
from ._fit import (
    check_fit_parameters,
    check_sgd_schedule,
    fit,
    restored_on_error,
)
from ._partial_fit import partial_fit
from ._solvers import SOLVERS
from ._solvers.minibatch import LEARNING_RATES
from ._sparse_coef import SparseCoefMixin
from ._statistics import ModelStatisticsMixin

__all__ = ["BCELogisticClassifier"]


@document
class BCELogisticClassifier(
    CallbackSupport, SparseCoefMixin, ModelStatisticsMixin, PredictionMixin,
    ClassifierMixin, BaseEstimator,
):
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
        Stopping tolerance. A fit has converged when the largest absolute
        entry of the objective's gradient, taken with respect to internally
        standardised features, is at most ``tol``; nothing else counts as
        convergence, for every solver. A small gradient can still leave a gap
        where the objective is curved little (wide data with more features than
        samples, nearly separable classes, rare levels), so the solvers go on
        past it until their own estimate of the remaining decrease is small:
        L-BFGS while its quasi-Newton model predicts more than ``tol / 1000``
        of the objective, SGD while its last epoch lowered the objective by
        more than ``tol / 1000`` of it, Newton's method while its last step
        lowered it by more than ``tol`` times its value, and coordinate descent
        while its duality gap (a bound on the distance to the optimum) is above
        ``tol / 10`` times the objective. At the default, fits end within about
        1e-6 of the optimum, relative to the objective, and within 1e-5 where
        L-BFGS crawls (nearly separable classes with a weak penalty: 9e-6 on
        100 000 x 400 separable data at ``C=100``). A tenfold smaller ``tol``
        gives about a tenfold smaller gap. A solver
        that stops early without meeting ``tol`` (its steps no longer lower
        the objective, or they change the objective and its gradient by
        rounding only: the precision of the arithmetic, which float32 data
        reach at a larger gradient) warns with a ``ConvergenceWarning`` that
        names the tolerance it did reach; with ``solver='auto'``, Newton's
        method first takes over from L-BFGS where that is affordable (see
        ``solver``).
        On standardised data, ``tol=1e-4`` is the stopping rule of
        ``LogisticRegression``. With several classes, each
        one-vs-rest problem stops on its own, its gradient tolerance multiplied by
        ``4 p (1 - p)``, with ``p`` its weighted fraction of positive samples, so
        that a rare class's logits are fitted as accurately as a common one's.
        The coordinate-descent solver stops when the largest minimum-norm
        subgradient (the gradient, where the L1 part is not differentiable the
        part of it that the L1 part cannot cancel) meets the same test. The SGD
        solver stops on the same gradient test; see ``n_iter_no_change`` for
        what it does when its epochs stop making progress before.

    max_iter : int, default=100
        Maximum number of solver iterations; for ``solver='cd'``, of proximal
        Newton iterations; for ``solver='sgd'``, of epochs (see
        ``learning_rate``). Where ``solver='auto'`` hands L-BFGS over to
        Newton's method, both count towards it. A fit that reaches it before
        meeting ``tol`` (for L-BFGS, also one whose gradient met ``tol`` but
        whose model still predicts a decrease, see ``tol``) has not converged
        and warns (``ConvergenceWarning``). ``max_iter=0`` runs no solver, as
        for ``LogisticRegression``: the fit keeps the solver's starting point,
        that is zero coefficients (or the previous fit's with
        ``warm_start=True``) and intercepts at each problem's prior log-odds
        (0 for ``solver='sgd'``, which starts there), with ``n_iter_`` zeros and
        a ``ConvergenceWarning``.

    solver : {'auto', 'lbfgs', 'newton-cholesky', 'cd', 'sgd'}, default='auto'
        Algorithm used to minimise the objective; all minimise the same objective
        in the same internally centred and rescaled coordinates, so they reach
        the same optimum. ``solver_`` tells which one ran.

        - ``'auto'``: with ``l1_ratio > 0``, ``'cd'`` (``'sgd'`` on dask input
          and on array API input outside host memory, such as a GPU, where
          ``'cd'`` is not available). Otherwise
          ``'newton-cholesky'`` while the Hessian of one class
          costs at most 1e7 multiply-adds (``n_samples * n_features**2``; for
          CSR input the sum of squared row lengths), those of all classes
          1e8, and they take little memory next to ``X``; ``'lbfgs'`` otherwise,
          for CSC input and on dask input. Where L-BFGS has not converged after as
          many iterations as finishing with Newton's method is expected to
          cost in evaluations (20 to 50 for dense ``X``, at most
          ``max_iter // 2``), or stops early without meeting
          ``tol``, and the data offer Hessians whose expected cost fits in
          the evaluations ``max_iter`` leaves (at the default ``max_iter``:
          dense ``X`` of up to about 210 features), Newton's method finishes
          the fit from there (``solver_`` is then
          ``'lbfgs+newton-cholesky'``): data that defeat L-BFGS, such as
          categorical levels that a handful of rows take, still converge at
          the default ``max_iter``.
        - ``'newton-cholesky'``: Newton's method with the exact Hessian and a
          Cholesky solve; a few iterations whatever the conditioning of the
          data, each costing about ``n_samples * n_features**2`` per class. Not
          available on dask input.
        - ``'lbfgs'``: :func:`scipy.optimize.minimize` with
          ``method='L-BFGS-B'``; each iteration is a pass over all the data, and
          ill-conditioned data need more of them.
        - ``'cd'``: proximal Newton with coordinate descent on a working set
          (glmnet's algorithm), for ``l1_ratio > 0``: exact zeros, and a cost
          that follows the non-zero coefficients. Needs the columns of ``X`` in
          memory (not on dask input, nor on array API input outside host
          memory).
        - ``'sgd'``: mini-batch stochastic gradient descent (see
          ``learning_rate``). At its defaults it meets ``tol`` like the other
          solvers, in a few tens of epochs on standardised data; where its
          epochs stall before (see ``n_iter_no_change``), as the plain
          schedules do above the tolerance, it warns. Choose it for data
          that arrive in chunks or do not fit in memory (:meth:`partial_fit`),
          and for very many samples; it handles ``l1_ratio`` by proximal steps.

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

    n_jobs : int, default=None
        Number of threads of the in-memory evaluation of the objective (NumPy
        arrays, SciPy sparse matrices, and under array API dispatch the arrays
        of other namespaces in host memory) in the fits of ``'lbfgs'`` and
        ``'newton-cholesky'`` and in :meth:`covariance_matrix`. The threads run
        the row blocks of every evaluation while BLAS is held at one thread: in
        them only with MKL, in the whole process with OpenBLAS and the others.
        ``None`` means as many threads as BLAS is set to use (for example with
        ``threadpoolctl.threadpool_limits``); ``-1`` means all the CPUs
        (``joblib.cpu_count()``), ``-2`` all but one, and so on; a positive int
        means that many. Data of fewer than 8192 rows are evaluated on one
        thread whatever ``n_jobs`` (BLAS keeps its own threads in its
        products), and with ``None`` so are data of less than 32 MB, where
        handing row blocks between threads costs about what it saves.
        With an int, the fitted coefficients do not depend on its value, bit for
        bit: the row blocks are the same whatever the number of threads that
        run them. ``solver='sgd'`` and :meth:`partial_fit` compute on
        mini-batches and do not use it. On dask input the cluster's workers and
        threads, and on arrays of another array API namespace outside host
        memory (a GPU) the namespace's device, do the work: ``n_jobs`` is not
        used there.

    learning_rate : {'auto', 'constant', 'optimal', 'invscaling', 'adaptive'}, \
            default='auto'
        Step-size rule of the SGD solver (only used when ``solver='sgd'``); ``t``
        counts mini-batch steps from 1.

        - ``'auto'``: variance-reduced epochs (SVRG) whose steps follow an
          L-BFGS approximation ``H`` of the inverse Hessian. Each epoch
          computes the full gradient ``mu`` at its starting point ``w_s`` (the
          same pass gives the objective, recorded in ``loss_curve_``), then
          steps along ``H (g_B(w) - g_B(w_s) + mu)`` for mini-batches ``B``: an
          unbiased estimate of the quasi-Newton direction whose noise vanishes
          at the optimum, so the iterates converge to the exact optimum of
          ``'lbfgs'``. ``H`` is built from the epochs' starting points and
          their full gradients (at most 10 pairs per class, as many as take
          no more memory than ``X``); it is the identity in the first epoch,
          with ``l1_ratio > 0``, with a numeric ``eta0`` and where ``X`` cannot
          hold one pair. The step of each class in an epoch is at most
          ``1 / L``, ``L`` the largest curvature of its objective at ``w_s`` in
          the metric of ``H`` (estimated from a few gradient differences on at
          most 1024 rows), or the largest curvature a mini-batch met in the
          previous epoch if that is more; an epoch that does not lower the
          objective (where the change is below rounding, the gradient) is
          undone and the step halved, and each epoch kept doubles it again, up
          to ``1 / L``. An epoch reads the data twice (the full gradient, and
          one pass in mini-batches that computes two gradients on each), about
          three passes' worth of arithmetic, and no tuning is needed on
          standardised data. In :meth:`partial_fit` the anchor is the chunk's
          gradient, the step decays as ``eta0 / (1 + alpha * eta0 * t)`` and
          the iterates are averaged over the stream.
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
        steps, which otherwise follow the curvature, and the steps then follow
        the plain variance-reduced direction (no L-BFGS metric).

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
        The SGD solver stops a class whose gradient has not met ``tol`` after
        this many consecutive epochs without progress: it has stalled, and the
        fit warns (``ConvergenceWarning``) and names the tolerance it reached.
        With ``learning_rate='auto'``, an epoch makes progress when it lowers
        the class's objective by more than rounding (4 machine epsilons of the
        data's dtype, relative) or brings its gradient to a new low, so that
        only rounding stalls these epochs; an epoch undone because its step
        proved too long (see ``learning_rate``) is not counted. With the plain
        schedules, and on dask input, an epoch makes progress when it lowers
        the objective below the best value so far by more than ``tol`` times
        that value, which they stop doing well above the gradient tolerance.
        With ``early_stopping``, the epochs are judged by that test on the
        held-out loss instead, and such a stop does not warn.

    early_stopping : bool, default=False
        Whether ``fit`` with the SGD solver holds out a stratified fraction
        ``validation_fraction`` of the training data and stops a class when its
        mean binary cross-entropy on it stops improving (see
        ``n_iter_no_change``); each class then keeps its coefficients of its best
        epoch. The held-out rows are not used for fitting. Such a stop is the
        stopping rule asked for and does not warn, although the training
        objective's gradient has not met ``tol`` (``n_iter_`` and
        ``validation_loss_curve_`` tell where it stopped); reaching ``max_iter``
        first still warns. :meth:`partial_fit` does not use it.

    validation_fraction : float, default=0.1
        Fraction of the training data held out when ``early_stopping=True``,
        stratified by class.

    l1_ratio : float, default=0.0
        Elastic-net mixing: the penalty is ``((1 - l1_ratio) / 2 * ||w||^2 +
        l1_ratio * ||w||_1) / (C * S)``, that of ``LogisticRegression`` on the
        scale of ``C`` (1: the L1 penalty; the intercept is not penalised). For
        ``solver='cd'`` (exact zeros) and ``'sgd'`` (proximal steps) only.

    stream_size : float, default=None
        Only used by :meth:`partial_fit`: the total sample weight (the number of
        samples, with unit weights) of the data that the calls go through. The
        objective scales its penalty by the total weight ``S`` of the data, which a
        stream cannot know; with ``stream_size=n``, several passes over chunks of
        ``n`` samples minimise the objective that ``fit`` minimises on all of
        them. None uses the weight seen so far: one pass over a stream minimises
        the objective of all the data seen, but further passes over the same
        chunks count them again and weaken the penalty.

    {constraint_parameters}

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
        The solver that ran: ``solver``, or the one ``solver='auto'`` chose;
        ``'lbfgs+newton-cholesky'`` when a default fit's L-BFGS handed over to
        Newton's method (see ``solver``).

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
    **Choosing the solver.** ``solver='auto'`` (see ``solver``) needs no
    choice; all solvers minimise exactly the objective above, so switching
    solver changes the path, not the answer (see "Choosing a solver" in the user
    guide). Unlike :class:`sklearn.linear_model.SGDClassifier`, whose default
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
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "solver": [StrOptions({"auto", *SOLVERS})],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "n_jobs": [
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
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
        **CONSTRAINT_PARAMETERS,
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
        n_jobs=None,
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
        penalty_factor=None,
        lower_bounds=None,
        upper_bounds=None,
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
        self.n_jobs = n_jobs
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
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        tags.array_api_support = True
        return tags

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
            the "dask" page of the user guide). Under
            ``sklearn.config_context(array_api_dispatch=True)``, an array of
            another array API namespace (torch, CuPy, ...) is fitted where it
            lives: in host memory on a NumPy view of it (no copy), on a GPU with
            the namespace's operations there; ``coef_`` and ``intercept_`` are
            arrays of its namespace on its device (see the "Arrays on GPU" page
            of the user guide).

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
        with restored_on_error(self):
            check_fit_parameters(self)
            check_constraints(self)
            data = prepare(self, X, y, sample_weight)
            return fit(self, data, inputs=(X, y, sample_weight))

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
        check_sgd_schedule(self)
        return partial_fit(self, X, y, classes, sample_weight)
