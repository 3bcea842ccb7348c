"""Targets and weights: validation, the one sample-weight validator, encoding.

A target becomes ``K`` binary problems: one column of 0/1 targets each (binary
``K = 1``, one-vs-rest ``K = n_classes``, multilabel ``K = n_labels``), with
per-problem weights when ``class_weight`` weighs the problems differently. The
estimator, the dask input preparation and the metric share these checks, so that
the same bad input gets the same error everywhere.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

__all__ = [
    "balanced_weights",
    "indicator_error",
    "check_class_weight",
    "check_targets",
    "encode_targets",
    "raise_for_weight_flags",
    "require_two_classes",
    "validate_sample_weight",
]

_INDICATOR = (
    "A 2-d y must be a multilabel indicator matrix (0/1 entries, one column per "
    "label); got {}. Pass 1-d class labels for binary or multi-class problems."
)


def indicator_error(found):
    """The error for a 2-d target that is not a 0/1 indicator matrix.

    Parameters
    ----------
    found : str
        What was found, e.g. ``"the values [0, 2]"``.

    Returns
    -------
    error : ValueError
    """
    return ValueError(_INDICATOR.format(found))


def require_two_classes(classes):
    """Raise a clear error when fewer than two classes are present.

    Parameters
    ----------
    classes : ndarray
        The distinct labels of the target.
    """
    if classes.size < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but the "
            f"data contains only one class: {classes[0]!r}."
        )


def check_targets(y):
    """Classify a target: ``(multilabel, classes, y)``, with clear errors.

    Parameters
    ----------
    y : ndarray or sparse matrix of shape (n_samples,) or (n_samples, n_labels)
        Class labels, or a multilabel indicator matrix.

    Returns
    -------
    multilabel : bool
    classes : ndarray
        The sorted classes, or ``arange(n_labels)`` for a multilabel target.
    y : ndarray or sparse matrix
        The target, a column vector raveled (with scikit-learn's warning).
    """
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    if y.ndim == 2:
        kind = type_of_target(y)
        if kind != "multilabel-indicator":
            raise indicator_error(f"a target of type {kind!r}")
        values = np.unique(y.data if sp.issparse(y) else y)
        if not np.isin(values, (0, 1)).all():
            raise indicator_error(f"the values {values.tolist()}")
        return True, np.arange(y.shape[1]), y
    check_classification_targets(y)
    classes = np.unique(y)
    require_two_classes(classes)
    return False, classes, y


def raise_for_weight_flags(nonfinite, negative, total):
    """Raise the error for bad sample weights, however they were checked.

    Parameters
    ----------
    nonfinite : bool
        Whether a weight is NaN or infinite.
    negative : bool
        Whether a weight is negative.
    total : float
        The sum of the weights.
    """
    if nonfinite:
        raise ValueError("sample_weight contains NaN or infinity.")
    if negative:
        raise ValueError("Negative values in sample_weight are not allowed.")
    if not total > 0:
        raise ValueError(
            "sample_weight sums to zero: at least one weight must be positive."
        )


def validate_sample_weight(sample_weight, n_samples):
    """Checked float64 weights of shape (n_samples,); None stays None.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), float or None
        Non-negative weights; a number weighs every sample alike.
    n_samples : int
        Number of samples.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) or None
        A new array (the caller's is never modified).

    Raises
    ------
    TypeError
        If the weights are not numbers.
    ValueError
        If the shape is wrong, or a weight is NaN, infinite or negative, or all
        are zero.
    """
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight)
    if sw.dtype.kind == "O":  # numbers held as objects, as scikit-learn accepts
        try:
            sw = sw.astype(np.float64)
        except (TypeError, ValueError):
            pass
    if sw.dtype.kind not in "biuf":
        raise TypeError(
            f"sample_weight must hold numbers, got an array of dtype {sw.dtype}."
        )
    if sw.ndim == 0:
        sw = np.full(n_samples, sw, dtype=np.float64)
    sw = np.array(sw, dtype=np.float64)
    if sw.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per "
            f"sample; got shape {sw.shape}."
        )
    finite = np.isfinite(sw)
    raise_for_weight_flags(
        not finite.all(), bool(np.any(sw[finite] < 0)), float(sw.sum())
    )
    return sw


def balanced_weights(yk, sample_weight):
    """'balanced' class weights of a 0/1 column, weighted by ``sample_weight``.

    Parameters
    ----------
    yk : ndarray of shape (n_samples,)
        0/1 targets of one binary problem.
    sample_weight : ndarray of shape (n_samples,) or None
        Sample weights.

    Returns
    -------
    weights : ndarray of shape (2,)
        The factor of a 0 and of a 1: ``S / (2 S_c)``, ``S_c`` the class's weight.
    """
    totals = np.bincount(yk.astype(np.intp), weights=sample_weight, minlength=2)
    return totals.sum() / (2.0 * np.where(totals > 0, totals, 1.0))


def check_class_weight(class_weight, classes, multilabel):
    """Raise a clear error for a ``class_weight`` that does not fit the target.

    Parameters
    ----------
    class_weight : dict, "balanced" or None
        The estimator's parameter.
    classes : ndarray
        The classes of the target.
    multilabel : bool
        Whether the target is a multilabel indicator matrix.
    """
    if not isinstance(class_weight, dict):
        return
    if multilabel:
        raise ValueError(
            "class_weight as a dict is not defined for multilabel targets; use "
            "class_weight='balanced' (each label balanced on its own) or "
            "sample_weight."
        )
    unknown = [k for k in class_weight if k not in set(classes.tolist())]
    if unknown:
        raise ValueError(
            f"class_weight has labels that are not classes of y: {unknown}; "
            f"the classes are {classes.tolist()}."
        )


def encode_targets(y, classes, multilabel, sample_weight, class_weight=None):
    """The 0/1 targets of the binary problems (int8) and their weights.

    Parameters
    ----------
    y : ndarray or sparse matrix
        Labels (from ``classes``) or a multilabel indicator matrix.
    classes : ndarray
        The classes (for multilabel targets, ``arange(n_labels)``).
    multilabel : bool
        Whether ``y`` is an indicator matrix.
    sample_weight : ndarray of shape (n_samples,) or None
        Validated sample weights.
    class_weight : dict, "balanced" or None, default=None
        Multiplied into the sample weights. "balanced" balances each binary
        problem on its own, as ``OneVsRestClassifier`` would.

    Returns
    -------
    Y : ndarray of int8 of shape (n_samples, K)
        One column per binary problem (``K = 1`` for two classes).
    sample_weight : ndarray of shape (n_samples,) or (n_samples, K), or None
        None for uniform weights; one column per problem when ``class_weight``
        weighs the problems differently.
    """
    if multilabel:
        Y = np.asarray(y.toarray() if sp.issparse(y) else y, dtype=np.int8)
    elif classes.size == 2:
        Y = (y == classes[1]).astype(np.int8)[:, None]
    else:
        Y = (y[:, None] == classes[None, :]).astype(np.int8)
    check_class_weight(class_weight, classes, multilabel)
    if class_weight is None:
        return Y, sample_weight
    if sample_weight is None:
        sample_weight = np.ones(y.shape[0])
    if isinstance(class_weight, dict):
        cw = compute_class_weight(class_weight, classes=classes, y=y)
        return Y, sample_weight * cw[np.searchsorted(classes, y)]
    cols = [sample_weight * balanced_weights(yk, sample_weight)[yk] for yk in Y.T]
    return Y, cols[0] if len(cols) == 1 else np.column_stack(cols)
