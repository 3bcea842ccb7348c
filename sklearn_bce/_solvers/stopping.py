"""The stopping rule shared by the solvers.

A problem has **converged** when its optimality is at most its gradient
tolerance: the max-norm of its gradient in solver coordinates, or of its
proximal gradient ``T - prox(T - G)`` when the penalty has an L1 part or the
coefficients are bounded (the prox then clips to the bounds: this is the
projected gradient; zero exactly at the optimum in every case). L-BFGS applies
the same test through scipy's ``gtol`` (and goes on while its own model still
predicts a decrease); coordinate descent uses the minimum-norm subgradient
(:func:`min_norm_subgradient`), which is at least the proximal gradient. Nothing
else counts as convergence.

A problem can stop earlier, and the solver then says why
(:data:`~sklearn_bce._solvers._base.STOPS`, worded by the fit's
ConvergenceWarning):

* ``"max_iter"``: the iteration (epoch) limit;
* ``"stalled"``: no more progress above the tolerance: a line search without
  decrease, or, for the stochastic solvers, ``n_iter_no_change`` epochs in a row
  without progress (:class:`NoImprovement`);
* ``"precision"``: the objective and gradient only change by rounding
  (:class:`Progress`, or an L-BFGS iteration that leaves the objective
  unchanged).
"""

from __future__ import annotations

import numpy as np

from ._base import SolverResult

__all__ = [
    "SETTLE", "NoImprovement", "Progress", "min_norm_subgradient", "optimality",
    "tol_ratio",
]


def optimality(objective, theta, grad):
    """Max-norm of each problem's (proximal) gradient: zero exactly at the optimum.

    Parameters
    ----------
    objective : Objective
        The objective (its penalty decides whether the proximal form is used).
    theta : ndarray of shape (n_params,) or (K, n_coef)
        Parameters of all the problems.
    grad : ndarray of the same size
        Gradient of the smooth part at ``theta``.

    Returns
    -------
    optimality : ndarray of shape (K,)
    """
    K = objective.K
    G = np.asarray(grad, dtype=np.float64).reshape(K, -1)
    if not objective.penalty.smooth or objective.bounded:
        T = np.asarray(theta, dtype=np.float64).reshape(K, -1)
        G = T - objective.prox(T - G, np.ones((K, 1)))
    return np.abs(G).max(axis=1, initial=0.0)


def min_norm_subgradient(grad, coef, thresh, lower=None, upper=None):
    """Distance of zero to the subdifferential of ``f + sum_j thresh_j |coef_j|``.

    With bounds, the subdifferential includes the normal cone of the box: at a
    lower bound, any smaller value; at an upper bound, any larger one.

    The optimality measure of the coordinate-descent solver: zero exactly at
    the optimum, and, unlike the proximal gradient, zero at a zero coefficient
    only when the L1 part holds it there (``|grad_j| <= thresh_j``).

    Parameters
    ----------
    grad : ndarray of shape (m,)
        Gradient of the smooth part.
    coef : ndarray of shape (m,)
        The coefficients.
    thresh : float or ndarray of shape (m,)
        Strength of the L1 part of each coefficient.
    lower, upper : ndarray of shape (m,), default=None
        Bounds on the coefficients (none when None).

    Returns
    -------
    sub : ndarray of shape (m,)
        ``|grad_j + thresh_j sign(coef_j)|`` where ``coef_j`` is non-zero,
        ``max(|grad_j| - thresh_j, 0)`` where it is zero, without bounds.
    """
    grad = np.asarray(grad, dtype=np.float64)
    sign = np.sign(coef)
    # the subdifferential is the interval [low, high]
    low = np.where(coef != 0, grad + thresh * sign, grad - thresh)
    high = np.where(coef != 0, low, grad + thresh)
    if lower is not None:
        low = np.where(coef <= lower, -np.inf, low)
        high = np.where(coef >= upper, np.inf, high)
    return np.maximum(np.maximum(low, -high), 0.0)


class NoImprovement:
    """Counts, per problem, the epochs in a row without sufficient progress.

    An epoch makes progress on a problem when its watched value (objective or
    validation loss) falls below ``best - tol * |best|``, ``best`` the lowest value
    seen so far.

    Parameters
    ----------
    initial : ndarray of shape (K,)
        The watched values at the start.
    tol : float
        Relative improvement that counts as progress.
    patience : int
        Epochs in a row without progress after which a problem has stalled.
    """

    def __init__(self, initial, tol, patience):
        self.best = np.array(initial, dtype=np.float64)
        self.count = np.zeros(self.best.size, dtype=np.int32)
        self.tol = tol
        self.patience = patience

    def update(self, value, active, excused=None):
        """Record one epoch's values of the active problems.

        Parameters
        ----------
        value : ndarray of shape (K,)
            The watched values after the epoch.
        active : ndarray of bool of shape (K,)
            Problems that ran the epoch; the count of the others restarts.
        excused : ndarray of bool of shape (K,), default=None
            Problems whose epoch does not count either way (their count is kept).

        Returns
        -------
        improved : ndarray of bool of shape (K,)
            Active problems whose value is the best so far.
        """
        value = np.asarray(value, dtype=np.float64)
        improved = active & (value < self.best)
        slow = active & (value > self.best - self.tol * np.abs(self.best))
        count = np.where(slow, self.count + 1, 0)
        if excused is not None:
            count = np.where(excused, self.count, count)
        self.count = count.astype(np.int32)
        self.best = np.where(active, np.minimum(self.best, value), self.best)
        return improved

    def stalled(self):
        """Problems that have gone ``patience`` epochs in a row without progress.

        Returns
        -------
        stalled : ndarray of bool of shape (K,)
        """
        return self.count >= self.patience

    def restart(self, mask):
        """Forget the epochs without progress of the problems in ``mask``.

        Parameters
        ----------
        mask : ndarray of bool of shape (K,)
        """
        self.count = np.where(mask, 0, self.count).astype(np.int32)


#: A problem whose gradient met ``tol`` is settled when the decrease still to
#: come, as its solver estimates it, is at most ``SETTLE * tol`` times the
#: objective: for L-BFGS, ``g' H g / 2`` with ``H`` its inverse-Hessian estimate;
#: for SGD, the last epoch's decrease. L-BFGS's estimate runs 10 to 100 times
#: below the true gap where the objective is curved little (wide data, nearly
#: separable classes), hence the margin: the gap then stays below about
#: ``tol / 10`` (1e-6 at the default ``tol``), and below ``tol`` where L-BFGS
#: crawls on nearly separable classes with a weak penalty.
SETTLE = 1e-3


class Progress:
    """Whether each problem still makes progress at the precision of its dtype.

    An iteration makes progress on a problem when it lowers the objective below
    its value at the last progress by more than its rounding (``rounding`` times
    the dtype's eps, relative), or brings the gradient below half its smallest
    value so far. ``patience`` iterations in a row without either mean that the
    objective and gradient only change by rounding: the problem has reached the
    precision of its dtype. The test looks at the values only, so it says the
    same whatever the storage format, the weights or the intercept.

    Parameters
    ----------
    fun, g_max : ndarray of shape (K,)
        Objective and optimality at the start.
    eps : float
        Machine epsilon of the data's dtype.
    patience : int
        Iterations in a row without progress that mean the precision is reached.
    rounding : float, default=8
        The objective's rounding, in units of ``eps`` times its value.
    """

    def __init__(self, fun, g_max, eps, patience, rounding=8.0):
        self.f_ref = np.array(fun, dtype=np.float64)
        self.g_best = np.array(g_max, dtype=np.float64)
        self.count = np.zeros(self.f_ref.size, dtype=np.int32)
        self.eps, self.patience, self.rounding = eps, patience, rounding

    def update(self, fun, g_max, active=None):
        """Record an iteration of the ``active`` problems (all by default).

        Parameters
        ----------
        fun, g_max : ndarray of shape (K,)
            Objective and optimality after the iteration.
        active : ndarray of int, default=None
            The problems that made the iteration.

        Returns
        -------
        at_precision : ndarray of bool of shape (K,)
            Problems without progress for ``patience`` iterations in a row.
        """
        idx = slice(None) if active is None else active
        f = np.asarray(fun, dtype=np.float64)[idx]
        g = np.asarray(g_max, dtype=np.float64)[idx]
        f_ref, g_best = self.f_ref[idx], self.g_best[idx]
        lower = f < f_ref - self.rounding * self.eps * np.abs(f_ref)
        progress = lower | (g < 0.5 * g_best)
        self.f_ref[idx] = np.where(lower, f, f_ref)
        self.g_best[idx] = np.minimum(g_best, g)
        self.count[idx] = np.where(progress, 0, self.count[idx] + 1)
        return self.count >= self.patience


def tol_ratio(g_max, tol, limited):
    """How far above ``tol`` the problems that stopped early are.

    Parameters
    ----------
    g_max : ndarray of shape (K,)
        Final gradient max-norm of every problem.
    tol : ndarray of shape (K,)
        Their tolerances.
    limited : ndarray of bool of shape (K,)
        The problems that stopped early (stalled, or at the precision of the
        data's dtype) before meeting ``tol``.

    Returns
    -------
    ratio : float
        The largest ``g_max / tol`` among them; 0 when there are none.
    """
    if not np.any(limited):
        return 0.0
    return float(np.max(g_max[limited] / np.maximum(tol[limited], 1e-300)))


def problems_result(
    T, n_iter, met, early, fun, g_max, tol, history, stop="precision",
    stall_message="no progress before tol",
):
    """The :class:`SolverResult` of a solver that runs each problem to its own end.

    Parameters
    ----------
    T : ndarray of shape (K, n_coef)
        Final parameters of every problem.
    n_iter : ndarray of shape (K,)
        Iterations of every problem.
    met : ndarray of bool of shape (K,)
        Whether each problem met its tolerance.
    early : ndarray of bool of shape (K,)
        Whether each problem stopped early, before ``max_iter``, for the reason
        ``stop``.
    fun, g_max, tol : ndarray of shape (K,)
        Final objective, optimality and tolerance of every problem.
    history : list of float
        The objective after each iteration (one problem only).
    stop : {"precision", "stalled"} or ndarray of str of shape (K,), default="precision"
        Why the problems in ``early`` stopped (see
        :data:`~sklearn_bce._solvers._base.STOPS`).
    stall_message : str, default="no progress before tol"
        The result's ``message`` when it stalled: what the solver failed to do.

    Returns
    -------
    result : SolverResult
    """
    stops = np.broadcast_to(np.asarray(stop, dtype=object), np.shape(met))
    failed = ~np.asarray(met)
    early = np.asarray(early) & failed
    if not failed.any():
        outcome = "converged"
    elif np.any(failed & ~early):
        outcome = "max_iter"
    elif np.any(stops[early] == "stalled"):
        outcome = "stalled"
    else:
        outcome = "precision"
    message = {
        "converged": "converged",
        "max_iter": "iteration limit reached",
        "stalled": stall_message,
        "precision": "precision of the data's dtype reached before tol",
    }[outcome]
    return SolverResult(
        x=T.ravel(),
        n_iter=n_iter,
        converged=outcome == "converged",
        fun=float(np.sum(fun)),
        grad_norm=float(np.max(g_max)) if np.size(g_max) else 0.0,
        history=history,
        message=message,
        tol_ratio=tol_ratio(g_max, tol, early),
        stop=outcome,
        met=~failed,
    )
