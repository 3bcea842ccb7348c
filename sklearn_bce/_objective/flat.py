"""The moves along which only the penalty curves the objective, made exactly.

See :meth:`~sklearn_bce._objective.objective.Objective.settle_flat_directions`:
zero columns, one-hot encoded blocks (:mod:`.indicators`) and exactly collinear
features (:mod:`.collinear`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["settle_flat_directions"]


def settle_flat_directions(objective, theta, collinear=True):
    """``Objective.settle_flat_directions`` of ``objective`` (see there).

    Parameters
    ----------
    objective : Objective
    theta : ndarray of shape (n_params,)
    collinear : bool, default=True

    Returns
    -------
    theta : ndarray of shape (n_params,)
    """
    theta = np.asarray(theta, dtype=np.float64)
    if not (objective.penalty.smooth and np.all(objective.penalty.l2 > 0)):
        return theta
    mean, std = objective.backend.feature_moments()
    factor = objective.penalty.weights(objective.n_features)
    # an unpenalised coefficient has no such direction to settle, nor one
    # held within bounds that exclude the move
    empty = (mean == 0) & (std == 0) & (factor > 0)
    free = np.ones(objective.n_features, dtype=bool)
    if objective.bounded:
        lower, upper = (a[:, : objective.n_features] for a in objective.box.bounds())
        empty &= np.all(lower <= 0, axis=0) & np.all(upper >= 0, axis=0)
        free = np.all(np.isinf(lower) & np.isinf(upper), axis=0)
    blocks = [
        (start, stop)
        for start, stop in (
            objective.backend.indicator_groups() if objective.fit_intercept else ()
        )
        if free[start:stop].all() and factor[start:stop].sum() > 0
    ]
    V = (
        objective.backend.collinear_directions(objective.fit_intercept)
        if collinear else np.zeros((objective.n_features, 0))
    )
    if V.shape[1] and not np.all(np.abs(V[~free]) <= 1e-12):
        V = V[:, :0]  # bounds may exclude the moves
    if not blocks and not empty.any() and not V.shape[1]:
        return theta
    W, b = objective.to_coef(theta)
    W[:, empty] = 0.0
    for start, stop in blocks:
        # the penalty sum_j f_j (w_j - c)^2 is least at the f-weighted mean
        f = factor[start:stop]
        c = W[:, start:stop] @ f / f.sum()
        W[:, start:stop] -= c[:, None]
        b += c
    if V.shape[1]:
        W, b = _settle_collinear(objective, W, b, V, factor, mean)
    return objective.from_coef(W, b if objective.fit_intercept else None)


def _settle_collinear(objective, W, b, V, factor, mean):
    """Move ``W`` (and ``b``) to the least penalty along the directions ``V``.

    ``V`` (see ``DataBackend.collinear_directions``) leaves the logits as
    they are: ``X V a`` is zero, or with an intercept the same in every row,
    ``mean' V a`` (the features' means), which the intercept gives back. The penalty
    ``sum_j f_j (w_j + (V a)_j)^2`` is least at ``a = -(V' F V)^+ V' F w``.
    Directions that are flat only to float32's rounding change the data
    term a little: the move is then kept only if the objective falls.
    """
    FV = V * factor[:, None]
    A = -np.linalg.pinv(V.T @ FV) @ (FV.T @ W.T)  # (k, K)
    moves = (V @ A).T  # (K, n_features)
    new_W = W + moves
    new_b = b
    if objective.fit_intercept:
        new_b = b - moves @ mean
    if objective.dtype != np.float64:

        def loss(W, b):
            theta = objective.from_coef(W, b if objective.fit_intercept else None)
            return objective.loss_gradient_problems(theta.reshape(objective.K, -1))[0]

        keep = loss(new_W, new_b) <= loss(W, b)
        new_W = np.where(keep[:, None], new_W, W)
        new_b = np.where(keep, new_b, b) if objective.fit_intercept else new_b
    return new_W, new_b
