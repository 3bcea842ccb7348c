"""The inner problem of coordinate descent: a quadratic model plus an L1 part.

Each proximal Newton step of :mod:`.cd` minimises, over its working set,

    q'(x - w) + (x - w)'Q(x - w)/2 + sum_j l1_j |x_j|,

within the bounds of the coefficients, if any: cyclic coordinate descent with
soft-thresholding (each update clipped to its bounds), and between sweeps a
Newton step on the face of the current signs of the non-zeros, which settles
correlated ones in one step where many sweeps would crawl.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

__all__ = ["coordinate_descent", "face_direction", "face_newton_step"]

#: Most coordinate-descent sweeps over a working set per Newton iteration.
_MAX_SWEEPS = 500


def coordinate_descent(Q, q, w, l1, tol, box=None):
    """Minimise ``q'(x - w) + (x - w)'Q(x - w)/2 + sum_j l1_j |x_j|`` by cyclic CD.

    Within ``box`` (if any): each coordinate's update is clipped to its bounds.

    Parameters
    ----------
    Q : ndarray of shape (m, m)
        The model's Hessian (symmetric, positive semi-definite).
    q : ndarray of shape (m,)
        The model's gradient at ``w``.
    w : ndarray of shape (m,)
        The current coefficients.
    l1 : ndarray of shape (m,)
        Strength of the L1 part of each coordinate.
    tol : ndarray of shape (m,)
        Per coordinate, the change of the model's gradient below which a sweep
        counts as converged.
    box : tuple of two ndarrays of shape (m,), default=None
        Lower and upper bounds (``w`` within them).

    Returns
    -------
    x : ndarray of shape (m,)
        The minimiser (to ``tol``); coordinates with no curvature keep ``w``.
    """
    x = w.copy()
    grad = q.copy()  # the model's gradient at x
    diag = np.diag(Q)
    curved = np.flatnonzero(diag > 1e-12 * max(float(diag.max(initial=0.0)), 1e-300))
    sweeps = 0

    diag_list, tol_list = diag.tolist(), np.asarray(tol).tolist()
    l1_list = np.broadcast_to(l1, x.shape).tolist()
    if box is None:
        lo_list = hi_list = None
    else:
        lo_list, hi_list = box[0].tolist(), box[1].tolist()

    def sweep(idx):
        biggest = 0.0
        for j in idx.tolist():
            a = diag_list[j]
            xj = float(x[j])
            v = xj - float(grad[j]) / a
            new = max(abs(v) - l1_list[j] / a, 0.0)
            new = new if v >= 0 else -new
            if lo_list is not None:
                new = min(max(new, lo_list[j]), hi_list[j])
            delta = new - xj
            if delta != 0.0:
                x[j] = new
                np.add(grad, delta * Q[j], out=grad)
                biggest = max(biggest, abs(delta) * a / tol_list[j])
        return biggest

    while sweeps < _MAX_SWEEPS:
        sweeps += 1
        if sweep(curved) <= 1.0:
            break
        while sweeps < _MAX_SWEEPS:  # then settle the non-zeros
            # On the face of the current signs the model is a smooth
            # quadratic: a Newton step there (to its first sign change) does
            # what many sweeps would do when the non-zeros are correlated.
            face_newton_step(Q, grad, x, curved[x[curved] != 0], l1, box)
            sweeps += 1
            if sweep(curved[x[curved] != 0]) <= 1.0:
                break
    return x


def face_newton_step(Q, grad, x, S, l1, box=None):
    """Minimise the model over the non-zeros ``S`` with their signs fixed, in place.

    On the face where the coordinates ``S`` keep their signs ``s``, the model is
    the quadratic ``grad_S' d + d' Q_SS d / 2 + l1 s' d`` in the step ``d``, least
    at ``d = -Q_SS^{-1} (grad_S + l1 s)``. The step is shortened to the first
    coordinate that would change sign (which is then set to exactly zero); along
    it the model decreases. ``x`` and the model's gradient ``grad`` are updated
    (see :func:`face_direction` for a singular ``Q_SS``); nothing changes when
    rounding (a nearly singular ``Q_SS``) would make the model increase. With
    ``box``,
    the coordinates at a bound stay there, and the step also ends at the first
    coordinate that reaches a bound (set to exactly that bound).
    """
    if box is not None:
        S = S[(x[S] > box[0][S]) & (x[S] < box[1][S])]
    if S.size == 0:
        return
    l1 = np.broadcast_to(l1, x.shape)[S]
    signs = np.sign(x[S])
    Q_SS = Q[np.ix_(S, S)]
    g_S = grad[S]
    rhs = g_S + l1 * signs
    d, reach = face_direction(Q_SS, rhs)
    if d is None or not np.all(np.isfinite(d)):
        return
    xs = x[S]
    # where each coordinate would leave the face: at zero, or at a bound
    limit = np.where(signs * d < 0, 0.0, np.nan)
    if box is not None:
        limit = np.where(
            d > 0, np.minimum(np.where(np.isnan(limit), np.inf, limit), box[1][S]),
            limit,
        )
        limit = np.where(d < 0, np.fmax(limit, box[0][S]), limit)
    t, first = reach, -1
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(np.isfinite(limit) & (d != 0), (limit - xs) / d, np.inf)
    if ratios.size and np.min(ratios) < reach:
        first = int(np.argmin(ratios))
        t = float(max(ratios[first], 0.0))
    if not np.isfinite(t):  # a flat direction that leaves no face: none
        return
    step = t * d
    new = xs + step
    if first >= 0:
        new[first] = limit[first]
        step[first] = limit[first] - xs[first]
    change = g_S @ step + 0.5 * step @ Q_SS @ step + l1 @ (np.abs(new) - np.abs(xs))
    if not change < 0:  # rounding on a nearly singular Q_SS: keep x
        return
    x[S] = new
    grad += Q[:, S] @ step


def face_direction(Q, rhs):
    """The direction of a face step and how far along it the step may go.

    ``Q`` positive definite: the Newton step ``-Q^{-1} rhs``, at most 1 along
    it. ``Q`` singular (collinear non-zeros without a ridge), where ``rhs`` has
    a part in its null space: along that part the model falls linearly, so the
    step follows it as far as the face allows (to the first coordinate that
    reaches zero or a bound, which drops one of the collinear features);
    otherwise the minimum-norm Newton step, on the range of ``Q``. Returns
    ``(None, 0)`` when ``Q`` has no usable eigenvalues.
    """
    try:
        factor = linalg.cho_factor(Q, check_finite=False)
        return -linalg.cho_solve(factor, rhs, check_finite=False), 1.0
    except (linalg.LinAlgError, ValueError):
        pass
    w, V = linalg.eigh(Q, check_finite=False)
    if not np.all(np.isfinite(w)):
        return None, 0.0
    keep = w > np.finfo(np.float64).eps * max(float(w.max()), 0.0) * w.size
    flat = V[:, ~keep] @ (V[:, ~keep].T @ rhs)
    if np.linalg.norm(flat) > 1e-8 * np.linalg.norm(rhs):
        return -flat, np.inf
    return -(V[:, keep] @ ((V[:, keep].T @ rhs) / w[keep])), 1.0
