"""Tests of binary_cross_entropy and bce_scorer.

References are scikit-learn's log_loss and the Keras and PyTorch formulas written out
below, never values produced by the code under test.
"""

import copy
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_array_equal
from scipy.special import expit
from sklearn.datasets import (
    load_iris,
    make_classification,
    make_multilabel_classification,
)
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import get_scorer, log_loss, make_scorer
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, cross_validate
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_bce
from sklearn_bce import BCELogisticClassifier, bce_scorer, binary_cross_entropy

EPS64 = np.finfo(np.float64).eps

# Probabilities at the edges of the float64 range, and their complements.
EXTREMES = np.array(
    [0.0, 1.0, 1e-300, 5e-324, 1e-17, EPS64, 1 - EPS64, 1 - 1e-16, 0.5, 1e-7]
)


# ------------------------------------------------------------ reference formulas
def keras_binary_crossentropy(y_true, y_pred, epsilon=1e-7):
    """keras.losses.binary_crossentropy (Keras 3), then the mean over the batch.

    Keras clips the probabilities to [epsilon, 1 - epsilon], takes
    ``-(y log p + (1 - y) log(1 - p))`` element-wise, averages over the last axis
    and the default reduction averages over samples. A 1-d target is one output
    unit per sample.
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.ndim == 1:
        y_true, y_pred = y_true[:, None], y_pred[:, None]
    output = np.clip(y_pred, epsilon, 1.0 - epsilon)
    bce = y_true * np.log(output)
    bce += (1.0 - y_true) * np.log(1.0 - output)
    return np.mean(np.mean(-bce, axis=-1))


def torch_bce_with_logits(y, z):
    """torch.nn.functional.binary_cross_entropy_with_logits, reduction='mean'.

    ATen computes ``(1 - y) * z - log_sigmoid(z)`` with
    ``log_sigmoid(z) = min(z, 0) - log1p(exp(-|z|))``.
    """
    y = np.asarray(y, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    log_sigmoid = np.minimum(z, 0) - np.log1p(np.exp(-np.abs(z)))
    return np.mean((1 - y) * z - log_sigmoid)


def one_vs_rest_bce(Y, P, eps=EPS64, sample_weight=None):
    """Mean over samples of the mean over columns of the clipped BCE."""
    Y = np.asarray(Y, dtype=np.float64)
    P = np.clip(np.asarray(P, dtype=np.float64), eps, 1 - eps)
    per_sample = -np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P), axis=1)
    return np.average(per_sample, weights=sample_weight)


def positive_proba_per_label(estimator, proba):
    """Per-label probability of 1 from a list of (n, n_classes_k) arrays."""
    return np.column_stack(
        [
            p[:, list(c).index(1)] if 1 in c else np.zeros(len(p))
            for p, c in zip(proba, estimator.classes_, strict=True)
        ]
    )


# ------------------------------------------------------------ agreement with log_loss
def test_exported():
    assert sklearn_bce.binary_cross_entropy is binary_cross_entropy
    assert sklearn_bce.bce_scorer is bce_scorer
    assert {"binary_cross_entropy", "bce_scorer"} <= set(sklearn_bce.__all__)


@pytest.mark.parametrize("weighted", [False, True])
def test_equals_log_loss_random(rng, weighted):
    y = rng.integers(0, 2, size=200)
    p = rng.uniform(size=200)
    w = rng.uniform(0.1, 3.0, size=200) if weighted else None
    expected = log_loss(y, p, sample_weight=w)
    assert binary_cross_entropy(y, p, sample_weight=w) == pytest.approx(
        expected, rel=1e-12, abs=0
    )
    # predict_proba layout: only the positive column is used
    P = np.column_stack([1 - p, p])
    assert binary_cross_entropy(y, P, sample_weight=w) == pytest.approx(
        log_loss(y, P, sample_weight=w), rel=1e-12, abs=0
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_equals_log_loss_extreme_probabilities(rng, weighted):
    p = np.concatenate([EXTREMES, EXTREMES])
    y = np.array([0] * len(EXTREMES) + [1] * len(EXTREMES))
    w = rng.uniform(0.1, 3.0, size=len(y)) if weighted else None
    expected = log_loss(y, p, sample_weight=w)
    assert np.isfinite(expected)
    assert binary_cross_entropy(y, p, sample_weight=w) == pytest.approx(
        expected, rel=1e-12, abs=0
    )
    # each extreme on its own, against both labels
    for value in EXTREMES:
        for label in (0, 1):
            expected = log_loss([label], [value], labels=[0, 1])
            assert binary_cross_entropy([label], [value]) == pytest.approx(
                expected, rel=1e-12, abs=1e-300
            )


def test_equals_log_loss_string_labels_and_labels_argument(rng):
    y = rng.choice(np.array(["ham", "spam"]), size=50)
    p = rng.uniform(size=50)
    assert binary_cross_entropy(y, p) == pytest.approx(log_loss(y, p), rel=1e-12)
    # a fold holding only one of the labels: labels names both
    y_one = np.array(["spam"] * 10)
    expected = log_loss(y_one, p[:10], labels=["ham", "spam"])
    assert binary_cross_entropy(y_one, p[:10], labels=["spam", "ham"]) == (
        pytest.approx(expected, rel=1e-12)
    )
    # 0/1 labels need no labels argument even when only one is present
    expected = log_loss(np.ones(10), p[:10], labels=[0, 1])
    assert binary_cross_entropy(np.ones(10), p[:10]) == pytest.approx(
        expected, rel=1e-12
    )
    expected = log_loss(np.zeros(10), p[:10], labels=[0, 1])
    assert binary_cross_entropy([False] * 10, p[:10]) == pytest.approx(
        expected, rel=1e-12
    )
    # -1/+1 labels: +1 is the positive class
    y_pm = np.where(rng.uniform(size=50) < 0.5, -1, 1)
    assert binary_cross_entropy(y_pm, p) == pytest.approx(
        log_loss(y_pm, p), rel=1e-12
    )


def test_float32_follows_log_loss(rng):
    y = rng.integers(0, 2, size=100)
    p = np.concatenate([rng.uniform(size=98), [0.0, 1.0]]).astype(np.float32)
    # float32 machine epsilon, as log_loss clips float32 input
    expected = log_loss(y, p)
    assert binary_cross_entropy(y, p) == pytest.approx(expected, rel=1e-6)
    wrong = binary_cross_entropy([1], np.array([0.0], dtype=np.float32))
    assert wrong == pytest.approx(-np.log(np.finfo(np.float32).eps), rel=1e-6)


# ------------------------------------------------------------ Keras and PyTorch
@pytest.mark.parametrize("shape", [(300,), (100, 4)])
def test_keras_clipping(rng, shape):
    y = rng.integers(0, 2, size=shape)
    p = rng.uniform(size=shape)
    p.flat[:12] = np.concatenate([EXTREMES, [0.0, 1.0]])
    expected = keras_binary_crossentropy(y, p, epsilon=1e-7)
    assert binary_cross_entropy(y, p, eps=1e-7) == pytest.approx(expected, rel=1e-12)


def test_keras_one_hot_multiclass(rng):
    # One-hot targets with softmax-like rows: Keras' binary_crossentropy on the
    # (n, K) matrix is the mean BCE over the K columns.
    labels = rng.integers(0, 3, size=60)
    Y = np.eye(3)[labels]
    P = rng.dirichlet(np.ones(3), size=60)
    expected = keras_binary_crossentropy(Y, P, epsilon=1e-7)
    assert binary_cross_entropy(Y, P, eps=1e-7) == pytest.approx(expected, rel=1e-12)
    assert binary_cross_entropy(labels, P, eps=1e-7) == pytest.approx(
        expected, rel=1e-12
    )


def test_torch_with_logits(rng):
    y = rng.integers(0, 2, size=500).astype(float)
    z = rng.normal(scale=8.0, size=500)
    z[:8] = [1e4, -1e4, 1e4, -1e4, 745.0, -745.0, 40.0, 0.0]
    y[:4] = [1, 1, 0, 0]
    expected = torch_bce_with_logits(y, z)
    assert binary_cross_entropy(y, z, from_logits=True) == pytest.approx(
        expected, rel=1e-12
    )


@pytest.mark.parametrize(
    "y, z, expected",
    [
        ([1], [1e4], 0.0),
        ([0], [-1e4], 0.0),
        ([0], [1e4], 1e4),
        ([1], [-1e4], 1e4),
        ([1, 0], [-1e4, 1e4], 1e4),
        ([1], [np.inf], 0.0),
        ([0], [-np.inf], 0.0),
        ([0], [np.inf], np.inf),
        ([1], [-np.inf], np.inf),
        ([1], [0.0], np.log(2)),
    ],
)
def test_logits_extreme_values(y, z, expected):
    assert binary_cross_entropy(y, z, from_logits=True) == expected


def test_logits_multiclass_and_float32(rng):
    labels = rng.integers(0, 4, size=80)
    Z = rng.normal(scale=3.0, size=(80, 4))
    Y = np.eye(4)[labels]
    expected = torch_bce_with_logits(Y, Z)  # mean over all n * K entries
    assert binary_cross_entropy(labels, Z, from_logits=True) == pytest.approx(
        expected, rel=1e-12
    )
    assert binary_cross_entropy(Y, Z, from_logits=True) == pytest.approx(
        expected, rel=1e-12
    )
    z32 = Z[:, 0].astype(np.float32)
    assert binary_cross_entropy(Y[:, 0], z32, from_logits=True) == pytest.approx(
        torch_bce_with_logits(Y[:, 0], z32), rel=1e-5
    )


def test_logits_agree_with_probabilities(rng):
    y = rng.integers(0, 2, size=200)
    z = rng.normal(scale=4.0, size=200)
    from_probability = binary_cross_entropy(y, expit(z), eps=0)
    assert binary_cross_entropy(y, z, from_logits=True) == pytest.approx(
        from_probability, rel=1e-12
    )


# ------------------------------------------------------------ eps, weights, shapes
def test_eps_zero_clips_nothing(rng):
    y = rng.integers(0, 2, size=100)
    p = rng.uniform(0.01, 0.99, size=100)
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert binary_cross_entropy(y, p, eps=0) == pytest.approx(expected, rel=1e-12)
    # the right label with certainty costs nothing, the wrong one infinitely much
    assert binary_cross_entropy([1, 0], [1.0, 0.0], eps=0) == 0.0
    assert binary_cross_entropy([1, 0], [0.0, 0.0], eps=0) == np.inf
    assert binary_cross_entropy([0], [1.0], eps=0) == np.inf
    # a zero weight removes even an infinite loss
    assert binary_cross_entropy(
        [1, 0], [0.0, 0.5], eps=0, sample_weight=[0, 1]
    ) == pytest.approx(np.log(2), rel=1e-15)


def test_eps_float_clips_both_sides():
    assert binary_cross_entropy([1], [0.0], eps=1e-3) == pytest.approx(
        -np.log(1e-3), rel=1e-12
    )
    assert binary_cross_entropy([0], [1.0], eps=1e-3) == pytest.approx(
        -np.log(1 - (1 - 1e-3)), rel=1e-12
    )
    assert binary_cross_entropy([1], [1.0], eps=1e-3) == pytest.approx(
        -np.log(1 - 1e-3), rel=1e-12
    )


def test_weights_are_a_weighted_mean(rng):
    y = rng.integers(0, 2, size=30)
    p = rng.uniform(size=30)
    w = rng.integers(0, 4, size=30)
    w[0] = 1
    repeated = binary_cross_entropy(np.repeat(y, w), np.repeat(p, w))
    assert binary_cross_entropy(y, p, sample_weight=w) == pytest.approx(
        repeated, rel=1e-12
    )
    # only relative weights matter
    assert binary_cross_entropy(y, p, sample_weight=7.5 * w) == pytest.approx(
        repeated, rel=1e-12
    )


def test_multiclass_labels_one_hot_against_formula(rng):
    classes = np.array(["a", "b", "c", "d"])
    P = rng.dirichlet(np.ones(4), size=40)
    y = classes[rng.integers(0, 4, size=40)]
    Y = (y[:, None] == classes[None, :]).astype(float)
    w = rng.uniform(size=40)
    expected = one_vs_rest_bce(Y, P, sample_weight=w)
    assert binary_cross_entropy(y, P, sample_weight=w) == pytest.approx(
        expected, rel=1e-12
    )
    # a sample of classes missing "d": labels gives all four
    y_abc = classes[rng.integers(0, 3, size=40)]
    Y_abc = (y_abc[:, None] == classes[None, :]).astype(float)
    assert binary_cross_entropy(y_abc, P, labels=classes) == pytest.approx(
        one_vs_rest_bce(Y_abc, P), rel=1e-12
    )


def test_multilabel_indicator(rng):
    Y = rng.integers(0, 2, size=(50, 3))
    P = rng.uniform(size=(50, 3))
    assert binary_cross_entropy(Y, P) == pytest.approx(
        one_vs_rest_bce(Y, P), rel=1e-12
    )
    # each column alone is a binary problem, and the total is their mean
    per_label = [log_loss(Y[:, k], P[:, k], labels=[0, 1]) for k in range(3)]
    assert binary_cross_entropy(Y, P) == pytest.approx(np.mean(per_label), rel=1e-12)
    assert binary_cross_entropy(Y.astype(bool), P) == binary_cross_entropy(Y, P)


def test_column_vectors():
    y = np.array([[0], [1], [1]])
    p = np.array([0.2, 0.7, 0.9])
    expected = log_loss(y.ravel(), p)
    assert binary_cross_entropy(y, p) == pytest.approx(expected, rel=1e-12)
    assert binary_cross_entropy(y, p[:, None]) == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(y_true=[0, 1, 1], y_prob=[0.1, 0.2]), ValueError, "same length"),
        (
            dict(y_true=np.zeros((3, 2)), y_prob=np.zeros((3, 3))),
            ValueError,
            "indicator matrix of shape .3, 2., so y_prob must have the same shape",
        ),
        (dict(y_true=[0, 1], y_prob=[0.1, 1.2]), ValueError, r"in \[0, 1\]"),
        (dict(y_true=[0, 1], y_prob=[-0.1, 0.5]), ValueError, r"in \[0, 1\]"),
        (dict(y_true=[0, 1], y_prob=[np.nan, 0.5]), ValueError, "contains NaN"),
        (
            dict(y_true=[0, 1], y_prob=[np.nan, 0.5], from_logits=True),
            ValueError,
            "contains NaN",
        ),
        (dict(y_true=[0, 1, 2], y_prob=[0.1, 0.2, 0.3]), ValueError, "not binary"),
        (
            dict(y_true=[[0, 2], [1, 0]], y_prob=[[0.1, 0.2], [0.3, 0.4]]),
            ValueError,
            r"not binary: an indicator matrix must hold only 0 and 1, found \[2\]",
        ),
        (
            dict(y_true=[[0, 0.5], [1, 0]], y_prob=[[0.1, 0.2], [0.3, 0.4]]),
            ValueError,
            "not binary",
        ),
        (
            dict(y_true=[0.0, np.nan], y_prob=[0.1, 0.2]),
            ValueError,
            "y_true contains NaN",
        ),
        (dict(y_true=[], y_prob=[]), ValueError, "empty"),
        (dict(y_true=np.zeros((0, 2)), y_prob=np.zeros((0, 2))), ValueError, "empty"),
        (
            dict(y_true=[0, 1, 1], y_prob=np.full((3, 3), 1 / 3)),
            ValueError,
            "y_prob has 3 columns but y_true holds 2 labels .* pass labels=",
        ),
        (
            dict(y_true=["spam", "spam"], y_prob=[0.1, 0.2]),
            ValueError,
            "positive class is unknown",
        ),
        (
            dict(y_true=[1, 1], y_prob=[0.1, 0.2], labels=[1]),
            ValueError,
            "labels must hold the two labels",
        ),
        (
            dict(y_true=[0, 3], y_prob=[0.1, 0.2], labels=[0, 1]),
            ValueError,
            r"labels \[3\] that are not in labels",
        ),
        (
            dict(y_true=np.eye(2), y_prob=np.eye(2), labels=[0, 1]),
            ValueError,
            "only used with a 1-d y_true",
        ),
        (dict(y_true=[0, 1], y_prob=[0.1, 0.2], eps="keras"), ValueError, "eps must"),
        (dict(y_true=[0, 1], y_prob=[0.1, 0.2], eps=0.5), ValueError, "eps must"),
        (dict(y_true=[0, 1], y_prob=[0.1, 0.2], eps=-1e-7), ValueError, "eps must"),
        (dict(y_true=[0, 1], y_prob=[0.1, 0.2], eps=[1e-7]), TypeError, "eps must"),
        (dict(y_true=[0, 1], y_prob=[0.1, 0.2], eps=True), TypeError, "eps must"),
        (
            dict(y_true=[0, 1], y_prob=[0.1, 0.2], eps=1e-7, from_logits=True),
            ValueError,
            "no effect with from_logits=True",
        ),
        (
            dict(y_true=[0, 1], y_prob=[0.1, 0.2], from_logits="yes"),
            TypeError,
            "from_logits must be True or False",
        ),
        (
            dict(y_true=[0, 1], y_prob=np.zeros((2, 2)), from_logits=True),
            ValueError,
            "one logit per sample",
        ),
        (dict(y_true=[0, 1], y_prob=["a", "b"]), TypeError, "must hold numbers"),
        (
            dict(y_true=[0, 1], y_prob=sp.csr_matrix([[0.1], [0.2]])),
            TypeError,
            "sparse",
        ),
        (
            dict(y_true=[0, 1], y_prob=np.zeros((2, 2, 2))),
            ValueError,
            "must be 1-d or 2-d",
        ),
        (
            dict(y_true=[0, 1], y_prob=[0.1, 0.2], sample_weight=[1.0]),
            ValueError,
            r"sample_weight must have shape \(2,\), one weight per sample; got shape "
            r"\(1,\)",
        ),
        (
            dict(y_true=[0, 1], y_prob=[0.1, 0.2], sample_weight=[1.0, -1.0]),
            ValueError,
            "Negative values in sample_weight are not allowed",
        ),
        (
            dict(y_true=[0, 1], y_prob=[0.1, 0.2], sample_weight=[1.0, np.nan]),
            ValueError,
            "sample_weight contains NaN or infinity",
        ),
        (
            dict(y_true=[0, 1], y_prob=[0.1, 0.2], sample_weight=[0, 0]),
            ValueError,
            "sample_weight sums to zero: at least one weight must be positive",
        ),
        (
            dict(y_true=[0, 1], y_prob=[0.1, 0.2], sample_weight=["a", "b"]),
            TypeError,
            "sample_weight must hold numbers",
        ),
    ],
)
def test_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        binary_cross_entropy(**kwargs)


# ------------------------------------------------------------ properties
# Probabilities k / 2**53: their complements 1 - p are exact in float64, so the
# properties below hold exactly instead of up to the rounding of 1 - p.
dyadic_probability = st.integers(0, 2**53).map(lambda k: k / 2**53)


@st.composite
def binary_problems(draw, probability=dyadic_probability, max_columns=3):
    n = draw(st.integers(1, 15))
    k = draw(st.integers(1, max_columns))
    shape = (n,) if k == 1 else (n, k)
    y = draw(arrays(np.int64, shape, elements=st.integers(0, 1)))
    p = draw(arrays(np.float64, shape, elements=probability))
    return y, p


eps_values = st.sampled_from(["auto", 0, 1e-7, 1e-3])


@settings(max_examples=200, deadline=None)
@given(
    problem=binary_problems(probability=st.floats(0, 1), max_columns=3),
    eps=eps_values,
)
def test_property_non_negative(problem, eps):
    y, p = problem
    loss = binary_cross_entropy(y, p, eps=eps)
    assert loss >= 0  # also excludes NaN


@settings(max_examples=200, deadline=None)
@given(problem=binary_problems())
def test_property_zero_only_for_perfect_predictions(problem):
    y, p = problem
    loss = binary_cross_entropy(y, p, eps=0)
    assert (loss == 0) == bool(np.all(p == y))
    # with clipping even perfect predictions cost a little, and the least
    perfect = binary_cross_entropy(y, y.astype(float))
    assert perfect == pytest.approx(-np.log1p(-EPS64), rel=1e-12)
    assert binary_cross_entropy(y, p) >= perfect


@settings(max_examples=200, deadline=None)
# eps=1e-7 is left out: 1 - 1e-7 is rounded in float64, and the clipped 1 - p
# inherits that rounding (as in Keras), so the symmetry holds only to about 1e-9.
@given(problem=binary_problems(), eps=st.sampled_from(["auto", 0, 2.0**-20]))
def test_property_symmetric(problem, eps):
    y, p = problem
    flipped = binary_cross_entropy(1 - y, 1 - p, eps=eps)
    assert binary_cross_entropy(y, p, eps=eps) == pytest.approx(flipped, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    problem=binary_problems(
        probability=st.floats(-1e5, 1e5) | st.sampled_from([np.inf, -np.inf])
    )
)
def test_property_logits(problem):
    y, z = problem
    loss = binary_cross_entropy(y, z, from_logits=True)
    assert loss >= 0
    assert binary_cross_entropy(1 - y, -z, from_logits=True) == loss
    if np.all(np.isfinite(z)):
        assert np.isfinite(loss)


# ------------------------------------------------------------ scorer: binary
@pytest.fixture
def binary_xy():
    X, y = make_classification(n_samples=150, n_features=6, random_state=0)
    return StandardScaler().fit_transform(X), y


def neg_log_loss():
    return get_scorer("neg_log_loss")


@pytest.mark.parametrize(
    "estimator",
    [
        BCELogisticClassifier(),
        LogisticRegression(),
        RandomForestClassifier(n_estimators=10, random_state=0),
        GaussianNB(),
        make_pipeline(StandardScaler(), KNeighborsClassifier()),
    ],
    ids=lambda est: type(est).__name__,
)
def test_scorer_binary_equals_neg_log_loss(binary_xy, estimator):
    X, y = binary_xy
    labels = np.array(["no", "yes"])[y]
    estimator.fit(X, labels)
    # the same sum of the same terms, up to the order of the additions (which
    # differs between scikit-learn versions)
    assert bce_scorer(estimator, X, labels) == pytest.approx(
        neg_log_loss()(estimator, X, labels), rel=1e-14
    )
    # a test set with one class only still scores, as log_loss with all labels
    yes = labels == "yes"
    p_yes = estimator.predict_proba(X[yes])[:, 1]
    expected = -log_loss(labels[yes], p_yes, labels=["no", "yes"])
    assert bce_scorer(estimator, X[yes], labels[yes]) == pytest.approx(
        expected, rel=1e-12
    )


def test_grid_search_same_choice_as_neg_log_loss(binary_xy):
    X, y = binary_xy
    grid = {"C": [0.001, 0.01, 0.1, 1.0, 10.0]}
    ours = GridSearchCV(BCELogisticClassifier(), grid, scoring=bce_scorer).fit(X, y)
    ref = GridSearchCV(BCELogisticClassifier(), grid, scoring="neg_log_loss").fit(X, y)
    assert ours.best_params_ == ref.best_params_
    assert ours.best_score_ == ref.best_score_
    assert_array_equal(
        ours.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"]
    )
    assert ours.best_score_ < 0


def test_cross_val_score_and_cross_validate_dict(binary_xy):
    X, y = binary_xy
    clf = LogisticRegression()
    assert_array_equal(
        cross_val_score(clf, X, y, scoring=bce_scorer),
        cross_val_score(clf, X, y, scoring="neg_log_loss"),
    )
    result = cross_validate(
        clf,
        X,
        y,
        scoring={"bce": bce_scorer, "nll": "neg_log_loss", "acc": "accuracy"},
    )
    assert_array_equal(result["test_bce"], result["test_nll"])
    assert np.all(result["test_acc"] > 0.5)


def test_scorer_sample_weight(binary_xy, rng):
    X, y = binary_xy
    w = rng.uniform(0.1, 2.0, size=len(y))
    clf = LogisticRegression().fit(X, y)
    expected = -log_loss(y, clf.predict_proba(X)[:, 1], sample_weight=w)
    assert bce_scorer(clf, X, y, sample_weight=w) == pytest.approx(expected, rel=1e-12)


def test_scorer_metadata_routing(binary_xy, rng):
    X, y = binary_xy
    w = rng.uniform(0.1, 2.0, size=len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = copy.deepcopy(bce_scorer).set_score_request(sample_weight=True)
        reference = make_scorer(
            log_loss, greater_is_better=False, response_method="predict_proba"
        ).set_score_request(sample_weight=True)
        clf = LogisticRegression().set_fit_request(sample_weight=False)
        result = cross_validate(
            clf,
            X,
            y,
            scoring={"bce": scorer, "ref": reference},
            params={"sample_weight": w},
        )
        unweighted = cross_validate(LogisticRegression(), X, y, scoring=scorer)
    assert_array_equal(result["test_bce"], result["test_ref"])
    assert not np.array_equal(result["test_bce"], unweighted["test_score"])
    # the shared scorer was not modified
    assert not hasattr(bce_scorer, "_metadata_request")


def test_scorer_repr_and_pickle(binary_xy):
    X, y = binary_xy
    clf = LogisticRegression().fit(X, y)
    assert repr(bce_scorer) == "bce_scorer"
    assert "scoring=bce_scorer" in repr(GridSearchCV(clf, {}, scoring=bce_scorer))
    restored = pickle.loads(pickle.dumps(bce_scorer))
    assert restored(clf, X, y) == bce_scorer(clf, X, y)


# ------------------------------------------------------------ scorer: multi-class
@pytest.mark.parametrize(
    "estimator",
    [BCELogisticClassifier(), LogisticRegression(max_iter=1000), GaussianNB()],
    ids=lambda est: type(est).__name__,
)
def test_scorer_multiclass_one_hot_formula(estimator):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    estimator.fit(X, y)
    P = estimator.predict_proba(X)
    Y = np.zeros((len(y), 3))
    Y[np.arange(len(y)), y] = 1.0
    P = np.clip(P, EPS64, 1 - EPS64)
    bce = -np.mean(np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P), axis=1))
    assert bce_scorer(estimator, X, y) == pytest.approx(-bce, rel=1e-12)
    # it is the one-vs-rest BCE, not the categorical cross-entropy
    assert bce_scorer(estimator, X, y) != pytest.approx(
        neg_log_loss()(estimator, X, y), rel=1e-3
    )


def test_scorer_folds_missing_a_class():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    # a rare class: most test folds of KFold do not contain it
    keep = np.r_[0:100, 100:104]
    X, y = X[keep], y[keep]
    cv = KFold(n_splits=5, shuffle=True, random_state=0)
    clf = LogisticRegression(max_iter=1000)
    scores = cross_val_score(clf, X, y, cv=cv, scoring=bce_scorer)
    for score, (train, test) in zip(scores, cv.split(X), strict=True):
        fitted = LogisticRegression(max_iter=1000).fit(X[train], y[train])
        assert len(fitted.classes_) == 3
        Y = (y[test][:, None] == fitted.classes_[None, :]).astype(float)
        expected = -one_vs_rest_bce(Y, fitted.predict_proba(X[test]))
        assert score == pytest.approx(expected, rel=1e-12)
    missing = [len(np.unique(y[test])) < 3 for _, test in cv.split(X)]
    assert any(missing)


# ------------------------------------------------------------ scorer: multilabel
@pytest.fixture
def multilabel_xy():
    X, Y = make_multilabel_classification(
        n_samples=120, n_features=8, n_classes=3, random_state=0
    )
    return StandardScaler().fit_transform(X), Y


@pytest.mark.parametrize(
    "estimator",
    [
        RandomForestClassifier(n_estimators=10, random_state=0),
        KNeighborsClassifier(),
        MultiOutputClassifier(LogisticRegression()),
    ],
    ids=lambda est: type(est).__name__,
)
def test_scorer_multilabel_list_of_arrays(multilabel_xy, estimator):
    X, Y = multilabel_xy
    estimator.fit(X, Y)
    proba = estimator.predict_proba(X)
    assert isinstance(proba, list)
    expected = -one_vs_rest_bce(Y, positive_proba_per_label(estimator, proba))
    assert bce_scorer(estimator, X, Y) == pytest.approx(expected, rel=1e-12)


def test_scorer_multilabel_array_output(multilabel_xy):
    X, Y = multilabel_xy
    clf = OneVsRestClassifier(LogisticRegression()).fit(X, Y)
    P = clf.predict_proba(X)
    assert P.shape == Y.shape
    assert bce_scorer(clf, X, Y) == pytest.approx(-one_vs_rest_bce(Y, P), rel=1e-12)
    scores = cross_val_score(clf, X, Y, cv=3, scoring=bce_scorer)
    assert np.all(scores < 0)


def test_scorer_multilabel_label_never_positive_in_training(multilabel_xy):
    X, Y = multilabel_xy
    Y_train = Y.copy()
    Y_train[:, 2] = 0
    rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, Y_train)
    assert list(rf.classes_[2]) == [0]
    # the forest gives that label probability 0 of being 1
    P = positive_proba_per_label(rf, rf.predict_proba(X))
    assert_array_equal(P[:, 2], 0.0)
    assert bce_scorer(rf, X, Y) == pytest.approx(-one_vs_rest_bce(Y, P), rel=1e-12)


# ------------------------------------------------------------ scorer: errors
def test_scorer_errors(binary_xy, multilabel_xy):
    X, y = binary_xy
    with pytest.raises(TypeError, match="needs a classifier with predict_proba"):
        bce_scorer(Ridge().fit(X, y), X, y)
    clf = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=r"labels \[2\] that the estimator was not"):
        bce_scorer(clf, X[:3], [0, 1, 2])
    with pytest.raises(TypeError, match="does not accept 'labels'"):
        bce_scorer._score(None, clf, X, y, labels=[0, 1])
    Xm, Ym = multilabel_xy
    ovr = OneVsRestClassifier(LogisticRegression()).fit(Xm, Ym)
    with pytest.raises(ValueError, match="expected per-label probabilities"):
        bce_scorer(ovr, Xm, Ym[:, :2])
    rf = RandomForestClassifier(n_estimators=3, random_state=0).fit(Xm, Ym)
    with pytest.raises(ValueError, match="expected one array per label"):
        bce_scorer(rf, Xm, Ym[:, :2])
    with pytest.raises(ValueError, match="estimator has several outputs"):
        bce_scorer(rf, Xm, Ym[:, 0])
