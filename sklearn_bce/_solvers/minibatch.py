"""Pieces shared by the SGD solver and the streaming updates: one pass in mini-batches.

An epoch (:func:`epoch`) is one pass over an objective's rows in mini-batches,
each step evaluating the objective's own mini-batch gradient: there is no second
copy of the loss here. Steps follow a schedule (:func:`step_size`), optionally
along a variance-reduced direction in the metric of an L-BFGS inverse Hessian
(:class:`SecantMemory`), optionally averaged (:class:`Averager`), and take the
penalty's proximal step when it has an L1 part. :func:`curvature` estimates the
steps that are safe on any data.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "LEARNING_RATES",
    "Averager",
    "SecantMemory",
    "auto_batch_size",
    "average_start",
    "check_schedule",
    "curvature",
    "epoch",
    "initial_step",
    "resolve_batch_size",
    "secant_pairs",
    "step_size",
]

LEARNING_RATES = ("auto", "constant", "optimal", "invscaling", "adaptive")

# Curvature estimate: power iterations on at most this many rows.
_CURVATURE_ROWS, _CURVATURE_ITER = 1024, 12
# Secant pairs kept per problem for the L-BFGS metric of the variance-reduced steps.
_SECANT_PAIRS = 10


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


def secant_pairs(objective, most=_SECANT_PAIRS):
    """Pairs of :class:`SecantMemory` per problem that take no more memory than ``X``.

    At most ``most``, and as many as fit, for all the problems, in the bytes of
    the data (or in 1 MiB, for small data): the pairs of ``K`` problems of
    ``n_coef`` coefficients take ``16 K n_coef`` bytes each. Dense data hold
    ten of them as soon as ``n_samples >= 20 K``; wide sparse data may hold none.

    Parameters
    ----------
    objective : Objective
        The objective (its backend's ``nbytes``, ``K`` and ``n_params``).
    most : int, default=10
        The most pairs kept.

    Returns
    -------
    size : int
        Between 0 and ``most``.
    """
    budget = max(objective.backend.nbytes, 1 << 20)
    return int(min(most, budget // (16 * objective.n_params)))


class SecantMemory:
    """Limited-memory BFGS approximation of each problem's inverse Hessian.

    Built from secant pairs ``(s, y)``: a step between two points and the change
    of the full gradient along it (exact, as the variance-reduced epochs compute
    the full gradient at every snapshot). :meth:`operator` applies the compact
    form of the L-BFGS inverse Hessian (Byrd, Nocedal & Schnabel, 1994)

        H = c I + [S  c Y] M [S  c Y]',  c = s'y / y'y of the latest pair,

    ``S`` and ``Y`` holding the pairs as columns, at a cost of a few multiply-adds
    per pair and coefficient. A problem without pairs gets the identity.

    Parameters
    ----------
    K : int
        Number of problems.
    n_coef : int
        Coefficients of each problem.
    size : int, default=10
        Pairs kept per problem (the most recent).
    """

    def __init__(self, K, n_coef, size=10):
        self.S = np.zeros((K, size, n_coef))
        self.Y = np.zeros((K, size, n_coef))
        self.count = np.zeros(K, dtype=np.int64)

    def add(self, k, s, y):
        """Keep the pair ``(s, y)`` of problem ``k`` if its curvature is positive.

        Parameters
        ----------
        k : int
            The problem.
        s, y : ndarray of shape (n_coef,)
            The step and the change of the gradient along it.
        """
        if not s @ y > 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):
            return
        n = self.count[k]
        if n == self.S.shape[1]:  # forget the oldest pair
            self.S[k, :-1] = self.S[k, 1:]
            self.Y[k, :-1] = self.Y[k, 1:]
            n -= 1
        self.S[k, n] = s
        self.Y[k, n] = y
        self.count[k] = n + 1

    def operator(self, problems):
        """The inverse Hessian approximations of some problems, as one function.

        Parameters
        ----------
        problems : ndarray of int of shape (k,)
            The problems, in the order of the rows the function takes.

        Returns
        -------
        apply : callable or None
            ``apply(V)`` for ``V`` of shape (k, n_coef) returns the rows
            ``H_j V_j``; None when none of the problems has a pair (every ``H`` is
            then the identity).
        """
        count = self.count[problems]
        m = int(count.max(initial=0))
        if m == 0:
            return None
        if len(problems) == self.count.size:  # views, not copies
            S, Y = self.S[:, :m], self.Y[:, :m]
        else:
            S, Y = self.S[problems, :m], self.Y[problems, :m]
        k = len(problems)
        scale = np.ones(k)
        M = np.zeros((k, 2 * m, 2 * m))
        for j in np.flatnonzero(count):
            n = count[j]
            Sj, Yj = S[j, :n], Y[j, :n]
            SY = Sj @ Yj.T  # (s_a' y_b)
            YY = Yj @ Yj.T
            c = SY[-1, -1] / YY[-1, -1]
            R_inv = np.linalg.inv(np.triu(SY))
            scale[j] = c
            M[j, :n, :n] = R_inv.T @ (np.diag(np.diag(SY)) + c * YY) @ R_inv
            M[j, :n, m:m + n] = -c * R_inv.T
            M[j, m:m + n, :n] = -c * R_inv

        def apply(V):
            WV = np.concatenate(
                [np.einsum("kip,kp->ki", S, V), np.einsum("kip,kp->ki", Y, V)], axis=1
            )
            U = np.einsum("kij,kj->ki", M, WV)
            return (
                scale[:, None] * V
                + np.einsum("kip,ki->kp", S, U[:, :m])
                + np.einsum("kip,ki->kp", Y, U[:, m:])
            )

        return apply


def curvature(
    objective, theta, rng, precondition=None, start=None, n_iter=_CURVATURE_ITER
):
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
    precondition : callable, default=None
        ``precondition(V)`` for ``V`` of shape (K, n_coef), a positive definite
        ``H`` per problem (see :class:`SecantMemory`): the estimate is then the
        largest eigenvalue of ``H`` times the Hessian, the curvature of the
        objective in the metric of ``H``.
    start : ndarray of shape (K, n_coef), default=None
        Starting vectors of the power iterations, overwritten with their final
        vectors (so that the next estimate can start there); random when None.
    n_iter : int, default=12
        Power iterations.

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
    V = rng.standard_normal((K, objective.n_params // K)) if start is None else start
    lam = np.zeros(K)
    for _ in range(n_iter):
        V = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-300)
        _, g1 = objective.loss_gradient_per_problem(theta + eps * V.ravel(), rows=rows)
        V = (g1 - g0).reshape(K, -1) / eps
        if precondition is not None:
            V = precondition(V)
        lam = np.linalg.norm(V, axis=1)
    if start is not None:
        start[...] = V
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
    anchor=None, averager=None, samples_seen=0, precondition=None,
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
    precondition : callable, default=None
        With ``anchor``: ``precondition(V)`` for ``V`` of shape (k, n_coef), the
        rows of the active problems, applies a positive definite ``H`` per
        problem; the steps then follow ``H`` times the variance-reduced direction,
        and the secant curvatures are measured in the metric of ``H``.

    Returns
    -------
    theta : ndarray of shape (n_params,)
        The new iterate.
    samples_seen : int
        Rows seen after this epoch.
    secant : ndarray of shape (K,)
        With ``anchor``, the largest secant curvature ``dg' H dg / dg' dtheta`` of
        each problem over the epoch's batches, ``dg = g_B(theta) - g_B(theta_s)``,
        ``dtheta = theta - theta_s`` and ``H`` the identity without
        ``precondition`` (zeros without ``anchor``).
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
        if precondition is not None:
            mu = precondition(mu)
    else:
        cols = act
    # an L1 part and bounds: proximal (soft-thresholded, then clipped) steps
    smooth = objective.penalty.smooth and not objective.bounded
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
            Hdg = dg if precondition is None else precondition(dg)
            along = np.einsum("ij,ij->i", T[act] - T_s, dg)
            moved = along > 0
            secant[act[moved]] = np.maximum(
                secant[act[moved]],
                np.einsum("ij,ij->i", dg[moved], Hdg[moved]) / along[moved],
            )
            g = Hdg + mu
        T_act = T[act] - eta * g
        if not smooth:
            T_act = objective.prox(T_act, eta, cols=act)
        T[act] = T_act
        samples_seen += stop - start
        if averager is not None:
            averager.update(theta, samples_seen, active)
    return theta, samples_seen, secant
