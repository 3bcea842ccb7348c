"""One-vs-rest, multilabel targets, and the scikit-learn meta-estimators."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_multilabel_classification
from sklearn.ensemble import StackingClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import (
    OneVsOneClassifier,
    OneVsRestClassifier,
    OutputCodeClassifier,
)
from sklearn.multioutput import ClassifierChain, MultiOutputClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler

from sklearn_bce import BCELogisticClassifier

from .conftest import DATASETS, one_thread, ovr_reference

TIGHT = dict(tol=1e-10, max_iter=10_000)


@pytest.fixture(scope="module")
def multilabel_data():
    X, Y = make_multilabel_classification(
        n_samples=300, n_features=10, n_classes=4, random_state=0
    )
    return StandardScaler().fit_transform(X), Y


@pytest.mark.parametrize("name", ["iris", "wine", "digits"])
def test_builtin_ovr_matches_one_vs_rest_logistic_regression(name):
    X, y = DATASETS[name]()
    ours = BCELogisticClassifier(**TIGHT).fit(X, y)
    with one_thread():
        ref = OneVsRestClassifier(LogisticRegression(**TIGHT)).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)


# at the default tol, largest difference to scikit-learn's coefficients and
# intercepts: 7.6e-4 (iris), 3.7e-4 (wine)
@pytest.mark.parametrize("name, atol", [("iris", 5e-3), ("wine", 3e-3)])
def test_each_class_stops_on_its_own(name, atol):
    """Iterations per class equal those of the binary problem fitted alone, and
    every class reaches its binary LogisticRegression optimum."""
    X, y = DATASETS[name]()
    ours = BCELogisticClassifier().fit(X, y)
    coef, intercept, _ = ovr_reference(X, y)
    for k, c in enumerate(ours.classes_):
        alone = BCELogisticClassifier().fit(X, (y == c).astype(int))
        assert ours.n_iter_[k] == alone.n_iter_[0]
    np.testing.assert_allclose(ours.coef_, coef, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.intercept_, intercept, rtol=0, atol=atol)
    assert len(set(ours.n_iter_.tolist())) > 1  # the classes did stop separately


def test_multiclass_convergence_warning_names_the_limit():
    X, y = DATASETS["digits"]()
    with pytest.warns(Warning, match="max_iter=3"):
        clf = BCELogisticClassifier(max_iter=3).fit(X, y)
    assert clf.n_iter_.tolist() == [3] * 10


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ovr_sparse_and_float32(sparse, dtype):
    X, y = DATASETS["wine"]()
    X = np.where(np.abs(X) < 0.3, 0.0, X).astype(dtype)
    Xin = sp.csr_matrix(X) if sparse else X
    ours = BCELogisticClassifier(tol=1e-8).fit(Xin, y)
    with one_thread():
        ref = OneVsRestClassifier(LogisticRegression(**TIGHT)).fit(X.astype(float), y)
    assert ours.coef_.dtype == dtype
    atol = 1e-5 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(ours.predict_proba(Xin), ref.predict_proba(X), atol=atol)


def test_multilabel_matches_one_vs_rest_logistic_regression(multilabel_data):
    X, Y = multilabel_data
    ours = BCELogisticClassifier(**TIGHT).fit(X, Y)
    with one_thread():
        ref = OneVsRestClassifier(LogisticRegression(**TIGHT)).fit(X, Y)
    assert ours.multilabel_
    np.testing.assert_array_equal(ours.classes_, np.arange(Y.shape[1]))
    P = ours.predict_proba(X)
    assert P.shape == Y.shape
    np.testing.assert_allclose(P, ref.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(np.exp(ours.predict_log_proba(X)), P, rtol=1e-10)
    assert ours.coef_.shape == (Y.shape[1], X.shape[1])
    assert ours.n_iter_.shape == (Y.shape[1],)


def test_multilabel_sparse_target_and_balanced(multilabel_data):
    X, Y = multilabel_data
    dense = BCELogisticClassifier(class_weight="balanced", **TIGHT).fit(X, Y)
    sparse_y = BCELogisticClassifier(class_weight="balanced", **TIGHT).fit(
        X, sp.csr_matrix(Y)
    )
    coef, _, _ = ovr_reference(X, Y, class_weight="balanced")
    # reached, either target: 2.2e-16
    for fit in (dense, sparse_y):
        np.testing.assert_allclose(fit.coef_, coef, rtol=0, atol=1e-12)
    # 'balanced' balances each label on its own, like OvR(LR(balanced))
    ref = OneVsRestClassifier(LogisticRegression(class_weight="balanced", **TIGHT))
    ref.fit(X, Y)
    np.testing.assert_allclose(dense.predict_proba(X), ref.predict_proba(X), atol=1e-5)


def test_multilabel_dict_class_weight_raises(multilabel_data):
    X, Y = multilabel_data
    with pytest.raises(ValueError, match="dict is not defined for multilabel"):
        BCELogisticClassifier(class_weight={0: 2.0}).fit(X, Y)


def test_two_dimensional_non_indicator_target_raises():
    X = np.zeros((4, 2))
    y = np.array([[0, 2], [1, 0], [2, 1], [0, 1]])
    with pytest.raises(ValueError, match="multilabel indicator matrix"):
        BCELogisticClassifier().fit(X, y)


def test_warm_start_cannot_switch_between_multiclass_and_multilabel(multilabel_data):
    X, Y = multilabel_data
    clf = BCELogisticClassifier(warm_start=True).fit(X, Y)
    with pytest.raises(ValueError, match="same classes as the previous fit"):
        clf.fit(X, Y.argmax(axis=1))


# --------------------------------------------------------------- meta-estimators
@pytest.mark.parametrize(
    "make_meta",
    [
        lambda est: OneVsRestClassifier(est),
        lambda est: OneVsOneClassifier(est),
        lambda est: OutputCodeClassifier(est, code_size=2, random_state=0),
        lambda est: CalibratedClassifierCV(est, cv=3),
        lambda est: StackingClassifier([("lr", est), ("nb", GaussianNB())], cv=3),
        lambda est: VotingClassifier(
            [("lr", est), ("nb", GaussianNB())], voting="soft"
        ),
    ],
    ids=["ovr", "ovo", "output-code", "calibrated", "stacking", "voting-soft"],
)
def test_meta_estimators_multiclass(make_meta):
    """Inside a meta-estimator, ours gives the model OvR(LogisticRegression) gives.

    (LogisticRegression alone is multinomial on multi-class data; wrapped in
    OneVsRestClassifier it solves the problems ours solves, and on the binary
    sub-problems of OvR/OvO/output codes it is plain LogisticRegression.)
    """
    X, y = DATASETS["wine"]()
    ours = make_meta(BCELogisticClassifier(**TIGHT)).fit(X, y)
    ref = make_meta(OneVsRestClassifier(LogisticRegression(**TIGHT))).fit(X, y)
    if hasattr(ref, "predict_proba"):
        np.testing.assert_allclose(
            ours.predict_proba(X), ref.predict_proba(X), atol=1e-4
        )
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize(
    "make_meta",
    [
        lambda est: MultiOutputClassifier(est),
        lambda est: ClassifierChain(est, order=[2, 0, 3, 1]),
    ],
    ids=["multi-output", "chain"],
)
def test_meta_estimators_multilabel(make_meta, multilabel_data):
    X, Y = multilabel_data
    ours = make_meta(BCELogisticClassifier(**TIGHT)).fit(X, Y)
    ref = make_meta(LogisticRegression(**TIGHT)).fit(X, Y)
    P_ours, P_ref = ours.predict_proba(X), ref.predict_proba(X)
    if isinstance(P_ref, list):
        P_ours, P_ref = np.hstack(P_ours), np.hstack(P_ref)
    np.testing.assert_allclose(P_ours, P_ref, atol=1e-5)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_calibrated_binary_matches_logistic_regression():
    X, y = DATASETS["breast_cancer"]()
    ours = CalibratedClassifierCV(BCELogisticClassifier(**TIGHT), cv=3).fit(X, y)
    ref = CalibratedClassifierCV(LogisticRegression(**TIGHT), cv=3).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
