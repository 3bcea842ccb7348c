"""The data-backend contract: what the objective and the solvers ask of the data.

A backend holds the design matrix ``X``, the 0/1 targets of ``K`` binary problems
and their sample weights, wherever they live (in memory, on a dask cluster, on a
GPU), and answers the few questions below. It knows nothing of coordinates,
penalties or solvers: :class:`~sklearn_bce._objective.Objective` composes any
backend with a :class:`~sklearn_bce._objective.Penalty` and a change of variables,
and the solvers only talk to the objective.

Conventions, fixed once for the whole contract:

* ``W`` has shape ``(k, n_features)`` and ``b`` shape ``(k,)``, one row per
  evaluated problem, in the original coordinates of ``X``; ``b=None`` means the
  models have no intercept.
* ``cols`` selects the evaluated problems (``None``: all ``K``, in order); ``W``
  and ``b`` then hold one row per selected problem.
* Weights are normalised per problem: every sum is over ``s_ik / S_k`` with
  ``S_k = sum_i s_ik``, so the data term of a problem is its weighted **mean**
  binary cross-entropy ``bce(y, z) = log(1 + e^z) - y z``.
* Results are NumPy float64 arrays on the host, whatever the backend computes on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["DataBackend"]


@runtime_checkable
class DataBackend(Protocol):
    """Weighted binary cross-entropy sums over data held somewhere.

    Attributes
    ----------
    name : str
        Where the data live, for messages (``"in-memory"``,
        ``"array-api device"``, ``"dask"``).
    n_samples : int
        Number of rows of ``X``.
    n_features : int
        Number of columns of ``X``.
    n_problems : int
        ``K``, the number of binary problems (columns of the targets).
    dtype : numpy.dtype
        The floating dtype in which ``X`` is held and the arithmetic is done.
    nbytes : int
        Bytes of ``X`` (for a sparse ``X``, of its values and indices).
    has_hessian : bool
        Whether :meth:`hessian_blocks` is offered.
    has_columns : bool
        Whether :meth:`columns`, :meth:`column_gram`, :meth:`sample_terms` and
        :meth:`residual_gradient` are offered: the columns of ``X``, their
        weighted Gram matrix, the per-sample terms of the loss and the gradient
        from them, which coordinate descent works on.
    supports_rows : bool
        Whether :meth:`mean_loss_gradient` accepts ``rows`` (mini-batches).
    fuse_problems : bool
        Whether evaluating the ``K`` problems together, in one pass, is cheaper
        than evaluating them one after the other (large data, or a backend where
        each call is a round trip).
    n_workers : int
        Threads or workers an evaluation runs on (inside :meth:`parallel`).
    solver_overrides : Mapping[str, Callable]
        Solvers that this backend runs its own way, by name (for example SGD as a
        stream over a cluster's chunks); empty for most backends.
    """

    name: str
    n_samples: int
    n_features: int
    n_problems: int
    dtype: np.dtype
    nbytes: int
    has_hessian: bool
    has_columns: bool
    supports_rows: bool
    fuse_problems: bool
    n_workers: int
    solver_overrides: Mapping[str, Callable]

    def weight_totals(self) -> np.ndarray:
        """Total sample weight ``S_k`` of every problem.

        Returns
        -------
        totals : ndarray of shape (K,)
            Positive totals.
        """

    def positive_totals(self) -> np.ndarray:
        """Total sample weight of the positive samples (``y = 1``) of every problem.

        Returns
        -------
        totals : ndarray of shape (K,)
            Between 0 and :meth:`weight_totals`.
        """

    def feature_moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Weighted mean and standard deviation of every feature.

        A row's weight is the mean over the problems of ``s_ik / S_k`` (for
        weights shared by all problems, simply ``s_i / S``).

        Returns
        -------
        mean, std : ndarray of shape (n_features,)
        """

    def mean_loss_gradient(
        self,
        W: np.ndarray,
        b: np.ndarray | None,
        cols: np.ndarray | None = None,
        rows: slice | np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weighted mean BCE of the selected problems and its gradient.

        Parameters
        ----------
        W : ndarray of shape (k, n_features)
            Coefficients.
        b : ndarray of shape (k,) or None
            Intercepts, or None for models without one.
        cols : ndarray of int of shape (k,), default=None
            Which problems; all ``K`` when None.
        rows : slice or ndarray of int, default=None
            Only where ``supports_rows``: evaluate on these rows, the normalised
            weights scaled by ``n_samples / len(rows)`` (an unbiased estimate of
            the whole mean when the rows are drawn uniformly, whatever the
            weights).

        Returns
        -------
        loss : ndarray of shape (k,)
            ``sum_i (s_ik / S_k) bce(y_ik, z_ik)``.
        grad_W : ndarray of shape (k, n_features)
            Its gradient in ``W``.
        grad_b : ndarray of shape (k,)
            Its gradient in ``b`` (computed even when ``b`` is None).
        """

    def hessian_blocks(
        self,
        W: np.ndarray,
        b: np.ndarray | None,
        shift: np.ndarray,
        scale: np.ndarray,
        cols: np.ndarray | None = None,
        weights: str = "curvature",
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Blocks of the Hessian of the mean BCE in standardised coordinates.

        Only where ``has_hessian``. With ``D_ik = (s_ik / S_k) sigmoid'(z_ik)`` and
        the standardised features ``X_s = (X - shift) * scale``, the Hessian of
        problem ``k`` in the coefficients of ``X_s`` and the intercept is
        ``[[X_s' D_k X_s, X_s' D_k], [D_k' X_s, sum D_k]]``.

        With ``weights="residual"``, ``D_ik = (s_ik / S_k) (sigmoid(z_ik) -
        y_ik)^2`` instead: the same blocks then hold the weighted sum of the outer
        products of the per-sample gradients, the "meat" of the sandwich
        covariance of :mod:`sklearn_bce._inference`.

        Parameters
        ----------
        W : ndarray of shape (k, n_features)
            Coefficients (original coordinates).
        b : ndarray of shape (k,) or None
            Intercepts.
        shift, scale : ndarray of shape (n_features,)
            The standardisation.
        cols : ndarray of int of shape (k,), default=None
            Which problems; all ``K`` when None.
        weights : {"curvature", "residual"}, default="curvature"
            The factor of ``D_ik`` besides the normalised weight:
            ``sigmoid'(z_ik)`` (the Hessian) or ``(sigmoid(z_ik) - y_ik)^2``.

        Returns
        -------
        gram : ndarray of shape (k, n_features, n_features)
            ``X_s' D_k X_s``.
        cross : ndarray of shape (k, n_features)
            ``X_s' D_k``.
        total : ndarray of shape (k,)
            ``sum_i D_ik``.
        """

    def hessian_work(self) -> float:
        """Multiply-adds of one problem's Hessian blocks, for ``solver='auto'``.

        Returns
        -------
        work : float
            About ``n_samples * n_features**2`` for dense ``X``; ``inf`` where the
            blocks are not offered or need a conversion of ``X`` first.
        """

    def columns(self, features: np.ndarray, upcoming: np.ndarray | None = None):
        """Some columns of ``X``, in float64.

        Only where ``has_columns``. Coordinate descent asks for the columns of
        its working set, so that its cost follows the number of non-zero
        coefficients rather than ``n_features``.

        Parameters
        ----------
        features : ndarray of int of shape (m,)
            Which columns, in this order.
        upcoming : ndarray of int, default=None
            Columns likely to be asked for next, which a backend may fetch in
            the same pass over ``X`` (a hint: only ``features`` are returned).

        Returns
        -------
        block : ndarray or scipy.sparse CSC matrix of shape (n_samples, m)
            ``X[:, features]`` as float64: dense for dense ``X``, CSC for sparse
            ``X``.
        """

    def column_gram(self, B, h: np.ndarray, r: np.ndarray):
        """The weighted Gram matrix of a block of columns, and two of its sums.

        Only where ``has_columns``. The quadratic model of coordinate descent's
        proximal Newton step on its working set, from one pass over the block.

        Parameters
        ----------
        B : ndarray or scipy.sparse CSC matrix of shape (n_samples, m)
            Columns from :meth:`columns` (a dense one may be a view with a row
            stride).
        h : ndarray of shape (n_samples,) or None
            Per-sample curvatures; None asks for ``B' r`` only.
        r : ndarray of shape (n_samples,)
            Per-sample residuals.

        Returns
        -------
        gram : ndarray of shape (m, m) or None
            ``B' diag(h) B`` (None without ``h``).
        Bh : ndarray of shape (m,) or None
            ``B' h`` (None without ``h``).
        Br : ndarray of shape (m,)
            ``B' r``. All float64.
        """

    def sample_terms(
        self, Z: np.ndarray, cols: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weighted mean BCE and its per-sample derivatives, at given logits.

        Only where ``has_columns``. No pass over ``X``: the caller computed the
        logits ``Z`` (from :meth:`columns`). With the normalised weights
        ``s_ik / S_k``, this is the data term and the per-sample factors of its
        gradient and Hessian.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, k)
            Logits ``z_ik`` of the selected problems (intercepts included).
        cols : ndarray of int of shape (k,), default=None
            Which problems; all ``K`` when None.

        Returns
        -------
        loss : ndarray of shape (k,)
            ``sum_i (s_ik / S_k) bce(y_ik, z_ik)``.
        residual : ndarray of shape (n_samples, k)
            ``(s_ik / S_k) (sigmoid(z_ik) - y_ik)``: the gradient is
            ``X' residual``.
        curvature : ndarray of shape (n_samples, k)
            ``(s_ik / S_k) sigmoid'(z_ik)``: the Hessian is
            ``X' diag(curvature) X``.
        """

    def residual_gradient(self, R: np.ndarray) -> np.ndarray:
        """``X' R``: the gradient of the data term from per-sample residuals.

        Only where ``has_columns``. One pass over ``X``, no logits computed:
        with the residuals of :meth:`sample_terms`, this is the data term's
        gradient in ``W`` for every feature.

        Parameters
        ----------
        R : ndarray of shape (n_samples, k)
            Per-sample factors, e.g. residuals (used in ``X``'s dtype).

        Returns
        -------
        gradient : ndarray of shape (k, n_features)
            Float64.
        """

    def separated(self, W: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        """Whether each model puts every sample of positive weight on its side.

        Parameters
        ----------
        W : ndarray of shape (K, n_features)
            Coefficients of all the problems.
        b : ndarray of shape (K,) or None
            Intercepts.

        Returns
        -------
        separated : ndarray of bool of shape (K,)
            True where ``z > 0`` exactly on the positive samples (among those of
            positive weight): the data of that problem are linearly separable.
        """

    def collinear_directions(self, centred: bool) -> np.ndarray:
        """Directions along which exactly collinear features leave the data flat.

        An orthonormal basis of the ``v`` with ``X v = 0``, or, with
        ``centred``, ``(X - mean) v = 0`` (``X v`` the same in every row, which
        an intercept takes up), on every row (see ``_objective/collinear.py``).
        Backends may look for them only where it costs little, or not at all.

        Parameters
        ----------
        centred : bool
            Whether the model has an intercept.

        Returns
        -------
        V : ndarray of shape (n_features, k)
            Float64; ``k = 0`` where none is found (or looked for).
        """

    def indicator_groups(self) -> np.ndarray:
        """Blocks of adjacent columns that one-hot encode a categorical feature.

        Every row's entries in such a block add up to exactly one, so with an
        intercept the data term is flat along "raise the block's coefficients,
        lower the intercept by as much" (see ``_objective/indicators.py``).
        Computed once, from the feature moments and one check of the rows.

        Returns
        -------
        blocks : ndarray of int of shape (n_blocks, 2)
            ``(start, stop)`` column ranges; empty where none is found.
        """

    def parallel(self) -> AbstractContextManager:
        """Context in which evaluations use the backend's threads or workers.

        A fit runs its solver inside it; outside, evaluations may run serially.

        Returns
        -------
        context : context manager
        """
