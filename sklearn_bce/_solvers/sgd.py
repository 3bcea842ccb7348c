"""Mini-batch stochastic gradient descent on the shared objective.

Every step evaluates the objective's own mini-batch loss and gradient (see
:mod:`~sklearn_bce._solvers.minibatch`): there is no second copy of the loss here.
The solver works in the objective's flat, internally centred and rescaled
coordinates ``theta``, like the L-BFGS solver, and minimises the same function, so
both reach the same optimum.

Two families of steps are offered.

``learning_rate="auto"`` (the default): **variance-reduced epochs** (SVRG, Johnson
& Zhang, 2013) in the metric of an L-BFGS approximation of the inverse Hessian. An
epoch starts at a snapshot ``theta_s`` where the full objective and gradient ``mu``
are computed (one pass, which also gives the objective per epoch and the stopping
test); then one pass in mini-batches ``B`` takes steps along
``H (g_B(theta) - g_B(theta_s) + mu)``: an unbiased estimate of the quasi-Newton
direction ``H grad``, whose noise vanishes at the optimum, so steps need not decay
and the iterates converge to the exact minimiser. ``H`` is built from the
snapshots of the epochs kept so far (their steps and exact gradient changes, the
pairs of L-BFGS; :class:`~sklearn_bce._solvers.minibatch.SecantMemory`), at most
10 per problem and no more than the memory of ``X`` holds
(:func:`~sklearn_bce._solvers.minibatch.secant_pairs`). It is the identity in the
first epoch, with an L1 part of the penalty (whose proximal steps need the plain
metric), with a numeric ``eta0``, and where ``X`` cannot hold one pair. It undoes the
ill-conditioning that correlated features and nearly separated classes give the
objective, which would otherwise cost SVRG hundreds of epochs (on standardised
breast_cancer at ``C=10``, 230 to 260 epochs to meet the gradient tolerance
without ``H``, 35 to 45 with it).

The step of each binary problem in an epoch is ``trust / L``: ``L`` the largest
curvature (eigenvalue of ``H`` times the Hessian) of its objective at the
snapshot, estimated by power iterations with Hessian-vector products taken as
gradient differences on at most 1024 rows (started from the vectors of the
previous epoch's estimate), and at least the largest secant curvature
``dg' H dg / dg' (theta - theta_s)``, ``dg = g_B(theta) - g_B(theta_s)``, met by a
mini-batch in the previous epoch (those two gradients are computed anyway): a
small batch is much more curved than the whole objective, all the more with
uneven sample weights, and a step of one over the full curvature would make its
epochs diverge. As a safeguard, an epoch that does not lower a problem's objective
(known exactly; where the change is below rounding, one that does not lower its
gradient) is undone and the problem's ``trust`` halved, and doubled again, up to
1, by each epoch kept. An undone epoch says nothing of convergence and does not
count towards ``n_iter_no_change``. No tuning is needed on standardised data.

``"constant"``, ``"optimal"``, ``"invscaling"``, ``"adaptive"``: **plain SGD** with
the schedules of :class:`sklearn.linear_model.SGDClassifier`, counted in
mini-batch steps ``t``, with optional Polyak-Ruppert averaging of the iterates.
They approach the optimum only as fast as their step sizes decay, and cannot be
expected to meet a tight gradient tolerance.

The stopping rule is that of :mod:`~sklearn_bce._solvers.stopping` (see
:func:`sgd`): a problem has converged only when its gradient met its tolerance;
one that stops on the no-progress test has stalled, and the result says so
(``stop="stalled"``, ``tol_ratio``). One epoch over one chunk of a stream is
:func:`~sklearn_bce._solvers.stream.sgd_partial_fit`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
from sklearn.utils import check_random_state

from ._base import SolverResult, report, requires
from .minibatch import (
    Averager,
    SecantMemory,
    average_start,
    check_schedule,
    curvature,
    epoch,
    initial_step,
    resolve_batch_size,
    secant_pairs,
    step_size,
)
from .stopping import SETTLE, NoImprovement, optimality, problems_result

__all__ = ["SGDResult", "sgd"]

# learning_rate="auto": the step is trust / L, L the curvature at the epoch's start;
# the trust (at most 1) halves after an epoch that is undone and doubles after one
# that is kept.
_SHRINK, _GROW = 0.5, 2.0
# learning_rate="adaptive" divides the step by 5 and stops below this step.
_ADAPTIVE_DIVISOR, _ADAPTIVE_MIN_ETA = 5.0, 1e-6
# Power iterations of the curvature estimates after the first epoch, which start
# from the vectors of the previous estimate.
_CURVATURE_WARM_ITER = 4
# Relative changes of the objective below this many machine epsilons (of the
# data's dtype) count as rounding.
_ROUNDING = 4


@dataclass
class SGDResult(SolverResult):
    """:class:`SolverResult` of the SGD solver, with the validation losses.

    Parameters
    ----------
    x : ndarray of shape (n_params,)
        Final parameters, in the objective's coordinates.
    n_iter : ndarray of shape (K,)
        Epochs spent on each problem.
    converged : bool
        Whether every problem's gradient met its tolerance.
    fun : float
        Final objective value.
    grad_norm : float
        Max-norm of the final (proximal) gradient.
    history : list of float
        Objective after each epoch.
    message : str
        Termination message; for a stall, what the epochs failed to do.
    tol_ratio : float
        For a stall, the largest ratio of a stalled problem's final gradient
        max-norm to its tolerance; 0 otherwise.
    finished_with : str
        Always empty.
    stop : str
        ``"converged"``, ``"max_iter"`` or ``"stalled"`` (see :func:`sgd`).
    validation_history : list of float
        Validation loss after each epoch (summed over the problems), when a
        validation set was given; empty otherwise.
    """

    validation_history: list = field(default_factory=list)


def _blocks(mask, size):
    """Per-problem boolean mask repeated over each problem's coordinates."""
    return np.repeat(mask, size // mask.size)


@requires("rows")
def sgd(
    objective,
    x0,
    *,
    tol=1e-4,
    grad_tol=None,
    max_iter=100,
    verbose=0,
    random_state=None,
    learning_rate="auto",
    eta0="auto",
    power_t=0.5,
    batch_size="auto",
    shuffle=True,
    average=False,
    n_iter_no_change=5,
    validation=None,
    on_iteration=None,
):
    """Minimise ``objective`` by mini-batch stochastic gradient descent.

    Each epoch is one pass over the rows in mini-batches, followed by one exact
    evaluation of the objective (recorded in ``history``). The ``K`` binary
    problems of the objective share the passes over the data but keep their own
    steps and stopping tests; a problem that has stopped is no longer updated.

    A problem stops when the max-norm of its (proximal) gradient is at most
    ``grad_tol`` (the test of the L-BFGS solver): it has **converged**, the only
    way to. It also stops, **stalled**, after ``n_iter_no_change`` epochs in a row
    without progress:

    - with ``validation``: epochs that each fail to lower its validation loss
      below the best value so far by more than ``tol`` times that value (early
      stopping, which ends each problem at its best epoch);
    - with ``learning_rate="auto"``: epochs that lower neither its objective, by
      more than rounding (4 machine epsilons of the data's dtype, relative),
      nor its gradient's max-norm below the lowest so far. The objective's
      relative decrease per epoch falls far below ``tol`` long before the
      gradient meets its tolerance, so a ``tol`` on it would stop too early;
      the variance-reduced epochs stall only where rounding stops them;
    - with the plain schedules: epochs that each fail to lower its objective
      below the best value so far by more than ``tol`` times that value (with
      ``learning_rate="adaptive"``, such a run of epochs first divides the step
      by 5, and the problem stalls once the step would fall below 1e-6).

    A run is converged when every problem converged; otherwise its ``stop`` is
    ``"max_iter"`` if some problem was still running after ``max_iter`` epochs,
    and ``"stalled"`` if every problem that did not converge stalled, with
    ``tol_ratio`` the largest ratio of a stalled problem's final gradient
    max-norm to its ``grad_tol``.

    Parameters
    ----------
    objective : Objective
        The objective, with mini-batch evaluations; an L1 part of its penalty is
        handled by proximal (soft-thresholding) steps.
    x0 : ndarray of shape (n_params,)
        Starting point.
    tol : float, default=1e-4
        Relative progress of the no-progress test of the plain schedules and of
        the validation loss (see above); the gradient tolerance when
        ``grad_tol`` is None.
    grad_tol : float or ndarray of shape (K,), default=None
        Gradient max-norm at which a problem has converged, when it should
        differ from ``tol`` (an array gives each problem its own); ``tol`` when
        None.
    max_iter : int, default=100
        Maximum number of epochs.
    verbose : int, default=0
        Values above 0 print the objective after each epoch.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffles and of the curvature estimate.
    learning_rate : {"auto", "constant", "optimal", "invscaling", "adaptive"}, \
            default="auto"
        Step-size rule; ``t`` counts mini-batch steps from 1:

        - "auto": variance-reduced epochs with steps adapted to the curvature (see
          the module docstring);
        - "constant": ``eta0``;
        - "optimal": ``eta0 / (1 + alpha * eta0 * t)``, that is
          ``1 / (alpha * (t0 + t))`` with ``t0 = 1 / (alpha * eta0)`` and
          ``alpha`` the penalty's strength (``objective.penalty.strength``);
        - "invscaling": ``eta0 / t ** power_t``;
        - "adaptive": ``eta0``, divided by 5 whenever ``n_iter_no_change`` epochs
          in a row fail to lower the objective by ``tol``.
    eta0 : float or "auto", default="auto"
        Initial step; "auto" is ``1 / L`` with ``L`` the largest curvature of
        each problem at ``x0``. For ``learning_rate="auto"``, whose steps follow
        the curvature at each epoch's start, a number is an upper bound on the
        steps, taken in the plain metric (no quasi-Newton ``H``).
    power_t : float, default=0.5
        Exponent of "invscaling".
    batch_size : int or "auto", default="auto"
        Rows per mini-batch; "auto" is
        :func:`~sklearn_bce._solvers.minibatch.auto_batch_size`.
    shuffle : bool, default=True
        Whether the rows are drawn in a new random order every epoch (otherwise
        the batches are contiguous slices in the order of the data).
    average : bool or int, default=False
        Polyak-Ruppert averaging: the result is the mean of the iterates, from the
        first step (True) or once that many rows have been seen (an int). Not
        used by "auto", whose variance-reduced steps converge without it.
    n_iter_no_change : int, default=5
        Number of epochs in a row without progress after which a problem has
        stalled.
    validation : callable, default=None
        ``validation(theta) -> ndarray of shape (K,)``: the loss of each problem
        on held-out data. When given, the no-progress test watches it instead of
        the objective, and each problem ends at its best epoch.
    on_iteration : callable, default=None
        Called as ``on_iteration(k, n_iter, value, theta)`` after each epoch of
        problem ``k``: its epoch count, objective and parameters (the problem's
        row of the coefficients the epoch reports, not to be modified).

    Returns
    -------
    result : SGDResult
        ``history`` holds the objective after each epoch, ``n_iter`` the epochs
        of each problem, ``stop`` how the run ended (``"converged"``,
        ``"max_iter"`` or ``"stalled"``).
    """
    check_schedule(learning_rate, objective.penalty)
    run = _Run(
        objective, x0, tol, grad_tol, random_state, learning_rate, eta0, power_t,
        batch_size, shuffle, average, n_iter_no_change, validation,
    )
    for n_epoch in range(1, max_iter + 1):
        if not run.active.any():
            break
        if run.auto:
            excused = run.variance_reduced_epoch(n_epoch)
        else:
            excused = run.plain_epoch()
        run.record(n_epoch, verbose, on_iteration)
        run.update_stops(excused)
    return run.result()


class _Run:
    """The state of one :func:`sgd` run, and the steps of its epochs."""

    def __init__(
        self, objective, x0, tol, grad_tol, random_state, learning_rate, eta0,
        power_t, batch_size, shuffle, average, n_iter_no_change, validation,
    ):
        K = objective.K
        self.objective, self.K = objective, K
        self.tol = tol
        self.grad_tol = tol if grad_tol is None else np.asarray(grad_tol, float)
        self.learning_rate, self.power_t = learning_rate, power_t
        self.auto = learning_rate == "auto"
        # relative changes of the objective that rounding can explain
        self.rounding = _ROUNDING * float(np.finfo(objective.dtype).eps)
        self.alpha = objective.penalty.per_problem(objective.penalty.strength, K)
        self.rng = check_random_state(random_state)
        # The curvature estimates draw from their own stream, so that they do not
        # depend on how many rows the shuffles consumed.
        self.curvature_rng = np.random.RandomState(
            self.rng.randint(np.iinfo(np.int32).max)
        )
        self.batch_size = resolve_batch_size(batch_size, objective.n_samples)
        self.shuffle = shuffle
        self.theta = objective.project(np.array(x0, dtype=np.float64))
        self.F, self.grad = objective.evaluate(self.theta)
        self.point = self.theta.copy()  # the reported coefficients
        self.eta = initial_step(
            "auto" if self.auto else eta0, objective, self.theta, self.curvature_rng
        )
        if self.auto:
            self.cap = np.inf if isinstance(eta0, str) else float(eta0)
            self.trust = np.ones(K)
            self.secant = np.zeros(K)  # largest batch curvature of the last epoch
            self.eta = np.minimum(self.eta, self.cap)
            # steps in the metric of an L-BFGS inverse Hessian built from the
            # snapshots, with the default eta0, a smooth penalty and no bounds
            # (a projection is a proximal step, in the plain metric only)
            size = secant_pairs(objective)
            precondition = (
                isinstance(eta0, str) and objective.penalty.smooth
                and not objective.bounded
            )
            self.memory = (
                SecantMemory(K, objective.n_params // K, size)
                if precondition and size > 0 else None
            )
            # the power iterations of each epoch start from those of the last
            self.top = self.curvature_rng.standard_normal((K, objective.n_params // K))
        opt = optimality(objective, self.point, self.grad)
        self.active = opt > self.grad_tol
        self.met = ~self.active  # the gradient met its tolerance
        self.decrease = np.full(K, np.inf)  # what the last epoch lowered F by
        p = objective.positive_fraction()
        self.single = (p <= 0) | (p >= 1)
        self.stalled = np.zeros(K, dtype=bool)  # stopped on the plateau rule
        self.halved = opt.copy()  # the optimality at the last halving
        # below this the gradient's halvings are the dtype's rounding (the
        # coefficients, in the data's dtype, no longer change the objective)
        self.opt_floor = self.rounding * opt
        self.n_iter_no_change = n_iter_no_change
        self.n_iter = np.zeros(K, dtype=np.int32)
        self.validation = validation
        if validation is None:
            # The variance-reduced epochs watch the objective down to rounding:
            # at the gradient tolerance its relative decrease per epoch is far
            # below tol, and every epoch they keep lowers it.
            watch_tol = self.rounding if self.auto else tol
            self.monitor = NoImprovement(self.F, watch_tol, n_iter_no_change)
            self.best_point = None
        else:
            initial = np.asarray(validation(self.point), dtype=np.float64)
            self.monitor = NoImprovement(initial, tol, n_iter_no_change)
            self.best_point = self.point.copy()
        start = None if self.auto else average_start(average)
        self.averager = None if start is None else Averager(self.theta, K, start)
        self.history, self.val_history = [], []
        self.t = 0
        self.seen = 0

    def step(self):
        """The step of every problem for the next mini-batch."""
        self.t += 1
        return step_size(self.learning_rate, self.eta, self.t, self.alpha, self.power_t)

    def variance_reduced_epoch(self, n_epoch):
        """One SVRG epoch, kept for the problems whose objective it lowered.

        Returns the problems whose epoch was undone because their step was too
        long (the objective rose by more than rounding), which says nothing of
        convergence, so the epoch does not count towards ``n_iter_no_change``.
        """
        objective, active = self.objective, self.active
        H = H_act = None
        if self.memory is not None:
            H = self.memory.operator(np.arange(self.K))
            H_act = self.memory.operator(np.flatnonzero(active))
        if n_epoch > 1:
            L = curvature(
                objective, self.theta, self.curvature_rng, H,
                start=self.top, n_iter=_CURVATURE_WARM_ITER,
            )
            self.eta = np.minimum(self.cap, self.trust / np.maximum(L, self.secant))
        cand, self.seen, self.secant = epoch(
            objective, self.theta, self.step, self.rng, self.batch_size,
            self.shuffle, active, anchor=(self.theta, self.grad),
            samples_seen=self.seen, precondition=H_act,
        )
        F_new, grad_new = objective.evaluate(cand)
        # Below rounding the objective cannot tell; the gradient still can.
        level = self.F + self.rounding * np.abs(self.F)
        opt_new = optimality(objective, cand, grad_new)
        opt = optimality(objective, self.theta, self.grad)
        ok = active & ((F_new <= self.F) | ((F_new <= level) & (opt_new < opt)))
        failed = active & ~ok
        if self.memory is not None:
            steps = (cand - self.theta).reshape(self.K, -1)
            changes = (grad_new - self.grad).reshape(self.K, -1)
            for k in np.flatnonzero(ok):
                self.memory.add(k, steps[k], changes[k])
        keep = _blocks(ok, self.theta.size)
        self.theta = np.where(keep, cand, self.theta)
        self.grad = np.where(keep, grad_new, self.grad)
        # an undone epoch says nothing of the decrease still to come
        self.decrease = np.where(ok, self.F - F_new, np.inf)
        self.F = np.where(ok, F_new, self.F)
        self.trust = np.where(failed, self.trust * _SHRINK, self.trust)
        self.trust = np.where(ok, np.minimum(1.0, self.trust * _GROW), self.trust)
        self.point = self.theta
        # an epoch undone within rounding of the objective is not a step too
        # long but the dtype's precision: it counts as one without progress
        return failed & (F_new > level)

    def plain_epoch(self):
        """One epoch of plain SGD (averaged if asked); no epoch is excused."""
        objective, active = self.objective, self.active
        self.theta, self.seen, _ = epoch(
            objective, self.theta, self.step, self.rng, self.batch_size,
            self.shuffle, active, averager=self.averager, samples_seen=self.seen,
        )
        cand = self.theta if self.averager is None else self.averager.mean
        F_new, grad_new = objective.evaluate(cand)
        moved = _blocks(active, self.theta.size)
        self.point = np.where(moved, cand, self.point)
        self.grad = np.where(moved, grad_new, self.grad)
        self.decrease = np.where(active, np.abs(self.F - F_new), np.inf)
        self.F = np.where(active, F_new, self.F)
        return None

    def record(self, n_epoch, verbose, on_iteration=None):
        """Count the epoch, keep its objective and report it to ``on_iteration``."""
        self.n_iter[self.active] += 1
        self.history.append(float(self.F.sum()))
        report(
            on_iteration, np.flatnonzero(self.active), self.n_iter, self.F,
            self.point.reshape(self.K, -1),
        )
        if verbose:
            opt = optimality(self.objective, self.point, self.grad).max()
            print(
                f"SGD epoch {n_epoch}: objective {self.history[-1]:.10g}, largest "
                f"step {self.eta.max():.4g}, optimality {opt:.3g}"
            )

    def update_stops(self, excused):
        """Apply the stopping rule to the problems that ran this epoch."""
        active = self.active
        opt = optimality(self.objective, self.point, self.grad)
        if self.validation is None:
            self.monitor.update(self.F, active, excused)
        else:
            watch = np.asarray(self.validation(self.point), dtype=np.float64)
            self.val_history.append(float(watch.sum()))
            improved = self.monitor.update(watch, active, excused)
            self.best_point = np.where(
                _blocks(improved, self.theta.size), self.point, self.best_point
            )
        if self.auto and self.validation is None:
            # The objective's relative decrease is far below tol long before the
            # gradient meets its tolerance: an epoch that halves the full
            # gradient's lowest value since the last halving is progress (a new
            # low by rounding alone is not, as in Newton's method, nor one
            # below the rounding of the starting gradient)
            halved = active & (opt <= 0.5 * self.halved) & (opt > self.opt_floor)
            self.halved = np.where(halved, opt, self.halved)
            self.monitor.restart(halved)
        # the gradient met its tolerance, and the last epoch lowered the
        # objective little enough that little more is to come (SETTLE)
        # (a problem with a single class has no minimum: its objective falls
        # towards 0 for ever, and only its gradient can say when to stop)
        settled = self.single | (
            self.decrease <= SETTLE * self.grad_tol * np.abs(self.F)
        )
        met = active & (opt <= self.grad_tol) & settled
        stalled = active & ~met & self.monitor.stalled()
        if self.learning_rate == "adaptive":
            smaller = stalled & (self.eta / _ADAPTIVE_DIVISOR >= _ADAPTIVE_MIN_ETA)
            self.eta = np.where(smaller, self.eta / _ADAPTIVE_DIVISOR, self.eta)
            self.monitor.restart(smaller)
            stalled &= ~smaller
        self.met |= met
        self.stalled |= stalled
        self.active = active & ~(met | stalled)

    def stall_message(self):
        """What the problems that stalled failed to do."""
        if self.learning_rate == "adaptive":
            return (
                f"the step of learning_rate='adaptive' fell below {_ADAPTIVE_MIN_ETA:g}"
            )
        if self.auto and self.validation is None:
            return (
                f"{self.n_iter_no_change} epochs in a row lowered neither the "
                "objective, beyond rounding, nor the gradient"
            )
        message = (
            f"{self.n_iter_no_change} epochs in a row did not lower the "
            f"{'objective' if self.validation is None else 'held-out loss'} by "
            f"more than tol={self.tol!r} times its value"
        )
        if self.validation is not None:
            message = f"early stopping: {message}"
        return message

    def result(self):
        """The :class:`SGDResult` of the run (the best epochs, with validation)."""
        if self.validation is None:
            x, F, grad = self.point, self.F, self.grad
        else:
            x = self.best_point
            F, grad = self.objective.evaluate(x)
        K = self.K
        opt = optimality(self.objective, x, grad)
        grad_tol = np.broadcast_to(np.asarray(self.grad_tol, dtype=np.float64), (K,))
        # With validation, a problem ends at its best epoch, which need not be
        # the one where its gradient met the tolerance: then it stopped early.
        met = self.met & (opt <= grad_tol)
        stalled = (self.stalled | self.met) & ~met
        result = problems_result(
            x.reshape(K, -1), self.n_iter, met, stalled, F, opt, grad_tol,
            self.history, stop="stalled", stall_message=self.stall_message(),
        )
        if result.stop == "max_iter":
            result.message = "maximum number of epochs reached"
        return SGDResult(
            **{f.name: getattr(result, f.name) for f in fields(SolverResult)},
            validation_history=self.val_history,
        )
