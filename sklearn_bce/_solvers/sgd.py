"""Mini-batch stochastic gradient descent on the shared objective.

Every step evaluates the objective's own mini-batch loss and gradient
(``objective.loss_gradient_per_problem(theta, rows=...)``): there is no second copy
of the loss here. The solver works in the objective's flat, internally centred and
rescaled coordinates ``theta``, like the L-BFGS solver, and minimises the same
function, so both reach the same optimum.

Two families of steps are offered.

``learning_rate="auto"`` (the default): **variance-reduced epochs** (SVRG, Johnson
& Zhang, 2013). An epoch starts at a snapshot ``theta_s`` where the full objective
and gradient ``mu`` are computed (one pass, which also gives the objective per
epoch and the stopping test); then one pass in mini-batches ``B`` takes steps along
``g_B(theta) - g_B(theta_s) + mu``, an unbiased estimate of the gradient whose noise
vanishes at the optimum, so steps need not decay and the iterates converge to the
exact minimiser. The step of each binary problem in an epoch is ``1 / L``, ``L``
the largest curvature (Hessian eigenvalue) of its objective at the snapshot,
estimated by power iterations with Hessian-vector products taken as gradient
differences on at most 1024 rows, and at least the largest secant curvature
``||g_B(theta) - g_B(theta_s)|| / ||theta - theta_s||`` met by a mini-batch in the
previous epoch (those two gradients are computed anyway): a small batch is much more
curved than the whole objective, all the more with uneven sample weights, and a step
of one over the full curvature would make its epochs diverge. Near the optimum of a
well-separated problem the curvature is far below its value at the start, and the
steps grow accordingly. As a safeguard, an epoch that does not lower a problem's
objective (known exactly) is undone and the problem's step halved, and won back by
the following successful epochs; an undone epoch that raised the objective by more
than ``tol`` does not count towards ``n_iter_no_change`` (its step was too long:
nothing says that the problem has converged). No tuning is needed on standardised
data.

``"constant"``, ``"optimal"``, ``"invscaling"``, ``"adaptive"``: **plain SGD** with
the schedules of :class:`sklearn.linear_model.SGDClassifier`, counted in
mini-batch steps ``t``, with optional Polyak-Ruppert averaging of the iterates.
They approach the optimum only as fast as their step sizes decay.

:func:`sgd_partial_fit` makes one epoch over one chunk of a stream, carrying the
schedule, the averages and the random state between calls in a
:class:`StreamState`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.utils import check_random_state

from ._base import SolverResult

__all__ = [
    "SGDResult",
    "StreamState",
    "auto_batch_size",
    "sgd",
    "sgd_partial_fit",
    "start_stream",
]

LEARNING_RATES = ("auto", "constant", "optimal", "invscaling", "adaptive")

# learning_rate="auto": the step is trust / L, L the curvature at the epoch's start;
# the trust (at most 1) halves after an epoch that fails to lower the objective and
# doubles after one that succeeds.
_SHRINK, _GROW = 0.5, 2.0
# learning_rate="adaptive" divides the step by 5 and stops below this step.
_ADAPTIVE_DIVISOR, _ADAPTIVE_MIN_ETA = 5.0, 1e-6
# Curvature estimate: power iterations on at most this many rows.
_CURVATURE_ROWS, _CURVATURE_ITER = 1024, 12


@dataclass
class SGDResult(SolverResult):
    """:class:`SolverResult` of the SGD solver, with the validation losses.

    Parameters
    ----------
    x : ndarray of shape (n_params,)
        Final parameters, in the objective's coordinates.
    n_iter : ndarray of shape (K,)
        Epochs spent on each problem.
    converged : bool
        Whether every problem met a stopping rule before ``max_iter`` epochs.
    fun : float
        Final objective value.
    grad_norm : float
        Max-norm of the final (proximal) gradient.
    history : list of float
        Objective after each epoch.
    message : str
        Termination message.
    validation_history : list of float
        Validation loss after each epoch (summed over the problems), when a
        validation set was given; empty otherwise.
    """

    validation_history: list = field(default_factory=list)


@dataclass
class StreamState:
    """What :func:`sgd_partial_fit` carries from one chunk to the next.

    Parameters
    ----------
    theta : ndarray of shape (n_params,)
        Current (not averaged) iterate in solver coordinates.
    rng : numpy.random.RandomState
        Random state for the shuffles, advanced by every call.
    eta0 : ndarray of shape (K,)
        Initial step of each problem.
    t : int
        Mini-batch steps taken so far.
    samples_seen : int
        Rows seen so far (``average`` given as an int counts them).
    average : _Averager or None
        Running Polyak-Ruppert average, when averaging is on.
    """

    theta: np.ndarray
    rng: np.random.RandomState
    eta0: np.ndarray
    t: int = 0
    samples_seen: int = 0
    average: object = None


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


# ---------------------------------------------------------------------- helpers
class _Averager:
    """Running mean of the iterates, per problem, once ``start`` rows are seen.

    Before that, the mean follows the iterate. Problems that are not active keep
    their mean.
    """

    def __init__(self, theta, K, start):
        self.mean = np.array(theta, dtype=np.float64)
        self.count = np.zeros(K)
        self.K = K
        self.start = start

    def update(self, theta, samples_seen, active):
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


def _blocks(mask, size):
    """Per-problem boolean mask repeated over each problem's coordinates."""
    return np.repeat(mask, size // mask.size)


def _coord_scale(objective):
    """``|dW / dtheta|`` of every coordinate (zero for intercepts), shape (K, p).

    The map from solver coordinates to coefficients is diagonal in ``W``, so one
    call of ``to_coef`` on a vector of ones reads it off.
    """
    W, _ = objective.to_coef(np.ones(objective.n_params))
    S = np.zeros((objective.K, objective.n_params // objective.K))
    S[:, : W.shape[1]] = np.abs(W)
    return S


def _soft_threshold(theta, thresh):
    return np.sign(theta) * np.maximum(np.abs(theta) - thresh, 0.0)


def _evaluate(objective, theta, l1):
    """Objective of every problem (with its L1 term) and the smooth gradient."""
    f_k, grad = objective.loss_gradient_per_problem(theta)
    f_k = np.asarray(f_k, dtype=np.float64)
    if l1 is not None:
        W, _ = objective.to_coef(theta)
        f_k = f_k + l1 * np.abs(W).sum(axis=1)
    return f_k, grad


def _optimality(theta, grad, l1w, K):
    """Max-norm of each problem's (proximal) gradient: zero exactly at the optimum."""
    if l1w is None:
        G = grad
    else:
        G = theta - _soft_threshold(theta - grad, l1w.ravel())
    return np.abs(G.reshape(K, -1)).max(axis=1, initial=0.0)


def _curvature(objective, theta, rng):
    """Estimate of the largest Hessian eigenvalue of each problem at ``theta``.

    Power iterations with Hessian-vector products taken as gradient differences,
    on at most ``_CURVATURE_ROWS`` random rows: only the objective's gradient is
    used.
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


def _initial_step(eta0, objective, theta, rng):
    """``eta0`` per problem; "auto" is the inverse of the curvature at ``theta``."""
    if isinstance(eta0, str):
        return 1.0 / _curvature(objective, theta, rng)
    return np.full(objective.K, float(eta0))


def _resolve_batch_size(batch_size, n):
    b = auto_batch_size(n) if isinstance(batch_size, str) else int(batch_size)
    return max(1, min(b, n))


def _l1_setup(objective, l1):
    if l1 is None or not np.any(np.asarray(l1) > 0):
        return None, None
    l1 = np.broadcast_to(np.asarray(l1, dtype=np.float64), (objective.K,))
    return l1, l1[:, None] * _coord_scale(objective)


def _batch_gradients(objective, T, cols, rows):
    """Gradients (one row per entry of ``cols``) of problems ``cols`` at ``T``.

    Uses the objective's evaluation of a subset of its problems when it has one
    (a problem may then appear twice, at two parameter vectors, in one pass over
    the batch), and otherwise evaluates all the problems and selects.
    """
    if hasattr(objective, "loss_gradient_problems"):
        return objective.loss_gradient_problems(T, cols=cols, rows=rows)[1]
    K = objective.K
    G = np.empty((len(cols), T.shape[1]))
    for start in range(0, len(cols), K):  # each problem at most once per call
        sel = cols[start : start + K]
        full = np.zeros((K, T.shape[1]))
        full[sel] = T[start : start + K]
        _, g = objective.loss_gradient_per_problem(full.ravel(), rows=rows)
        G[start : start + K] = g.reshape(K, -1)[sel]
    return G


def _epoch(
    objective, theta, step, rng, batch_size, shuffle, active,
    anchor=None, l1w=None, averager=None, samples_seen=0,
):
    """One pass over the objective's rows in mini-batches.

    ``step()`` is called once per mini-batch and returns the step of every
    problem, shape (K, 1) or (K, p). With ``anchor=(theta_s, mu)`` the steps
    follow the variance-reduced direction ``g_B(theta) - g_B(theta_s) + mu``;
    both batch gradients come from one pass over the batch. Only the ``active``
    problems are evaluated and move. Returns the new iterate, the rows seen and,
    with ``anchor``, the largest secant curvature
    ``||g_B(theta) - g_B(theta_s)|| / ||theta - theta_s||`` of each problem over
    the epoch's batches (zeros without ``anchor``).
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
    secant = np.zeros(K)
    shuffle = shuffle and batch_size < n  # one batch: nothing to shuffle
    order = rng.permutation(n) if shuffle else None
    for start in range(0, n, batch_size):
        stop = min(n, start + batch_size)
        rows = np.sort(order[start:stop]) if shuffle else slice(start, stop)
        eta = np.broadcast_to(step(), T.shape)[act]
        if anchor is None:
            g = _batch_gradients(objective, T[act], cols, rows)
        else:
            G = _batch_gradients(objective, np.vstack([T[act], T_s]), cols, rows)
            dg = G[:k] - G[k:]
            dist = np.linalg.norm(T[act] - T_s, axis=1)
            moved = dist > 0
            secant[act[moved]] = np.maximum(
                secant[act[moved]], np.linalg.norm(dg[moved], axis=1) / dist[moved]
            )
            g = dg + mu
        T_act = T[act] - eta * g
        if l1w is not None:
            T_act = _soft_threshold(T_act, eta * l1w[act])
        T[act] = T_act
        samples_seen += stop - start
        if averager is not None:
            averager.update(theta, samples_seen, active)
    return theta, samples_seen, secant


def _average_start(average):
    """Rows to see before averaging (None: no averaging)."""
    if average is False or average is None:
        return None
    return 0 if average is True else int(average)


# ---------------------------------------------------------------------- solvers
def sgd(
    objective,
    x0,
    *,
    tol=1e-4,
    grad_tol=None,
    max_iter=100,
    verbose=0,
    random_state=None,
    learning_rate="auto",
    eta0="auto",
    power_t=0.5,
    batch_size="auto",
    shuffle=True,
    average=False,
    n_iter_no_change=5,
    alpha=None,
    l1=None,
    validation=None,
):
    """Minimise ``objective`` by mini-batch stochastic gradient descent.

    Each epoch is one pass over the rows in mini-batches, followed by one exact
    evaluation of the objective (recorded in ``history``). The ``K`` binary
    problems of the objective share the passes over the data but keep their own
    steps and stopping tests; a problem that has stopped is no longer updated.

    A problem stops, and counts as converged, when the max-norm of its (proximal)
    gradient is at most ``tol`` (the test of the L-BFGS solver), or when
    ``n_iter_no_change`` consecutive epochs each fail to lower its objective (with
    ``validation``: its validation loss) below the best value so far by more than
    ``tol`` times that value (with ``learning_rate="auto"``, an epoch undone for
    raising the objective by more than ``tol`` times its value is not counted).
    With ``learning_rate="adaptive"`` such a run of
    epochs first divides the step by 5, and the problem stops once the step would
    fall below 1e-6.
    Reaching ``max_iter`` epochs otherwise means not converged.

    Parameters
    ----------
    objective : LinearBCE
        Has ``loss_gradient_per_problem(theta, rows=None)``, ``to_coef``, ``K``,
        ``n_params``, ``n_samples`` and ``dtype``.
    x0 : ndarray of shape (n_params,)
        Starting point.
    tol : float, default=1e-4
        Stopping tolerance (see above).
    grad_tol : float or ndarray of shape (K,), default=None
        Gradient max-norm at which a problem stops, when it should differ from
        ``tol`` (an array gives each problem its own); ``tol`` when None.
    max_iter : int, default=100
        Maximum number of epochs.
    verbose : int, default=0
        Values above 0 print the objective after each epoch.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffles and of the curvature estimate.
    learning_rate : {"auto", "constant", "optimal", "invscaling", "adaptive"}, \
            default="auto"
        Step-size rule; ``t`` counts mini-batch steps from 1:

        - "auto": variance-reduced epochs with steps adapted to the curvature (see
          the module docstring);
        - "constant": ``eta0``;
        - "optimal": ``eta0 / (1 + alpha * eta0 * t)``, that is
          ``1 / (alpha * (t0 + t))`` with ``t0 = 1 / (alpha * eta0)``;
        - "invscaling": ``eta0 / t ** power_t``;
        - "adaptive": ``eta0``, divided by 5 whenever ``n_iter_no_change`` epochs
          in a row fail to lower the objective by ``tol``.
    eta0 : float or "auto", default="auto"
        Initial step; "auto" is ``1 / L`` with ``L`` the largest curvature of
        each problem at ``x0``. For ``learning_rate="auto"``, whose steps follow
        the curvature at each epoch's start, a number is an upper bound.
    power_t : float, default=0.5
        Exponent of "invscaling".
    batch_size : int or "auto", default="auto"
        Rows per mini-batch; "auto" is :func:`auto_batch_size`.
    shuffle : bool, default=True
        Whether the rows are drawn in a new random order every epoch (otherwise
        the batches are contiguous slices in the order of the data).
    average : bool or int, default=False
        Polyak-Ruppert averaging: the result is the mean of the iterates, from the
        first step (True) or once that many rows have been seen (an int). Not
        used by "auto", whose variance-reduced steps converge without it.
    n_iter_no_change : int, default=5
        Number of epochs without sufficient progress before stopping.
    alpha : ndarray of shape (K,), default=None
        L2 strength of each problem, ``1 / (C * S_k)``; needed by "optimal".
    l1 : ndarray of shape (K,), default=None
        L1 strength of each problem: ``l1_k * ||W_k||_1`` is added to the
        objective and handled by proximal (soft-thresholding) steps.
    validation : callable, default=None
        ``validation(theta) -> ndarray of shape (K,)``: the loss of each problem
        on held-out data. When given, the no-progress test watches it instead of
        the objective, and each problem ends at its best epoch.

    Returns
    -------
    result : SGDResult
        ``history`` holds the objective after each epoch, ``n_iter`` the epochs
        of each problem.
    """
    if learning_rate not in LEARNING_RATES:
        raise ValueError(
            f"learning_rate must be one of {LEARNING_RATES}, got {learning_rate!r}."
        )
    K, n = objective.K, objective.n_samples
    alpha = None if alpha is None else np.broadcast_to(np.asarray(alpha, float), (K,))
    if learning_rate == "optimal" and (alpha is None or np.any(alpha <= 0)):
        raise ValueError(
            "learning_rate='optimal' needs a positive L2 strength alpha (a finite C)."
        )
    rng = check_random_state(random_state)
    # The curvature estimates draw from their own stream, so that they do not
    # depend on how many rows the shuffles consumed.
    curvature_rng = np.random.RandomState(rng.randint(np.iinfo(np.int32).max))
    b = _resolve_batch_size(batch_size, n)
    l1, l1w = _l1_setup(objective, l1)
    auto = learning_rate == "auto"
    start_avg = None if auto else _average_start(average)

    theta = np.array(x0, dtype=np.float64)
    F, grad = _evaluate(objective, theta, l1)
    point = theta.copy()  # the reported coefficients (an average, if averaging)
    eta = _initial_step("auto" if auto else eta0, objective, theta, curvature_rng)
    if auto:
        cap = np.inf if isinstance(eta0, str) else float(eta0)
        trust = np.ones(K)
        secant = np.zeros(K)  # largest batch curvature of the last epoch
        eta = np.minimum(eta, cap)
    grad_tol = tol if grad_tol is None else np.asarray(grad_tol, dtype=np.float64)
    active = _optimality(point, grad, l1w, K) > grad_tol
    converged = ~active
    n_iter = np.zeros(K, dtype=np.int32)
    no_change = np.zeros(K, dtype=np.int32)
    if validation is None:
        best = F.copy()
        best_point = None
    else:
        best = np.asarray(validation(point), dtype=np.float64)
        best_point = point.copy()
    averager = None if start_avg is None else _Averager(theta, K, start_avg)
    history, val_history = [], []
    t = 0
    seen = 0

    def step():
        nonlocal t
        t += 1
        if learning_rate == "optimal":
            return (eta / (1.0 + alpha * eta * t))[:, None]
        if learning_rate == "invscaling":
            return (eta / t**power_t)[:, None]
        return eta[:, None]

    for epoch in range(1, max_iter + 1):
        if not active.any():
            break
        no_change_before = no_change
        if auto:
            if epoch > 1:
                curvature = _curvature(objective, theta, curvature_rng)
                curvature = np.maximum(curvature, secant)
                eta = np.minimum(cap, trust / curvature)
            cand, seen, secant = _epoch(
                objective, theta, step, rng, b, shuffle, active,
                anchor=(theta, grad), l1w=l1w, samples_seen=seen,
            )
            F_new, grad_new = _evaluate(objective, cand, l1)
            ok = active & (F_new <= F)
            failed = active & ~ok
            # An undone epoch that raised the objective by more than tol says
            # that the step was too long, not that the problem has converged: it
            # does not count towards n_iter_no_change.
            overshot = failed & (F_new > F + tol * np.abs(F))
            theta = np.where(_blocks(ok, theta.size), cand, theta)
            grad = np.where(_blocks(ok, theta.size), grad_new, grad)
            F = np.where(ok, F_new, F)
            trust = np.where(failed, trust * _SHRINK, trust)
            trust = np.where(ok, np.minimum(1.0, trust * _GROW), trust)
            point = theta
        else:
            theta, seen, _ = _epoch(
                objective, theta, step, rng, b, shuffle, active,
                l1w=l1w, averager=averager, samples_seen=seen,
            )
            cand = theta if averager is None else averager.mean
            F_new, grad_new = _evaluate(objective, cand, l1)
            moved = _blocks(active, theta.size)
            point = np.where(moved, cand, point)
            grad = np.where(moved, grad_new, grad)
            F = np.where(active, F_new, F)
        n_iter[active] += 1
        history.append(float(F.sum()))
        if verbose:
            opt = _optimality(point, grad, l1w, K).max()
            print(
                f"SGD epoch {epoch}: objective {history[-1]:.10g}, largest step "
                f"{eta.max():.4g}, optimality {opt:.3g}"
            )

        if validation is None:
            watch = F
        else:
            watch = np.asarray(validation(point), dtype=np.float64)
            val_history.append(float(watch.sum()))
            improved = active & (watch < best)
            best_point = np.where(_blocks(improved, theta.size), point, best_point)
        no_change = np.where(
            active & (watch > best - tol * np.abs(best)), no_change + 1, 0
        )
        if auto:
            no_change = np.where(overshot, no_change_before, no_change)
        best = np.where(active, np.minimum(best, watch), best)

        stop = active & (_optimality(point, grad, l1w, K) <= grad_tol)
        stalled = active & (no_change >= n_iter_no_change)
        if learning_rate == "adaptive":
            smaller = stalled & (eta / _ADAPTIVE_DIVISOR >= _ADAPTIVE_MIN_ETA)
            eta = np.where(smaller, eta / _ADAPTIVE_DIVISOR, eta)
            no_change = np.where(smaller, 0, no_change)
            stalled &= ~smaller
        stop |= stalled
        converged |= stop
        active &= ~stop

    if validation is None:
        x, F_x, grad_x = point, F, grad
    else:
        x = best_point
        F_x, grad_x = _evaluate(objective, x, l1)
    return SGDResult(
        x=x,
        n_iter=n_iter,
        converged=bool(converged.all()),
        fun=float(F_x.sum()),
        grad_norm=float(_optimality(x, grad_x, l1w, K).max(initial=0.0)),
        history=history,
        message="converged" if converged.all() else "maximum number of epochs reached",
        validation_history=val_history,
    )


def start_stream(objective, x0, *, random_state=None, eta0="auto", average=False):
    """State of a stream that starts at ``x0``, set up on its first chunk.

    Parameters
    ----------
    objective : LinearBCE
        Objective of the first chunk (used for the curvature when
        ``eta0="auto"``).
    x0 : ndarray of shape (n_params,)
        Starting point.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffles of all the chunks.
    eta0 : float or "auto", default="auto"
        Initial step (see :func:`sgd`).
    average : bool or int, default=False
        Polyak-Ruppert averaging over the whole stream (see :func:`sgd`).

    Returns
    -------
    state : StreamState
        The stream at ``x0``: no step taken, initial steps set, averages (if
        any) at ``x0``.
    """
    rng = check_random_state(random_state)
    theta = np.array(x0, dtype=np.float64)
    start_avg = _average_start(average)
    return StreamState(
        theta=theta,
        rng=rng,
        eta0=_initial_step(eta0, objective, theta, rng),
        average=None if start_avg is None else _Averager(theta, objective.K, start_avg),
    )


def sgd_partial_fit(
    objective,
    state,
    *,
    learning_rate="auto",
    power_t=0.5,
    batch_size="auto",
    shuffle=True,
    alpha=None,
    l1=None,
):
    """One epoch over one chunk of a stream, continuing ``state`` (updated in place).

    The step schedule runs on the mini-batch steps counted over the whole stream.
    With "auto" the steps are variance-reduced within the chunk (the chunk's full
    gradient at the start of the call is the anchor) and decay as
    ``eta0 / (1 + alpha * eta0 * t)``; "adaptive" keeps ``eta0`` (a single epoch
    gives no signal to adapt on).

    Parameters
    ----------
    objective : LinearBCE
        Objective of the chunk, in the coordinates of the stream, with the
        stream's penalty.
    state : StreamState
        From :func:`start_stream` or the previous call.
    learning_rate : {"auto", "constant", "optimal", "invscaling", "adaptive"}, \
            default="auto"
        Step-size rule (see :func:`sgd`).
    power_t : float, default=0.5
        Exponent of "invscaling".
    batch_size : int or "auto", default="auto"
        Rows per mini-batch of this chunk.
    shuffle : bool, default=True
        Whether the chunk's rows are visited in random order.
    alpha : ndarray of shape (K,), default=None
        L2 strength of each problem; needed by "optimal", used by "auto".
    l1 : ndarray of shape (K,), default=None
        L1 strength of each problem.

    Returns
    -------
    x : ndarray of shape (n_params,)
        The coefficients after the call (the average, when averaging).
    fun : ndarray of shape (K,)
        Objective of each problem on the chunk at ``x``.
    """
    if learning_rate not in LEARNING_RATES:
        raise ValueError(
            f"learning_rate must be one of {LEARNING_RATES}, got {learning_rate!r}."
        )
    K = objective.K
    alpha = np.zeros(K) if alpha is None else np.broadcast_to(
        np.asarray(alpha, dtype=np.float64), (K,)
    )
    if learning_rate == "optimal" and np.any(alpha <= 0):
        raise ValueError(
            "learning_rate='optimal' needs a positive L2 strength alpha (a finite C)."
        )
    l1, l1w = _l1_setup(objective, l1)
    b = _resolve_batch_size(batch_size, objective.n_samples)
    eta0 = state.eta0

    def step():
        state.t += 1
        if learning_rate in ("auto", "optimal"):
            return (eta0 / (1.0 + alpha * eta0 * state.t))[:, None]
        if learning_rate == "invscaling":
            return (eta0 / state.t**power_t)[:, None]
        return eta0[:, None]

    anchor = None
    if learning_rate == "auto":
        _, mu = objective.loss_gradient_per_problem(state.theta)
        anchor = (state.theta.copy(), mu)
    state.theta, state.samples_seen, _ = _epoch(
        objective, state.theta, step, state.rng, b, shuffle, np.ones(K, dtype=bool),
        anchor=anchor, l1w=l1w, averager=state.average,
        samples_seen=state.samples_seen,
    )
    x = state.theta if state.average is None else state.average.mean
    fun, _ = _evaluate(objective, x, l1)
    return x.copy(), fun
