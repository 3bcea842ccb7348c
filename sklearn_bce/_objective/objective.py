"""The one objective: a data backend, a penalty and a change of variables.

Conventions
-----------
The objective of ``K`` independent binary problems sharing one design matrix is::

    f(W, b) = sum_k [ (1/S_k) sum_i s_ik bce(Y_ik, z_ik) + P_k(W_k) ]
    z = X W^T + b,   S_k = sum_i s_ik,   bce(y, z) = log(1 + e^z) - y z

with ``P_k`` the :class:`~sklearn_bce._objective.Penalty`; for ``K = 1`` and an L2
penalty it is exactly the objective of ``LogisticRegression(C=C)`` (the intercept
is never penalised). The data term comes from a
:class:`~sklearn_bce._objective.DataBackend`, wherever the data live.

Solvers never see ``W`` and ``b``: they work on parameters ``T`` of shape
``(K, n_coef)`` (or the flat ``theta = T.ravel()``), one row per problem, the
intercept last, in *preconditioned* coordinates. With a per-feature shift ``mu``
and scale ``D`` set from the data, ``W = T_W * D`` and ``b = T_b - W @ mu``. This
affine change of variables leaves the objective untouched (the penalty is always
computed on the original ``W``), so every solver reaches the same optimum, but the
problem it sees is much better conditioned: the features are implicitly centred
and scaled without ever touching ``X`` (sparse matrices stay sparse).
"""

from __future__ import annotations

import numpy as np

from .box import Box
from .flat import settle_flat_directions

__all__ = ["Objective"]


class Objective:
    """Regularised mean binary cross-entropy of ``K`` linear models.

    Parameters
    ----------
    backend : DataBackend
        Where the data live, and how the data term is computed.
    penalty : Penalty
        The penalty of every problem.
    fit_intercept : bool, default=True
        Whether each problem has an (unpenalised) intercept.
    precondition : bool, default=True
        Whether the solver coordinates are centred and scaled per feature. The
        objective and its minimiser do not depend on it.
    preconditioner : tuple of two ndarrays of shape (n_features,), default=None
        ``(shift, scale)`` to use instead of computing them from the data (then
        ``precondition`` is ignored): objectives on the chunks of a stream share
        one coordinate system this way.
    bounds : tuple of two ndarrays of shape (K, n_features), default=None
        ``(lower, upper)`` bounds on the coefficients ``W`` (``-inf`` / ``inf``
        where there is none, ``lower <= upper``); the intercepts are never
        bounded. None: no bounds. Solvers that need ``"unbounded"`` (see
        :meth:`capabilities`) do not honour them.

    Attributes
    ----------
    K : int
        Number of binary problems.
    n_coef : int
        Parameters of one problem, ``n_features + fit_intercept``.
    n_params : int
        Length of the flat parameter vector, ``K * n_coef``.
    shift, scale : ndarray of shape (n_features,)
        The change of variables.
    bounded : bool
        Whether some coefficient has a finite bound.
    """

    def __init__(
        self, backend, penalty, *, fit_intercept=True, precondition=True,
        preconditioner=None, bounds=None,
    ):
        self.backend = backend
        self.penalty = penalty
        self.fit_intercept = bool(fit_intercept)
        self.K = backend.n_problems
        self.n_samples = backend.n_samples
        self.n_features = d = backend.n_features
        self.dtype = np.dtype(backend.dtype)
        self.n_coef = d + self.fit_intercept
        self.n_params = self.K * self.n_coef
        if preconditioner is None:
            self.shift, self.scale = self._preconditioner(precondition)
        else:
            shift, scale = (np.asarray(a, dtype=np.float64) for a in preconditioner)
            if shift.shape != (d,) or scale.shape != (d,):
                raise ValueError(
                    f"preconditioner must be two arrays of shape ({d},), got "
                    f"{shift.shape} and {scale.shape}."
                )
            self.shift, self.scale = shift.copy(), scale.copy()
        self._prior = None
        self.box = Box.of(bounds, self.scale, self.K, self.n_coef)
        self.bounded = self.box is not None
        self.coef_bounds = bounds if self.bounded else None  # as given, on W

    # ------------------------------------------------------------------ geometry
    def _preconditioner(self, precondition):
        """``(shift, scale)`` from the weighted feature moments."""
        d = self.n_features
        shift, scale = np.zeros(d), np.ones(d)
        if not precondition or d == 0 or self.n_samples == 0:
            return shift, scale
        mean, std = self.backend.feature_moments()
        if self.fit_intercept:
            shift = mean
        else:  # no intercept to absorb a shift: scale by the root mean square
            std = np.hypot(std, np.abs(mean))
        # The diagonal of the Hessian at W = 0 in centred coordinates is roughly
        # var / 4 + l2 f_j; scale so that it is about one.
        ridge = 2.0 * np.sqrt(self.penalty.l2.min() * self.penalty.weights(d))
        h = np.hypot(std, ridge)
        scale = np.where(h > 0, 1.0 / np.where(h > 0, h, 1.0), 1.0)
        return shift, scale

    def capabilities(self):
        """What the objective offers its solvers.

        Returns
        -------
        capabilities : frozenset of str
            ``"hessian"`` (:meth:`hessian_problems`), ``"rows"`` (mini-batch
            evaluations), ``"columns"`` (the backend's ``columns`` and
            ``sample_terms``), ``"smooth"`` (no L1 part in the penalty) and
            ``"unbounded"`` (no bounds on the coefficients).
        """
        offered = {
            "hessian": self.backend.has_hessian,
            "columns": getattr(self.backend, "has_columns", False),
            "rows": self.backend.supports_rows,
            "smooth": self.penalty.smooth,
            "unbounded": not self.bounded,
        }
        return frozenset(name for name, ok in offered.items() if ok)

    def coord_scale(self):
        """``|dW / dT|`` of each coordinate of one problem (zero for the intercept).

        Returns
        -------
        scale : ndarray of shape (n_coef,)
        """
        return np.concatenate([self.scale, np.zeros(self.n_coef - self.n_features)])

    def to_coef(self, theta):
        """Map solver coordinates to ``(W, b)``.

        Parameters
        ----------
        theta : ndarray of shape (n_params,) or (k, n_coef)
            Parameters of all ``K`` problems (flat), or one row per problem for any
            subset of them.

        Returns
        -------
        W : ndarray of shape (k, n_features)
            Coefficients in the original feature space (float64).
        b : ndarray of shape (k,)
            Intercepts (zeros when ``fit_intercept=False``).
        """
        T = np.asarray(theta, dtype=np.float64).reshape(-1, self.n_coef)
        W = T[:, : self.n_features] * self.scale
        if self.fit_intercept:
            b = T[:, -1] - W @ self.shift
        else:
            b = np.zeros(T.shape[0])
        return W, b

    def from_coef(self, W, b=None):
        """Map ``(W, b)`` to the solver's flat coordinates (inverse of ``to_coef``).

        Parameters
        ----------
        W : ndarray of shape (K, n_features)
            Coefficients.
        b : ndarray of shape (K,), default=None
            Intercepts; ignored when ``fit_intercept=False``.

        Returns
        -------
        theta : ndarray of shape (n_params,)
        """
        W = np.asarray(W, dtype=np.float64).reshape(-1, self.n_features)
        T = np.zeros((W.shape[0], self.n_coef))
        T[:, : self.n_features] = W / self.scale
        if self.fit_intercept:
            b = np.zeros(W.shape[0]) if b is None else np.asarray(b, np.float64)
            T[:, -1] = b + W @ self.shift
        return T.ravel()

    def settle_flat_directions(self, theta, collinear=True):
        """Minimise exactly along the directions where only the penalty curves.

        The data term does not depend on the coefficient of a feature that is
        zero in every sample of positive weight; with an intercept, it is also
        flat along "raise the coefficients of a one-hot encoded block by ``c``,
        lower the intercept by ``c``" (see ``_objective/indicators.py``), and
        more generally along the directions that exactly collinear features
        leave flat (see ``_objective/collinear.py``). A pure L2 penalty is least
        there when such a coefficient is zero, when the block's coefficients
        have mean zero, and in closed form along the collinear directions, so
        these moves can only lower the objective; first-order solvers stop long
        before reaching them. With an L1 part or without a penalty, ``theta`` is
        returned unchanged.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
        collinear : bool, default=True
            Whether to settle the collinear directions too (which the backend
            looks for once); the other moves cost nothing.

        Returns
        -------
        theta : ndarray of shape (n_params,)
        """
        return settle_flat_directions(self, theta, collinear)

    # --------------------------------------------------------------- the prior
    def positive_fraction(self):
        """Weighted fraction of positive targets of every problem (kept once known).

        Returns
        -------
        p : ndarray of shape (K,)
            ``(1/S_k) sum_i s_ik Y_ik``, in [0, 1].
        """
        if self._prior is None:
            p = self.backend.positive_totals() / self.backend.weight_totals()
            self._prior = np.clip(p, 0.0, 1.0)
        return self._prior.copy()

    def single_valued(self):
        """Which problems have one target value among their weighted samples.

        With an intercept such a problem's loss keeps falling as the intercept
        goes to infinity: it has no finite minimiser, and a solver stops it
        where its gradient meets the tolerance.

        Returns
        -------
        single : ndarray of bool of shape (K,)
            All False without an intercept.
        """
        p = self.positive_fraction()
        return ((p <= 0) | (p >= 1)) & bool(self.fit_intercept)

    def curvature_at_prior(self):
        """Curvature of each problem's loss in its intercept, relative to 1/4.

        At the constant model that predicts the weighted fraction ``p_k`` of
        positives, the second derivative of the data term in the intercept is
        ``p_k (1 - p_k)``; this returns ``4 p_k (1 - p_k)``, which is 1 for
        balanced problems and about ``4 p_k`` for a rare class. A gradient divided
        by it measures the same error of the logits on rare and common classes
        alike. Problems with a single class (no finite optimum when the intercept
        is fitted) get 1.

        Returns
        -------
        c : ndarray of shape (K,)
            Values in (0, 1].
        """
        p = self.positive_fraction()
        c = 4.0 * p * (1.0 - p)
        return np.where(c > 0, np.minimum(c, 1.0), 1.0)

    def prior_logit(self):
        """Log-odds of each problem's weighted fraction of positives.

        The intercept of the best constant model, a good starting point for the
        solvers; 0 for problems with a single class.

        Returns
        -------
        logit : ndarray of shape (K,)
        """
        p = self.positive_fraction()
        single = (p <= 0) | (p >= 1)
        p = np.where(single, 0.5, p)
        return np.log(p) - np.log1p(-p)

    def initial_point(self, prior=True):
        """Zero coefficients, with the intercepts at the prior log-odds if asked.

        Parameters
        ----------
        prior : bool, default=True
            Whether the intercepts start at :meth:`prior_logit` (the best
            constant model) rather than 0.

        Returns
        -------
        theta : ndarray of shape (n_params,)
        """
        # In solver coordinates the intercept is the last entry of each problem,
        # and equals b while the coefficients are 0.
        T = np.zeros((self.K, self.n_coef))
        if prior and self.fit_intercept:
            T[:, -1] = self.prior_logit()
        return T.ravel()

    # ------------------------------------------------------------ evaluations
    def data_term(self, W, b, rows=None, cols=None):
        """Weighted mean BCE of the problems and its gradient in ``(W, b)``.

        Parameters
        ----------
        W : ndarray of shape (k, n_features)
            Coefficients (original coordinates).
        b : ndarray of shape (k,)
            Intercepts (ignored without intercept).
        rows : slice or ndarray of int, default=None
            A mini-batch of rows (see the backend's ``mean_loss_gradient``).
        cols : ndarray of int, default=None
            Which problems ``W`` and ``b`` hold; all when None.

        Returns
        -------
        loss_k, gW, gb : ndarray
            Shapes (k,), (k, n_features) and (k,).
        """
        return self.backend.mean_loss_gradient(
            W, b if self.fit_intercept else None, cols=cols, rows=rows
        )

    def loss_gradient_problems(self, T, cols=None, rows=None):
        """Smooth objective and gradient of a subset of the problems, one row each.

        The smooth objective is the data term plus the L2 part of the penalty;
        the L1 part is :meth:`l1_value`.

        Parameters
        ----------
        T : ndarray of shape (k, n_coef) or (k * n_coef,)
            Parameters (solver coordinates) of the selected problems.
        cols : ndarray of int of shape (k,), default=None
            Which problems; all ``K`` when None.
        rows : slice or ndarray of int, default=None
            Evaluate on a mini-batch of rows: the data term is then an unbiased
            estimate (the penalty is unchanged).

        Returns
        -------
        loss_k : ndarray of shape (k,)
            Objective of each selected problem.
        G : ndarray of shape (k, n_coef)
            Gradients with respect to ``T`` (float64).
        """
        W, b = self.to_coef(T)
        loss_k, gW, gb = self.data_term(W, b, rows=rows, cols=cols)
        value, grad = self.penalty.smooth_value_gradient(W, cols)
        return loss_k + value, self._grad_to_theta(gW + grad, gb)

    def loss_gradient_per_problem(self, theta, rows=None):
        """Per-problem smooth objective and the full flat gradient.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Flat parameter vector.
        rows : slice or ndarray of int, default=None
            A mini-batch of rows (see :meth:`loss_gradient_problems`).

        Returns
        -------
        loss_k : ndarray of shape (K,)
        grad : ndarray of shape (n_params,)
        """
        loss_k, G = self.loss_gradient_problems(theta, rows=rows)
        return loss_k, G.ravel()

    def loss_gradient(self, theta):
        """Smooth objective value and flat gradient, in one pass.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Flat parameter vector.

        Returns
        -------
        loss : float
            The sum over the ``K`` problems.
        grad : ndarray of shape (n_params,)
        """
        loss_k, grad = self.loss_gradient_per_problem(theta)
        return float(loss_k.sum()), grad

    def evaluate(self, theta):
        """Whole objective of every problem and the gradient of its smooth part.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Flat parameter vector.

        Returns
        -------
        value : ndarray of shape (K,)
            Objective of each problem, the L1 part of the penalty included.
        grad : ndarray of shape (n_params,)
            Gradient of the smooth part (data term and L2 part).
        """
        value, grad = self.loss_gradient_per_problem(theta)
        if not self.penalty.smooth:
            value = value + self.l1_value(theta)
        return value, grad

    def loss(self, theta):
        """Objective value (the smooth part plus the L1 part), summed over problems.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Flat parameter vector.

        Returns
        -------
        loss : float
        """
        return float(self.evaluate(theta)[0].sum())

    def l1_value(self, theta, cols=None):
        """L1 part of the penalty of each problem.

        Parameters
        ----------
        theta : ndarray of shape (n_params,) or (k, n_coef)
            Parameters (solver coordinates).
        cols : ndarray of int, default=None
            Which problems ``theta`` holds; all when None.

        Returns
        -------
        value : ndarray of shape (k,)
        """
        return self.penalty.l1_value(self.to_coef(theta)[0], cols)

    def prox(self, T, step, cols=None):
        """Proximal step of the L1 part in solver coordinates.

        Parameters
        ----------
        T : ndarray of shape (k, n_coef)
            Parameters of the selected problems.
        step : ndarray of shape (k, 1) or (k, n_coef)
            Step of each problem.
        cols : ndarray of int, default=None
            Which problems ``T`` holds; all when None.

        Returns
        -------
        T : ndarray of shape (k, n_coef)
            Soft-thresholded, then clipped to the bounds (for one coordinate
            this is the proximal map of the L1 part plus the box).
        """
        T = self.penalty.prox(T, step, self.coord_scale(), cols)
        return T if self.box is None else self.box.project(T, cols)

    def project(self, T, cols=None):
        """Clip parameters of the problems ``cols`` to the bounds (see ``Box``)."""
        return T if self.box is None else self.box.project(T, cols)

    def problem_bounds(self, cols=None):
        """``(lower, upper)`` of the problems ``cols``, shape (k, n_coef) each."""
        if self.box is not None:
            return self.box.bounds(cols)
        k = self.K if cols is None else len(cols)
        return np.full((k, self.n_coef), -np.inf), np.full((k, self.n_coef), np.inf)

    def columns(self, features, upcoming=None):
        """Columns of ``X`` in float64, for coordinate descent.

        Needs a backend with column access (``"columns"`` in
        :meth:`capabilities`). The columns are those of the original features,
        not standardised: coordinate descent works on the original coefficients.

        Parameters
        ----------
        features : ndarray of int of shape (m,)
            Which columns.
        upcoming : ndarray of int, default=None
            Columns likely to be asked for next (a hint to the backend).

        Returns
        -------
        block : ndarray or scipy.sparse CSC matrix of shape (n_samples, m)
        """
        return self.backend.columns(features, upcoming)

    def column_gram(self, B, h, r):
        """``B' diag(h) B``, ``B' h`` and ``B' r`` of columns from :meth:`columns`.

        The backend's ``column_gram`` (see
        :class:`~sklearn_bce._objective.DataBackend`): per-sample
        curvatures ``h`` (None for ``B' r`` only) and residuals ``r``.
        """
        return self.backend.column_gram(B, h, r)

    def residual_gradient(self, R):
        """``X' R``: the data term's gradient in ``W`` from per-sample residuals.

        Needs a backend with column access (``"columns"`` in
        :meth:`capabilities`); one pass over ``X``, no logits computed.

        Parameters
        ----------
        R : ndarray of shape (n_samples, k)
            Residuals of some problems, as :meth:`sample_terms` gives them.

        Returns
        -------
        gradient : ndarray of shape (k, n_features)
            In the original coordinates (float64).
        """
        return self.backend.residual_gradient(R)

    def sample_terms(self, Z, cols=None):
        """Data term and its per-sample derivatives at given logits.

        Needs a backend with column access (``"columns"`` in
        :meth:`capabilities`); no pass over ``X``.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, k)
            Logits of the selected problems, intercepts included.
        cols : ndarray of int of shape (k,), default=None
            Which problems; all ``K`` when None.

        Returns
        -------
        loss : ndarray of shape (k,)
            Weighted mean BCE of each problem (no penalty).
        residual, curvature : ndarray of shape (n_samples, k)
            ``(s_ik / S_k) (sigmoid(z_ik) - y_ik)`` and
            ``(s_ik / S_k) sigmoid'(z_ik)``.
        """
        return self.backend.sample_terms(Z, cols)

    def hessian_problems(self, T, cols=None):
        """Hessians of the smooth objective of some problems, in solver coordinates.

        Needs a backend with Hessian blocks (``"hessian"`` in
        :meth:`capabilities`); costs about ``n_samples * n_features**2``
        multiply-adds per problem.

        Parameters
        ----------
        T : ndarray of shape (k, n_coef) or (k * n_coef,)
            Parameters (solver coordinates) of the selected problems.
        cols : ndarray of int of shape (k,), default=None
            Which problems; all ``K`` when None.

        Returns
        -------
        H : ndarray of shape (k, n_coef, n_coef)
        """
        W, b = self.to_coef(T)
        k, d = W.shape
        G, v, s = self.backend.hessian_blocks(
            W, b if self.fit_intercept else None, self.shift, self.scale, cols=cols
        )
        l2 = self.penalty.per_problem(self.penalty.l2, k, cols)
        ridge = self.penalty.weights(d) * self.scale**2
        H = np.zeros((k, self.n_coef, self.n_coef))
        for j in range(k):
            H[j, :d, :d] = G[j]
            H[j, np.arange(d), np.arange(d)] += l2[j] * ridge
            if self.fit_intercept:
                H[j, :d, d] = H[j, d, :d] = v[j]
                H[j, d, d] = s[j]
        return H

    def _grad_to_theta(self, gW, gb):
        G = np.empty((gW.shape[0], self.n_coef))
        if self.fit_intercept:
            G[:, : self.n_features] = (gW - gb[:, None] * self.shift) * self.scale
            G[:, -1] = gb
        else:
            G[:] = gW * self.scale
        return G
