"""The dask backend: the data of a fit held by a dask.distributed cluster."""

from __future__ import annotations

from contextlib import nullcontext

import dask.array as da
import numpy as np

from .._objective.indicators import candidate_blocks
from .chunks import (
    all_of,
    chunk_indicator_check,
    chunk_moments,
    chunk_separated,
    chunk_setup,
    chunk_sums,
    combine_moments,
    combine_setup,
    pack,
    raise_nonfinite,
    sum_arrays,
)
from .cluster import ChunkSet, balanced_placement, block_futures, cluster_client
from .stream import stream_sgd

__all__ = ["DaskBackend"]


class DaskBackend:
    """Implements :class:`~sklearn_bce._objective.DataBackend` on a dask cluster.

    The row chunks of ``X``, ``Y`` and ``sample_weight`` are computed once, kept
    together on the cluster (one future per chunk, so targets and weights live on
    the worker of their rows) and released when the backend is garbage collected.
    ``X`` never leaves the workers. An evaluation runs the in-memory kernel
    :func:`~sklearn_bce._objective.kernels.bce_sums` on every chunk where it lives
    and adds up the results (see :class:`~sklearn_bce._dask.cluster.ChunkSet`), so
    it sends only the ``K x (n_features + 1)`` coefficients out and brings
    ``K x (n_features + 2)`` sums back per worker.

    No Hessian blocks (the solvers are L-BFGS and SGD) and no row subsets: SGD runs
    as a stream over the chunks (:func:`~sklearn_bce._dask.stream.stream_sgd`),
    which this backend declares in ``solver_overrides``.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Design matrix, float32 or float64, with dense (or scipy sparse) chunks.
        Chunks are rows; a chunking along columns is undone with ``rechunk``.
    Y : dask.array.Array or ndarray of shape (n_samples, K) or (n_samples,)
        0/1 targets, one column per binary problem.
    sample_weight : dask.array.Array or ndarray of shape (n_samples,) or \
            (n_samples, K), default=None
        Non-negative weights; a 2-d array gives each problem its own weights.
    client : distributed.Client, default=None
        Client of the cluster to use; the current default client when None.

    Attributes
    ----------
    chunks : ChunkSet
        The chunks on the cluster, each a future of ``(X_i, Y_i, sw_i)`` with
        ``Y_i`` of shape (n_i, K) and ``sw_i`` of shape (n_i, 1) or (n_i, K),
        both in X's dtype and not normalised.
    client : distributed.Client
        The client.

    Notes
    -----
    Set-up: one pass over the chunks gives the weight totals, the positive
    totals, the NaN and infinity check of ``X`` (which raises ValueError before
    any solver iteration) and, when the weights have one column, the feature
    moments; per-problem weights need a second pass for the moments.

    Actors hold references to their worker's chunks: memory the worker cannot
    spill to disk while the backend lives.
    """

    name = "dask"
    has_hessian = False
    has_columns = False
    supports_rows = False
    fuse_problems = True  # every evaluation is a round trip: share them
    solver_overrides = {"sgd": stream_sgd}

    def __init__(self, X, Y, sample_weight=None, client=None):
        self.client = client = cluster_client(client)
        if len(X.chunks[1]) > 1:
            X = X.rechunk({1: -1})
        self.dtype = np.dtype(X.dtype)
        self.n_samples, self.n_features = n, d = X.shape
        self.nbytes = int(X.nbytes)
        rows = X.chunks[0]
        Y = da.asarray(Y)
        Y = (Y[:, None] if Y.ndim == 1 else Y).rechunk((rows, -1))
        self.n_problems = K = Y.shape[1]
        arrays = [X, Y]
        sw_columns = 1
        if sample_weight is not None:
            sw = da.asarray(sample_weight)
            sw = (sw[:, None] if sw.ndim == 1 else sw).rechunk((rows, -1))
            sw_columns = sw.shape[1]
            arrays.append(sw)
        futures = [block_futures(a) for a in client.persist(arrays)]
        if sample_weight is None:
            futures.append([None] * len(rows))
        workers = balanced_placement(client, futures[0], rows)
        blocks = [
            client.submit(
                pack, x, y, s, self.dtype, workers=w and [w],
                allow_other_workers=w is not None, pure=False,
            )
            for x, y, s, w in zip(*futures, workers, strict=True)
        ]
        del futures, arrays  # the chunks now live in the packs
        self.chunks = ChunkSet(client, blocks, workers, 8 * K * (d + 2))
        # The set-up pass; with one weight column it also gives the moments.
        fused = sw_columns == 1
        sums, (flags, _, mean, std) = self.chunks.map_reduce(
            chunk_setup, combine_setup, moments=fused
        )
        self._sw_sum, positive = sums[:-K], sums[-K:]
        if np.any(self._sw_sum <= 0):
            raise ValueError("The sample weights of every problem must not sum to 0.")
        raise_nonfinite(flags, self.dtype)
        self._totals = np.broadcast_to(self._sw_sum, (K,)).copy()
        self._positive = positive
        self._moments = (mean, std) if fused else None
        self._groups = None

    @property
    def n_workers(self):
        """int: Workers holding chunks."""
        return self.chunks.n_workers

    def weight_totals(self):
        """Total weight ``S_k`` of every problem (set-up pass); see ``DataBackend``."""
        return self._totals.copy()

    def positive_totals(self):
        """Total weight of every problem's positives (set-up pass)."""
        return self._positive.copy()

    def feature_moments(self):
        """Weighted mean and standard deviation of every feature, on the cluster.

        Each chunk's moments are computed by the in-memory routine and pooled with
        the parallel-variance formula; with weights shared by all problems they
        come from the set-up pass, otherwise from one more pass.

        Returns
        -------
        mean, std : ndarray of shape (n_features,)
        """
        if self._moments is None:
            _, _, mean, std = self.chunks.map_reduce(
                chunk_moments, combine_moments, sw_sum=self._sw_sum
            )
            self._moments = (mean, std)
        return self._moments

    def mean_loss_gradient(self, W, b, cols=None, rows=None):
        """Weighted mean BCE of the selected problems and its gradient.

        Parameters
        ----------
        W : ndarray of shape (k, n_features)
            Coefficients.
        b : ndarray of shape (k,) or None
            Intercepts.
        cols : ndarray of int of shape (k,), default=None
            Which problems.
        rows : None
            Must be None: row subsets live on different workers (SGD streams the
            chunks instead).

        Returns
        -------
        loss, grad_W, grad_b : ndarray
            Shapes (k,), (k, n_features) and (k,).
        """
        if rows is not None:
            raise ValueError(
                "The dask backend evaluates all rows only; SGD streams its chunks."
            )
        fit_intercept = b is not None
        Wb = np.column_stack([W, b if fit_intercept else np.zeros(W.shape[0])])
        total = self.chunks.map_reduce(
            chunk_sums, sum_arrays, Wb=Wb, fit_intercept=fit_intercept, cols=cols
        )
        total /= (self._totals if cols is None else self._totals[cols])[:, None]
        d = self.n_features
        return total[:, d + 1], total[:, :d], total[:, d]

    def hessian_blocks(self, W, b, shift, scale, cols=None, weights="curvature"):
        """Not offered on a cluster (``has_hessian`` is False): NotImplementedError."""
        raise NotImplementedError("The dask backend offers no Hessian blocks.")

    def columns(self, features, upcoming=None):
        """Not offered on a cluster (``has_columns`` is False): NotImplementedError."""
        raise NotImplementedError("The dask backend offers no column access.")

    def column_gram(self, B, h, r):
        """Not offered on a cluster (``has_columns`` is False): NotImplementedError."""
        raise NotImplementedError("The dask backend offers no column access.")

    def residual_gradient(self, R):
        """Not offered on a cluster (``has_columns`` is False): NotImplementedError."""
        raise NotImplementedError("The dask backend offers no column access.")

    def sample_terms(self, Z, cols=None):
        """Not offered on a cluster (``has_columns`` is False): NotImplementedError."""
        raise NotImplementedError("The dask backend offers no column access.")

    def hessian_work(self):
        """``inf``: Hessian blocks are not offered, see ``DataBackend``."""
        return np.inf

    def collinear_directions(self, centred):
        """None looked for (``k = 0``), see ``DataBackend``: the data stay where
        they are, and one-hot blocks, the common case, are found by
        :meth:`indicator_groups`."""
        return np.zeros((self.n_features, 0))

    def indicator_groups(self):
        """One-hot encoded column blocks, checked on the cluster (found once).

        The candidates come from the feature moments; one pass over the chunks
        checks their rows. See ``DataBackend``.

        Returns
        -------
        blocks : ndarray of int of shape (n_blocks, 2)
        """
        if self._groups is None:
            blocks = candidate_blocks(*self.feature_moments())
            if blocks.shape[0]:
                ok = self.chunks.map_reduce(
                    chunk_indicator_check, all_of, blocks=blocks
                )
                blocks = blocks[np.asarray(ok, dtype=bool)]
            self._groups = blocks
        return self._groups.copy()

    def separated(self, W, b):
        """Whether each model separates its problem (one pass), see ``DataBackend``."""
        fit_intercept = b is not None
        Wb = np.column_stack([W, b if fit_intercept else np.zeros(W.shape[0])])
        return self.chunks.map_reduce(
            chunk_separated, all_of, Wb=Wb, fit_intercept=fit_intercept
        )

    def parallel(self):
        """The workers are already running: nothing to set up.

        Returns
        -------
        context : contextlib.nullcontext
        """
        return nullcontext()
