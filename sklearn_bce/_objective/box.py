"""Bounds on the coefficients, in the solvers' coordinates."""

from __future__ import annotations

import numpy as np

__all__ = ["Box"]


class Box:
    """Lower and upper bounds on the parameters of ``K`` problems.

    The objective's solvers work on ``T`` with ``W = T[:, :n_features] * scale``
    (``scale > 0``) and the intercept last; a bound on ``W_kj`` is then the bound
    divided by ``scale_j`` on ``T_kj``, and the intercept is never bounded.

    Parameters
    ----------
    lower, upper : ndarray of shape (K, n_coef)
        Bounds in solver coordinates, ``-inf`` / ``inf`` where there is none.
    """

    def __init__(self, lower, upper):
        self.lower, self.upper = lower, upper

    @classmethod
    def of(cls, bounds, scale, K, n_coef):
        """The box of bounds ``(lower, upper)`` on ``W``, or None without one.

        Parameters
        ----------
        bounds : tuple of two array-likes broadcastable to (K, n_features), or None
            Bounds on the coefficients in the original coordinates.
        scale : ndarray of shape (n_features,)
            The objective's positive scale of each feature.
        K, n_coef : int
            Problems, and parameters of one problem.

        Returns
        -------
        box : Box or None
            None without a finite bound.
        """
        d = scale.size
        if bounds is None:
            return None
        lower, upper = (
            np.broadcast_to(np.asarray(a, dtype=np.float64), (K, d)) for a in bounds
        )
        if not (np.isfinite(lower).any() or np.isfinite(upper).any()):
            return None
        lo, hi = np.full((K, n_coef), -np.inf), np.full((K, n_coef), np.inf)
        lo[:, :d], hi[:, :d] = lower / scale, upper / scale
        return cls(lo, hi)

    def bounds(self, cols=None):
        """``(lower, upper)`` of the problems ``cols`` (all when None).

        Parameters
        ----------
        cols : ndarray of int, default=None

        Returns
        -------
        lower, upper : ndarray of shape (k, n_coef)
        """
        if cols is None:
            return self.lower, self.upper
        cols = np.asarray(cols, dtype=np.intp)
        return self.lower[cols], self.upper[cols]

    def project(self, T, cols=None):
        """Clip the parameters of the problems ``cols`` to the box.

        Parameters
        ----------
        T : ndarray of shape (k, n_coef) or (k * n_coef,)
        cols : ndarray of int, default=None

        Returns
        -------
        T : ndarray of the same shape (a new array)
        """
        lower, upper = self.bounds(cols)
        return np.clip(np.reshape(T, lower.shape), lower, upper).reshape(np.shape(T))
