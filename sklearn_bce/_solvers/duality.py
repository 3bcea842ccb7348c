"""The duality gap of one penalised binary problem: a bound on its suboptimality.

For the objective of one problem,

    F(w, b) = sum_i a_i bce(y_i, x_i'w + b) + l1 ||w||_1 + l2 ||w||^2 / 2,

with normalised weights ``a_i`` (summing to 1), Fenchel duality gives, for every
dual point ``u`` with ``sum_i u_i = 0`` (the unpenalised intercept) and
``u_i = a_i (q_i - y_i)``, ``q_i`` in [0, 1],

    D(u) = sum_i a_i H(q_i) - g*(X'u),

where ``H`` is the binary entropy and ``g*`` the conjugate of the penalty:
``sum_j max(|v_j| - l1, 0)^2 / (2 l2)`` when ``l2 > 0``, and 0 when
``|v|_inf <= l1`` (infinite otherwise) for the lasso; with per-feature
strengths and bounds on ``w``, the supremum per feature of ``v w`` minus the
penalty over the bounds. Every ``D(u)`` is at most
the optimum, so ``F(w, b) - D(u)`` bounds how far ``(w, b)`` is above it. The
dual point is built from the residuals ``a_i (p_i - y_i)`` of the current fit
(the dual optimum at the primal optimum): the predicted probabilities are moved
towards the labels' weighted mean until the residuals sum to zero (a change of
the order of the intercept's gradient), and for the lasso the residuals are
then shrunk until they are feasible. Coordinate descent uses the bound to stop
only where the objective is within its tolerance of the optimum: a small
subgradient leaves a large gap where the objective is curved little (wide data,
a weak penalty).
"""

from __future__ import annotations

import numpy as np
from scipy.special import entr

__all__ = ["duality_gap"]


def duality_gap(
    F, p, a, y, Xr, Xay, Xa, *, l1, l2, fit_intercept, lower=None, upper=None
):
    """Bound on ``F`` above the optimum, from the residuals at the current fit.

    Parameters
    ----------
    F : float
        The objective at the current fit.
    p : ndarray of shape (n_samples,)
        Predicted probabilities ``sigmoid(x_i'w + b)``.
    a : ndarray of shape (n_samples,)
        Normalised sample weights (non-negative, summing to 1).
    y : ndarray of shape (n_samples,)
        Labels, 0 or 1.
    Xr : ndarray of shape (n_features,)
        ``X' (a (p - y))``, the data term's gradient in ``w``.
    Xay, Xa : ndarray of shape (n_features,)
        ``X' (a y)`` and ``X' a``; used only with an intercept.
    l1, l2 : float or ndarray of shape (n_features,)
        Strengths of the penalty's L1 and L2 parts, per feature where they
        differ (penalty factors).
    fit_intercept : bool
        Whether the intercept is free (the dual residuals must sum to zero).
    lower, upper : ndarray of shape (n_features,), default=None
        Bounds on ``w``; their indicator joins the penalty (none when None).

    Returns
    -------
    gap : float
        ``F - D(u) >= F - min F``; ``inf`` where no dual point is available (a
        single class with an intercept, or an unpenalised coefficient without
        two finite bounds).
    """
    y_mean = float(a @ y)
    q, v = p, Xr
    if fit_intercept:
        if not 0.0 < y_mean < 1.0:
            return np.inf
        excess = float(a @ p) - y_mean  # the intercept's gradient
        if excess > 0:  # shrink the probabilities towards 0
            rho = y_mean / (y_mean + excess)
            q, v = rho * p, rho * Xr + (rho - 1.0) * Xay
        elif excess < 0:  # and towards 1
            rho = (1.0 - y_mean) / (1.0 - y_mean - excess)
            q, v = 1.0 - rho * (1.0 - p), rho * Xr + (1.0 - rho) * (Xa - Xay)
    d = np.size(v)
    l1, l2 = np.broadcast_to(l1, d), np.broadcast_to(l2, d)
    lower = np.full(d, -np.inf) if lower is None else lower
    upper = np.full(d, np.inf) if upper is None else upper
    free = (l1 == 0) & (l2 == 0) & ~(np.isfinite(lower) & np.isfinite(upper))
    if not (np.any(l1 > 0) or np.any(l2 > 0)) or np.any(free):
        return np.inf  # an unpenalised, unbounded coefficient: no dual point
    s = -np.asarray(v, dtype=np.float64)  # g*(-X'u) enters the dual
    flat = l2 == 0
    over = flat & (
        ((upper == np.inf) & (s > l1)) | ((lower == -np.inf) & (s < -l1))
    )
    if over.any():  # shrink the residuals u = a (q - y) to feasibility
        rho = float(np.min(l1[over] / np.abs(s[over])))
        q, s = y + rho * (q - y), rho * s
    conjugate = float(np.sum(_conjugate(s, l1, l2, lower, upper)))
    return F - (float(a @ (entr(q) + entr(1.0 - q))) - conjugate)


def _conjugate(s, l1, l2, lower, upper):
    """``sup_w s w - l1 |w| - l2 w^2 / 2`` over ``[lower, upper]``, per feature.

    With ``l2 > 0`` the supremum is at the unconstrained maximiser clipped to
    the bounds; with ``l2 = 0`` (the function is then piecewise linear) at 0,
    ``lower`` or ``upper`` (clipped to be finite: the caller made the others
    irrelevant).
    """
    def value(w):
        return s * w - l1 * np.abs(w) - 0.5 * l2 * w * w

    with np.errstate(divide="ignore", invalid="ignore"):
        soft = np.sign(s) * np.maximum(np.abs(s) - l1, 0.0) / np.where(l2 > 0, l2, 1)
    best = value(np.clip(np.where(l2 > 0, soft, 0.0), lower, upper))
    flat = l2 == 0
    for end in (lower, upper):
        at = flat & np.isfinite(end)
        best[at] = np.maximum(best[at], value(np.where(at, end, 0.0))[at])
    return best
