"""One-vs-rest, multilabel targets, and the scikit-learn meta-estimators.

The references are scikit-learn's ``LogisticRegression(solver="newton-cholesky")``
at the optimum (``EXACT_TOL`` of ``tests/conftest.py``), alone, one per class or
inside the same meta-estimator; the tolerances are about 10x the differences
measured with the BLAS on one or two threads and on four of OpenBLAS' kernels
(SkylakeX, Haswell, Sandybridge, Prescott).
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_multilabel_classification
from sklearn.ensemble import StackingClassifier, VotingClassifier
from sklearn.multiclass import (
    OneVsOneClassifier,
    OneVsRestClassifier,
    OutputCodeClassifier,
)
from sklearn.multioutput import ClassifierChain, MultiOutputClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler

from sklearn_bce import BCELogisticClassifier

from .conftest import DATASETS, EXACT_TOL, exact_lr, one_thread, ovr_reference

TIGHT = dict(tol=1e-10, max_iter=10_000)


@pytest.fixture(scope="module")
def multilabel_data():
    X, Y = make_multilabel_classification(
        n_samples=300, n_features=10, n_classes=4, random_state=0
    )
    return StandardScaler().fit_transform(X), Y


# reached: (coefficients and intercepts, probabilities)
@pytest.mark.parametrize(
    "name, reached",
    [("iris", (1.2e-12, 3.6e-13)), ("wine", (3.1e-13, 6.2e-14)),
     ("digits", (2.1e-11, 1.8e-12))],
)
def test_builtin_ovr_matches_one_vs_rest_logistic_regression(name, reached):
    X, y = DATASETS[name]()
    ours = BCELogisticClassifier(**TIGHT).fit(X, y)
    coef, intercept, proba = ovr_reference(X, y, tol=EXACT_TOL)
    atol, atol_proba = 10 * reached[0], 10 * reached[1]
    np.testing.assert_allclose(ours.coef_, coef, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.intercept_, intercept, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.predict_proba(X), proba, rtol=0, atol=atol_proba)


# at the default tol, largest difference to the optimum's coefficients and
# intercepts: 1.4e-6 (iris), 1.1e-7 (wine)
@pytest.mark.parametrize("name, atol", [("iris", 1.4e-5), ("wine", 1.1e-6)])
def test_each_class_stops_on_its_own(name, atol):
    """Iterations per class equal those of the binary problem fitted alone, and
    every class reaches its binary LogisticRegression optimum."""
    X, y = DATASETS[name]()
    ours = BCELogisticClassifier().fit(X, y)
    coef, intercept, _ = ovr_reference(X, y, tol=EXACT_TOL)
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
    coef, intercept, proba = ovr_reference(X.astype(float), y, tol=EXACT_TOL)
    assert ours.coef_.dtype == dtype
    # reached, dense or CSR: coefficients and intercepts 3.4e-9 (float64), 4.8e-7
    # (float32); probabilities 6.9e-10, 1.5e-7
    atol = 3.4e-8 if dtype == np.float64 else 4e-6
    np.testing.assert_allclose(ours.coef_, coef, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.intercept_, intercept, rtol=0, atol=atol)
    atol_proba = 7e-9 if dtype == np.float64 else 1.5e-6
    np.testing.assert_allclose(ours.predict_proba(Xin), proba, rtol=0, atol=atol_proba)


def test_multilabel_matches_one_vs_rest_logistic_regression(multilabel_data):
    X, Y = multilabel_data
    ours = BCELogisticClassifier(**TIGHT).fit(X, Y)
    with one_thread():
        ref = OneVsRestClassifier(exact_lr()).fit(X, Y)
    assert ours.multilabel_
    np.testing.assert_array_equal(ours.classes_, np.arange(Y.shape[1]))
    P = ours.predict_proba(X)
    assert P.shape == Y.shape
    coef, intercept, _ = ovr_reference(X, Y, tol=EXACT_TOL)
    # reached: 1.9e-12 (coefficients and intercepts), 7.5e-13 (probabilities);
    # exp of the log: 5e-16 relative, numpy's exp and log allow a few ulps more
    np.testing.assert_allclose(ours.coef_, coef, rtol=0, atol=2e-11)
    np.testing.assert_allclose(ours.intercept_, intercept, rtol=0, atol=2e-11)
    np.testing.assert_allclose(P, ref.predict_proba(X), rtol=0, atol=7.5e-12)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(np.exp(ours.predict_log_proba(X)), P, rtol=1e-14)
    assert ours.coef_.shape == (Y.shape[1], X.shape[1])
    assert ours.n_iter_.shape == (Y.shape[1],)


def test_multilabel_sparse_target_and_balanced(multilabel_data):
    X, Y = multilabel_data
    dense = BCELogisticClassifier(class_weight="balanced", **TIGHT).fit(X, Y)
    sparse_y = BCELogisticClassifier(class_weight="balanced", **TIGHT).fit(
        X, sp.csr_matrix(Y)
    )
    coef, _, _ = ovr_reference(X, Y, class_weight="balanced", tol=EXACT_TOL)
    # reached, either target: 3.2e-12
    for fit in (dense, sparse_y):
        np.testing.assert_allclose(fit.coef_, coef, rtol=0, atol=3e-11)
    # 'balanced' balances each label on its own, like OvR(LR(balanced))
    with one_thread():
        ref = OneVsRestClassifier(exact_lr(class_weight="balanced")).fit(X, Y)
    # reached: 1.3e-12
    np.testing.assert_allclose(
        dense.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1.5e-11
    )


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
# reached: the largest difference of the probabilities (None: no predict_proba)
@pytest.mark.parametrize(
    "make_meta, reached",
    [
        (lambda est: OneVsRestClassifier(est), 6.2e-14),
        (lambda est: OneVsOneClassifier(est), None),
        (lambda est: OutputCodeClassifier(est, code_size=2, random_state=0), None),
        (lambda est: CalibratedClassifierCV(est, cv=3), 6e-12),
        (
            lambda est: StackingClassifier([("lr", est), ("nb", GaussianNB())], cv=3),
            5.5e-12,
        ),
        (
            lambda est: VotingClassifier(
                [("lr", est), ("nb", GaussianNB())], voting="soft"
            ),
            3.1e-14,
        ),
    ],
    ids=["ovr", "ovo", "output-code", "calibrated", "stacking", "voting-soft"],
)
def test_meta_estimators_multiclass(make_meta, reached):
    """Inside a meta-estimator, ours gives the model OvR(LogisticRegression) gives.

    (LogisticRegression alone is multinomial on multi-class data; wrapped in
    OneVsRestClassifier it solves the problems ours solves, and on the binary
    sub-problems of OvR/OvO/output codes it is plain LogisticRegression.)
    """
    X, y = DATASETS["wine"]()
    ours = make_meta(BCELogisticClassifier(**TIGHT)).fit(X, y)
    with one_thread():
        ref = make_meta(OneVsRestClassifier(exact_lr())).fit(X, y)
    assert hasattr(ref, "predict_proba") == (reached is not None)
    if reached is not None:
        np.testing.assert_allclose(
            ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=10 * reached
        )
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


# reached: the largest difference of the probabilities
@pytest.mark.parametrize(
    "make_meta, reached",
    [
        (lambda est: MultiOutputClassifier(est), 7.5e-13),
        (lambda est: ClassifierChain(est, order=[2, 0, 3, 1]), 9e-12),
    ],
    ids=["multi-output", "chain"],
)
def test_meta_estimators_multilabel(make_meta, reached, multilabel_data):
    X, Y = multilabel_data
    ours = make_meta(BCELogisticClassifier(**TIGHT)).fit(X, Y)
    with one_thread():
        ref = make_meta(exact_lr()).fit(X, Y)
    P_ours, P_ref = ours.predict_proba(X), ref.predict_proba(X)
    if isinstance(P_ref, list):
        P_ours, P_ref = np.hstack(P_ours), np.hstack(P_ref)
    np.testing.assert_allclose(P_ours, P_ref, rtol=0, atol=10 * reached)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_calibrated_binary_matches_logistic_regression():
    X, y = DATASETS["breast_cancer"]()
    ours = CalibratedClassifierCV(BCELogisticClassifier(**TIGHT), cv=3).fit(X, y)
    with one_thread():
        ref = CalibratedClassifierCV(exact_lr(), cv=3).fit(X, y)
    # reached: 9.3e-14
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-12
    )
