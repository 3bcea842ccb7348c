"""Dask input, prepared for the fit on the cluster it lives on.

:func:`prepare` is the dask side of the one fit path: it validates ``X``, ``y`` and
``sample_weight`` like the in-memory fit does (same errors, the checks run as
reductions on the cluster), encodes the targets chunk by chunk, and hands a
:class:`~sklearn_bce._dask.backend.DaskBackend` to :func:`sklearn_bce._fit.fit`.
"""

from __future__ import annotations

import warnings

import dask.array as da
import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from .._fit import FitData
from .._targets import (
    balanced_weights,
    check_class_weight,
    encode_targets,
    indicator_error,
    raise_for_weight_flags,
    require_two_classes,
)
from .backend import DaskBackend
from .chunks import sum_arrays
from .cluster import cluster_client, map_reduce

__all__ = [
    "as_dask_matrix",
    "numeric",
    "persisted",
    "prepare",
    "validated_matrix",
]


def as_dask_matrix(X):
    """A dask array of X and an empty in-memory stand-in for validation.

    The stand-in (zero rows, X's columns, dtype and container type: a pandas
    DataFrame for a dask DataFrame) goes through scikit-learn's ``validate_data``,
    which then sets or checks ``n_features_in_`` and ``feature_names_in_`` and
    words its errors exactly as for in-memory input.
    """
    if hasattr(X, "to_dask_array"):  # dask DataFrame or Series
        return X.to_dask_array(), X._meta
    if not isinstance(X, da.Array):
        raise TypeError(
            "X must be a dask array or a dask DataFrame when it is a dask "
            f"collection; got {type(X).__module__}.{type(X).__name__}."
        )
    if X.ndim == 2 and sp.issparse(X._meta):
        meta = sp.csr_matrix((0, X.shape[1]), dtype=X.dtype)
    else:
        meta = np.empty((0,) + X.shape[1:], dtype=X.dtype)
    return X, meta


def validated_matrix(estimator, X, reset):
    """X as a float dask array with whole rows per chunk, validated like in memory.

    ``reset=True`` (fit) sets ``n_features_in_`` and ``feature_names_in_``;
    ``reset=False`` (predict) checks them.
    """
    X, meta = as_dask_matrix(X)
    validate_data(
        estimator, meta, reset=reset, accept_sparse=["csr", "csc"],
        dtype=[np.float64, np.float32], ensure_min_samples=0,
    )
    X = numeric(X)
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return X


def numeric(X, name="X"):
    """X in float32 or float64, converting other real dtypes lazily."""
    kind = np.dtype(X.dtype).kind
    if kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {X.dtype}.")
    if kind not in "biuf":
        raise ValueError(
            f"{name} must hold numbers, got dtype {X.dtype}. Convert the data to "
            "numeric values first."
        )
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    return X


def persisted(client, arr):
    """``arr`` computed once and kept on the cluster, with known chunk sizes."""
    arr = client.persist(arr)
    if any(np.isnan(c) for c in arr.chunks[0]):
        arr.compute_chunk_sizes()  # cheap now: only the shapes of persisted chunks
    return arr


def as_dask_vector(client, v, name, n_samples, rows):
    """``v`` as a persisted 1-d dask array with the row chunks of X."""
    if hasattr(v, "to_dask_array"):
        with warnings.catch_warnings():
            # string labels become an object array, which is all the fit needs
            warnings.filterwarnings(
                "ignore", "Dask currently has limited support for converting pandas",
                UserWarning,
            )
            v = v.to_dask_array()
    elif not isinstance(v, da.Array):
        v = np.asarray(v)
        if v.ndim > 0:
            v = da.from_array(v, chunks=(rows,) + v.shape[1:])
    if v.ndim == 0:
        return client.persist(da.full(n_samples, v, chunks=(rows,)))
    if v.ndim == 2 and v.shape[1] == 1:
        if name == "y":
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please "
                "change the shape of y to (n_samples,), for example using ravel().",
                DataConversionWarning,
                stacklevel=4,
            )
        v = v[:, 0]
    if name == "y" and v.ndim > 2:
        raise ValueError(
            f"y should be a 1d array, got an array of shape {v.shape} instead."
        )
    if v.ndim == 2 and len(v.chunks[1]) > 1:
        v = v.rechunk({1: -1})
    v = persisted(client, v)
    if v.shape[0] != n_samples or (v.ndim != 1 and name != "y"):
        if name == "sample_weight":
            raise ValueError(
                f"sample_weight must have shape ({n_samples},), one weight per "
                f"sample; got shape {v.shape}."
            )
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{n_samples}, {v.shape[0]}]"
        )
    if v.chunks[0] == rows:
        return v
    return client.persist(v.rechunk((rows,) if v.ndim == 1 else (rows, -1)))


# ------------------------------------------------------- target statistics
def _block_class_stats(y, sw=None):
    """Classes of a chunk, their weighted totals and the weight flags.

    Returns ``(classes, totals, flags)`` with ``flags = [non-finite weight,
    negative weight]``.
    """
    classes, inverse = np.unique(y, return_inverse=True)
    flags = np.zeros(2, dtype=bool)
    if sw is not None:
        sw = np.asarray(sw, dtype=np.float64)
        flags[:] = [not np.isfinite(sw).all(), bool(np.any(sw < 0))]
        if flags[0]:
            sw = np.where(np.isfinite(sw), sw, 0.0)
    totals = np.bincount(inverse.ravel(), weights=sw, minlength=classes.size)
    return classes, totals.astype(np.float64), flags


def _combine_class_stats(*parts):
    classes, inverse = np.unique(
        np.concatenate([p[0] for p in parts]), return_inverse=True
    )
    totals = np.bincount(
        inverse.ravel(), weights=np.concatenate([p[1] for p in parts]),
        minlength=classes.size,
    )
    return classes, totals, np.logical_or.reduce([p[2] for p in parts])


def _block_indicator_stats(y, sw=None):
    """Statistics of a chunk of a 2-d target: is it a 0/1 indicator, and its weights.

    Returns ``(values, totals, flags)``: the (at most 3) smallest distinct values,
    the weighted count of 0 and of 1 in each column (shape (2, n_labels)), and
    ``flags = [non-finite weight, negative weight, NaN in y, infinity in y,
    non-integer value, more than 3 distinct values]``.
    """
    y = np.asarray(y)
    flags = np.zeros(6, dtype=bool)
    w = np.ones(y.shape[0])
    if sw is not None:
        w = np.asarray(sw, dtype=np.float64)
        flags[:2] = [not np.isfinite(w).all(), bool(np.any(w < 0))]
        if flags[0]:
            w = np.where(np.isfinite(w), w, 0.0)
    if y.dtype.kind == "f":
        flags[2], flags[3] = np.isnan(y).any(), np.isinf(y).any()
        finite = y[np.isfinite(y)]
        flags[4] = bool(np.any(finite != np.floor(finite)))
    values = np.unique(y)
    flags[5] = values.size > 3
    totals = np.stack([w @ (y == 0), w @ (y == 1)]).astype(np.float64)
    return values[:3], totals, flags


def _combine_indicator_stats(*parts):
    values = np.unique(np.concatenate([p[0] for p in parts]))
    flags = np.logical_or.reduce([p[2] for p in parts])
    flags[5] |= values.size > 3
    return values[:3], sum_arrays(*[p[1] for p in parts]), flags


def _label_weight_block(y, sw=None, *, factors):
    """Per-label weights of one chunk of an indicator: class factors times weights."""
    w = np.where(np.asarray(y) == 1, factors[1], factors[0])
    return w if sw is None else w * np.asarray(sw, dtype=np.float64)


def _indicator_targets(estimator, y, sw):
    """Check a 2-d dask target on the cluster; its classes and per-label weights.

    Applies the in-memory rules: the values must be 0 and 1 (the errors are those of
    the in-memory fit), a dict ``class_weight`` is rejected and ``'balanced'``
    balances every label on its own.
    """
    client = cluster_client()
    values, totals, flags = map_reduce(
        client, _block_indicator_stats, _combine_indicator_stats,
        [y] if sw is None else [y, sw],
    )
    raise_for_weight_flags(flags[0], flags[1], 1.0)
    if flags[2]:
        raise ValueError("Input y contains NaN.")
    if flags[3]:
        raise ValueError(
            f"Input y contains infinity or a value too large for dtype('{y.dtype}')."
        )
    if flags[4] or flags[5] or values.size > 2:
        kind = "continuous" if flags[4] else "multiclass"
        raise indicator_error(f"a target of type '{kind}-multioutput'")
    if not np.isin(values, [0, 1]).all():
        raise indicator_error(f"the values {values.tolist()}")
    raise_for_weight_flags(flags[0], flags[1], totals[:, 0].sum())
    K = y.shape[1]
    classes = np.arange(K)
    check_class_weight(estimator.class_weight, classes, True)
    if estimator.class_weight is None:
        return classes, sw
    factors = np.array([
        balanced_weights(np.array([0, 1]), totals[:, k]) for k in range(K)
    ]).T  # (2, K): the weight factor of a 0 and of a 1 in each column
    weights = da.map_blocks(  # sw as a column: its blocks then pair with y's rows
        _label_weight_block, *([y] if sw is None else [y, sw[:, None]]),
        factors=factors,
        dtype=np.float64, meta=np.empty((0, 0)),
    )
    return classes, weights


def _encode_block(y, *, classes, table):
    """Rows of ``table`` (one per class) for the labels of one chunk."""
    return table[np.searchsorted(classes, y)]


def _weight_block(y, sw=None, *, classes, factors):
    """Per-problem weights of one chunk: its sample weights times class factors."""
    f = factors[np.searchsorted(classes, y)]
    return f if sw is None else f * sw[:, None].astype(f.dtype)


def prepare(estimator, X, y, sample_weight=None):
    """Validate dask input on its cluster and hold it in a dask backend.

    Validation happens on the cluster: the classes, their weighted totals (for
    ``class_weight``) and the sample-weight checks come from one reduction over
    ``y`` and ``sample_weight``; NaN and infinity in ``X`` are found in the first
    pass over ``X`` (see :class:`~sklearn_bce._dask.backend.DaskBackend`). The
    targets are encoded chunk by chunk with the in-memory encoding applied to the
    table of classes, so every weight is exactly what the in-memory fit would use.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        The estimator being fitted (parameters already validated).
    X : dask.array.Array or dask.dataframe.DataFrame of shape \
            (n_samples, n_features)
        Training data.
    y : dask.array.Array, dask Series or array-like of shape (n_samples,) or \
            (n_samples, n_labels)
        Target labels, or a 0/1 multilabel indicator matrix (one independent
        binary problem per column, checked on the cluster).
    sample_weight : dask.array.Array, dask Series, array-like or float, \
            default=None
        Sample weights.

    Returns
    -------
    data : FitData
        The training data for :func:`sklearn_bce._fit.fit`.

    Raises
    ------
    ValueError
        For invalid data, targets or weights (the errors of the in-memory fit), and
        for ``early_stopping=True`` with ``solver="sgd"``.
    """
    client = cluster_client()
    X = persisted(client, validated_matrix(estimator, X, reset=True))
    n_samples, rows = X.shape[0], X.chunks[0]
    if n_samples == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 "
            "is required."
        )
    y = as_dask_vector(client, y, "y", n_samples, rows)
    sw = None
    if sample_weight is not None:
        sw = numeric(
            as_dask_vector(client, sample_weight, "sample_weight", n_samples, rows),
            "sample_weight",
        )
    if estimator.solver == "sgd" and estimator.early_stopping:
        raise ValueError(
            "early_stopping=True is not supported on dask collections: hold out "
            "a validation set yourself, or set early_stopping=False."
        )
    if y.ndim == 2:
        classes, weights = _indicator_targets(estimator, y, sw)
        backend = DaskBackend(X, y.astype(X.dtype), weights, client)
        return FitData(backend, classes, True, X.dtype)
    classes, Y, weights = _class_targets(estimator, X, y, sw, client)
    return FitData(DaskBackend(X, Y, weights, client), classes, False, X.dtype)


def _class_targets(estimator, X, y, sw, client):
    """Classes, 0/1 targets and weights of 1-d dask labels, checked on the cluster.

    The in-memory encoding of the table of classes, with each class's total
    weight as its sample weight, gives every class's target row and weight
    factors, so every weight is exactly what the in-memory fit would use.
    """
    classes, totals, flags = map_reduce(
        client, _block_class_stats, _combine_class_stats,
        [y] if sw is None else [y, sw],
    )
    raise_for_weight_flags(flags[0], flags[1], totals.sum())
    check_classification_targets(classes)
    require_two_classes(classes)
    table, class_sw = encode_targets(
        classes, classes, False, totals, estimator.class_weight
    )
    K, rows = table.shape[1], X.chunks[0]
    Y = y.map_blocks(
        _encode_block, classes=classes, table=table.astype(X.dtype), dtype=X.dtype,
        chunks=(rows, (K,)), new_axis=1, meta=np.empty((0, 0), X.dtype),
    )
    if estimator.class_weight is None:
        return classes, Y, sw
    class_sw = class_sw.reshape(classes.size, -1)
    factors = np.divide(
        class_sw, totals[:, None], out=np.zeros_like(class_sw),
        where=totals[:, None] > 0,
    )
    weights = da.map_blocks(
        _weight_block, *([y] if sw is None else [y, sw]), classes=classes,
        factors=factors, dtype=np.float64, chunks=(rows, (factors.shape[1],)),
        new_axis=1, meta=np.empty((0, 0)),
    )
    return classes, Y, weights
