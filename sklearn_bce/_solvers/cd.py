"""Proximal Newton with coordinate descent: exact L1 and elastic-net fits.

The algorithm of glmnet (and of glum's ``irls-cd``), on a working set:

* **Outer (proximal Newton) iterations.** At the current point, the per-sample
  curvatures ``h_i = (s_i / S) sigmoid'(z_i)`` and residuals give a quadratic
  model of the data term. Its minimiser plus the penalty is found by cyclic
  coordinate descent with soft-thresholding, and the step to it is taken with a
  backtracking line search on the true objective (the condition of Tseng and
  Yun, which includes the L1 part).
* **Centring.** The intercept is unpenalised; the quadratic model is written in
  the columns centred by their ``h``-weighted means, so that the intercept
  separates from the coefficients and its step is exact. Sparse columns stay
  sparse: the centring is carried by the Gram matrix and the intercept.
* **Working sets.** Coordinate descent runs on a working set only: the
  non-zero coefficients and the worst violators of the optimality conditions
  (at most as many as there are non-zeros, and at least ``_MIN_WORKING_SET``;
  all of them when they are at most ``_TAKE_ALL`` times that), ranked by one
  pass over ``X`` for the full gradient (``X' r``, from the residuals of the
  logits that the steps keep up to date). The restricted problem is solved
  until its optimality is a fraction of the violations outside (looked at
  again, when none were left, as the restricted problem progresses), then the
  full gradient is computed again (if the point moved) and the set grows; it
  never shrinks, so the columns it holds are read once. The work of an
  iteration is ``n_samples * m**2`` for a working set of ``m`` columns, the
  Gram matrix ``X_A' diag(h) X_A`` (the backend's ``column_gram``), plus the
  backend's ``columns`` for the features that join (with the next-ranked
  features as ``upcoming``, which a later set may need): the cost follows the
  number of non-zero coefficients rather than ``n_features``.
* **Stopping.** A problem stops when the largest minimum-norm subgradient of
  its objective, in the solver's (standardised) coordinates, is at most its
  tolerance: over the working set from the model's exact float64 sums, and
  outside it from the last full gradient, computed at the final point, and its
  duality gap (:mod:`.duality`) is at most ``_GAP * gap_tol`` times its
  objective (``gap_tol``: the estimator's ``tol``, not scaled by the problem's
  curvature as the subgradient's is); until then the working tolerance that
  admits features to the working set and ends the restricted solves is divided
  by ten. Zero coefficients are exactly zero.

The penalty is on the original coefficients; coordinate descent works in them
(exact minimisation along a coordinate does not depend on its scale), and the
result is returned in the objective's coordinates. Per-feature penalty factors
scale each coordinate's threshold and ridge; bounds on the coefficients clip
each coordinate's update (the exact minimiser of the model along it), and the
optimality measure is then the minimum-norm element of the subdifferential
including the normal cone of the bounds (zero at a bound that holds).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from ._base import requires
from .duality import duality_gap
from .quadratic import coordinate_descent
from .stopping import min_norm_subgradient, problems_result

#: Most halvings of a step before the line search gives up.
_MAX_HALVINGS = 40
#: Fewest violators of the optimality conditions added to a working set.
_MIN_WORKING_SET = 20
#: The restricted problem is solved until its optimality is at most this
#: fraction of the largest violation outside the working set (or ``tol``).
_RESTRICTED_FRACTION = 0.3
#: Besides the violators added to a working set, the next-ranked ones, up to
#: this many times as many, are offered to the backend as ``upcoming`` columns.
_UPCOMING = 3
#: A problem whose subgradient met ``tol`` stops once its duality gap is at most
#: this times ``tol`` times its objective (about 1e-6 relative at the default
#: ``tol=1e-5``); until then its working tolerance is divided by ten.
_GAP = 0.1
#: The working tolerance goes no lower than this fraction of ``tol``.
_DEEPEST = 1e-6
#: When every violator has joined the working set (nothing is known to be
#: violated outside it), the outside is looked at again, at the cost of a pass
#: over ``X``, each time the restricted optimality has fallen to this fraction
#: of what it was at the last look: the restricted problem is then not solved
#: to ``tol`` while the features outside it have become violators.
_LOOK_AGAIN = 0.1
#: A proximal Newton step's coordinate descent stops once no coordinate moves
#: the model's gradient by more than this fraction of the step's starting
#: optimality (or ``0.01 * tol``): a looser inner solve leaves much of the
#: model's decrease untaken where features are correlated.
_INNER = 0.01
#: When the violators outside a working set are at most this many times the
#: number it may add, they all join: a further round of the restricted problem
#: costs more than the larger set.
_TAKE_ALL = 2.0


@requires("columns")
def cd(
    objective, x0, *, tol=1e-5, max_iter=100, verbose=0, on_iteration=None,
    gap_tol=None,
):
    """Minimise ``objective`` by proximal Newton with coordinate descent.

    Parameters
    ----------
    objective : Objective
        Its ``columns`` and ``sample_terms`` must be offered (``"columns"`` in
        ``objective.capabilities()``).
    x0 : ndarray of shape (K * n_coef,)
        Starting point, in the objective's coordinates.
    tol : float or ndarray of shape (K,), default=1e-5
        Largest minimum-norm subgradient (in the objective's coordinates) at
        which a problem stops; an array gives each problem its own.
    max_iter : int, default=100
        Maximum number of proximal Newton iterations per problem.
    verbose : int, default=0
        Values above 0 print each problem's progress after each iteration.
    on_iteration : callable, default=None
        Called as ``on_iteration(k, n_iter, value, theta)`` after each proximal
        Newton iteration of problem ``k`` (see :func:`~._base.report`).
    gap_tol : float, default=None
        The relative tolerance of the duality gap: a problem whose subgradient
        met its ``tol`` stops once its gap is at most ``_GAP * gap_tol`` times
        its objective. None: each problem's ``tol``. The estimator passes its
        own ``tol`` here, unscaled: the subgradient's tolerance is scaled by
        each problem's curvature (tiny for a rare or lightly weighted class),
        while the gap is already relative to the problem's objective.

    Returns
    -------
    result : SolverResult
        ``n_iter`` counts the Newton iterations of each problem; ``converged`` is
        True when every problem met its tolerance.
    """
    K = objective.K
    T = objective.project(np.array(x0, dtype=np.float64).reshape(K, -1))
    tol = np.broadcast_to(np.asarray(tol, dtype=np.float64), (K,))
    n_iter = np.zeros(K, dtype=np.int32)
    g_max, fun = np.zeros(K), np.zeros(K)
    met = np.zeros(K, dtype=bool)
    at_precision = np.zeros(K, dtype=bool)
    history = []
    for k in range(K):
        problem = _Problem(
            objective, k, T[k], tol[k], tol[k] if gap_tol is None else gap_tol
        )
        met[k] = problem.solve(
            max_iter, verbose, history if K == 1 else None, on_iteration
        )
        T[k] = problem.theta()
        n_iter[k], g_max[k], fun[k] = problem.n_iter, problem.g_max, problem.F
        at_precision[k] = problem.at_precision
    # a proximal Newton step whose line search finds no decrease is a stall:
    # nothing here checks that the arithmetic's precision is what stopped it
    return problems_result(
        T, n_iter, met, at_precision, fun, g_max, tol, history, stop="stalled",
        stall_message="its proximal Newton step's line search found no decrease",
    )


class _Problem:
    """One binary problem of a coordinate-descent fit, and its working set."""

    def __init__(self, objective, k, theta, tol, gap_tol):
        self.objective = objective
        self.k = k
        self.cols = None if objective.K == 1 else np.array([k])
        penalty = objective.penalty
        factor = penalty.weights(objective.n_features)
        # per-feature strengths of the L1 and L2 parts
        self.l1 = float(penalty.per_problem(penalty.l1, 1, self.cols)[0]) * factor
        self.l2 = float(penalty.per_problem(penalty.l2, 1, self.cols)[0]) * factor
        self.lower = self.upper = None  # bounds on w, where there are some
        if objective.bounded:
            lower, upper = objective.problem_bounds(np.array([k]))
            d = objective.n_features
            self.lower = lower[0, :d] * objective.scale
            self.upper = upper[0, :d] * objective.scale
        self.tol = self.work_tol = float(tol)
        self.gap_tol = float(gap_tol)
        self.single = bool(objective.single_valued()[k])
        self.fit_intercept = objective.fit_intercept
        W, b = objective.to_coef(theta[None, :])
        self.w, self.b = W[0], float(b[0])
        self.n_iter, self.g_max, self.F = 0, np.inf, np.inf
        self.at_precision = False
        self.A = np.empty(0, dtype=np.intp)
        self.z = None  # the logits, set by the first load
        self.labels = None  # weights, labels, X'(a y) and X'a, for the gap
        # steps taken, and the number of them when the full gradient was last
        # computed (-1: never)
        self.n_moves, self.checked_at = 0, -1

    def theta(self):
        """The problem's parameters in the objective's coordinates."""
        return self.objective.from_coef(self.w[None, :], np.array([self.b]))

    # ---------------------------------------------------------------- sums
    def full_check(self):
        """Minimum-norm subgradient of every feature, from one pass over ``X``.

        The gradient is ``X' r`` from the residuals of the loaded logits (which
        hold every non-zero coefficient), in the objective's coordinates. Also
        returns ``|gradient| - threshold``, which ranks the zero coefficients
        (positive for the violators).
        """
        objective = self.objective
        R = self.r[:, None]
        if self.labels is None:  # first: the sums of the duality gap with it
            a, y = self.weights_and_labels()
            if self.fit_intercept:
                R = np.column_stack([self.r, a * y, a])
        sums = objective.residual_gradient(R)
        if self.labels is None:
            Xay, Xa = sums[1:] if self.fit_intercept else (None, None)
            self.labels = a, y, Xay, Xa
        self.data_gradient = sums[0]
        g = self.data_gradient.copy()
        g += self.l2 * self.w
        if self.fit_intercept:
            g -= float(self.r.sum()) * objective.shift
        g *= objective.scale
        thresh = self.l1 * objective.scale
        kkt = min_norm_subgradient(g, self.w, thresh, self.lower, self.upper)
        return kkt, np.abs(g) - thresh

    def weights_and_labels(self):
        """The problem's normalised weights ``a`` and labels ``y``.

        Read from its terms at zero logits: the residuals are ``a (1/2 - y)``
        and the curvatures ``a / 4``, exactly.
        """
        zero = np.zeros((self.r.size, 1))
        _, r0, h0 = self.objective.sample_terms(zero, self.cols)
        a = 4.0 * h0[:, 0]
        ratio = np.divide(r0[:, 0], a, out=np.zeros_like(a), where=a > 0)
        return a, np.clip(0.5 - ratio, 0.0, 1.0)

    def gap(self):
        """Duality gap at the point of the last full check (see ``duality``).

        With an intercept it needs ``X' (a y)`` and ``X' a``, which the first
        full check computed in its pass over ``X``.
        """
        a, y, Xay, Xa = self.labels
        return duality_gap(
            self.F, expit(self.z), a, y, self.data_gradient, Xay, Xa,
            l1=self.l1, l2=self.l2, fit_intercept=self.fit_intercept,
            lower=self.lower, upper=self.upper,
        )

    def load(self, A, upcoming=None):
        """Make ``A`` the working set: its columns (and, first, the logits).

        ``A`` must hold every non-zero coefficient and, after the first load,
        begin with the current working set (a working set only grows); the
        columns of the features already in it are kept, and only the new ones
        are read from the backend (dense columns go into the spare room of one
        buffer). ``upcoming`` are features likely to join it soon (fetched
        with it where that is cheaper). The logits and their terms are
        computed on the first load; the steps keep them up to date, and a new
        working set does not change them.
        """
        kept = self.A.size
        new = self.objective.columns(A[kept:], upcoming)
        if sp.issparse(new):
            self.B = new if kept == 0 else sp.hstack([self.B, new], format="csc")
        else:
            if kept == 0 or A.size > self.buffer.shape[1]:
                # room for as many again (at most every feature): later loads
                # write their new columns next to the kept ones
                room = min(2 * A.size, self.objective.n_features)
                buffer = np.empty((new.shape[0], room))
                if kept:
                    buffer[:, :kept] = self.B
                self.buffer = buffer
            self.buffer[:, kept : A.size] = new
            self.B = self.buffer[:, : A.size]
        self.A = A
        self.scale_A = self.objective.scale[A]
        self.shift_A = self.objective.shift[A]
        if self.z is None:
            self.z = self.B @ self.w[A] + self.b
            self.F, self.r, self.h = self.evaluate(self.z, self.w[A])

    def evaluate(self, z, wA):
        """Objective, residuals and curvatures at logits ``z``."""
        loss, R, Hc = self.objective.sample_terms(z[:, None], self.cols)
        A = self.A
        F = loss[0] + 0.5 * (self.l2[A] * wA) @ wA + self.l1[A] @ np.abs(wA)
        return float(F), R[:, 0], Hc[:, 0]

    def restricted_gradient(self, r):
        """Gradients of the smooth part in the working set's ``w`` and in ``b``."""
        g_b = float(r.sum()) if self.fit_intercept else 0.0
        Br = self.objective.column_gram(self.B, None, r)[2]
        return Br + self.l2[self.A] * self.w[self.A], g_b

    def restricted_optimality(self, r):
        """Largest minimum-norm subgradient over the working set and intercept."""
        g_A, g_b = self.restricted_gradient(r)
        G = (g_A - g_b * self.shift_A) * self.scale_A if self.fit_intercept else (
            g_A * self.scale_A
        )
        A = self.A
        sub = min_norm_subgradient(
            G, self.w[A], self.l1[A] * self.scale_A,
            *(() if self.lower is None else (self.lower[A], self.upper[A])),
        )
        return max(float(sub.max(initial=0.0)), abs(g_b))

    # --------------------------------------------------------------- solve
    def grow(self):
        """Recompute the full gradient and the working set; return the outside max.

        The full gradient is computed again only when the point moved since the
        last time.
        """
        kkt, margin = self.check()
        outside = self.outside()
        nonzero = self.w != 0
        n_add = max(_MIN_WORKING_SET, int(nonzero.sum()))
        viol = np.flatnonzero(outside & (kkt > self.work_tol))
        if viol.size > _TAKE_ALL * n_add:
            viol = viol[np.argsort(-kkt[viol], kind="stable")[:n_add]]
        # the working set only grows: its features, then the new ones in order
        joining = np.union1d(np.flatnonzero(nonzero & outside), viol)
        A = np.concatenate([self.A, joining]).astype(np.intp)
        outside[A] = False
        return A, float(kkt[outside].max(initial=0.0)), self.upcoming(
            np.where(outside, margin, -np.inf), _UPCOMING * n_add
        )

    def check(self):
        """The last full check, computed again if the point moved since."""
        if self.checked_at != self.n_moves:
            self.checked, self.checked_at = self.full_check(), self.n_moves
        return self.checked

    def outside(self):
        """Which features are outside the working set (a new mask)."""
        outside = np.ones(self.objective.n_features, dtype=bool)
        outside[self.A] = False
        return outside

    def outside_violation(self):
        """Largest violation outside the working set, at the current point."""
        return float(self.check()[0][self.outside()].max(initial=0.0))

    @staticmethod
    def upcoming(margin, m):
        """The (at most) ``m`` features of largest finite ``margin``, unordered."""
        if m < margin.size:
            top = np.argpartition(margin, margin.size - m)[margin.size - m :]
        else:
            top = np.arange(margin.size)
        return top[np.isfinite(margin[top])]

    def solve(self, max_iter, verbose, history, on_iteration=None):
        """Run the problem to its tolerance or ``max_iter``; True when met."""
        self.load(np.flatnonzero(self.w).astype(np.intp))  # the starting logits
        A, outside, upcoming = self.grow()
        if A.size > self.A.size:
            self.load(A, upcoming)
        decrease = 0.0  # what the last step lowered the objective by
        looked = None  # the restricted optimality when the outside was looked at
        while True:
            kkt = self.restricted_optimality(self.r)
            if looked is None:
                looked = kkt
            elif kkt <= _LOOK_AGAIN * looked and outside <= self.work_tol:
                looked, outside = kkt, self.outside_violation()
            if kkt <= max(self.work_tol, _RESTRICTED_FRACTION * outside):
                A, outside, upcoming = self.grow()  # fresh outside violations
                if A.size > self.A.size:
                    self.load(A, upcoming)
                    looked = None
                    continue
                if kkt <= self.tol and outside <= self.tol:
                    settled = self.settled(decrease)
                    if settled is None:  # a tighter working tolerance: again
                        continue
                    if settled:
                        self.g_max = max(kkt, outside)
                        return True
            self.g_max = max(kkt, outside)
            if self.n_iter >= max_iter:
                return False
            before = self.F
            if not self.newton_step(kkt):
                if self.g_max <= self.tol:  # met, and no decrease left to find
                    return True
                self.at_precision = True
                return False
            decrease = before - self.F
            self.n_iter += 1
            if history is not None:
                history.append(self.F)
            if on_iteration is not None:
                on_iteration(self.k, self.n_iter, self.F, self.theta())
            if verbose:
                print(
                    f"CD iteration {self.n_iter}: objective {self.F:.10g}, "
                    f"working set {self.A.size}, non-zeros "
                    f"{np.count_nonzero(self.w)}, optimality {kkt:.3g}"
                )

    def settled(self, decrease):
        """Whether a problem whose subgradient met ``tol`` is near its optimum.

        A small subgradient can leave a large gap where the objective is small
        and curved little (wide data, a weak penalty). The problem counts as
        settled once its duality gap is at most ``_GAP * gap_tol`` times its
        objective (or the rounding of the objective's sums). Until then the
        working tolerance is divided by ten (None is returned, to look again
        with it) down to ``_DEEPEST * tol``, and from there the Newton steps go
        on (False). Where no dual point exists (no penalty), the rule of
        Newton's method: the last step lowered the objective by at most ``tol``
        times its value; a problem with a single target value (no minimum) is
        settled by its subgradient alone.
        """
        gap = self.gap()
        if not np.isfinite(gap):  # (a problem without a minimum: settled)
            return self.single or decrease <= self.tol * abs(self.F)
        rounding = 64 * np.finfo(self.objective.dtype).eps
        if gap <= max(_GAP * self.gap_tol, rounding) * abs(self.F):
            return True
        if self.work_tol > _DEEPEST * self.tol:
            self.work_tol /= 10
            return None
        return False

    def newton_step(self, kkt):
        """One proximal Newton step on the working set; False if none was taken."""
        h, fit_intercept = self.h, self.fit_intercept
        A = self.A
        wA = self.w[A]
        gram, Bh, Br = self.objective.column_gram(self.B, h, self.r)
        g_A = Br + self.l2[A] * wA
        g_b = float(self.r.sum()) if fit_intercept else 0.0
        H = float(h.sum())
        if fit_intercept and H > 0:
            c = Bh / H
            gram -= H * np.outer(c, c)
            q = g_A - g_b * c
        else:
            c, q = np.zeros_like(g_A), g_A
        gram[np.diag_indices_from(gram)] += self.l2[A]
        inner_tol = max(0.01 * self.work_tol, _INNER * kkt)
        box = None if self.lower is None else (self.lower[A], self.upper[A])
        d = coordinate_descent(
            gram, q, wA, self.l1[A], inner_tol / self.scale_A, box
        ) - wA
        db = (-g_b / H - c @ d) if fit_intercept and H > 0 else 0.0
        dz = self.B @ d + db
        l1_change = self.l1[A] @ (np.abs(wA + d) - np.abs(wA))
        slope = float(g_A @ d + g_b * db + l1_change)
        return self.line_search(wA, d, db, dz, slope, kkt)

    def line_search(self, wA, d, db, dz, slope, kkt):
        """Backtracking on the true objective along ``(d, db)``; True if taken."""
        eps = np.finfo(np.float64).eps
        alpha = 1.0
        for _ in range(_MAX_HALVINGS + 1):
            w_t = wA + alpha * d
            z_t = self.z + alpha * dz
            F_t, r_t, h_t = self.evaluate(z_t, w_t)
            ok = F_t <= self.F + 1e-4 * alpha * min(slope, 0.0)
            if not ok and abs(F_t - self.F) <= 8 * eps * abs(self.F):
                # at the rounding level of the objective: take a step that
                # improves the optimality
                saved = self.w[self.A].copy()
                self.w[self.A] = w_t
                ok = self.restricted_optimality(r_t) < kkt
                self.w[self.A] = saved
            if ok:
                self.w[self.A] = w_t
                self.b += alpha * db
                self.z, self.F, self.r, self.h = z_t, F_t, r_t, h_t
                self.n_moves += 1
                return True
            alpha *= 0.5
        return False
