"""Limited-memory BFGS through :func:`scipy.optimize.minimize`.

With ``K > 1`` independent problems (one-vs-rest), every problem gets its own
scipy L-BFGS-B run, so each one stops on its own tolerance and reports its own
iteration count, exactly as ``OneVsRestClassifier`` fitting ``K`` estimators would.
On large data the runs are not sequential, though: each runs in a light thread
whose objective calls meet in :class:`_SharedEvaluations`, which evaluates all
pending problems in one fused pass over ``X``. A problem that has converged leaves
the batch, so later passes only compute the problems still running. On data that
fit in cache (the backend's ``fuse_problems`` is False) the problems run one after
the other: a fused pass saves little there, and the meeting of the threads at
every evaluation costs more (ten classes of ``load_digits``: 0.16 s in turn
against 1.4 s together).
"""

from __future__ import annotations

import threading
from typing import NamedTuple

import numpy as np
from scipy.optimize import Bounds, minimize

from ._base import requires
from .stopping import SETTLE, problems_result


@requires("smooth")
def lbfgs(objective, x0, *, tol=1e-5, max_iter=100, verbose=0, on_iteration=None):
    """Minimise ``objective`` with scipy's L-BFGS-B, per problem.

    The stopping rule is the one of ``LogisticRegression(solver="lbfgs")``, applied
    to each of the ``K`` problems on its own: stop when the largest absolute entry
    of that problem's gradient is at most ``tol`` (scipy's ``gtol``), or after
    ``max_iter`` iterations. A problem whose gradient met ``tol`` goes on while
    L-BFGS's own model of the objective predicts a decrease of more than
    ``SETTLE * tol`` times its value (where the objective is curved little, a
    small gradient can leave a large gap). Only a met gradient counts as
    converged: where scipy stops earlier (an iteration that lowers the
    objective by rounding only, or a line search without decrease), the problem
    has stalled above ``tol``, and the result says so (``stop``, ``tol_ratio``).
    Bounds on the coefficients (``objective.problem_bounds``) go to L-BFGS-B
    as they are, and the gradient in these tests is the projected gradient
    ``T - clip(T - G)`` (scipy's own), zero at a bound that holds a coefficient.

    Parameters
    ----------
    objective : Objective
        Its ``loss_gradient_problems(T, cols)`` gives per-problem values and
        gradients; ``backend.fuse_problems`` says whether the problems share
        their passes over the data.
    x0 : ndarray of shape (K * n_coef,)
        Starting point.
    tol : float or ndarray of shape (K,), default=1e-5
        Gradient max-norm at which a problem stops; an array gives each problem
        its own.
    max_iter : int, default=100
        Maximum number of iterations per problem.
    verbose : int, default=0
        Values above 0 print the objective after each iteration.
    on_iteration : callable, default=None
        Called as ``on_iteration(k, n_iter, value, theta)`` after each iteration
        of problem ``k``: its iteration count, objective and parameters (the
        problem's row, not to be modified). With fused evaluations it is called
        from the problem's thread, so it must be thread-safe.

    Returns
    -------
    result : SolverResult
        ``n_iter`` has one entry per problem; ``converged`` is True when every
        problem met the tolerance.
    """
    K = objective.K
    T0 = objective.project(np.asarray(x0, dtype=np.float64).reshape(K, -1))
    tol = np.broadcast_to(np.asarray(tol, dtype=np.float64), (K,))
    lower, upper = objective.problem_bounds()
    box = [
        _Bounds(lower[k], upper[k]) if objective.bounded else None for k in range(K)
    ]
    if K == 1 or not objective.backend.fuse_problems:
        # One problem after the other: with data that fit in cache, shared
        # passes save little, and the meeting of K solver threads costs more.
        results = []
        for k in range(K):
            cols = None if K == 1 else np.array([k])

            def fun(theta, cols=cols):
                loss, G = objective.loss_gradient_problems(theta[None, :], cols=cols)
                return float(loss[0]), G[0]

            results.append(_minimize(
                fun, T0[k], k, float(tol[k]), max_iter, verbose, on_iteration,
                box[k],
            ))
    else:
        results = _minimize_together(
            objective, T0, tol, max_iter, verbose, on_iteration, box
        )

    stops = np.array([r.stop for r in results], dtype=object)
    return problems_result(
        np.stack([r.x for r in results]),
        np.array([r.n_iter for r in results], dtype=np.int32),
        stops == "converged", np.isin(stops, ("stalled", "precision")),
        np.array([r.fun for r in results]), np.array([r.grad_norm for r in results]),
        tol, results[0].history if K == 1 else [], stops,
        stall_message="L-BFGS's line search found no decrease",
    )


#: Runs of L-BFGS at most (each with a tighter gradient tolerance) per problem.
_MAX_RUNS = 4


class _Bounds(NamedTuple):
    """Bounds of one problem's parameters."""

    lower: np.ndarray
    upper: np.ndarray

    def projected(self, x, g):
        """The projected gradient ``x - clip(x - g)``: zero where a bound holds."""
        return x - np.clip(x - g, self.lower, self.upper)


class _Problem(NamedTuple):
    """How the L-BFGS runs of one problem ended."""

    x: np.ndarray
    n_iter: int
    fun: float
    grad_norm: float
    history: list
    stop: str  # one of STOPS


def _minimize(fun, x0, k, tol, max_iter, verbose, on_iteration=None, box=None):
    """L-BFGS-B runs of one problem until it is settled; returns a ``_Problem``.

    A run stops when the gradient max-norm meets its tolerance; if the model
    then predicts a decrease above ``SETTLE * tol`` times the objective, another
    run starts from there with the gradient tolerance lowered as much as the
    prediction asks (it falls with the square of the gradient).
    """
    history = []

    def callback(intermediate_result):
        history.append(float(intermediate_result.fun))
        if verbose:
            print(
                f"L-BFGS problem {k} iteration {len(history)}: "
                f"objective {history[-1]:.10g}"
            )
        if on_iteration is not None:
            on_iteration(k, len(history), history[-1], intermediate_result.x)

    gtol, x = tol, x0
    unsettled = False  # gradient met, but the model still predicts a decrease
    for _ in range(_MAX_RUNS):
        res = _run(fun, x, gtol, max_iter - len(history), callback, box)
        x = res.x
        g = np.asarray(res.jac, dtype=np.float64)
        if box is not None:
            g = box.projected(x, g)
        met = np.max(np.abs(g), initial=0.0) <= gtol
        if not met:
            break
        predicted = 0.5 * float(g @ res.hess_inv.matvec(g))
        wanted = SETTLE * tol * max(abs(float(res.fun)), np.finfo(float).tiny)
        unsettled = predicted > wanted
        if not unsettled or len(history) >= max_iter:
            break
        gtol *= max(0.5 * np.sqrt(wanted / predicted), 1e-3)
    grad_norm = float(np.max(np.abs(g), initial=0.0))
    n_iter = min(len(history), max_iter)
    # Converged means the gradient met tol, nothing else (a problem still
    # unsettled at max_iter has not converged either; one whose tighter runs stop
    # at the dtype's precision has: it can go no further). Otherwise: the
    # iteration limit (status 1); an iteration that left the objective unchanged
    # (status 0 with ftol=0: the precision of the arithmetic); a line search that
    # found no decrease (status 2, a stall). A fit with solver='auto' goes on with
    # Newton's method after the last two.
    if grad_norm <= tol and not (unsettled and n_iter >= max_iter):
        stop = "converged"
    elif res.status == 1 or n_iter >= max_iter:
        stop = "max_iter"
    elif res.status == 0:
        stop = "precision"
    else:
        stop = "stalled"
    return _Problem(x, n_iter, float(res.fun), grad_norm, history, stop)


def _run(fun, x0, gtol, max_iter, callback, box=None):
    """One scipy L-BFGS-B run from ``x0`` (within ``box``, if any)."""
    return minimize(
        fun,
        x0,
        method="L-BFGS-B",
        jac=True,
        bounds=None if box is None else Bounds(box.lower, box.upper),
        callback=callback,
        options={
            "maxiter": max(max_iter, 1),
            "maxls": 50,
            "gtol": gtol,
            # scipy's other test, on the objective's relative decrease, is off
            # (only an iteration that leaves the objective unchanged stops): it
            # would stop on rounding-level decreases while the gradient, the
            # stopping rule, can still be lowered.
            "ftol": 0.0,
        },
    )


def _minimize_together(
    objective, T0, tol, max_iter, verbose, on_iteration=None, box=None
):
    shared = _SharedEvaluations(objective)
    results = [None] * objective.K
    errors = []

    def run(k):
        try:
            results[k] = _minimize(
                lambda theta: shared.evaluate(k, theta),
                T0[k], k, float(tol[k]), max_iter, verbose, on_iteration,
                None if box is None else box[k],
            )
        except BaseException as exc:  # re-raised in the calling thread below
            errors.append(exc)
            shared.abort(exc)  # e.g. a failing on_iteration: stop the others too
        finally:
            shared.leave(k)

    threads = [
        threading.Thread(
            target=run, args=(k,), daemon=True, name=f"sklearn-bce lbfgs problem {k}"
        )
        for k in range(objective.K)
    ]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except BaseException as exc:  # KeyboardInterrupt while waiting: stop them all
        shared.abort(exc)
        for t in threads:
            t.join()
        raise
    if errors:
        raise errors[0]
    return results


class _SharedEvaluations:
    """Meeting point of the per-problem solver threads.

    A thread asking for ``f_k(theta_k)`` waits until every problem still running
    has asked for its own value; the last one to arrive evaluates all of them at
    once with :meth:`loss_gradient_problems` and wakes the others.
    """

    def __init__(self, objective):
        self.objective = objective
        self.cond = threading.Condition()
        self.running = set(range(objective.K))
        self.pending = {}
        self.results = {}
        self.error = None

    def evaluate(self, k, theta):
        with self.cond:
            if self.error is not None:
                raise self.error
            self.pending[k] = theta
            self._maybe_run()
            self.cond.wait_for(lambda: k in self.results or self.error is not None)
            if k not in self.results:
                raise self.error
            return self.results.pop(k)

    def abort(self, exc):
        """Make every waiting and later evaluation raise ``exc``."""
        with self.cond:
            if self.error is None:
                self.error = exc
            self.cond.notify_all()

    def leave(self, k):
        with self.cond:
            self.running.discard(k)
            self._maybe_run()

    def _maybe_run(self):
        # called with the lock held
        if not self.pending or set(self.pending) != self.running:
            return
        cols = np.fromiter(sorted(self.pending), dtype=np.intp)
        T = np.stack([self.pending[k] for k in cols])
        self.pending = {}
        everyone = cols.size == self.objective.K
        try:
            loss, G = self.objective.loss_gradient_problems(
                T, cols=None if everyone else cols
            )
        except BaseException as exc:
            self.error = exc
        else:
            for i, k in enumerate(cols):
                self.results[k] = (float(loss[i]), G[i])
        self.cond.notify_all()
