"""Pieces shared by the SGD solver and the streaming updates: one pass in mini-batches.

An epoch (:func:`epoch`) is one pass over an objective's rows in mini-batches,
each step evaluating the objective's own mini-batch gradient: there is no second
copy of the loss here. Steps follow a schedule (:func:`step_size`), optionally
along a variance-reduced direction, optionally averaged (:class:`Averager`), and
take the penalty's proximal step when it has an L1 part. :func:`curvature`
estimates the steps that are safe on any data.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "LEARNING_RATES",
    "Averager",
    "auto_batch_size",
    "average_start",
    "check_schedule",
    "curvature",
    "epoch",
    "initial_step",
    "resolve_batch_size",
    "step_size",
]

LEARNING_RATES = ("auto", "constant", "optimal", "invscaling", "adaptive")

# Curvature estimate: power iterations on at most this many rows.
_CURVATURE_ROWS, _CURVATURE_ITER = 1024, 12


def auto_batch_size(n_samples):
    """Mini-batch size used by ``batch_size="auto"``.

    A data set of at most 32 rows is a single batch (each step is then an exact
    gradient step). Otherwise about 32 batches per epoch, and at most 1024 rows per
    batch: an epoch needs enough steps, but each step has a fixed cost, so large
    batches are cheaper per row (on 100 000 x 50 data, a pass in batches of 1024
    rows takes about half the time of one in batches of 256, and the
    variance-reduced epochs converge in as few epochs).

    Parameters
    ----------
    n_samples : int
        Number of rows the epoch goes through.

    Returns
    -------
    batch_size : int
        Rows per mini-batch, between 1 and ``min(n_samples, 1024)``.
    """
    if n_samples <= 32:
        return max(1, n_samples)
    return int(min(1024, -(-n_samples // 32)))


def resolve_batch_size(batch_size, n):
    """Rows per mini-batch: an int, or ``"auto"`` (:func:`auto_batch_size`).

    Parameters
    ----------
    batch_size : int or "auto"
        The requested size.
    n : int
        Rows of the data the epoch goes through.

    Returns
    -------
    batch_size : int
        Between 1 and ``n``.
    """
    b = auto_batch_size(n) if isinstance(batch_size, str) else int(batch_size)
    return max(1, min(b, n))


def check_schedule(learning_rate, penalty):
    """Raise a clear error for an unknown or unusable step-size rule.

    Parameters
    ----------
    learning_rate : str
        One of :data:`LEARNING_RATES`.
    penalty : Penalty
        The objective's penalty ("optimal" needs a positive strength).
    """
    if learning_rate not in LEARNING_RATES:
        raise ValueError(
            f"learning_rate must be one of {LEARNING_RATES}, got {learning_rate!r}."
        )
    if learning_rate == "optimal" and np.any(penalty.strength <= 0):
        raise ValueError(
            "learning_rate='optimal' needs a positive L2 strength alpha (a finite C)."
        )


def step_size(learning_rate, eta, t, alpha, power_t):
    """Step of every problem at mini-batch step ``t`` (counted from 1).

    Parameters
    ----------
    learning_rate : str
        "optimal" decays as ``eta / (1 + alpha * eta * t)``, "invscaling" as
        ``eta / t ** power_t``; the others keep ``eta``.
    eta : ndarray of shape (K,)
        Initial (or current) step of each problem.
    t : int
        Mini-batch steps taken, this one included.
    alpha : ndarray of shape (K,)
        Strength of the whole penalty per unit of weight.
    power_t : float
        Exponent of "invscaling".

    Returns
    -------
    step : ndarray of shape (K, 1)
    """
    if learning_rate == "optimal":
        return (eta / (1.0 + alpha * eta * t))[:, None]
    if learning_rate == "invscaling":
        return (eta / t**power_t)[:, None]
    return eta[:, None]


def average_start(average):
    """Rows to see before averaging the iterates (None: no averaging).

    Parameters
    ----------
    average : bool or int
        The estimator's ``average``.

    Returns
    -------
    start : int or None
    """
    if average is False or average is None:
        return None
    return 0 if average is True else int(average)


class Averager:
    """Running mean of the iterates, per problem, once ``start`` rows are seen.

    Before that, the mean follows the iterate. Problems that are not active keep
    their mean.

    Parameters
    ----------
    theta : ndarray of shape (n_params,)
        The starting point.
    K : int
        Number of problems.
    start : int
        Rows to see before averaging.
    """

    def __init__(self, theta, K, start):
        self.mean = np.array(theta, dtype=np.float64)
        self.count = np.zeros(K)
        self.K = K
        self.start = start

    def update(self, theta, samples_seen, active):
        """Add the iterate ``theta`` of the active problems to their means.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            The current iterate.
        samples_seen : int
            Rows seen so far.
        active : ndarray of bool of shape (K,)
            Problems that moved.
        """
        M = self.mean.reshape(self.K, -1)
        T = theta.reshape(self.K, -1)
        if samples_seen < self.start:
            M[active] = T[active]
            return
        if active.all():
            self.count += 1
            M += (T - M) / self.count[:, None]
            return
        self.count[active] += 1
        M[active] += (T[active] - M[active]) / self.count[active, None]


def curvature(objective, theta, rng):
    """Estimate of the largest Hessian eigenvalue of each problem at ``theta``.

    Power iterations with Hessian-vector products taken as gradient differences,
    on at most 1024 random rows: only the objective's gradient is used.

    Parameters
    ----------
    objective : Objective
        The objective (with mini-batch evaluations).
    theta : ndarray of shape (n_params,)
        Where the curvature is estimated.
    rng : numpy.random.RandomState
        Draws the rows and the starting vectors.

    Returns
    -------
    curvature : ndarray of shape (K,)
        Positive estimates.
    """
    n, K = objective.n_samples, objective.K
    rows = None
    if n > _CURVATURE_ROWS:
        rows = np.sort(rng.choice(n, size=_CURVATURE_ROWS, replace=False))
    eps = float(np.finfo(objective.dtype).eps) ** (1 / 3)
    _, g0 = objective.loss_gradient_per_problem(theta, rows=rows)
    V = rng.standard_normal((K, objective.n_params // K))
    lam = np.zeros(K)
    for _ in range(_CURVATURE_ITER):
        V /= np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-300)
        _, g1 = objective.loss_gradient_per_problem(theta + eps * V.ravel(), rows=rows)
        V = (g1 - g0).reshape(K, -1) / eps
        lam = np.linalg.norm(V, axis=1)
    return np.maximum(lam, 1e-12)


def initial_step(eta0, objective, theta, rng):
    """``eta0`` per problem; "auto" is the inverse of the curvature at ``theta``.

    Parameters
    ----------
    eta0 : float or "auto"
        The requested initial step.
    objective : Objective
        The objective.
    theta : ndarray of shape (n_params,)
        The starting point.
    rng : numpy.random.RandomState
        For the curvature estimate.

    Returns
    -------
    eta : ndarray of shape (K,)
    """
    if isinstance(eta0, str):
        return 1.0 / curvature(objective, theta, rng)
    return np.full(objective.K, float(eta0))


def epoch(
    objective, theta, step, rng, batch_size, shuffle, active,
    anchor=None, averager=None, samples_seen=0,
):
    """One pass over the objective's rows in mini-batches.

    Parameters
    ----------
    objective : Objective
        The objective (with mini-batch evaluations).
    theta : ndarray of shape (n_params,)
        The starting point (not modified).
    step : callable
        Called once per mini-batch; returns the step of every problem, shape
        (K, 1) or (K, n_coef).
    rng : numpy.random.RandomState
        For the order of the rows.
    batch_size : int
        Rows per mini-batch.
    shuffle : bool
        Whether the rows are visited in a random order.
    active : ndarray of bool of shape (K,)
        Only these problems are evaluated and move.
    anchor : tuple of two ndarrays of shape (n_params,), default=None
        ``(theta_s, mu)``: the steps follow the variance-reduced direction
        ``g_B(theta) - g_B(theta_s) + mu``, both batch gradients from one pass
        over the batch.
    averager : Averager, default=None
        Updated after every step.
    samples_seen : int, default=0
        Rows seen before this epoch.

    Returns
    -------
    theta : ndarray of shape (n_params,)
        The new iterate.
    samples_seen : int
        Rows seen after this epoch.
    secant : ndarray of shape (K,)
        With ``anchor``, the largest secant curvature
        ``||g_B(theta) - g_B(theta_s)|| / ||theta - theta_s||`` of each problem
        over the epoch's batches (zeros without ``anchor``).
    """
    n, K = objective.n_samples, objective.K
    theta = np.array(theta, dtype=np.float64)
    T = theta.reshape(K, -1)
    act = np.flatnonzero(active)
    k = act.size
    if anchor is not None:
        cols = np.concatenate([act, act])
        T_s = np.asarray(anchor[0], dtype=np.float64).reshape(K, -1)[act]
        mu = np.asarray(anchor[1], dtype=np.float64).reshape(K, -1)[act]
    else:
        cols = act
    smooth = objective.penalty.smooth
    secant = np.zeros(K)
    shuffle = shuffle and batch_size < n  # one batch: nothing to shuffle
    order = rng.permutation(n) if shuffle else None
    for start in range(0, n, batch_size):
        stop = min(n, start + batch_size)
        rows = np.sort(order[start:stop]) if shuffle else slice(start, stop)
        eta = np.broadcast_to(step(), T.shape)[act]
        if anchor is None:
            g = objective.loss_gradient_problems(T[act], cols=cols, rows=rows)[1]
        else:
            G = objective.loss_gradient_problems(
                np.vstack([T[act], T_s]), cols=cols, rows=rows
            )[1]
            dg = G[:k] - G[k:]
            dist = np.linalg.norm(T[act] - T_s, axis=1)
            moved = dist > 0
            secant[act[moved]] = np.maximum(
                secant[act[moved]], np.linalg.norm(dg[moved], axis=1) / dist[moved]
            )
            g = dg + mu
        T_act = T[act] - eta * g
        if not smooth:
            T_act = objective.prox(T_act, eta, cols=act)
        T[act] = T_act
        samples_seen += stop - start
        if averager is not None:
            averager.update(theta, samples_seen, active)
    return theta, samples_seen, secant
