"""SGD over a stream of chunks: one epoch per chunk, the state carried between them.

:func:`start_stream` sets the state up on the first chunk; each call of
:func:`sgd_partial_fit` then makes one epoch over one chunk's objective, which is the
chunk's weighted mean loss plus the penalty of the whole stream (see
:class:`~sklearn_bce._objective.Penalty`), in the coordinates of the stream. The
estimator's ``partial_fit`` and the dask backend's streaming SGD are both built on
these two functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

from .minibatch import (
    Averager,
    average_start,
    check_schedule,
    epoch,
    initial_step,
    resolve_batch_size,
    step_size,
)

__all__ = ["StreamState", "sgd_partial_fit", "start_stream", "stream_average"]


def stream_average(learning_rate, average):
    """The averaging of a stream: always on with ``learning_rate="auto"``.

    A stream's "auto" steps decay like "optimal" ones, and the average of the
    iterates removes their noise.

    Parameters
    ----------
    learning_rate : str
        The step-size rule.
    average : bool or int
        The estimator's ``average``.

    Returns
    -------
    average : bool or int
    """
    return True if learning_rate == "auto" else average


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
    average : Averager or None
        Running Polyak-Ruppert average, when averaging is on.
    """

    theta: np.ndarray
    rng: np.random.RandomState
    eta0: np.ndarray
    t: int = 0
    samples_seen: int = 0
    average: Averager | None = None

    @property
    def point(self):
        """ndarray: The coefficients the stream reports (the average, if any)."""
        return self.theta if self.average is None else self.average.mean


def start_stream(objective, x0, *, random_state=None, eta0="auto", average=False):
    """State of a stream that starts at ``x0``, set up on its first chunk.

    Parameters
    ----------
    objective : Objective
        Objective of the first chunk (used for the curvature when
        ``eta0="auto"``).
    x0 : ndarray of shape (n_params,)
        Starting point.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffles of all the chunks.
    eta0 : float or "auto", default="auto"
        Initial step (see :func:`~sklearn_bce._solvers.sgd`).
    average : bool or int, default=False
        Polyak-Ruppert averaging over the whole stream.

    Returns
    -------
    state : StreamState
        The stream at ``x0``: no step taken, initial steps set, averages (if
        any) at ``x0``.
    """
    rng = check_random_state(random_state)
    theta = np.array(x0, dtype=np.float64)
    start = average_start(average)
    return StreamState(
        theta=theta,
        rng=rng,
        eta0=initial_step(eta0, objective, theta, rng),
        average=None if start is None else Averager(theta, objective.K, start),
    )


def sgd_partial_fit(
    objective, state, *, learning_rate="auto", power_t=0.5, batch_size="auto",
    shuffle=True,
):
    """One epoch over one chunk of a stream, continuing ``state`` (updated in place).

    The step schedule runs on the mini-batch steps counted over the whole stream.
    With "auto" the steps are variance-reduced within the chunk (the chunk's full
    gradient at the start of the call is the anchor) and decay as
    ``eta0 / (1 + alpha * eta0 * t)``, ``alpha`` the penalty's strength;
    "adaptive" keeps ``eta0`` (a single epoch gives no signal to adapt on).

    Parameters
    ----------
    objective : Objective
        Objective of the chunk, in the coordinates of the stream, with the
        stream's penalty.
    state : StreamState
        From :func:`start_stream` or the previous call.
    learning_rate : {"auto", "constant", "optimal", "invscaling", "adaptive"}, \
            default="auto"
        Step-size rule (see :func:`~sklearn_bce._solvers.sgd`).
    power_t : float, default=0.5
        Exponent of "invscaling".
    batch_size : int or "auto", default="auto"
        Rows per mini-batch of this chunk.
    shuffle : bool, default=True
        Whether the chunk's rows are visited in random order.

    Returns
    -------
    x : ndarray of shape (n_params,)
        The coefficients after the call (the average, when averaging).
    fun : ndarray of shape (K,)
        Objective of each problem on the chunk at ``x``.
    """
    check_schedule(learning_rate, objective.penalty)
    K = objective.K
    alpha = objective.penalty.per_problem(objective.penalty.strength, K)
    rule = "optimal" if learning_rate == "auto" else learning_rate

    def step():
        state.t += 1
        return step_size(rule, state.eta0, state.t, alpha, power_t)

    anchor = None
    if learning_rate == "auto":
        _, mu = objective.loss_gradient_per_problem(state.theta)
        anchor = (state.theta.copy(), mu)
    state.theta, state.samples_seen, _ = epoch(
        objective, state.theta, step, state.rng,
        resolve_batch_size(batch_size, objective.n_samples), shuffle,
        np.ones(K, dtype=bool), anchor=anchor, averager=state.average,
        samples_seen=state.samples_seen,
    )
    x = state.point
    return x.copy(), objective.evaluate(x)[0]
