"""SGD on a cluster: the chunks stay on their workers and the solver state visits them.

Each visit makes, on the worker holding a chunk, the update of ``partial_fit``
(:func:`~sklearn_bce._solvers.stream.sgd_partial_fit`) on that chunk's objective:
the chunk's weighted mean loss plus the penalty of the whole data, in the
coordinates of the whole objective.
"""

from __future__ import annotations

import copy
from dataclasses import fields

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from .._objective import InMemoryBackend, Objective
from .._solvers._base import SolverResult, report, requires
from .._solvers.sgd import SGDResult
from .._solvers.stopping import NoImprovement, optimality, problems_result
from .._solvers.stream import sgd_partial_fit, start_stream
from .chunks import chunk_weight_sums
from .cluster import near, settled

__all__ = ["stream_sgd"]


def chunk_objective(chunk, *, shift, scale, penalty, fit_intercept, bounds=None):
    """The objective of one chunk in the whole objective's coordinates and penalty.

    Its data term is the chunk's weighted mean loss; its penalty is the whole
    objective's, so that the chunks' objectives, weighted by their share of the
    total weight, add up to the whole objective. The bounds on the
    coefficients are the whole objective's too.
    """
    X, Y, sw = chunk
    if sp.issparse(X) and X.format == "csc":
        X = X.tocsr()  # mini-batches are row slices
    return Objective(
        InMemoryBackend(X, Y, sample_weight=sw), penalty,
        fit_intercept=fit_intercept, preconditioner=(shift, scale), bounds=bounds,
    )


def _stream_start(chunk, x0, *, seed, eta0, average, **coords):
    return start_stream(
        chunk_objective(chunk, **coords), x0, random_state=seed, eta0=eta0,
        average=average,
    )


def _stream_step(state, chunk, *, options, **coords):
    """``sgd_partial_fit`` of one chunk, on a copy of ``state`` (tasks may rerun)."""
    state = copy.deepcopy(state)
    sgd_partial_fit(chunk_objective(chunk, **coords), state, **options)
    return state


def _stream_layout(objective):
    """The client, the chunks, which chunks are usable, where each one lives,
    and the objective's coordinates that every step takes."""
    backend = objective.backend
    client, blocks = backend.client, backend.chunks.blocks
    K = objective.K
    weights = settled(client, client.map(chunk_weight_sums, blocks), "the weights")
    weights = client.gather(weights)
    # a chunk is usable when every problem has weight in it ([S | P])
    usable = np.array([np.all(np.asarray(w)[:-K] > 0) for w in weights])
    settled(client, blocks, "the chunks of the data")
    who_has = client.who_has(blocks)
    where = [sorted(who_has.get(f.key) or ()) or None for f in blocks]
    coords = dict(
        shift=objective.shift, scale=objective.scale, penalty=objective.penalty,
        fit_intercept=objective.fit_intercept, bounds=objective.coef_bounds,
    )
    return client, blocks, usable, where, coords


@requires()
def stream_sgd(
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
    average=True,
    n_iter_no_change=5,
    on_iteration=None,
):
    """Minimise an objective on the dask backend by streaming its chunks through SGD.

    Every epoch visits the chunks of the backend in a random order and
    makes, on the worker holding each chunk, the update of
    :meth:`~sklearn_bce.BCELogisticClassifier.partial_fit`
    (:func:`~sklearn_bce._solvers.stream.sgd_partial_fit`) on the objective of that
    chunk: the chunk's weighted mean loss plus the whole objective's penalty, in
    the whole objective's coordinates. Only the solver state (coefficients, step
    schedule, running average, random state) moves from worker to worker; the
    chunks stay where they are. After each epoch one evaluation of the whole
    objective gives the stopping test and ``history``.

    The random numbers are drawn from ``check_random_state(random_state)``: first
    the seed of the stream (its shuffles within the chunks and the curvature
    estimate of its initial step, on the first chunk visited), then one
    permutation of the chunks per epoch. Chunks on which a problem has zero total
    weight are skipped.

    The stopping rule is that of :mod:`~sklearn_bce._solvers.stopping`, applied
    to all the problems together: the fit stops when every problem has, at some
    epoch, either met its tolerance (the max-norm of its (proximal) gradient at
    most ``grad_tol``) or stalled (``n_iter_no_change`` epochs in a row without
    lowering its objective by more than ``tol`` times its best value);
    otherwise after ``max_iter`` epochs. As every epoch moves all the problems,
    a problem has converged only if its gradient meets its tolerance at the
    last epoch; one that ended otherwise has stalled. The result's ``stop`` is
    ``"converged"`` when all converged, ``"max_iter"`` when some problem had not
    ended, ``"stalled"`` otherwise (with the tolerance reached, ``tol_ratio``).

    Parameters
    ----------
    objective : Objective
        The objective, on a :class:`~sklearn_bce._dask.DaskBackend`.
    x0 : ndarray of shape (n_params,)
        Starting point, in the objective's coordinates.
    tol : float, default=1e-4
        Stopping tolerance.
    grad_tol : float or ndarray of shape (K,), default=None
        Gradient max-norm at which a problem is done (one value per problem for
        an array); ``tol`` when None.
    max_iter : int, default=100
        Maximum number of epochs (passes over all the chunks).
    verbose : int, default=0
        Values above 0 print the objective after each epoch.
    random_state : int, RandomState instance or None, default=None
        Seed of the chunk orders and of the stream.
    learning_rate : {"auto", "constant", "optimal", "invscaling", "adaptive"}, \
            default="auto"
        Step-size rule of :func:`~sklearn_bce._solvers.stream.sgd_partial_fit`.
    eta0 : float or "auto", default="auto"
        Initial step; "auto" is the inverse curvature on the first chunk.
    power_t : float, default=0.5
        Exponent of "invscaling".
    batch_size : int or "auto", default="auto"
        Rows per mini-batch within a chunk.
    shuffle : bool, default=True
        Whether the rows of a chunk are visited in random order.
    average : bool or int, default=True
        Polyak-Ruppert averaging over the whole stream.
    n_iter_no_change : int, default=5
        Epochs without sufficient progress before stopping.
    on_iteration : callable, default=None
        Called for every problem after each epoch (see
        :func:`~sklearn_bce._solvers._base.report`).

    Returns
    -------
    result : SGDResult
        ``x`` the coefficients (the average, when averaging), ``history`` the
        objective after each epoch, ``n_iter`` the epochs (the same for every
        problem), ``stop`` how the run ended.
    """
    client, blocks, usable, where, coords = _stream_layout(objective)
    n_chunks, K = len(blocks), objective.K
    rng = check_random_state(random_state)
    seed = rng.randint(np.iinfo(np.int32).max)
    options = dict(
        learning_rate=learning_rate, power_t=power_t, batch_size=batch_size,
        shuffle=shuffle,
    )
    x = np.array(x0, dtype=np.float64)
    F, grad = objective.evaluate(x)
    monitor = NoImprovement(F, tol, n_iter_no_change)
    everyone = np.ones(K, dtype=bool)
    grad_tol = np.broadcast_to(
        np.asarray(tol if grad_tol is None else grad_tol, dtype=np.float64), (K,)
    )
    opt = optimality(objective, x, grad)
    ended = opt <= grad_tol  # problems that met their tolerance or stalled
    state = None
    history = []
    epochs = 0
    for _ in range(max_iter):
        if ended.all():
            break
        for i in (i for i in rng.permutation(n_chunks) if usable[i]):
            place = dict(near(where[i]), pure=False)
            if state is None:
                state = client.submit(
                    _stream_start, blocks[i], x, seed=seed, eta0=eta0,
                    average=average, **coords, **place,
                )
            state = client.submit(
                _stream_step, state, blocks[i], options=options, **coords, **place
            )
        epochs += 1
        x = settled(client, [state], "an SGD epoch")[0].result().point
        F, grad = objective.evaluate(x)
        opt = optimality(objective, x, grad)
        history.append(float(F.sum()))
        if verbose:
            print(f"SGD epoch {epochs}: objective {history[-1]:.10g}")
        report(on_iteration, range(K), np.full(K, epochs), F, x.reshape(K, -1))
        monitor.update(F, everyone)
        ended |= (opt <= grad_tol) | monitor.stalled()
    # Every epoch moves all the problems, those that ended too: each one has
    # converged only if its gradient meets the tolerance at the last epoch.
    met = opt <= grad_tol
    result = problems_result(
        x.reshape(K, -1), np.full(K, epochs, dtype=np.int32), met, ended, F, opt,
        grad_tol, history, stop="stalled",
        stall_message=(
            f"{n_iter_no_change} epochs in a row did not lower the objective by "
            f"more than tol={tol!r} times its value"
        ),
    )
    if result.stop == "max_iter":
        result.message = "maximum number of epochs reached"
    return SGDResult(
        **{f.name: getattr(result, f.name) for f in fields(SolverResult)}
    )
