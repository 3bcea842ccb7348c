"""The duality gap of one penalised binary problem: a bound on its suboptimality.

For the objective of one problem,

    F(w, b) = sum_i a_i bce(y_i, x_i'w + b) + l1 ||w||_1 + l2 ||w||^2 / 2,

with normalised weights ``a_i`` (summing to 1), Fenchel duality gives, for every
dual point ``u`` with ``sum_i u_i = 0`` (the unpenalised intercept) and
``u_i = a_i (q_i - y_i)``, ``q_i`` in [0, 1],

    D(u) = sum_i a_i H(q_i) - g*(X'u),

where ``H`` is the binary entropy and ``g*`` the conjugate of the penalty:
``sum_j max(|v_j| - l1, 0)^2 / (2 l2)`` when ``l2 > 0``, and 0 when
``|v|_inf <= l1`` (infinite otherwise) for the lasso. Every ``D(u)`` is at most
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


def duality_gap(F, p, a, y, Xr, Xay, Xa, *, l1, l2, fit_intercept):
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
    l1, l2 : float
        Strengths of the penalty's L1 and L2 parts (not both 0).
    fit_intercept : bool
        Whether the intercept is free (the dual residuals must sum to zero).

    Returns
    -------
    gap : float
        ``F - D(u) >= F - min F``; ``inf`` where no dual point is available (a
        single class with an intercept, or no penalty).
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
    if l2 > 0:
        conjugate = float(np.sum(np.maximum(np.abs(v) - l1, 0.0) ** 2)) / (2 * l2)
    elif l1 > 0:
        largest = float(np.max(np.abs(v), initial=0.0))
        if largest > l1:  # shrink the residuals u = a (q - y) to feasibility
            q = y + (l1 / largest) * (q - y)
        conjugate = 0.0
    else:
        return np.inf
    return F - (float(a @ (entr(q) + entr(1.0 - q))) - conjugate)
