"""The dask backend: fits on data held by a dask.distributed cluster.

Only imported when an estimator meets a dask collection, so that importing
``sklearn_bce`` never imports dask. Everything here runs the package's in-memory
code on one row chunk at a time, where the chunk lives:

* ``cluster.py``: the client, and reductions over chunks through actors or tasks;
* ``chunks.py``: what runs on a worker, on one chunk;
* ``backend.py``: :class:`DaskBackend`, the :class:`~sklearn_bce._objective.DataBackend`
  of the cluster;
* ``stream.py``: SGD as a stream over the chunks;
* ``prepare.py``: validation and target encoding on the cluster (:func:`prepare`,
  the dask side of the fit path);
* ``predict.py``: lazy ``map_blocks`` predictions (:func:`predict`).
"""

from .backend import DaskBackend
from .predict import predict
from .prepare import prepare

__all__ = ["DaskBackend", "predict", "prepare"]
