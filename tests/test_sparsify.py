"""``sparsify`` and ``densify``, ported from scikit-learn's own tests of them.

scikit-learn tests these methods in ``linear_model/tests/test_logistic.py``
(``test_sparsify``), ``linear_model/tests/test_sgd.py`` (the L1 test, with a
pickle round trip) and ``svm/tests/test_sparse.py``; the ports below keep their
data and checks. Every prediction of a sparsified model is compared with the
closed form ``X @ W.T + b`` (and its sigmoids) written out with NumPy, and the
fits with scikit-learn's ``LogisticRegression``.
"""

import pickle
import re

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn import config_context
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import scale

from sklearn_bce import BCELogisticClassifier

from .conftest import bce_objective, lr_reference, ovr_reference

METHODS = ["decision_function", "predict", "predict_proba", "predict_log_proba"]


def closed_form(X, W, b, classes):
    """Outputs of the four prediction methods, written out with NumPy."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    Z = X @ W.T + b
    sig = expit(Z)
    if W.shape[0] == 1:
        Z, sig = Z[:, 0], sig[:, 0]
        proba = np.column_stack([1 - sig, sig])
        label = classes[(Z > 0).astype(int)]
    else:
        proba = sig / sig.sum(axis=1, keepdims=True)
        label = classes[np.argmax(Z, axis=1)]
    return {
        "decision_function": Z,
        "predict": label,
        "predict_proba": proba,
        "predict_log_proba": np.log(proba),
    }


def assert_matches_closed_form(clf, X, W, b):
    expected = closed_form(X, W, b, clf.classes_)
    for method in METHODS:
        got = getattr(clf, method)(X)
        if method == "predict":
            assert_array_equal(got, expected[method])
        elif method == "decision_function" and not sp.issparse(X):
            # dense X: the very products of the closed form, bit for bit
            assert_array_equal(got, expected[method])
        else:
            assert_allclose(got, expected[method], rtol=1e-12, atol=1e-14)


def sparse_l1_model():
    """An elastic-net fit on iris whose coef_ has zeros, and its data."""
    X, y = load_iris(return_X_y=True)
    X = scale(X)
    clf = BCELogisticClassifier(
        solver="sgd", l1_ratio=0.9, C=0.05, random_state=0, max_iter=1000
    ).fit(X, y)
    return clf, X, y


# --------------------------------------------------------- ported from scikit-learn
@pytest.mark.parametrize("container", [sp.coo_matrix, sp.coo_array])
def test_sparsify(container):
    """Port of scikit-learn's ``test_logistic.py::test_sparsify``."""
    iris = load_iris()
    target = iris.target_names[iris.target]
    X = scale(iris.data)
    clf = BCELogisticClassifier(tol=1e-8).fit(X, target)
    coef, intercept, _ = ovr_reference(X, target)
    assert_allclose(clf.coef_, coef, rtol=0, atol=1e-6)

    pred_d_d = clf.decision_function(X)

    clf.sparsify()
    assert sp.issparse(clf.coef_)
    pred_s_d = clf.decision_function(X)

    sp_data = container(X)
    pred_s_s = clf.decision_function(sp_data)

    clf.densify()
    assert isinstance(clf.coef_, np.ndarray)
    pred_d_s = clf.decision_function(sp_data)

    reference = X @ coef.T + intercept
    for pred in (pred_d_d, pred_s_d, pred_s_s, pred_d_s):
        assert_allclose(pred, reference, rtol=0, atol=1e-5)
    # a sparse coef_ predicts dense X with the products of the dense coef_
    assert_array_equal(pred_s_d, X @ clf.coef_.T + clf.intercept_)


def test_sparsify_l1_model_and_pickle():
    """Port of scikit-learn's ``test_sgd.py`` L1 test (sparsify, then pickle).

    There, ``SGDClassifier(penalty="l1")`` zeroes the four middle features of a
    toy problem; here the elastic net of ``solver="sgd"`` zeroes the noise
    features appended to a separable one.
    """
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(-2, 1, (50, 1)), rng.normal(2, 1, (50, 1))])
    X = np.hstack([X, rng.normal(0, 0.1, (100, 4))])
    Y = np.repeat([1, 2], 50)
    clf = BCELogisticClassifier(
        solver="sgd", l1_ratio=1.0, C=0.5, random_state=0, max_iter=1000
    ).fit(X, Y)
    assert_array_equal(clf.coef_[0, 1:], np.zeros(4))
    pred = clf.predict(X)
    assert (pred == Y).mean() > 0.95
    W, b = clf.coef_.copy(), clf.intercept_.copy()

    # test sparsify with dense inputs
    clf.sparsify()
    assert sp.issparse(clf.coef_)
    assert clf.coef_.nnz == 1
    assert_array_equal(clf.predict(X), closed_form(X, W, b, clf.classes_)["predict"])

    # pickle and unpickle with sparse coef_
    clf = pickle.loads(pickle.dumps(clf))
    assert sp.issparse(clf.coef_)
    assert_matches_closed_form(clf, X, W, b)


def test_sparsify_models_fitted_on_dense_and_sparse_data():
    """Port of scikit-learn's ``svm/tests/test_sparse.py`` sparsify check."""
    iris = load_iris()
    X = scale(iris.data)
    X_sp = sp.csr_matrix(X)
    clf = BCELogisticClassifier(tol=1e-8).fit(X, iris.target)
    sp_clf = BCELogisticClassifier(tol=1e-8).fit(X_sp, iris.target)
    coef, intercept, _ = ovr_reference(X, iris.target)
    for model in (clf, sp_clf):
        assert_allclose(model.coef_, coef, rtol=0, atol=1e-6)
    pred = np.argmax(sp_clf.decision_function(X_sp), axis=1)
    assert_array_equal(pred, np.argmax(X @ coef.T + intercept, axis=1))
    clf.sparsify()
    assert_array_equal(pred, clf.predict(X_sp))
    sp_clf.sparsify()
    assert_array_equal(pred, sp_clf.predict(X_sp))


# ------------------------------------------------------------------ semantics
@pytest.mark.parametrize("method", ["sparsify", "densify"])
def test_unfitted_model_raises(method):
    with pytest.raises(
        NotFittedError,
        match=f"BCELogisticClassifier, must be fitted before {method[:-1]}ying",
    ):
        getattr(BCELogisticClassifier(), method)()


def test_round_trip_and_no_ops():
    clf, X, _ = sparse_l1_model()
    W = clf.coef_.copy()
    assert clf.densify() is clf  # a no-op on a dense coef_
    assert_array_equal(clf.coef_, W)
    assert clf.sparsify() is clf
    assert sp.issparse(clf.coef_) and clf.coef_.format == "csr"
    assert clf.coef_.nnz == np.count_nonzero(W) < W.size
    assert clf.coef_.dtype == W.dtype
    clf.sparsify()  # again: still CSR, same values
    assert clf.coef_.format == "csr"
    assert_array_equal(clf.coef_.toarray(), W)
    clf.densify()
    assert isinstance(clf.coef_, np.ndarray)
    assert_array_equal(clf.coef_, W)


def test_sparse_interface_config():
    """scikit-learn >= 1.9 returns a CSR array under sparse_interface="sparray"."""
    clf, _, _ = sparse_l1_model()
    try:
        context = config_context(sparse_interface="sparray")
    except TypeError:
        pytest.skip("this scikit-learn has no sparse_interface setting")
    with context:
        clf.sparsify()
    assert isinstance(clf.coef_, sp.csr_array)
    clf.densify()
    clf.sparsify()
    assert isinstance(clf.coef_, sp.csr_matrix)


@pytest.mark.parametrize("layout", ["dense", "csr", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predictions_of_a_sparse_coef(layout, dtype):
    clf, X, _ = sparse_l1_model()
    W, b = clf.coef_.copy(), clf.intercept_.copy()
    clf.sparsify()
    Xl = X.astype(dtype)
    if layout != "dense":
        Xl = getattr(sp, f"{layout}_matrix")(Xl)
    if dtype == np.float64:
        assert_matches_closed_form(clf, Xl, W, b)
    else:
        expected = closed_form(Xl.astype(np.float64), W, b, clf.classes_)
        for method in ("decision_function", "predict_proba"):
            got = getattr(clf, method)(Xl)
            assert got.dtype == np.float32
            assert_allclose(got, expected[method], rtol=0, atol=1e-5)


def test_binary_and_multilabel_models():
    X, y = load_breast_cancer(return_X_y=True)
    X = scale(X)[:, :5]
    clf = BCELogisticClassifier().fit(X, y)
    ref = lr_reference(X, y)
    assert_allclose(clf.coef_, ref.coef_, rtol=0, atol=1e-6)
    W, b = clf.coef_.copy(), clf.intercept_.copy()
    clf.sparsify()
    assert_matches_closed_form(clf, X, W, b)

    Y = np.column_stack([y, X[:, 0] > 0])
    ml = BCELogisticClassifier().fit(X, Y)
    W, b = ml.coef_.copy(), ml.intercept_.copy()
    ml.sparsify()
    assert_array_equal(ml.predict(X), (X @ W.T + b > 0).astype(int))
    assert_allclose(ml.predict_proba(X), expit(X @ W.T + b), rtol=1e-12)


# ------------------------------------------------- what reads a sparse coef_
def test_warm_start_from_a_sparse_coef():
    X, y = load_breast_cancer(return_X_y=True)
    X = scale(X)
    ref = lr_reference(X, y)
    clf = BCELogisticClassifier(solver="lbfgs", tol=1e-8).fit(X, y)
    clf.sparsify()
    clf.set_params(warm_start=True).fit(X, y)
    assert isinstance(clf.coef_, np.ndarray)
    assert clf.n_iter_[0] <= 2  # started at the optimum
    # L-BFGS at tol=1e-8 on these ill-conditioned data: 1.9e-6 from the optimum
    assert_allclose(clf.coef_, ref.coef_, rtol=0, atol=1e-5)


def test_warm_start_from_a_sparse_coef_checks_the_features():
    X, y = load_breast_cancer(return_X_y=True)
    clf = BCELogisticClassifier(warm_start=True).fit(scale(X), y).sparsify()
    msg = "warm_start=True needs the same number of features as the previous fit (30)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        clf.fit(scale(X)[:, :5], y)


def test_partial_fit_continues_from_a_sparse_coef():
    X, y = load_breast_cancer(return_X_y=True)
    X = scale(X)
    ref = lr_reference(X, y)
    clf = BCELogisticClassifier(
        solver="sgd", tol=1e-8, max_iter=1000, random_state=0,
        stream_size=X.shape[0],
    ).fit(X, y)
    clf.sparsify()
    clf.partial_fit(X, y)
    assert isinstance(clf.coef_, np.ndarray)
    # one averaged epoch from the optimum stays near it (from zero it would not)
    assert_allclose(clf.coef_, ref.coef_, rtol=0, atol=0.05)
    assert np.max(np.abs(ref.coef_)) > 1


def test_objective_and_covariance_of_a_sparse_coef():
    X, y = load_breast_cancer(return_X_y=True)
    X = scale(X)[:, :3]
    clf = BCELogisticClassifier(C=np.inf, tol=1e-10).fit(X, y)
    ref = lr_reference(X, y, C=np.inf)
    W, b = clf.coef_.copy(), clf.intercept_.copy()
    clf.sparsify()
    assert_allclose(
        clf.objective(X, y), bce_objective(X, y, W, b, np.inf), rtol=1e-12
    )
    # closed form: the inverse of X1' diag(p (1 - p)) X1 at the optimum
    X1 = np.column_stack([X, np.ones(len(X))])
    p = expit(X1 @ np.append(ref.coef_[0], ref.intercept_))
    cov = np.linalg.inv(X1.T @ (X1 * (p * (1 - p))[:, None]))
    assert_allclose(clf.covariance_matrix(X, y)[0], cov, rtol=1e-6)
    table = clf.coef_table(X, y)
    coef = np.asarray(table["coef"])
    assert_allclose(coef, np.append(ref.coef_[0], ref.intercept_), rtol=1e-6)
    assert_allclose(np.asarray(table["se"]), np.sqrt(np.diag(cov)), rtol=1e-6)


def test_skops_round_trip_of_a_sparse_coef():
    sio = pytest.importorskip("skops.io")
    clf, X, _ = sparse_l1_model()
    W, b = clf.coef_.copy(), clf.intercept_.copy()
    clf.sparsify()
    data = sio.dumps(clf)
    untrusted = sio.get_untrusted_types(data=data)
    loaded = sio.loads(data, trusted=untrusted)
    assert sp.issparse(loaded.coef_)
    assert_array_equal(loaded.coef_.toarray(), W)
    assert_matches_closed_form(loaded, X, W, b)


def test_dask_predictions_of_a_sparse_coef():
    da = pytest.importorskip("dask.array")
    import dask

    clf, X, _ = sparse_l1_model()
    W, b = clf.coef_.copy(), clf.intercept_.copy()
    clf.sparsify()
    expected = closed_form(X, W, b, clf.classes_)
    with dask.config.set(scheduler="synchronous"):
        for method in METHODS:
            got = getattr(clf, method)(da.from_array(X, chunks=(60, 4))).compute()
            assert_allclose(got, expected[method], rtol=1e-12, atol=1e-14)


def test_array_api_and_a_sparse_coef():
    xps = pytest.importorskip("array_api_strict")
    clf, X, y = sparse_l1_model()
    W, b = clf.coef_.copy(), clf.intercept_.copy()
    clf.sparsify()
    with config_context(array_api_dispatch=True):
        # a model fitted on NumPy still predicts NumPy arrays in memory
        assert_matches_closed_form(clf, X, W, b)
        device_fit = BCELogisticClassifier().fit(xps.asarray(X), y)
        msg = (
            "sparsify() converts a NumPy coef_ to a SciPy sparse matrix; this "
            "model was fitted on arrays of the 'array_api_strict' namespace"
        )
        with pytest.raises(TypeError, match=re.escape(msg)):
            device_fit.sparsify()
        with pytest.raises(ValueError, match="must use the same namespace"):
            clf.predict(xps.asarray(X))
