"""``partial_fit``: one SGD epoch over one chunk of a stream.

Each chunk gets its own in-memory objective: the chunk's weighted mean loss plus
the penalty of the whole stream (its total weight ``stream_size``, or the weight
seen so far), in the coordinates set up on the first chunk. The solver state
(iterate, schedule, averages, random state) lives on the estimator between calls.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ._constraints import check_constraints, make_objective
from ._fit import check_namespace, set_coef
from ._objective import InMemoryBackend
from ._solvers.stream import sgd_partial_fit, start_stream, stream_average
from ._sparse_coef import dense_coef
from ._targets import encode_targets, validate_sample_weight

__all__ = ["partial_fit"]


def _stream_classes(estimator, classes, first_call):
    """The classes of the stream, checked against the previous calls."""
    if first_call and classes is None:
        raise ValueError(
            "classes must be passed on the first call to partial_fit: a chunk "
            "need not contain every class of the stream."
        )
    if classes is None:
        return estimator.classes_
    classes = np.unique(np.asarray(classes))
    if not first_call and not np.array_equal(classes, estimator.classes_):
        raise ValueError(
            f"classes={classes.tolist()} differs from the classes of the "
            f"previous calls, {estimator.classes_.tolist()}."
        )
    if classes.size < 2:
        raise ValueError(
            f"classes must hold at least 2 classes, got {classes.tolist()}."
        )
    return classes


def _validated_chunk(estimator, X, y, classes, sample_weight):
    """``(X, Y, sw, classes)`` of a chunk, validated and encoded."""
    first_call = not hasattr(estimator, "classes_")
    if not first_call and estimator.multilabel_:
        raise ValueError(
            "partial_fit cannot continue a model fitted on multilabel targets; "
            "it takes 1-d class labels."
        )
    classes = _stream_classes(estimator, classes, first_call)
    if estimator.class_weight == "balanced":
        raise ValueError(
            "class_weight='balanced' is not supported by partial_fit: the class "
            "frequencies of the whole stream are not known. Compute them with "
            "sklearn.utils.class_weight.compute_class_weight and pass a dict."
        )
    check_namespace(X)
    X, y = validate_data(
        estimator, X, y, accept_sparse=["csr", "csc"],
        dtype=[np.float64, np.float32], reset=first_call,
    )
    check_classification_targets(y)
    unknown = np.setdiff1d(np.unique(y), classes)
    if unknown.size:
        raise ValueError(
            f"y contains labels that are not in classes: {unknown.tolist()}; "
            f"classes are {classes.tolist()}."
        )
    sample_weight = validate_sample_weight(sample_weight, X.shape[0])
    if sp.issparse(X) and X.format == "csc":
        X = X.tocsr()  # mini-batches are row slices
    Y, sw = encode_targets(y, classes, False, sample_weight, estimator.class_weight)
    return X, Y, sw, classes


def partial_fit(estimator, X, y, classes=None, sample_weight=None):
    """One SGD epoch of ``estimator`` over the chunk ``(X, y)``.

    Parameters
    ----------
    estimator : BCELogisticClassifier
        The estimator (parameters validated, ``solver='sgd'``).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The chunk.
    y : array-like of shape (n_samples,)
        Its labels.
    classes : array-like, default=None
        All the classes of the stream (required on the first call).
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the chunk's samples.

    Returns
    -------
    estimator : BCELogisticClassifier
    """
    X, Y, sw, classes = _validated_chunk(estimator, X, y, classes, sample_weight)
    stream = getattr(estimator, "_stream", None)
    weight_seen = 0.0 if stream is None else stream["weight_seen"]
    chunk_weight = float(X.shape[0] if sw is None else np.sum(sw))
    total = estimator.stream_size
    if total is None:
        total = weight_seen + chunk_weight
    check_constraints(estimator)
    backend = InMemoryBackend(X, Y, sample_weight=sw)
    objective = make_objective(
        estimator, backend, estimator.C, estimator.l1_ratio, total_weight=total,
        preconditioner=None if stream is None else stream["preconditioner"],
    )
    if stream is None:
        if hasattr(estimator, "coef_"):  # continue from fit, or a previous stream
            theta0 = objective.from_coef(
                dense_coef(estimator.coef_), estimator.intercept_
            )
        else:
            theta0 = np.zeros(objective.n_params)
        theta0 = objective.project(theta0)
        stream = {
            "preconditioner": (objective.shift, objective.scale),
            "state": start_stream(
                objective, theta0, random_state=estimator.random_state,
                eta0=estimator.eta0,
                average=stream_average(estimator.learning_rate, estimator.average),
            ),
        }
    theta, fun = sgd_partial_fit(
        objective, stream["state"], learning_rate=estimator.learning_rate,
        power_t=estimator.power_t, batch_size=estimator.batch_size,
        shuffle=estimator.shuffle,
    )
    stream["weight_seen"] = weight_seen + chunk_weight
    W, b = objective.to_coef(theta)
    set_coef(estimator, W, b, classes, False, X.dtype)
    estimator._stream = stream
    # Epochs and objectives continue those of a previous SGD fit or call.
    if not hasattr(estimator, "loss_curve_"):
        estimator.loss_curve_ = []
        estimator.n_iter_ = np.zeros(objective.K, dtype=np.int32)
    estimator.n_iter_ = estimator.n_iter_ + 1
    estimator.solver_ = "sgd"
    estimator.loss_curve_.append(float(fun.sum()))
    if estimator.verbose:
        print(
            f"SGD partial_fit epoch {int(estimator.n_iter_.max())} over "
            f"{X.shape[0]} rows: objective on the chunk {fun.sum():.10g}"
        )
    estimator.validation_loss_curve_ = None
    return estimator
