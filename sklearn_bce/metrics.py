"""Binary cross-entropy as a metric, and a scorer for model selection.

:func:`binary_cross_entropy` is the loss the estimators minimise, evaluated on
predictions: from probabilities (clipped like :func:`sklearn.metrics.log_loss`, or
like Keras with an explicit ``eps``) or from logits (never clipped, like
``torch.nn.functional.binary_cross_entropy_with_logits``).

:data:`bce_scorer` plugs it into :class:`~sklearn.model_selection.GridSearchCV`,
:func:`~sklearn.model_selection.cross_val_score` and friends for any classifier with
``predict_proba``. :data:`objective_scorer` gives the objective of a
:class:`~sklearn_bce.BCELogisticClassifier`, for monitoring its fit with
:class:`sklearn.callback.ScoringMonitor`.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import make_scorer

from ._callbacks import objective_scorer
from ._loss import log1pexp
from ._targets import validate_sample_weight

__all__ = ["bce_scorer", "binary_cross_entropy", "objective_scorer"]


def binary_cross_entropy(
    y_true,
    y_prob,
    *,
    sample_weight=None,
    eps="auto",
    from_logits=False,
    labels=None,
):
    r"""Mean binary cross-entropy (BCE) of predicted probabilities or logits.

    For one binary target ``y`` in {0, 1} and a predicted probability ``p`` of the
    positive class,

    .. math::
        \operatorname{bce}(y, p) = -\left[y \log p + (1 - y) \log(1 - p)\right].

    The result is the (weighted) mean over samples. With several columns (an
    indicator matrix ``y_true``, or one-vs-rest multi-class) each sample contributes
    the mean BCE over its ``K`` columns, as ``keras.losses.binary_crossentropy``
    computes it, so the value stays on the scale of a single binary problem.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels)
        True targets, one of:

        - 1-d binary labels: 0/1, booleans, or any two labels (the positive class
          is the larger one in sorted order, as in :func:`sklearn.metrics.log_loss`;
          ``labels`` gives both when ``y_true`` holds only one of them);
        - 1-d multi-class labels, with ``y_prob`` of shape (n_samples, n_classes):
          each label is one-hot encoded against the sorted classes and the mean
          one-vs-rest BCE over the classes is returned;
        - a 0/1 indicator matrix (multilabel, or one-hot multi-class), with
          ``y_prob`` of the same shape.

    y_prob : array-like of shape (n_samples,), (n_samples, 2) or (n_samples, K)
        Predicted probabilities (or logits, with ``from_logits=True``):

        - shape (n_samples,): the probability of the positive class;
        - shape (n_samples, 2) with a binary 1-d ``y_true``: the output of
          ``predict_proba``; only the positive (second) column is used;
        - shape (n_samples, K): one probability per column of the indicator matrix,
          or per class (in sorted order) for a multi-class 1-d ``y_true``.

    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, checked as the estimator checks them; the
        result is the weighted mean ``sum_i w_i bce_i / sum_i w_i``.

    eps : 'auto' or float, default='auto'
        Clipping of probabilities (ignored with ``from_logits=True``, which must
        keep the default):

        - ``'auto'``: the probabilities are clipped to ``[e, 1 - e]`` with ``e`` the
          machine epsilon of their dtype (``numpy.finfo(dtype).eps``), exactly as
          :func:`sklearn.metrics.log_loss` does;
        - a float in ``[0, 0.5)``: clipped to ``[eps, 1 - eps]``. ``eps=1e-7``
          reproduces ``keras.losses.binary_crossentropy`` (Keras 3) on float64
          input. A value below the dtype's epsilon leaves ``1 - eps`` rounded to 1,
          so a probability of exactly 1 on a negative sample is no longer clipped;
        - ``0``: nothing is clipped. A probability of exactly 0 on a positive
          sample, or exactly 1 on a negative one, then gives ``inf``.

    from_logits : bool, default=False
        Whether ``y_prob`` holds logits ``z`` (for example the output of
        ``decision_function``) instead of probabilities. The loss is then computed
        as ``log(1 + exp(-z))`` for positives and ``log(1 + exp(z))`` for negatives,
        without ever forming a probability: it equals
        ``torch.nn.functional.binary_cross_entropy_with_logits`` and is exact and
        finite for any finite logit (``|z| = 1e4`` included). Infinite logits give
        ``0`` when they point at the true label and ``inf`` otherwise.

    labels : array-like, default=None
        All the labels of a 1-d ``y_true`` (sorted internally, as
        :func:`sklearn.metrics.log_loss` does). Needed when ``y_true`` does not
        contain every label, for example in a cross-validation fold. Not used with
        an indicator matrix.

    Returns
    -------
    loss : float
        The mean binary cross-entropy, never negative. With ``eps=0`` it is ``0``
        exactly when every probability equals its 0/1 target; clipping keeps even
        perfect probabilities a tiny bit away from 0 and 1, so with the default it
        is ``-log(1 - e)``, about ``2.2e-16``, at best.

    Raises
    ------
    ValueError
        If the inputs are empty or their shapes or lengths do not match, if
        ``y_true`` is not binary (or not 0/1 in an indicator matrix), if ``y_prob``
        has probabilities outside ``[0, 1]`` or NaN, or if ``sample_weight`` is
        negative, not finite or sums to zero.
    TypeError
        If ``y_prob`` or ``sample_weight`` is not numeric, or ``eps`` or
        ``from_logits`` has the wrong type.

    See Also
    --------
    bce_scorer : This loss as a scorer for model selection.
    sklearn.metrics.log_loss : The same value for binary problems.

    Notes
    -----
    How results relate to other libraries, for binary targets:

    - :func:`sklearn.metrics.log_loss`: equal, to rounding, with the default
      ``eps='auto'``. For multi-class input ``log_loss`` is the *categorical*
      cross-entropy ``-log p_true``, while this function is the mean one-vs-rest
      BCE over the classes, so the two differ there.
    - Keras 3 (``keras.losses.binary_crossentropy``, any backend): equal with
      ``eps=1e-7`` on float64 probabilities. Keras loss objects compute in
      float32 (``keras.config.floatx()``) by default, so they agree only to
      float32 precision, and ``tf.keras`` 2 also added ``1e-7`` inside the
      logarithm, which changes results by up to about ``1e-7``. With sample
      weights Keras divides by the number of samples, not by the sum of the
      weights. Its clipping also explains the largest differences from
      ``log_loss``: a confident mistake costs at most ``-log(1e-7) = 16.1`` in
      Keras but ``-log(2.2e-16) = 36.0`` with ``eps='auto'``.
    - PyTorch: ``torch.nn.functional.binary_cross_entropy_with_logits`` equals
      ``from_logits=True``. ``torch.nn.functional.binary_cross_entropy`` on
      probabilities does not clip them but caps each logarithm at ``-100``; it
      agrees with ``eps=0`` unless the probability given to the true label is
      below ``exp(-100)`` (exactly 0, for example). With a ``weight`` argument and
      ``reduction='mean'`` torch divides by the number of samples, not by the
      sum of the weights.

    Examples
    --------
    >>> from sklearn.metrics import log_loss
    >>> from sklearn_bce import binary_cross_entropy
    >>> y_true = [0, 1, 1, 0]
    >>> y_prob = [0.1, 0.9, 0.8, 0.35]
    >>> round(binary_cross_entropy(y_true, y_prob), 6)
    0.216162
    >>> bool(abs(binary_cross_entropy(y_true, y_prob) - log_loss(y_true, y_prob))
    ...      < 1e-15)
    True

    A confident mistake, clipped three ways:

    >>> round(binary_cross_entropy([1], [0.0]), 4)    # float64 machine epsilon
    36.0437
    >>> round(binary_cross_entropy([1], [0.0], eps=1e-7), 4)    # like Keras
    16.1181
    >>> binary_cross_entropy([1], [0.0], eps=0)
    inf

    From logits nothing is clipped and nothing overflows:

    >>> binary_cross_entropy([1, 0], [1e4, -1e4], from_logits=True)
    0.0
    >>> binary_cross_entropy([0], [1e4], from_logits=True)
    10000.0

    One-vs-rest multi-class, with the class missing from ``y_true`` given in
    ``labels``:

    >>> y_prob = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]
    >>> round(binary_cross_entropy(["a", "b"], y_prob, labels=["a", "b", "c"]), 6)
    0.186507
    """
    if not isinstance(from_logits, (bool, np.bool_)):
        raise TypeError(
            f"from_logits must be True or False, got {from_logits!r} of type "
            f"{type(from_logits).__name__}."
        )
    P = _check_y_prob(y_prob, from_logits)
    Y, P = _encode_targets(y_true, P, labels, from_logits)
    sw = validate_sample_weight(sample_weight, Y.shape[0])

    if from_logits:
        if not (isinstance(eps, str) and eps == "auto"):
            raise ValueError(
                f"eps={eps!r} has no effect with from_logits=True: logits are never "
                "clipped. Leave eps='auto', or pass expit(logits) with "
                "from_logits=False to clip probabilities like Keras does."
            )
        # bce(y, z) = log(1 + e^z) - y z is log1pexp(-z) for y = 1 and
        # log1pexp(z) for y = 0. Written this way it has no "inf - inf" or
        # "0 * inf" at infinite logits, where bce_from_logits gives NaN.
        loss = log1pexp(np.where(Y == 1, -P, P))
    else:
        eps = _check_eps(eps, P.dtype)
        if eps > 0:
            P = np.clip(P, eps, 1 - eps)
        # Probability given to the true label of each entry. Clipping p and then
        # taking 1 - p is what Keras does; with eps='auto' it gives the same
        # numbers as clipping 1 - p as log_loss does.
        q = np.where(Y == 1, P, 1 - P)
        with np.errstate(divide="ignore"):
            loss = -np.log(q)

    per_sample = loss.mean(axis=1)
    if sw is not None:
        # A sample of weight 0 contributes nothing, even an infinite loss.
        per_sample = np.where(sw > 0, per_sample, 0)
    # "+ 0.0" turns the -0.0 of perfect predictions into 0.0.
    return float(np.average(per_sample, weights=sw)) + 0.0


def _check_y_prob(y_prob, from_logits):
    """Return ``y_prob`` as a float32/float64 array of 1 or 2 dimensions."""
    what = "y_prob (logits)" if from_logits else "y_prob"
    if sp.issparse(y_prob):
        raise TypeError(f"{what} must be a dense array, got a sparse matrix.")
    P = np.asarray(y_prob)
    if P.dtype.kind not in "biuf":
        raise TypeError(f"{what} must hold numbers, got an array of dtype {P.dtype}.")
    if P.dtype not in (np.float32, np.float64):
        P = P.astype(np.float64)
    if P.ndim not in (1, 2):
        raise ValueError(
            f"{what} must be 1-d or 2-d, got shape {P.shape}. For the list of "
            "(n_samples, 2) arrays that multilabel predict_proba returns, pass the "
            "positive columns, np.column_stack([p[:, 1] for p in proba]), or use "
            "bce_scorer."
        )
    if P.size == 0:
        raise ValueError(f"{what} is empty (shape {P.shape}); need at least one value.")
    if np.isnan(P).any():
        raise ValueError(f"{what} contains NaN.")
    if not from_logits:
        low, high = P.min(), P.max()
        if low < 0 or high > 1:
            raise ValueError(
                "y_prob must hold probabilities in [0, 1], but its values range from "
                f"{low} to {high}. Pass from_logits=True if these are logits."
            )
    return P


def _encode_targets(y_true, P, labels, from_logits):
    """Return the 0/1 target matrix ``Y`` and ``P``, both of shape (n, K)."""
    if sp.issparse(y_true):
        raise TypeError("y_true must be a dense array, got a sparse matrix.")
    y = np.asarray(y_true)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim not in (1, 2):
        raise ValueError(f"y_true must be 1-d or 2-d, got shape {y.shape}.")
    if y.shape[0] == 0:
        raise ValueError("y_true is empty; need at least one sample.")
    if y.shape[0] != P.shape[0]:
        raise ValueError(
            f"y_true has {y.shape[0]} samples but y_prob has {P.shape[0]}; they must "
            "have the same length."
        )
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise ValueError("y_true contains NaN; it must hold class labels.")
    if y.ndim == 2:
        return _encode_indicator(y, P, labels)

    if labels is not None:
        classes = np.unique(np.asarray(labels))
        source = "labels holds"
        unknown = ~np.isin(y, classes)
        if unknown.any():
            raise ValueError(
                f"y_true contains labels {np.unique(y[unknown]).tolist()} that are "
                f"not in labels={classes.tolist()}."
            )
    else:
        classes = np.unique(y)
        source = "y_true holds"

    if P.ndim == 2 and P.shape[1] > 2:  # one-vs-rest multi-class
        K = P.shape[1]
        if classes.size != K:
            raise ValueError(
                f"y_prob has {K} columns but {source} {classes.size} labels "
                f"{classes.tolist()}; pass labels= with all {K} classes, in the "
                "(sorted) order of the y_prob columns."
            )
        return (y[:, None] == classes[None, :]).astype(P.dtype), P

    if P.ndim == 2:
        if from_logits and P.shape[1] == 2:
            raise ValueError(
                "With from_logits=True and a binary y_true, y_prob must hold one "
                f"logit per sample (shape ({P.shape[0]},)), got shape {P.shape}."
            )
        P = P[:, -1]
    if classes.size > 2:
        raise ValueError(
            f"y_true is not binary: {source} {classes.size} labels "
            f"{_short_list(classes)}, but y_prob has one probability per sample. "
            "For one-vs-rest multi-class BCE pass y_prob of shape "
            "(n_samples, n_classes)."
        )
    if classes.size == 2:
        positive = classes[1]
    elif labels is not None:
        raise ValueError(
            "labels must hold the two labels of the binary problem, got "
            f"{classes.tolist()}."
        )
    elif y.dtype.kind in "biuf" and classes[0] in (0, 1):
        positive = 1
    else:
        raise ValueError(
            f"y_true holds a single label, {classes[0]!r}, which is not 0 or 1, so "
            "the positive class is unknown; pass labels=[negative, positive]."
        )
    return (y == positive).astype(P.dtype)[:, None], P[:, None]


def _encode_indicator(y, P, labels):
    """Validate a 0/1 indicator matrix ``y`` against ``y_prob`` of the same shape."""
    if labels is not None:
        raise ValueError(
            "labels is only used with a 1-d y_true; an indicator matrix y_true "
            "already has one column per label."
        )
    if P.shape != y.shape:
        raise ValueError(
            f"y_true is an indicator matrix of shape {y.shape}, so y_prob must have "
            f"the same shape, got {P.shape}."
        )
    if y.dtype.kind not in "biuf":
        raise ValueError(
            "y_true is not binary: an indicator matrix must hold only 0 and 1, got "
            f"an array of dtype {y.dtype}."
        )
    bad = (y != 0) & (y != 1)
    if bad.any():
        raise ValueError(
            "y_true is not binary: an indicator matrix must hold only 0 and 1, found "
            f"{_short_list(np.unique(y[bad]))}."
        )
    return y.astype(P.dtype), P


def _check_eps(eps, dtype):
    if isinstance(eps, str):
        if eps == "auto":
            return np.finfo(dtype).eps
        raise ValueError(f"eps must be 'auto' or a float in [0, 0.5), got {eps!r}.")
    if not isinstance(eps, Real) or isinstance(eps, (bool, np.bool_)):
        raise TypeError(
            f"eps must be 'auto' or a float in [0, 0.5), got {eps!r} of type "
            f"{type(eps).__name__}."
        )
    if not 0 <= eps < 0.5:
        raise ValueError(f"eps must be 'auto' or a float in [0, 0.5), got {eps!r}.")
    return eps


def _short_list(values, limit=10):
    values = list(np.asarray(values).tolist())
    if len(values) <= limit:
        return str(values)
    return str(values[:limit])[:-1] + ", ...]"


# ----------------------------------------------------------------------- scorer
# scikit-learn's scorer class, obtained from the public make_scorer rather than
# imported from a private module. Subclassing it keeps set_score_request, metadata
# routing and the prediction cache of multi-metric scoring working as for the
# built-in scorers.
_SklearnScorer = type(
    make_scorer(
        binary_cross_entropy, greater_is_better=False, response_method="predict_proba"
    )
)


class _BCEScorer(_SklearnScorer):
    """Scorer for the binary cross-entropy: ``bce_scorer(estimator, X, y)``.

    ``bce_scorer(estimator, X, y_true, sample_weight=None)`` returns **minus** the
    mean binary cross-entropy of ``estimator.predict_proba(X)`` against ``y_true``:
    higher is better, and the best possible score is (almost) 0. ``estimator`` is a
    fitted classifier with ``predict_proba``, ``y_true`` its labels (or a 0/1
    indicator matrix for a multilabel estimator), ``sample_weight`` optional
    non-negative weights. It is what
    ``make_scorer(binary_cross_entropy, greater_is_better=False,
    response_method="predict_proba")`` would be, except that it also tells the
    metric which classes the estimator knows (its ``classes_``), so a
    cross-validation fold missing a class still scores:

    - binary targets: exactly ``scoring="neg_log_loss"``;
    - multi-class targets: minus the one-vs-rest BCE, the mean over classes of the
      BCE of each one-hot column of ``y`` against the matching ``predict_proba``
      column. This is not ``neg_log_loss``, which is the categorical
      cross-entropy;
    - multilabel indicator targets: minus the mean BCE of the per-label
      probabilities, whether ``predict_proba`` returns an (n_samples, n_labels)
      array or a list of (n_samples, 2) arrays (one per label, as
      :class:`~sklearn.ensemble.RandomForestClassifier` and
      :class:`~sklearn.multioutput.MultiOutputClassifier` do).

    It works with any fitted classifier that has ``predict_proba``. A label of
    ``y`` that the estimator was never fitted on is an error.

    scikit-learn's list of scorer names cannot be extended, so ``scoring="bce"``
    is not available; pass the object instead, ``scoring=bce_scorer``, or name it
    in a dict of scorers, ``scoring={"bce": bce_scorer, "accuracy": "accuracy"}``.

    Sample weights can be passed directly, ``bce_scorer(est, X, y,
    sample_weight=w)``, or routed with metadata routing. ``set_score_request``
    modifies the scorer it is called on, so request on a copy to keep the shared
    object unchanged::

        import copy
        sklearn.set_config(enable_metadata_routing=True)
        scorer = copy.deepcopy(bce_scorer).set_score_request(sample_weight=True)
        cross_validate(clf, X, y, scoring=scorer, params={"sample_weight": w})

    See Also
    --------
    binary_cross_entropy : The metric.

    Examples
    --------
    >>> from sklearn.datasets import load_iris, make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.metrics import get_scorer
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_bce import BCELogisticClassifier, bce_scorer
    >>> X, y = make_classification(random_state=0)
    >>> search = GridSearchCV(BCELogisticClassifier(), {"C": [0.1, 1.0, 10.0]},
    ...                       scoring=bce_scorer).fit(X, y)
    >>> bool(search.best_score_ < 0)
    True

    For a binary problem it is ``neg_log_loss``, for any classifier:

    >>> clf = LogisticRegression().fit(X, y)
    >>> bool(bce_scorer(clf, X, y) == get_scorer("neg_log_loss")(clf, X, y))
    True

    A test set without some of the classes still scores:

    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LogisticRegression(max_iter=1000).fit(X, y)
    >>> X_setosa, y_setosa = X[y == 0], y[y == 0]
    >>> bool(bce_scorer(clf, X_setosa, y_setosa) < 0)
    True
    """

    def __init__(self):
        # Take the state the base class expects from make_scorer itself rather
        # than from its private constructor signature.
        template = make_scorer(
            binary_cross_entropy,
            greater_is_better=False,
            response_method="predict_proba",
        )
        vars(self).update(vars(template))

    def __repr__(self):
        return "bce_scorer"

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        # Called by __call__ and by multi-metric scoring, with metadata in kwargs.
        for name in ("labels", "from_logits"):
            if name in kwargs:
                raise TypeError(
                    f"bce_scorer does not accept {name!r}: it is set from the "
                    "estimator (its classes_ and predict_proba)."
                )
        Y, P = _scorer_targets(estimator, X, y_true)
        return self._sign * self._score_func(Y, P, **{**self._kwargs, **kwargs})


def _scorer_targets(estimator, X, y_true):
    """Return the 0/1 targets and matching probabilities for ``estimator`` on X."""
    if not hasattr(estimator, "predict_proba"):
        raise TypeError(
            "bce_scorer needs a classifier with predict_proba; "
            f"{type(estimator).__name__} has none."
        )
    y = np.asarray(y_true)
    if y.ndim == 2 and y.shape[1] > 1:
        return y, _per_label_proba(estimator, X, y.shape)
    if y.ndim == 2:
        y = y[:, 0]

    classes = getattr(estimator, "classes_", None)
    if classes is None:
        raise TypeError(
            f"bce_scorer needs a fitted classifier with classes_; "
            f"{type(estimator).__name__} has none."
        )
    classes = np.asarray(classes)
    if classes.ndim != 1:
        raise ValueError(
            "y_true is 1-d but the estimator has several outputs (its classes_ is a "
            "list); pass a 2-d y_true with one column per output."
        )
    unknown = ~np.isin(y, classes)
    if unknown.any():
        raise ValueError(
            f"y_true contains labels {np.unique(y[unknown]).tolist()} that the "
            f"estimator was not fitted on; its classes_ are {classes.tolist()}."
        )
    if classes.size < 2:
        raise ValueError(
            f"The estimator was fitted on a single class, {classes.tolist()}; "
            "bce_scorer needs a classifier of at least two classes."
        )
    proba = np.asarray(estimator.predict_proba(X))
    if proba.ndim != 2 or proba.shape[1] != classes.size:
        raise ValueError(
            f"predict_proba returned shape {proba.shape}; expected "
            f"({y.shape[0]}, {classes.size}), one column per class of classes_."
        )
    if classes.size == 2:
        return (y == classes[1]).astype(np.float64), proba[:, 1]
    return (y[:, None] == classes[None, :]).astype(np.float64), proba


def _per_label_proba(estimator, X, shape):
    """Probability of the positive label for each column of a multilabel target."""
    n_samples, n_labels = shape
    proba = estimator.predict_proba(X)
    if not isinstance(proba, list):
        proba = np.asarray(proba)
        if proba.shape != shape:
            raise ValueError(
                f"predict_proba returned shape {proba.shape}, but y_true has "
                f"{n_labels} labels; expected per-label probabilities of shape "
                f"{shape}."
            )
        return proba
    # One (n_samples, n_classes_k) array per label, columns in classes_[k] order.
    if len(proba) != n_labels:
        raise ValueError(
            f"predict_proba returned {len(proba)} arrays, but y_true has "
            f"{n_labels} labels; expected one array per label."
        )
    classes = getattr(estimator, "classes_", None)
    columns = []
    for k, proba_k in enumerate(proba):
        proba_k = np.asarray(proba_k)
        classes_k = (
            np.asarray(classes[k]) if classes is not None
            else np.arange(proba_k.shape[1])
        )
        positive = np.flatnonzero(classes_k == 1)
        if positive.size:
            columns.append(proba_k[:, positive[0]])
        else:  # this label was never positive in training: probability 0
            columns.append(np.zeros(proba_k.shape[0]))
    return np.column_stack(columns)


bce_scorer = _BCEScorer()

