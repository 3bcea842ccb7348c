"""Binary cross-entropy from logits and the linear-model objective built on it.

Two layers live here, mirroring scikit-learn's ``_loss`` / ``_linear_loss`` split:

* element-wise functions of a logit ``z`` (:func:`log1pexp`, :func:`bce_from_logits`,
  :func:`log_sigmoid`), written so that no logit, however large, overflows;
* :class:`LinearBCE`, the objective of DESIGN.md for ``K`` independent binary problems
  sharing one design matrix::

      f(W, b) = sum_k [ (1/S_k) sum_i s_ik bce(Y_ik, z_ik) + ||W_k||^2 / (2 C S_k) ]
      z = X W^T + b,   S_k = sum_i s_ik,   bce(y, z) = log(1 + e^z) - y z

  which, for ``K = 1``, is exactly the objective of
  ``sklearn.linear_model.LogisticRegression(C=C)`` (the intercept is not penalised).

Solvers never see ``W`` and ``b`` directly: :class:`LinearBCE` works on a flat parameter
vector ``theta`` in *preconditioned* coordinates. With a per-feature shift ``mu`` and
scale ``D`` (set from the data), ``W = theta_W * D`` and ``b = theta_b - W @ mu``. This
affine change of variables leaves the objective value untouched (the penalty is always
computed on the original ``W``), so every solver reaches the same optimum, but the
problem it sees is much better conditioned: features are implicitly centred and scaled
without ever touching ``X`` (sparse matrices stay sparse).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = [
    "LinearBCE",
    "bce_from_logits",
    "bce_sums",
    "log1pexp",
    "log_sigmoid",
]


def log1pexp(z):
    """Compute ``log(1 + exp(z))`` without overflow.

    Parameters
    ----------
    z : array-like
        Logits, any real value including ``+-inf``.

    Returns
    -------
    out : ndarray
        ``log(1 + exp(z))`` element-wise, same floating dtype as ``z``.
    """
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return np.logaddexp(np.zeros((), dtype=z.dtype), z)


def log_sigmoid(z):
    """Compute ``log(sigmoid(z)) = -log(1 + exp(-z))`` without overflow.

    Parameters
    ----------
    z : array-like
        Logits.

    Returns
    -------
    out : ndarray
        Element-wise log-probability of the positive class.
    """
    return -log1pexp(-np.asarray(z))


def bce_from_logits(y, z):
    """Element-wise binary cross-entropy of a logit, ``log(1 + e^z) - y z``.

    This is ``-[y log p + (1 - y) log(1 - p)]`` with ``p = sigmoid(z)``, computed
    without forming ``p``: finite for any finite ``z`` (``|z| = 1e4`` included), and
    never clipped.

    Parameters
    ----------
    y : array-like
        Targets in ``[0, 1]`` (usually 0/1 labels).
    z : array-like
        Logits, broadcastable against ``y``.

    Returns
    -------
    loss : ndarray
        Element-wise loss, non-negative for 0/1 targets.
    """
    z = np.asarray(z)
    y = np.asarray(y, dtype=z.dtype if np.issubdtype(z.dtype, np.floating) else None)
    # log(1 + e^z) - y z  ==  max(z, 0) - y z + log1p(e^{-|z|}); for y in {0, 1}
    # the first two terms are max(z,0)-y z = relu((1-2y) z) >= 0 so nothing cancels.
    return np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))


def _weighted_feature_moments(X, sw, block_rows=4096):
    """Weighted per-feature mean, standard deviation and max-abs of ``X``.

    Works block-wise so that the memory it needs is small whatever the size of ``X``,
    and is safe for values near the floating point range (it never squares a raw
    value). ``sw`` must sum to one.

    Returns ``(mean, std)`` as float64 arrays of shape (n_features,).
    """
    n, d = X.shape
    if sp.issparse(X):
        X = X.tocsr()
        absmax = np.asarray(abs(X).max(axis=0).toarray()).ravel() if X.nnz else None
        if absmax is None:
            return np.zeros(d), np.zeros(d)
    else:
        absmax = np.zeros(d)
        for start in range(0, n, block_rows):
            np.maximum(
                absmax, np.abs(X[start : start + block_rows]).max(axis=0), out=absmax
            )
    absmax = absmax.astype(np.float64)
    unit = np.where(absmax > 0, absmax, 1.0)
    inv_unit = 1.0 / unit
    # First pass: mean of the scaled features. Second pass: centred second moment.
    if sp.issparse(X):
        mean_s = np.asarray(X.T @ sw, dtype=np.float64).ravel() * inv_unit
        sq = np.zeros(d)
        zero_weight = np.ones(d)  # weight of the implicit zeros, per column
        for start in range(0, n, block_rows):
            blk = X[start : start + block_rows]
            rows = np.repeat(np.arange(blk.shape[0]), np.diff(blk.indptr))
            w = sw[start : start + block_rows][rows]
            v = blk.data.astype(np.float64) * inv_unit[blk.indices]
            v -= mean_s[blk.indices]
            sq += np.bincount(blk.indices, weights=w * v * v, minlength=d)
            zero_weight -= np.bincount(blk.indices, weights=w, minlength=d)
        sq += np.clip(zero_weight, 0.0, None) * mean_s**2
    else:
        mean_s = np.zeros(d)
        for start in range(0, n, block_rows):
            blk = X[start : start + block_rows]
            mean_s += (sw[start : start + block_rows] @ blk).astype(np.float64)
        mean_s *= inv_unit
        sq = np.zeros(d)
        for start in range(0, n, block_rows):
            blk = X[start : start + block_rows] * inv_unit
            blk -= mean_s
            sq += sw[start : start + block_rows] @ (blk * blk)
    std = np.sqrt(np.clip(sq, 0.0, None)) * unit
    mean = mean_s * unit
    return mean, std


def bce_sums(X, Y, sw, W, b, fit_intercept=True, out=None):
    """Weighted BCE sums of ``K`` linear models on one block of rows.

    The kernel every objective evaluation (in memory, mini-batch, or on a dask
    chunk) runs: one product ``X @ W.T``, one ``exp`` per element for both the loss
    and the sigmoid, one product ``R.T @ X``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_rows, n_features)
        Block of the design matrix (float32 or float64).
    Y : ndarray of shape (n_rows, K)
        0/1 targets.
    sw : ndarray of shape (n_rows, 1) or (n_rows, K)
        Sample weights (already divided by their total when a mean is wanted).
    W : ndarray of shape (K, n_features)
        Coefficients.
    b : ndarray of shape (K,)
        Intercepts (ignored when ``fit_intercept=False``).
    fit_intercept : bool, default=True
        Whether ``b`` is added to the logits.
    out : ndarray of shape (n_rows, K), default=None
        Work buffer of X's dtype, reused across calls to avoid allocations.

    Returns
    -------
    loss_k : ndarray of shape (K,)
        ``sum_i sw_ik bce(Y_ik, z_ik)`` (float64).
    gW : ndarray of shape (K, n_features)
        ``sum_i sw_ik (sigmoid(z_ik) - Y_ik) X_i`` (float64).
    gb : ndarray of shape (K,)
        ``sum_i sw_ik (sigmoid(z_ik) - Y_ik)`` (float64).
    """
    dtype = X.dtype
    Wx = W.astype(dtype, copy=False)
    if sp.issparse(X) or out is None:
        Z = np.asarray(X @ Wx.T, dtype=dtype)
    else:
        Z = np.matmul(X, Wx.T, out=out)
    if fit_intercept:
        Z += b.astype(dtype)
    loss_k, R = _loss_and_residual(Z, Y, sw)
    if sp.issparse(X):
        gW = np.asarray(X.T @ R, dtype=np.float64).T
    else:
        gW = np.asarray(R.T @ X, dtype=np.float64)
    return loss_k, gW, R.sum(axis=0, dtype=np.float64)


def _loss_and_residual(Z, Y, sw):
    """Weighted loss per column and residual ``sw * (sigmoid(z) - y)``.

    Overwrites ``Z`` with the residual. One ``exp`` per element serves both the loss
    and the sigmoid.
    """
    t = np.abs(Z)
    np.negative(t, out=t)
    np.exp(t, out=t)  # t = exp(-|z|) in (0, 1]
    # loss = max(z, 0) - y z + log1p(t)
    loss = np.maximum(Z, 0)
    loss -= Y * Z
    positive = Z >= 0
    loss += np.log1p(t)
    loss *= sw
    loss_k = loss.sum(axis=0, dtype=np.float64)
    # sigmoid(z) = 1 / (1 + t) for z >= 0, t / (1 + t) otherwise
    np.add(t, 1, out=Z)
    np.divide(np.where(positive, 1, t), Z, out=Z)
    Z -= Y
    Z *= sw
    return loss_k, Z


class LinearBCE:
    """Regularised mean binary cross-entropy of ``K`` linear models on one ``X``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Design matrix, float32 or float64. Used as is: never copied, densified or
        centred.
    Y : ndarray of shape (n_samples, K)
        0/1 targets, one column per binary problem.
    sample_weight : ndarray of shape (n_samples,) or (n_samples, K), default=None
        Non-negative weights; a 2-d array gives each problem its own weights (and
        its own normalisation ``S_k``).
    C : float, default=1.0
        Inverse L2 regularisation strength; ``np.inf`` means no penalty.
    fit_intercept : bool, default=True
        Whether each problem has an (unpenalised) intercept.
    precondition : bool, default=True
        Whether the solver coordinates are centred and scaled per feature (see the
        module docstring). The objective and its minimiser do not depend on it.

    Attributes
    ----------
    n_params : int
        Length of the flat parameter vector, ``K * (n_features + fit_intercept)``.
    """

    def __init__(
        self,
        X,
        Y,
        sample_weight=None,
        C=1.0,
        fit_intercept=True,
        precondition=True,
    ):
        self.X = X
        self.dtype = X.dtype
        n, d = X.shape
        Y = np.asarray(Y)
        if Y.ndim == 1:
            Y = Y[:, None]
        self.Y = np.asarray(Y, dtype=self.dtype)
        self.n_samples, self.n_features = n, d
        self.K = self.Y.shape[1]
        self.fit_intercept = bool(fit_intercept)
        self.C = float(C)

        if sample_weight is None:
            sw = np.ones((n, 1), dtype=np.float64)
        else:
            sw = np.asarray(sample_weight, dtype=np.float64)
            if sw.ndim == 1:
                sw = sw[:, None]
        self.sw_sum = sw.sum(axis=0)  # S_k, shape (1,) or (K,)
        if np.any(self.sw_sum <= 0):
            raise ValueError("The sample weights of every problem must not sum to 0.")
        # Weights divided by S_k: the loss is a weighted mean per column.
        self._sw = (sw / self.sw_sum).astype(self.dtype)
        self.sw_sum = np.broadcast_to(self.sw_sum, (self.K,)).copy()
        # Penalty weight per problem: 1 / (C S_k).
        self.l2 = 1.0 / (self.C * self.sw_sum)

        base_sw = self._sw[:, 0] if self._sw.shape[1] == 1 else None
        self._set_preconditioner(precondition, base_sw)
        self.n_params = self.K * (d + self.fit_intercept)
        self._Z = None  # (n, K) work buffer, allocated on first use

    # ------------------------------------------------------------------ geometry
    def _set_preconditioner(self, precondition, sw):
        d = self.n_features
        self.shift = np.zeros(d)
        self.scale = np.ones(d)
        if not precondition or d == 0 or self.n_samples == 0:
            return
        if sw is None:  # per-column weights: use their average as the data weights
            sw = self._sw.astype(np.float64).mean(axis=1)
            sw = sw / sw.sum()
        mean, std = self.feature_moments(sw)
        if self.fit_intercept:
            self.shift = mean
        else:  # no intercept to absorb a shift: scale by the root mean square
            std = np.hypot(std, np.abs(mean))
        # Diagonal of the Hessian at W = 0 in centred coordinates is roughly
        # var / 4 + 1 / (C S); scale so that it is about one.
        ridge = 2.0 / np.sqrt(self.C * self.sw_sum.max()) if np.isfinite(self.C) else 0
        h = np.hypot(std, ridge)
        self.scale = np.where(h > 0, 1.0 / np.where(h > 0, h, 1.0), 1.0)

    def feature_moments(self, sw):
        """Weighted mean and standard deviation of every feature.

        Parameters
        ----------
        sw : array-like of shape (n_samples,)
            Weights summing to one: an ndarray here; a subclass that holds the data
            elsewhere receives them in its own form (per-chunk futures on dask).

        Returns
        -------
        mean, std : ndarray of shape (n_features,)
        """
        return _weighted_feature_moments(self.X, np.asarray(sw, np.float64))

    def to_coef(self, theta):
        """Map solver coordinates to ``(W, b)``.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Flat parameter vector in the solver's coordinates.

        Returns
        -------
        W : ndarray of shape (K, n_features)
            Coefficients in the original feature space (float64).
        b : ndarray of shape (K,)
            Intercepts (zeros when ``fit_intercept=False``).
        """
        T = np.asarray(theta, dtype=np.float64).reshape(self.K, -1)
        W = T[:, : self.n_features] * self.scale
        if self.fit_intercept:
            b = T[:, -1] - W @ self.shift
        else:
            b = np.zeros(self.K)
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
        W = np.asarray(W, dtype=np.float64).reshape(self.K, self.n_features)
        T = np.zeros((self.K, self.n_features + self.fit_intercept))
        T[:, : self.n_features] = W / self.scale
        if self.fit_intercept:
            b = np.zeros(self.K) if b is None else np.asarray(b, np.float64)
            T[:, -1] = b + W @ self.shift
        return T.ravel()

    # ------------------------------------------------------------------ kernels
    def data_term(self, W, b, rows=None):
        """Weighted data term of every problem and its gradient in ``(W, b)``.

        Subclasses evaluating the data elsewhere (e.g. on a cluster) override this
        method; everything else (coordinates, penalty) is shared.

        Parameters
        ----------
        W : ndarray of shape (K, n_features)
            Coefficients (original coordinates).
        b : ndarray of shape (K,)
            Intercepts.
        rows : slice or ndarray of int, default=None
            Evaluate on these rows only, with the weights re-normalised to a mean
            over the batch.

        Returns
        -------
        loss_k : ndarray of shape (K,)
            ``(1/S_k) sum_i s_ik bce(Y_ik, z_ik)``.
        gW : ndarray of shape (K, n_features)
            Gradient of the data term with respect to ``W`` (float64).
        gb : ndarray of shape (K,)
            Gradient with respect to ``b``.
        """
        if rows is None:
            if self._Z is None and not sp.issparse(self.X):
                self._Z = np.empty((self.n_samples, self.K), dtype=self.dtype)
            return bce_sums(
                self.X, self.Y, self._sw, W, b, self.fit_intercept, out=self._Z
            )
        sw = self._sw[rows]
        sw = sw / np.where((s := sw.sum(axis=0)) > 0, s, 1)
        return bce_sums(self.X[rows], self.Y[rows], sw, W, b, self.fit_intercept)

    def loss_gradient(self, theta):
        """Objective value and gradient, both in solver coordinates, in one pass.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Flat parameter vector.

        Returns
        -------
        loss : float
            ``f(W, b)``, the sum over the ``K`` problems.
        grad : ndarray of shape (n_params,)
            Gradient with respect to ``theta`` (float64).
        """
        loss_k, grad = self.loss_gradient_per_problem(theta)
        return float(loss_k.sum()), grad

    def loss_gradient_per_problem(self, theta, rows=None):
        """Per-problem objective values and the full gradient.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Flat parameter vector.
        rows : slice or ndarray of int, default=None
            Evaluate on these rows only (a mini-batch): the data term is then the
            weighted mean over the batch, and the penalty is unchanged, so the result
            is an unbiased estimate of the full objective and gradient when rows are
            drawn uniformly.

        Returns
        -------
        loss_k : ndarray of shape (K,)
            Objective of each binary problem.
        grad : ndarray of shape (n_params,)
            Gradient with respect to ``theta`` (float64).
        """
        W, b = self.to_coef(theta)
        loss_k, gW, gb = self.data_term(W, b, rows)
        if np.isfinite(self.C):
            loss_k = loss_k + 0.5 * self.l2 * np.einsum("kj,kj->k", W, W)
            gW = gW + self.l2[:, None] * W
        return loss_k, self._grad_to_theta(gW, gb)

    def _grad_to_theta(self, gW, gb):
        G = np.empty((self.K, self.n_features + self.fit_intercept))
        if self.fit_intercept:
            G[:, : self.n_features] = (gW - gb[:, None] * self.shift) * self.scale
            G[:, -1] = gb
        else:
            G[:] = gW * self.scale
        return G.ravel()

    def loss(self, theta):
        """Objective value only (see :meth:`loss_gradient`).

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Flat parameter vector.

        Returns
        -------
        loss : float
        """
        return self.loss_gradient(theta)[0]
