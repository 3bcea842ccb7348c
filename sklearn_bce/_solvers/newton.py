"""Newton's method with a Cholesky solve of each problem's Hessian.

Each iteration computes the exact Hessian of every problem still running (one pass
over ``X`` costing about ``n_samples * n_features**2`` per problem), solves for the
Newton step by a Cholesky factorisation, and takes the step, halved until the
objective decreases enough (Armijo's rule). Near the optimum the steps are full and
convergence is quadratic, however ill-conditioned the problem: unscaled features,
collinear columns and nearly separable classes, which make first-order methods
crawl, cost Newton's method a few more iterations at most. The ``K`` problems of a
one-vs-rest fit share every pass over ``X``; each stops on its own tolerance.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve, eigh

from ._base import report, requires
from .stopping import Progress, optimality, problems_result

#: Most halvings of a step before the line search gives up.
_MAX_HALVINGS = 40
#: Iterations in a row without progress (see :class:`~.stopping.Progress`) after
#: which a problem has reached the precision of its dtype.
_PRECISION_STEPS = 3


@requires("hessian", "smooth")
def newton_cholesky(
    objective, x0, *, tol=1e-5, max_iter=100, verbose=0, on_iteration=None,
    unsettled=None,
):
    """Minimise ``objective`` by Newton's method, per problem.

    The stopping rule is the one of :func:`~sklearn_bce._solvers.lbfgs`: a
    problem stops when the largest absolute entry of its gradient is at most
    ``tol``, or after ``max_iter`` iterations; in addition, its last step must
    have lowered the objective by at most ``tol`` times its value, so that
    quadratic convergence has set in (not asked of a problem with a single
    target value, which has no minimum). A problem also stops when its
    progress is down to the rounding of the data's dtype: its line search finds
    no decrease, or ``_PRECISION_STEPS`` iterations in a row neither lower the
    objective by more than its rounding nor halve the smallest gradient so far
    (:class:`~sklearn_bce._solvers.stopping.Progress`). Such a problem counts
    as converged only if its gradient met ``tol``; otherwise the result says
    how far above ``tol`` the gradient stopped (``stop="precision"``,
    ``tol_ratio``).

    With bounds on the coefficients (``objective.bounded``) each step minimises
    the quadratic model within the box (by an active-set method, see
    :func:`_box_newton_step`), and the line search runs along it (projected on
    the box, which the step leaves only by rounding). Once the bound
    coefficients are found, it is Newton's method on the others, with its
    quadratic convergence; the gradient is the projected one, zero at a bound
    that holds a coefficient.

    Parameters
    ----------
    objective : Objective
        Its ``loss_gradient_problems(T, cols)`` and ``hessian_problems(T, cols)``
        give per-problem values, gradients and Hessians.
    x0 : ndarray of shape (K * n_coef,)
        Starting point.
    tol : float or ndarray of shape (K,), default=1e-5
        Gradient max-norm at which a problem stops; an array gives each problem
        its own.
    max_iter : int, default=100
        Maximum number of Newton iterations per problem.
    verbose : int, default=0
        Values above 0 print each problem's objective after each iteration.
    on_iteration : callable, default=None
        Called as ``on_iteration(k, n_iter, value, theta)`` after each iteration
        of problem ``k``: its iteration count, objective and parameters (the
        problem's row, not to be modified).

    unsettled : ndarray of bool of shape (K,), default=None
        Problems that take at least one step even if their gradient already
        meets ``tol`` at ``x0`` (handed over by a solver that did not settle
        them).

    Returns
    -------
    result : SolverResult
        ``n_iter`` has one entry per problem; ``converged`` is True when every
        problem met the tolerance.
    """
    K = objective.K
    T = objective.project(np.array(x0, dtype=np.float64).reshape(K, -1))
    box = objective.problem_bounds() if objective.bounded else None
    tol = np.broadcast_to(np.asarray(tol, dtype=np.float64), (K,))
    eps = np.finfo(objective.dtype).eps
    loss, G = objective.loss_gradient_problems(T)
    g_max = optimality(objective, T, G)
    n_iter = np.zeros(K, dtype=np.int32)
    at_precision = np.zeros(K, dtype=bool)
    history = []

    decrease = np.zeros(K)  # what each problem's last step lowered its objective by
    progress = Progress(loss, g_max, eps, _PRECISION_STEPS)
    single = objective.single_valued()
    start = g_max > tol if unsettled is None else (g_max > tol) | unsettled
    active = np.flatnonzero(start)
    while active.size:
        cols = None if active.size == K else active
        H = objective.hessian_problems(T[active], cols=cols)
        step = np.stack([
            _newton_step(H[i], G[k])
            if box is None
            else _box_newton_step(H[i], G[k], box[0][k] - T[k], box[1][k] - T[k])
            for i, k in enumerate(active)
        ])
        before = loss[active].copy()
        taken = _line_search(objective, T, loss, G, active, step, eps)
        decrease[active] = before - loss[active]
        g_max = optimality(objective, T, G)
        # A few iterations in a row that neither lower the objective beyond
        # its rounding nor halve the gradient (whatever the line search
        # accepted) mean that the dtype's precision is reached.
        stuck = progress.update(loss, g_max, active)
        at_precision[active] = ~taken | stuck[active]
        n_iter[active] += 1
        if K == 1:
            history.append(float(loss[0]))
        if verbose:
            for k in active:
                print(
                    f"Newton problem {k} iteration {n_iter[k]}: "
                    f"objective {loss[k]:.10g}"
                )
        report(on_iteration, active, n_iter, loss, T)
        # The gradient alone says little where the objective is curved little
        # (nearly separable classes): a problem whose last step still lowered
        # its objective by more than tol times its value takes one more step,
        # which near the optimum costs one iteration and gains many digits.
        # (not a problem without a minimum: its objective falls for ever)
        unsettled = (g_max > tol) | ((decrease > tol * np.abs(loss)) & ~single)
        active = np.flatnonzero(unsettled & ~at_precision & (n_iter < max_iter))

    met = g_max <= tol
    return problems_result(
        T, n_iter, met, at_precision, loss, g_max, tol, history
    )


#: Most rounds of the active-set method of a step within bounds.
_MAX_ACTIVE_SET_ROUNDS = 50


def _line_search(objective, T, loss, G, active, step, eps):
    """Backtracking (Armijo) along ``step`` for the active problems, in place.

    ``T``, ``loss`` and ``G`` are updated for the problems whose step is taken.
    At the optimum the decrease drowns in rounding, so a step that changes the
    objective by rounding only and shrinks the gradient is taken too. Returns,
    per active problem, whether a step was taken.
    """
    K = objective.K
    slope = np.einsum("ij,ij->i", step, G[active])  # < 0 unless at precision
    alpha = np.ones(active.size)
    taken = np.zeros(active.size, dtype=bool)
    todo = np.arange(active.size)
    for _ in range(_MAX_HALVINGS + 1):
        idx = active[todo]
        cols = None if idx.size == K else idx
        trial = T[idx] + alpha[todo, None] * step[todo]
        # along the projected path with bounds: the decrease is then asked of
        # the step actually taken (Armijo's rule for projected methods)
        trial = objective.project(trial, idx) if objective.bounded else trial
        predicted = np.einsum("ij,ij->i", trial - T[idx], G[idx])
        t_loss, t_G = objective.loss_gradient_problems(trial, cols=cols)
        armijo = t_loss <= loss[idx] + 1e-4 * predicted
        flat = (np.abs(t_loss - loss[idx]) <= 8 * eps * np.abs(loss[idx])) & (
            np.abs(t_G).sum(axis=1) < np.abs(G[idx]).sum(axis=1)
        )
        ok = (armijo | flat) & (slope[todo] < 0)
        T[idx[ok]], loss[idx[ok]], G[idx[ok]] = trial[ok], t_loss[ok], t_G[ok]
        taken[todo[ok]] = True
        todo = todo[~ok]
        if not todo.size:
            break
        alpha[todo] *= 0.5
    return taken


def _box_newton_step(H, g, lo, hi):
    """The step ``p`` minimising ``g'p + p'Hp/2`` within ``lo <= p <= hi``.

    ``lo <= 0 <= hi`` are the distances from the current point to its bounds.
    A primal active-set method: the parameters on a bound that their gradient
    pushes against start fixed there; the others take a Newton step on their
    block of ``H`` (given the fixed ones); those that it takes past a bound are
    fixed on it and the block is solved again; and a fixed parameter whose
    model gradient turns inwards is freed. On the final set ``p`` is the
    minimiser of the model over the box, so the step is feasible and the line
    search need not cut it to stay in the box: from a point where many
    parameters lie near their bounds (as L-BFGS-B leaves them), the bounds that
    hold are found within the step instead of one or two per iteration. After
    ``_MAX_ACTIVE_SET_ROUNDS`` rounds the last step is clipped to the box.
    """
    fixed_lo = (lo >= 0) & (g > 0)
    fixed_hi = (hi <= 0) & (g < 0)
    p = np.zeros_like(g)
    for _ in range(_MAX_ACTIVE_SET_ROUNDS):
        fixed = fixed_lo | fixed_hi
        p[fixed_lo], p[fixed_hi] = lo[fixed_lo], hi[fixed_hi]
        free = ~fixed
        if free.any():
            rhs = g[free] + H[np.ix_(free, fixed)] @ p[fixed]
            p[free] = _newton_step(H[np.ix_(free, free)], rhs)
        past_lo, past_hi = free & (p < lo), free & (p > hi)
        if past_lo.any() or past_hi.any():
            fixed_lo |= past_lo
            fixed_hi |= past_hi
            continue
        r = H @ p + g  # the model's gradient: >= 0 on a lower bound that holds
        wrong_lo, wrong_hi = fixed_lo & (r < 0), fixed_hi & (r > 0)
        if not (wrong_lo.any() or wrong_hi.any()):
            return p
        fixed_lo &= ~wrong_lo
        fixed_hi &= ~wrong_hi
    return np.clip(p, lo, hi)


def _newton_step(H, g):
    """Solve ``H p = -g``; a singular ``H`` gets the minimum-norm solution.

    The Hessian is singular only without a penalty (``C=np.inf``) and with
    redundant features (constant or duplicated columns): the objective is then
    flat along some directions, and the step leaves them alone.
    """
    try:
        factor = cho_factor(H, check_finite=False)
        p = cho_solve(factor, -g, check_finite=False)
        if np.all(np.isfinite(p)):
            return p
    except LinAlgError:
        pass
    w, V = eigh(H, check_finite=False)
    keep = w > np.finfo(float).eps * max(float(w.max()), 0.0) * H.shape[0]
    return -(V[:, keep] @ ((V[:, keep].T @ g) / w[keep]))
