"""The penalty of the objective, on the scale of ``LogisticRegression``'s ``C``."""

from __future__ import annotations

import numpy as np

__all__ = ["Penalty"]


class Penalty:
    """Elastic-net penalty of ``K`` coefficient vectors, scaled by their data's weight.

    For problem ``k`` with total sample weight ``S_k`` and per-feature factors
    ``f_j`` (all 1 by default)::

        P_k(w) = sum_j f_j [(1 - l1_ratio) / 2 * w_j^2 + l1_ratio * |w_j|] / (C S_k)

    so that ``mean BCE + P_k`` is the objective of
    ``LogisticRegression(C=C, l1_ratio=l1_ratio)`` (the intercept is never
    penalised). ``C=np.inf`` means no penalty. The smooth (L2) part enters the
    objective's value and gradient; the L1 part is handled by the solvers that
    support it, through :meth:`l1_value` and :meth:`prox`.

    One object serves every way of seeing the data: a fit on all of it (``S_k`` the
    weight of the data), a mini-batch (the same penalty, next to the batch's
    unbiased estimate of the mean loss), and a chunk of a stream: the objective of
    a chunk is its weighted mean loss plus the penalty of the **whole** stream, so
    the chunks' objectives, weighted by their share of the weight, add up to the
    whole objective. A stream builds its penalty with the stream's total weight,
    never with the chunk's.

    Parameters
    ----------
    C : float or array-like of shape (K,)
        Inverse regularisation strength, positive; ``np.inf`` for no penalty. An
        array gives each problem its own (as the per-class choices of
        :class:`~sklearn_bce.BCELogisticClassifierCV`).
    l1_ratio : float or array-like of shape (K,)
        Share of the L1 part, in ``[0, 1]``; an array gives each problem its own.
    total_weight : float or array-like of shape (K,)
        ``S_k``, the total sample weight behind each problem.
    factor : array-like of shape (n_features,), default=None
        Non-negative penalty factor of each feature, multiplying both parts
        (0: unpenalised); None for all ones. They are not rescaled.

    Attributes
    ----------
    strength : ndarray of shape (K,)
        ``1 / (C * S_k)``, the whole penalty's strength per unit of weight (the
        ``alpha`` of :class:`sklearn.linear_model.SGDClassifier`); zeros for
        ``C=np.inf``.
    l2 : ndarray of shape (K,)
        Strength of the L2 part, ``(1 - l1_ratio) * strength``.
    l1 : ndarray of shape (K,)
        Strength of the L1 part, ``l1_ratio * strength``.
    factor : ndarray of shape (n_features,) or None
        The per-feature factors.
    """

    def __init__(self, C, l1_ratio, total_weight, factor=None):
        self.C = _scalar_or_array(C)
        self.l1_ratio = _scalar_or_array(l1_ratio)
        self.total_weight = np.atleast_1d(np.asarray(total_weight, dtype=np.float64))
        C = np.asarray(self.C, dtype=np.float64)
        finite = np.isfinite(C)
        with np.errstate(divide="ignore"):
            strength = np.where(finite, 1.0 / (np.where(finite, C, 1.0)), 0.0)
        self.strength = np.atleast_1d(strength / self.total_weight)
        self.l2 = (1.0 - np.asarray(self.l1_ratio)) * self.strength
        self.l1 = np.asarray(self.l1_ratio) * self.strength
        self.factor = (
            None if factor is None else np.asarray(factor, dtype=np.float64).ravel()
        )

    def __repr__(self):
        C, l1_ratio = (
            v.tolist() if isinstance(v, np.ndarray) else v
            for v in (self.C, self.l1_ratio)
        )
        return (
            f"Penalty(C={C!r}, l1_ratio={l1_ratio!r}, "
            f"total_weight={self.total_weight.tolist()!r}"
            + ("" if self.factor is None else f", factor={self.factor.tolist()!r}")
            + ")"
        )

    @property
    def smooth(self):
        """bool: Whether the penalty has no L1 part (it is then differentiable)."""
        if self.factor is not None and not np.any(self.factor > 0):
            return True
        return not np.any(self.l1 > 0)

    def weights(self, n):
        """The factor of each of ``n`` coordinates (1 beyond the factors given).

        Parameters
        ----------
        n : int
            Number of coordinates: ``n_features``, or more (an intercept last,
            whose factor does not matter where its scale is 0).

        Returns
        -------
        f : ndarray of shape (n,)
        """
        f = np.ones(n)
        if self.factor is not None:
            f[: self.factor.size] = self.factor
        return f

    def per_problem(self, values, k, cols=None):
        """``values`` (one per problem) for ``k`` problems, or those in ``cols``.

        Parameters
        ----------
        values : ndarray of shape (K,) or (1,)
            A per-problem quantity (a single value is shared by all problems).
        k : int
            Number of problems evaluated.
        cols : array-like of int, default=None
            Which problems; the first ``k`` (or the shared value) when None.

        Returns
        -------
        out : ndarray of shape (k,)
        """
        if values.size == 1:
            return np.full(k, values[0])
        return values if cols is None else values[np.asarray(cols, dtype=np.intp)]

    def smooth_value_gradient(self, W, cols=None):
        """Value and gradient of the L2 part for the coefficients of some problems.

        Parameters
        ----------
        W : ndarray of shape (k, n_features)
            Coefficients (original coordinates).
        cols : array-like of int, default=None
            Which problems ``W`` holds; all when None.

        Returns
        -------
        value : ndarray of shape (k,)
            ``l2_k / 2 * ||W_k||^2``.
        grad : ndarray of shape (k, n_features)
            ``l2_k * W_k``.
        """
        l2 = self.per_problem(self.l2, W.shape[0], cols)
        fW = W if self.factor is None else W * self.factor
        return 0.5 * l2 * np.einsum("kj,kj->k", fW, W), l2[:, None] * fW

    def l1_value(self, W, cols=None):
        """Value of the L1 part, ``l1_k * ||W_k||_1``, per problem.

        Parameters
        ----------
        W : ndarray of shape (k, n_features)
            Coefficients (original coordinates).
        cols : array-like of int, default=None
            Which problems ``W`` holds; all when None.

        Returns
        -------
        value : ndarray of shape (k,)
        """
        l1 = self.per_problem(self.l1, W.shape[0], cols)
        absW = np.abs(W) if self.factor is None else np.abs(W) * self.factor
        return l1 * absW.sum(axis=1)

    def prox(self, T, step, coord_scale, cols=None):
        """Proximal step of the L1 part in scaled coordinates (soft-thresholding).

        With ``W = T * coord_scale`` (one scale per coordinate, zero for the
        unpenalised intercepts), the L1 part is
        ``l1_k * sum_j f_j coord_scale_j |T_kj|`` and its proximal map shrinks each
        ``T_kj`` towards zero by ``step_k * l1_k * f_j * coord_scale_j``.

        Parameters
        ----------
        T : ndarray of shape (k, p)
            Parameters of ``k`` problems.
        step : ndarray of shape (k, 1) or (k, p)
            Step of each problem (or coordinate).
        coord_scale : ndarray of shape (p,)
            ``|dW / dT|`` of each coordinate.
        cols : array-like of int, default=None
            Which problems ``T`` holds; all when None.

        Returns
        -------
        T : ndarray of shape (k, p)
            The shrunk parameters.
        """
        l1 = self.per_problem(self.l1, T.shape[0], cols)
        thresh = step * l1[:, None] * (coord_scale * self.weights(coord_scale.size))
        return np.sign(T) * np.maximum(np.abs(T) - thresh, 0.0)


def _scalar_or_array(value):
    """A float, or a float64 array for a per-problem value."""
    value = np.asarray(value, dtype=np.float64)
    return float(value) if value.ndim == 0 else value
