"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn >= 1.9) for a fit.

The solvers know nothing of scikit-learn: each takes an ``on_iteration(k, n_iter,
value, theta)`` callable, called after every iteration (or epoch) of binary
problem ``k``. :class:`FitTasks` turns these calls into the task tree that
scikit-learn's callbacks see::

    fit                                   one task per call to fit
    |-- problem 0 ("class a vs rest")     one per binary problem (task_id = k),
    |   |-- iteration 0                   run together, hence not sequential
    |   |-- iteration 1                   one per solver iteration (an epoch for
    |   ...                               solver='sgd'): n_iter_[k] of them
    |-- problem 1
    ...

Every ``on_fit_task_end`` of an iteration gets a ``fitted_estimator``: a copy of
the estimator with the coefficients of every problem as they stand at that moment,
which predicts as the fit would had it stopped there. Its ``objective`` on the
training data is the value the solver computed (see :class:`IterateObjective`),
so that monitoring the objective costs no pass over the data.

On scikit-learn < 1.9 :data:`CALLBACKS_SUPPORTED` is False, ``set_callbacks`` is
absent and a fit has no tasks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import sklearn
from sklearn.metrics import make_scorer
from sklearn.utils.metaestimators import available_if

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9
    CallbackSupportMixin = None

__all__ = [
    "CALLBACKS_SUPPORTED",
    "CallbackSupport",
    "FitTasks",
    "IterateObjective",
    "check_callbacks_supported",
    "objective_scorer",
    "start_tasks",
]

#: Whether the installed scikit-learn has ``sklearn.callback`` (1.9 and later).
CALLBACKS_SUPPORTED = CallbackSupportMixin is not None

#: Attributes that scikit-learn's callback management sets on the estimator during
#: ``fit`` and needs after it, to tear the callbacks down, even when the fit fails.
CALLBACK_STATE = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")


def check_callbacks_supported(estimator=None):
    """Raise a clear error when the installed scikit-learn has no callbacks.

    Parameters
    ----------
    estimator : object, default=None
        Unused; lets the function serve as an ``available_if`` check.

    Returns
    -------
    supported : bool
        True.

    Raises
    ------
    ImportError
        On scikit-learn < 1.9.
    """
    if not CALLBACKS_SUPPORTED:
        raise ImportError(
            "set_callbacks needs scikit-learn >= 1.9, whose sklearn.callback module "
            f"it uses; scikit-learn {sklearn.__version__} is installed. Upgrade "
            "scikit-learn to use callbacks and progress bars."
        )
    return True


_Mixin = CallbackSupportMixin if CALLBACKS_SUPPORTED else object


class CallbackSupport(_Mixin):
    """scikit-learn's ``CallbackSupportMixin``, with ``set_callbacks`` only where
    scikit-learn has ``sklearn.callback`` (1.9 and later)."""

    @available_if(check_callbacks_supported)
    def set_callbacks(self, *callbacks):
        """Set callbacks that follow the fit, such as progress bars and monitors.

        Needs scikit-learn >= 1.9 (:mod:`sklearn.callback`); on older versions the
        method is absent. Every solver and every kind of input (dask included)
        reports its tasks: the fit, one sub-task per binary problem (one per
        class for one-vs-rest, one per label for multilabel) and, under each,
        one per iteration (per epoch for ``solver='sgd'``). At the end of an
        iteration the callbacks get a copy of the estimator with the
        coefficients of that moment; its
        :meth:`~sklearn_bce.BCELogisticClassifier.objective` on the training data
        is the value the solver computed. See "Progress and callbacks" in the
        user guide.

        Parameters
        ----------
        *callbacks : callback instances
            Instances following :class:`sklearn.callback.FitCallback`, for
            example :class:`sklearn.callback.ProgressBar` or
            :class:`sklearn.callback.ScoringMonitor`. No argument removes the
            callbacks.

        Returns
        -------
        self : object
            The estimator.
        """
        return super().set_callbacks(*callbacks)


@dataclass(frozen=True)
class IterateObjective:
    """The objective the solver computed at an iterate, on the training data.

    Set on the ``fitted_estimator`` copies that callbacks receive during a fit;
    ``BCELogisticClassifier.objective`` returns :attr:`value` when it is asked
    about the very objects ``fit`` was given, instead of a pass over the data
    (on a dask cluster, a pass that would gather them).

    Parameters
    ----------
    X, y, sample_weight : object
        The arguments of ``fit``, compared by identity.
    value : float
        The objective at the copy's coefficients, summed over the problems.
    """

    X: object
    y: object
    sample_weight: object
    value: float

    def answers(self, X, y, sample_weight):
        """Whether ``(X, y, sample_weight)`` are the objects of the fit.

        Parameters
        ----------
        X, y, sample_weight : object
            The arguments of ``objective``.

        Returns
        -------
        same : bool
        """
        return X is self.X and y is self.y and sample_weight is self.sample_weight


def problem_names(classes, multilabel, K):
    """A name for each binary problem, for the task tree.

    Parameters
    ----------
    classes : ndarray
        The classes of the fit.
    multilabel : bool
        Whether the target is an indicator matrix.
    K : int
        The number of binary problems.

    Returns
    -------
    names : list of str
    """
    if multilabel:
        return [f"label {k}" for k in range(K)]
    labels = [c.item() if isinstance(c, np.generic) else c for c in classes]
    if K == 1:
        return [f"class {labels[1]} vs {labels[0]}"]
    return [f"class {c} vs rest" for c in labels]


def start_tasks(estimator, objective, data, inputs, solver_name):
    """Begin the tasks of a fit, or return None when it has no callbacks.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        The estimator being fitted.
    objective : Objective
        The objective its solver minimises.
    data : FitData
        The prepared training data.
    inputs : tuple (X, y, sample_weight) or None
        The arguments of ``fit``, passed on to the callbacks.
    solver_name : str
        The solver that runs (``solver_``).

    Returns
    -------
    tasks : FitTasks or None
    """
    if not CALLBACKS_SUPPORTED or inputs is None:
        return None
    if not getattr(estimator, "_skl_callbacks", None) and not hasattr(
        estimator, "_parent_callback_ctx"
    ):
        return None
    return FitTasks(estimator, objective, data, inputs, solver_name)


class FitTasks:
    """The callback tasks of one fit: the fit, its binary problems, their iterations.

    Created once the data are prepared (the number of problems is known then);
    :meth:`on_iteration` is the solver's per-iteration hook and :meth:`end`
    closes the tasks after the solver. Hooks may come from several threads (the
    L-BFGS solver runs the problems in threads on large data): they are called
    one at a time, under a lock, so a callback never sees two of them at once.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        The estimator being fitted.
    objective : Objective
        The objective its solver minimises.
    data : FitData
        The prepared training data.
    inputs : tuple (X, y, sample_weight)
        The arguments of ``fit``.
    solver_name : str
        The solver that runs.
    """

    def __init__(self, estimator, objective, data, inputs, solver_name):
        self.estimator, self.objective, self.data = estimator, objective, data
        self.X, self.y, self.sample_weight = inputs
        self.metadata = (
            None if self.sample_weight is None
            else {"sample_weight": self.sample_weight}
        )
        self.solver_name = solver_name
        K = objective.K
        # The objective the solver computes is the training objective, except
        # with early_stopping, where the held-out rows are not in it.
        self.same_data = data.validation is None
        self.lock = threading.RLock()
        self.T = None  # current parameters of every problem, (K, n_coef)
        self.values = np.full(K, np.nan)  # their objective, where known
        self.n_iter = np.zeros(K, dtype=np.int32)
        self.root = estimator._init_callback_context(
            max_subtasks=K, sequential_subtasks=False
        )
        self._call("begin", self.root)
        max_iter = estimator.max_iter
        self.problems = []
        for k, name in enumerate(problem_names(data.classes, data.multilabel, K)):
            ctx = self.root.subcontext(task_name=name, task_id=k, max_subtasks=max_iter)
            self._call("begin", ctx)
            self.problems.append(ctx)
        self.leaf = "epoch" if solver_name == "sgd" else "iteration"

    def start(self, theta0):
        """Record the starting point of the solver.

        Parameters
        ----------
        theta0 : ndarray of shape (n_params,)
            The solver's starting point, in its coordinates.
        """
        self.T = np.array(theta0, dtype=np.float64).reshape(self.objective.K, -1)

    def on_iteration(self, k, n_iter, value, theta):
        """The solver's hook: problem ``k`` has made iteration ``n_iter``.

        Parameters
        ----------
        k : int
            The binary problem.
        n_iter : int
            Its iterations so far (1 after the first).
        value : float
            Its objective after the iteration.
        theta : ndarray of shape (n_coef,)
            Its parameters after the iteration, in the solver's coordinates.
        """
        with self.lock:
            if n_iter > self.estimator.max_iter:  # a task per counted iteration
                self.T[k], self.values[k] = theta, value
                return
            ctx = self.problems[k].subcontext(task_name=self.leaf)
            self._call("begin", ctx, self._state)
            self.T[k] = theta
            self.values[k] = value
            self.n_iter[k] = n_iter
            self._call("end", ctx, self._state)

    def end(self, theta):
        """End every problem's task and the fit's, at the fitted parameters.

        Called once the fitted attributes are set on the estimator.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            The fitted parameters, in the solver's coordinates.
        """
        with self.lock:
            self.T = np.array(theta, dtype=np.float64).reshape(self.objective.K, -1)
            self.values[:] = np.nan  # not the solver's last iterate: evaluated anew
            self.n_iter = np.asarray(self.estimator.n_iter_, dtype=np.int32)
            for ctx in self.problems:
                self._call("end", ctx, self._state)
            self._call("end", self.root, self._final)

    # ------------------------------------------------------------ internals
    def _call(self, hook, ctx, attributes=None):
        method = ctx.call_on_fit_task_begin if hook == "begin" else (
            ctx.call_on_fit_task_end
        )
        return method(
            estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes=attributes,
        )

    def _objective_record(self):
        if not self.same_data:
            return None
        unknown = np.flatnonzero(np.isnan(self.values))
        if unknown.size:  # problems still at their starting point, or the end
            K = self.objective.K
            cols = None if unknown.size == K else unknown
            smooth, _ = self.objective.loss_gradient_problems(self.T[unknown], cols)
            l1 = self.objective.l1_value(self.T[unknown], cols)
            self.values[unknown] = smooth + l1
        return IterateObjective(
            self.X, self.y, self.sample_weight, float(self.values.sum())
        )

    def _state(self):
        """The fitted attributes at the current parameters (lazily, under the lock)."""
        data = self.data
        W, b = self.objective.to_coef(self.T.ravel())
        state = SimpleNamespace(
            coef_=W.astype(data.dtype), intercept_=b.astype(data.dtype),
            classes_=data.classes, multilabel_=data.multilabel,
            n_iter_=self.n_iter.copy(), solver_=self.solver_name,
        )
        if data.place is not None:
            data.place(state)
        attributes = vars(state)
        record = self._objective_record()
        if record is not None:
            attributes["_iterate_objective"] = record
        return attributes

    def _final(self):
        """The fitted estimator's attributes, with its objective on the data."""
        record = self._objective_record()
        return {} if record is None else {"_iterate_objective": record}


def _unused_score(y_true, y_pred):  # the score function the base class wants
    raise NotImplementedError


class _ObjectiveScorer(type(make_scorer(_unused_score))):
    """The fit's objective: ``objective_scorer(estimator, X, y, sample_weight=None)``.

    Returns ``estimator.objective(X, y, sample_weight)``: the regularised objective
    that :class:`~sklearn_bce.BCELogisticClassifier` minimises, summed over its
    binary problems. **Lower is better**, and the objective depends on ``C``, so
    it is meant for following a fit, not for choosing a model (use
    :data:`~sklearn_bce.bce_scorer` for that). With
    :class:`sklearn.callback.ScoringMonitor` (scikit-learn >= 1.9) it records the
    objective after every iteration of every binary problem; on the training data
    it returns the value the solver computed, so monitoring costs no pass over
    the data, on a dask cluster too.

    See Also
    --------
    sklearn_bce.BCELogisticClassifier.objective : The objective it returns.
    sklearn_bce.bce_scorer : A scorer for model selection.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_bce import BCELogisticClassifier, objective_scorer
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = BCELogisticClassifier().fit(X, y)
    >>> bool(objective_scorer(clf, X, y) == clf.objective(X, y))
    True
    """

    def __init__(self):
        template = make_scorer(_unused_score, response_method="predict")
        vars(self).update(vars(template))

    def __repr__(self):
        return "objective_scorer"

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        if not hasattr(estimator, "objective"):
            raise TypeError(
                "objective_scorer needs a BCELogisticClassifier (an estimator with "
                f"an objective method); {type(estimator).__name__} has none."
            )
        return estimator.objective(X, y_true, **kwargs)


objective_scorer = _ObjectiveScorer()
