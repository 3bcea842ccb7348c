"""The one fit path: objective from a backend, solver, fitted attributes.

Whatever holds the data, a fit is::

    FitData (backend, classes, ...)     prepared from the input: in memory here,
                                        on a cluster by sklearn_bce._dask
      -> Objective(backend, Penalty)    the one objective
      -> get_solver(name)(objective)    chosen by name, or by solver='auto'
      -> coef_, intercept_, n_iter_...  set on the estimator, with the warnings

:func:`prepare_in_memory` turns NumPy / SciPy input into a :class:`FitData`;
:func:`fit` does the rest for every backend.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils.validation import validate_data

from ._callbacks import CALLBACK_STATE, start_tasks
from ._choice import chosen_solver, newton_finish_after, ran_solvers
from ._constraints import make_objective
from ._diagnostics import (
    sgd_advice,
    warn_if_separable,
    warn_if_single_valued,
    warn_not_converged,
)
from ._objective import InMemoryBackend
from ._objective.array_api import to_numpy
from ._solvers import SolverResult, get_solver, lbfgs_then_newton
from ._solvers.stream import stream_average
from ._sparse_coef import dense_coef
from ._targets import check_targets, encode_targets, validate_sample_weight

__all__ = [
    "FitData",
    "check_fit_parameters",
    "check_namespace",
    "check_sgd_schedule",
    "fit",
    "in_memory_data",
    "not_started",
    "prepare_in_memory",
    "restored_on_error",
    "run_solver",
    "set_coef",
    "start_point",
    "validation_split",
]


@dataclass
class FitData:
    """The training data of a fit, ready for the objective.

    Parameters
    ----------
    backend : DataBackend
        The training data of the ``K`` binary problems.
    classes : ndarray
        The classes (``arange(n_labels)`` for a multilabel target).
    multilabel : bool
        Whether the target is a multilabel indicator matrix.
    dtype : numpy.dtype
        The dtype of ``X``, and of the fitted coefficients.
    validation : DataBackend or None, default=None
        Held-out data for ``early_stopping`` (SGD only).
    place : callable or None, default=None
        Called with the fitted estimator at the end of :func:`fit` to put its
        fitted attributes where the data live (the namespace and device of an
        array API input); None keeps NumPy attributes.
    """

    backend: object
    classes: np.ndarray
    multilabel: bool
    dtype: np.dtype
    validation: object = None
    place: Callable | None = None


def check_namespace(X, method="partial_fit", owner="BCELogisticClassifier"):
    """Refuse, with a clear error, arrays that array API dispatch would pass on.

    Under ``sklearn.config_context(array_api_dispatch=True)`` an array of another
    namespace (torch, CuPy, array-api-strict, ...) reaches the estimator as it is.
    ``fit`` and the prediction methods compute on it with the namespace's own
    operations; the methods that compute with NumPy and SciPy only (``method``)
    name the namespace and say what to do. Without dispatch such arrays are
    converted to NumPy by scikit-learn's validation, as for
    ``LogisticRegression``.

    Parameters
    ----------
    X : object
        The input.
    method : str, default="partial_fit"
        The method that refuses such arrays, for the message.
    owner : str, default="BCELogisticClassifier"
        The estimator whose method it is, for the message.

    Raises
    ------
    TypeError
        For an array of a namespace other than NumPy under dispatch.
    """
    if not get_config().get("array_api_dispatch", False):
        return
    if isinstance(X, np.ndarray) or sp.issparse(X):
        return
    if hasattr(X, "__array_namespace__"):
        name = X.__array_namespace__().__name__
    else:
        name = type(X).__module__.split(".")[0]
        if name not in ("torch", "cupy", "jax", "jaxlib", "dpctl", "mlx"):
            return  # lists, pandas, polars, ...: converted by validation
    if name.split(".")[0] == "numpy":
        return
    others = (
        "" if method == "fit" or owner != "BCELogisticClassifier"
        else " (fit and the predict methods do)"
    )
    raise TypeError(
        f"X is an array of the {name!r} namespace, and array API dispatch is "
        f"on: {owner}.{method} computes with NumPy and does not "
        f"support array API dispatch{others}. Convert X to a NumPy array (for "
        "example with np.asarray(X), after moving it to the CPU), or call "
        f"{method} outside sklearn.config_context(array_api_dispatch=True)."
    )


def prepare_in_memory(estimator, X, y, sample_weight):
    """Validate NumPy / SciPy input and hold it in an in-memory backend.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        The estimator being fitted (its parameters are validated).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Labels or a multilabel indicator matrix.
    sample_weight : array-like of shape (n_samples,) or None
        Sample weights.

    Returns
    -------
    data : FitData
    """
    check_namespace(X, "fit")
    X, y = validate_data(
        estimator, X, y, accept_sparse=["csr", "csc"],
        dtype=[np.float64, np.float32], multi_output=True,
    )
    multilabel, classes, y = check_targets(y)
    sample_weight = validate_sample_weight(sample_weight, X.shape[0])
    return in_memory_data(estimator, X, y, sample_weight, classes, multilabel)


def in_memory_data(estimator, X, y, sample_weight, classes, multilabel):
    """Hold validated NumPy / SciPy data in an in-memory backend.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        Gives ``class_weight``, ``n_jobs`` and the SGD settings.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Validated training data.
    y : ndarray or sparse matrix
        Validated labels (see :func:`~sklearn_bce._targets.check_targets`).
    sample_weight : ndarray of shape (n_samples,) or None
        Validated sample weights.
    classes : ndarray
        The classes of the fit (they need not all occur in ``y``).
    multilabel : bool
        Whether ``y`` is an indicator matrix.

    Returns
    -------
    data : FitData
    """
    Y, sw = encode_targets(
        y, classes, multilabel, sample_weight, estimator.class_weight
    )
    if estimator.solver == "sgd" and sp.issparse(X) and X.format == "csc":
        X = X.tocsr()  # mini-batches are row slices
    validation = None
    if estimator.solver == "sgd" and estimator.early_stopping:
        train, val = validation_split(estimator, y, sw, multilabel)
        validation = InMemoryBackend(
            X[val], Y[val], sample_weight=None if sw is None else sw[val]
        )
        X, Y, sw = X[train], Y[train], None if sw is None else sw[train]
    backend = InMemoryBackend(X, Y, sample_weight=sw, n_threads=estimator.n_jobs)
    return FitData(backend, classes, multilabel, X.dtype, validation)


def validation_split(estimator, y, sw, multilabel):
    """Train/validation row indices for ``early_stopping``, stratified by class.

    Multilabel targets are split at random (label sets are not classes).

    Parameters
    ----------
    estimator : BCELogisticClassifier
        Gives ``validation_fraction`` and ``random_state``.
    y : ndarray or sparse matrix
        The validated target.
    sw : ndarray of shape (n_samples,) or (n_samples, K), or None
        The weights of the binary problems.
    multilabel : bool
        Whether ``y`` is an indicator matrix.

    Returns
    -------
    train, val : ndarray of int
        Row indices of the two sets.
    """
    split = ShuffleSplit if multilabel else StratifiedShuffleSplit
    splitter = split(
        n_splits=1, test_size=estimator.validation_fraction,
        random_state=estimator.random_state,
    )
    try:
        train, val = next(splitter.split(np.zeros((y.shape[0], 1)), y))
    except ValueError as exc:
        raise ValueError(
            f"early_stopping=True could not hold out a stratified "
            f"validation_fraction={estimator.validation_fraction!r} of the "
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


def start_point(estimator, objective, classes, multilabel, prior):
    """The solver's starting point.

    The previous fit's coefficients when warm-starting; else zeros, with the
    intercepts at the classes' log-odds when ``prior`` is True; either clipped
    to the objective's bounds.

    Parameters
    ----------
    estimator : BCELogisticClassifier
    objective : Objective
    classes : ndarray
    multilabel : bool
    prior : bool

    Returns
    -------
    theta : ndarray of shape (n_params,)
    """
    if not (estimator.warm_start and hasattr(estimator, "coef_")):
        return objective.project(objective.initial_point(prior))
    previous = to_numpy(estimator.classes_)
    if estimator.multilabel_ != multilabel or not np.array_equal(previous, classes):
        raise ValueError(
            "warm_start=True needs the same classes as the previous fit: it "
            f"was fitted on {previous.tolist()}, now given "
            f"{classes.tolist()}. Set warm_start=False to fit from scratch."
        )
    if estimator.coef_.shape[1] != objective.n_features:
        raise ValueError(
            "warm_start=True needs the same number of features as the "
            f"previous fit ({estimator.coef_.shape[1]}), got {objective.n_features}."
        )
    return objective.project(objective.from_coef(
        dense_coef(estimator.coef_), to_numpy(estimator.intercept_)
    ))


def _solver_options(estimator, name, objective, validation):
    """Keyword arguments of solver ``name``, from the estimator's parameters."""
    grad_tol = estimator.tol * objective.curvature_at_prior()
    options = dict(max_iter=estimator.max_iter, verbose=estimator.verbose)
    if name == "cd":  # its duality gap is relative to the objective already
        options["gap_tol"] = estimator.tol
    if name != "sgd":
        return dict(options, tol=grad_tol)
    options.update(
        tol=estimator.tol, grad_tol=grad_tol, random_state=estimator.random_state,
        learning_rate=estimator.learning_rate, eta0=estimator.eta0,
        power_t=estimator.power_t, batch_size=estimator.batch_size,
        shuffle=estimator.shuffle, n_iter_no_change=estimator.n_iter_no_change,
    )
    if "sgd" in objective.backend.solver_overrides:  # a stream over chunks
        options["average"] = stream_average(estimator.learning_rate, estimator.average)
        return options
    options["average"] = estimator.average
    if validation is not None:
        fit_intercept = objective.fit_intercept

        def held_out_loss(theta):
            W, b = objective.to_coef(theta)
            return validation.mean_loss_gradient(W, b if fit_intercept else None)[0]

        options["validation"] = held_out_loss
    return options


@contextmanager
def restored_on_error(estimator):
    """Put back the estimator's attributes if the block raises or is interrupted.

    ``fit`` sets attributes such as ``n_features_in_`` before its solver runs; an
    error or a ``KeyboardInterrupt`` then must not leave a half-fitted estimator
    behind, but the one that ``fit`` was called on (unfitted, or fitted before).

    Parameters
    ----------
    estimator : BCELogisticClassifier

    Yields
    ------
    None
    """
    before = dict(vars(estimator))
    try:
        yield
    except BaseException:
        # scikit-learn's callback management still needs its state, to tear the
        # callbacks down after the failed fit.
        kept = {k: v for k, v in vars(estimator).items() if k in CALLBACK_STATE}
        vars(estimator).clear()
        vars(estimator).update(before)
        vars(estimator).update(kept)
        raise


def fit(estimator, data, inputs=None):
    """Fit ``estimator`` on prepared data, whatever backend holds them.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        The estimator (parameters validated).
    data : FitData
        The training data.
    inputs : tuple (X, y, sample_weight), default=None
        The arguments of ``fit`` as given, for its callbacks (scikit-learn >= 1.9;
        see :mod:`~sklearn_bce._callbacks`). None runs no callbacks.

    Returns
    -------
    estimator : BCELogisticClassifier
        The fitted estimator.
    """
    backend = data.backend
    objective = make_objective(estimator, backend, estimator.C, estimator.l1_ratio)
    single_valued = warn_if_single_valued(objective, data.classes, data.multilabel)
    name = chosen_solver(estimator, objective)
    theta0 = start_point(
        estimator, objective, data.classes, data.multilabel, prior=name != "sgd"
    )
    tasks = start_tasks(estimator, objective, data, inputs, name)
    if tasks is not None:
        tasks.start(theta0)
    theta, result = run_solver(
        estimator, objective, name, theta0, data, single_valued,
        on_iteration=None if tasks is None else tasks.on_iteration,
    )
    W, b = objective.to_coef(theta)
    set_coef(estimator, W, b, data.classes, data.multilabel, data.dtype)
    estimator.n_iter_ = np.asarray(result.n_iter, dtype=np.int32)
    estimator.solver_ = ran_solvers(name, result)
    if name == "sgd":
        estimator.loss_curve_ = list(result.history)
        estimator.validation_loss_curve_ = (
            list(result.validation_history) if data.validation is not None else None
        )
    if not np.isfinite(estimator.C):
        warn_if_separable(backend, W, b if estimator.fit_intercept else None)
    if data.place is not None:
        data.place(estimator)
    if tasks is not None:
        tasks.end(theta)
    return estimator


def run_solver(
    estimator, objective, name, theta0, data, single_valued=False, on_iteration=None
):
    """Minimise ``objective`` with solver ``name`` and the estimator's settings.

    Warns (``ConvergenceWarning``) when the solver did not meet its tolerance,
    then settles the directions that only the penalty curves (see
    ``Objective.settle_flat_directions``). With ``max_iter=0`` the solver does
    not run: see :func:`not_started`.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        Gives ``tol``, ``max_iter``, ``verbose`` and the SGD settings.
    objective : Objective
        The objective to minimise.
    name : str
        The solver, a key of :data:`~sklearn_bce._solvers.SOLVERS`.
    theta0 : ndarray of shape (n_params,)
        The starting point.
    data : FitData
        The training data (its validation set and dtype).
    single_valued : bool, default=False
        Whether some problem has a single class (for the SGD advice).
    on_iteration : callable, default=None
        Passed to the solver (every solver takes it).

    Returns
    -------
    theta : ndarray of shape (n_params,)
        The minimiser found.
    result : SolverResult
        The solver's report.
    """
    if estimator.max_iter == 0:
        return not_started(objective, name, theta0)
    backend = objective.backend
    solver = get_solver(name, objective)
    options = _solver_options(estimator, name, objective, data.validation)
    if on_iteration is not None:
        options["on_iteration"] = on_iteration
    newton_after = newton_finish_after(estimator, objective, name)
    if newton_after is not None:
        solver, options["newton_after"] = lbfgs_then_newton, newton_after
    # SGD's steps are mini-batches of one row block each: the backend's threads
    # would have little to share, and BLAS keeps its own threads for them.
    with backend.parallel() if name != "sgd" else nullcontext():
        result = solver(objective, theta0, **options)
    # early_stopping's stop on the held-out loss is the rule the user asked for
    requested = (
        name == "sgd" and data.validation is not None and result.stop == "stalled"
    )
    if not result.converged and not requested:
        advice = ""
        if name == "sgd":
            streamed = "sgd" in backend.solver_overrides
            advice = sgd_advice(estimator.learning_rate, single_valued, streamed)
        warn_not_converged(
            ran_solvers(name, result), result, estimator.max_iter, advice,
            estimator.tol, data.dtype,
        )
    # Newton's method finds the collinear directions' minimum itself (its
    # Hessian holds their curvature, the penalty's); first-order solvers do not
    first_order = name in ("lbfgs", "sgd") and not result.finished_with
    return objective.settle_flat_directions(result.x, collinear=first_order), result


def not_started(objective, name, theta0):
    """The outcome of a fit with ``max_iter=0``: its starting point, unchanged.

    As for ``LogisticRegression(max_iter=0)``, no iteration is made and the fit
    warns (``ConvergenceWarning``); no convergence test is made either, so the
    warning comes even where the start happens to be the optimum. Nothing is
    computed on the data beyond the starting point itself.

    Parameters
    ----------
    objective : Objective
        The objective the solver would minimise.
    name : str
        The solver that would run.
    theta0 : ndarray of shape (n_params,)
        The starting point (see :func:`start_point`).

    Returns
    -------
    theta : ndarray of shape (n_params,)
        ``theta0``, as float64.
    result : SolverResult
        No iterations (``n_iter`` zeros, empty histories), not converged.
    """
    theta = np.array(theta0, dtype=np.float64)
    result = SolverResult(
        x=theta, n_iter=np.zeros(objective.K, dtype=np.int32), converged=False,
        fun=np.nan, grad_norm=np.nan, stop="max_iter",
        message="max_iter=0: no iterations",
    )
    result.validation_history = []
    warnings.warn(
        f"{name} made no iterations (max_iter=0): the coefficients are the "
        "solver's starting point (see max_iter), not a minimum of the "
        "objective. Increase max_iter to fit the model.",
        ConvergenceWarning, stacklevel=3,
    )
    return theta, result


def check_fit_parameters(estimator):
    """Refuse combinations of parameters, and clear the state of an earlier fit.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        The estimator about to be fitted (parameters validated one by one).
    """
    if estimator.l1_ratio > 0 and estimator.solver in ("lbfgs", "newton-cholesky"):
        raise ValueError(
            f"l1_ratio={estimator.l1_ratio!r} needs solver='cd', 'sgd' or 'auto': "
            f"solver={estimator.solver!r} only handles the (smooth) L2 penalty. "
            "Set solver='auto', or l1_ratio=0."
        )
    if estimator.solver == "sgd":
        check_sgd_schedule(estimator)
    estimator._stream = None
    for name in ("loss_curve_", "validation_loss_curve_"):
        if hasattr(estimator, name):
            delattr(estimator, name)


def check_sgd_schedule(estimator):
    """Raise a clear error for ``learning_rate='optimal'`` without a penalty.

    Parameters
    ----------
    estimator : BCELogisticClassifier
    """
    if estimator.learning_rate == "optimal" and not np.isfinite(estimator.C):
        raise ValueError(
            "learning_rate='optimal' needs a finite C: its steps "
            "1 / (alpha * (t0 + t)) use the L2 strength alpha = 1 / (C * S). "
            "Use another learning_rate with C=np.inf."
        )


def set_coef(estimator, W, b, classes, multilabel, dtype):
    """Set the fitted coefficients and classes on the estimator.

    Parameters
    ----------
    estimator : BCELogisticClassifier
    W : ndarray of shape (K, n_features)
    b : ndarray of shape (K,)
    classes : ndarray
    multilabel : bool
    dtype : numpy.dtype
        The dtype of the training data.
    """
    estimator.multilabel_ = multilabel
    estimator.classes_ = classes
    estimator.coef_ = W.astype(dtype)
    estimator.intercept_ = b.astype(dtype)
