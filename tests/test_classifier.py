"""BCELogisticClassifier against LogisticRegression and OneVsRestClassifier."""

import os
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_bce import BCELogisticClassifier
from sklearn_bce._objective import InMemoryBackend

from .conftest import (
    DATASETS,
    EXACT_TOL,
    balanced_factor,
    bce_objective,
    exact_lr,
    lr_reference,
    make_objective,
    one_thread,
    ovr_reference,
)

TIGHT = dict(tol=1e-10, max_iter=10_000)
SOLVERS = ["lbfgs", "newton-cholesky"]  # both reach the same optimum
# The tightest tol that L-BFGS meets on every problem of these tests in float64:
# at 1e-10 it stops on most of them where an iteration no longer changes the
# objective, with the gradient up to 26x tol (a ConvergenceWarning that says so),
# at 1e-9 on a few still. Newton's method meets 1e-10.
SOLVER_TOL = {"lbfgs": 1e-8, "newton-cholesky": 1e-10}


# Largest differences to the optimum over the data sets, weights and class
# weights of the two parity tests below, per solver and C, with the BLAS on one
# or two threads and on four of OpenBLAS' kernels (SkylakeX, Haswell, Sandybridge,
# Prescott): (coefficients and intercepts, probabilities). The tolerances are 10x
# these. L-BFGS at C=100 is as far as its tol takes an ill-conditioned problem.
PARITY_REACHED = {
    ("lbfgs", 0.01): (6.4e-8, 1.4e-7),
    ("lbfgs", 1.0): (3.3e-6, 5.8e-7),
    ("lbfgs", 100.0): (4.2e-4, 7.6e-6),
    ("newton-cholesky", 0.01): (4.5e-11, 6.8e-12),
    ("newton-cholesky", 1.0): (6.4e-10, 8.0e-11),
    ("newton-cholesky", 100.0): (3.3e-9, 5.7e-11),
}
PARITY_ATOL = {key: (10 * c, 10 * p) for key, (c, p) in PARITY_REACHED.items()}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_binary_parity_with_logistic_regression(
    binary_data, C, weighted, class_weight, solver
):
    X, y = binary_data
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.2, 3.0, size=len(y)) if weighted else np.ones(len(y))
    ours = BCELogisticClassifier(
        C=C, class_weight=class_weight, solver=solver, tol=SOLVER_TOL[solver],
        max_iter=10_000,
    )
    ours.fit(X, y, sample_weight=sw if weighted else None)
    ref_sw = sw * balanced_factor(y, sw) if class_weight == "balanced" else sw
    ref = lr_reference(X, y, C, ref_sw, tol=EXACT_TOL)
    atol_coef, atol_proba = PARITY_ATOL[solver, C]
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=atol_coef)
    np.testing.assert_allclose(
        ours.intercept_, ref.intercept_, rtol=0, atol=atol_coef
    )
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=atol_proba
    )
    assert ours.coef_.shape == (1, X.shape[1])
    assert ours.intercept_.shape == (1,)
    assert ours.n_iter_.shape == (1,)


def test_balanced_without_weights_matches_sklearn_balanced(binary_data):
    X, y = binary_data
    ours = BCELogisticClassifier(class_weight="balanced", **TIGHT).fit(X, y)
    ref = lr_reference(X, y, class_weight="balanced", tol=EXACT_TOL)
    # reached: 9.9e-11 (coefficients), 3.9e-11 (probabilities)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=4e-10
    )


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_multiclass_parity_with_one_vs_rest(
    multiclass_data, C, weighted, class_weight, solver
):
    X, y = multiclass_data
    rng = np.random.default_rng(1)
    sw = rng.uniform(0.2, 3.0, size=len(y)) if weighted else np.ones(len(y))
    ours = BCELogisticClassifier(
        C=C, class_weight=class_weight, solver=solver, tol=SOLVER_TOL[solver],
        max_iter=10_000,
    )
    ours.fit(X, y, sample_weight=sw if weighted else None)
    coef, intercept, proba = ovr_reference(
        X, y, C, sw, class_weight, tol=EXACT_TOL
    )
    atol_coef, atol_proba = PARITY_ATOL[solver, C]
    np.testing.assert_allclose(ours.coef_, coef, rtol=0, atol=atol_coef)
    np.testing.assert_allclose(ours.intercept_, intercept, rtol=0, atol=atol_coef)
    np.testing.assert_allclose(ours.predict_proba(X), proba, rtol=0, atol=atol_proba)
    k = np.unique(y).size
    assert ours.coef_.shape == (k, X.shape[1])
    assert ours.intercept_.shape == (k,)
    assert ours.n_iter_.shape == (k,)


def test_multiclass_matches_one_vs_rest_classifier_directly(multiclass_data):
    X, y = multiclass_data
    ours = BCELogisticClassifier(**TIGHT).fit(X, y)
    with one_thread():
        ref = OneVsRestClassifier(exact_lr()).fit(X, y)
    # reached: 3.6e-13 (probabilities), 5.6e-12 (decision values up to 13)
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=4e-12
    )
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(
        ours.decision_function(X), ref.decision_function(X), rtol=0, atol=6e-11
    )


def test_works_inside_one_vs_rest_classifier(multiclass_data):
    X, y = multiclass_data
    wrapped = OneVsRestClassifier(BCELogisticClassifier(**TIGHT)).fit(X, y)
    _, _, proba = ovr_reference(X, y, tol=EXACT_TOL)
    # reached: 3.6e-13
    np.testing.assert_allclose(wrapped.predict_proba(X), proba, rtol=0, atol=4e-12)


def test_dict_class_weight_matches_logistic_regression():
    X, y = DATASETS["breast_cancer"]()
    cw = {0: 3.0, 1: 0.5}
    ours = BCELogisticClassifier(class_weight=cw, **TIGHT).fit(X, y)
    ref = lr_reference(X, y, class_weight=cw, tol=EXACT_TOL)
    # reached: 4.3e-13 (coefficients), 1.6e-13 (probabilities)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=4e-12)
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=2e-12
    )


def test_dict_class_weight_multiclass_multiplies_each_samples_weight():
    X, y = DATASETS["iris"]()
    cw = {0: 2.0, 1: 1.0, 2: 0.5}
    ours = BCELogisticClassifier(class_weight=cw, **TIGHT).fit(X, y)
    coef, intercept, _ = ovr_reference(
        X, y, sample_weight=np.array([cw[c] for c in y]), tol=EXACT_TOL
    )
    # reached: 1.3e-14 (coefficients up to 3.8)
    np.testing.assert_allclose(ours.coef_, coef, rtol=0, atol=2e-13)
    np.testing.assert_allclose(ours.intercept_, intercept, rtol=0, atol=2e-13)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_no_intercept_matches_logistic_regression(fit_intercept):
    X, y = DATASETS["synthetic"]()
    ours = BCELogisticClassifier(fit_intercept=fit_intercept, **TIGHT).fit(X, y)
    ref = lr_reference(X, y, fit_intercept=fit_intercept, tol=EXACT_TOL)
    # reached: 3.6e-11 (coefficients), 9.1e-12 (probabilities)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=4e-10)
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-10
    )
    if not fit_intercept:
        np.testing.assert_array_equal(ours.intercept_, [0.0])


def test_no_penalty_with_infinite_C():
    X, y = DATASETS["synthetic"]()
    X = X[:, :3]  # few features: not separable, the unpenalised optimum is finite
    ours = BCELogisticClassifier(C=np.inf, **TIGHT).fit(X, y)
    ref = lr_reference(X, y, C=np.inf, tol=EXACT_TOL)
    # reached: 5e-12 (coefficients), 1.2e-12 (intercept), 1.3e-12 (probabilities)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=5e-11)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=1.5e-11)
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1.5e-11
    )


def test_unscaled_data_same_optimum_as_logistic_regression():
    """Internal preconditioning: raw breast-cancer features, same optimum."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    ours = BCELogisticClassifier(C=0.1, tol=1e-8, max_iter=5000).fit(X, y)
    # the raw features' gradient rounds at 4e-14: EXACT_TOL is out of reach
    ref = lr_reference(X, y, C=0.1, tol=1e-12)
    # reached: 5.7e-11 relative (coefficients), 1.6e-11 (probabilities)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=6e-10, atol=0)
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=2e-10
    )


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("sparse_format", ["csr", "csc"])
def test_sparse_input_reaches_the_dense_optimum(sparse_format, solver):
    X, y = DATASETS["iris"]()
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    Xs = sp.csr_matrix(X).asformat(sparse_format)
    sparse = BCELogisticClassifier(
        solver=solver, tol=SOLVER_TOL[solver], max_iter=10_000
    ).fit(Xs, y)
    coef, _, proba = ovr_reference(X, y, tol=EXACT_TOL)
    # reached: coefficients 1.1e-6 (lbfgs), 1e-13; probabilities 4.5e-8, 3.1e-14
    atol = {"lbfgs": 1e-5, "newton-cholesky": 1e-12}[solver]
    atol_proba = {"lbfgs": 5e-7, "newton-cholesky": 3e-13}[solver]
    np.testing.assert_allclose(sparse.coef_, coef, rtol=0, atol=atol)
    np.testing.assert_allclose(
        sparse.predict_proba(Xs), proba, rtol=0, atol=atol_proba
    )


def test_float32_input_gives_float32_model():
    X, y = DATASETS["breast_cancer"]()
    X32 = X.astype(np.float32)
    m32 = BCELogisticClassifier(tol=1e-6).fit(X32, y)
    assert m32.coef_.dtype == np.float32
    assert m32.intercept_.dtype == np.float32
    assert m32.predict_proba(X32).dtype == np.float32
    ref = lr_reference(X, y, tol=EXACT_TOL)
    # reached: 1.8e-6 (coefficients), 1e-7 (intercept); a float64 fit at tol=1e-6
    # reaches 1.3e-6
    np.testing.assert_allclose(m32.coef_, ref.coef_, rtol=0, atol=2e-5)
    np.testing.assert_allclose(m32.intercept_, ref.intercept_, rtol=0, atol=1e-6)


def test_string_labels_and_class_order():
    X, y = DATASETS["iris"]()
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    ours = BCELogisticClassifier().fit(X, names)
    np.testing.assert_array_equal(ours.classes_, names[np.unique(y, True)[1]])
    assert set(ours.predict(X)) <= set(names)
    assert ours.score(X, names) > 0.9
    Xb, yb = DATASETS["breast_cancer"]()
    labels = np.where(yb == 1, "yes", "no")
    binary = BCELogisticClassifier(**TIGHT).fit(Xb, labels)
    ref = lr_reference(Xb, labels, tol=EXACT_TOL)
    np.testing.assert_array_equal(binary.classes_, ["no", "yes"])
    # reached: 3e-12 (coefficients), 1.7e-12 (probabilities)
    np.testing.assert_allclose(binary.coef_, ref.coef_, rtol=0, atol=3e-11)
    np.testing.assert_allclose(
        binary.predict_proba(Xb), ref.predict_proba(Xb), rtol=0, atol=2e-11
    )


def test_predict_consistent_with_proba_and_decision(multiclass_data):
    X, y = multiclass_data
    clf = BCELogisticClassifier().fit(X, y)
    P = clf.predict_proba(X)
    # reached: 2.2e-16 (sums), equal (exp of the log: numpy's exp and log may
    # differ by a few ulps on other CPUs)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=2e-15)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[P.argmax(axis=1)])
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), P, rtol=1e-14)


def test_predict_log_proba_is_exact_for_confident_predictions():
    X = np.array([[-1.0], [1.0]] * 5)
    y = np.array([0, 1] * 5)
    clf = BCELogisticClassifier().fit(X, y)
    clf.coef_[:] = 1000.0  # logits of +-1000: probabilities round to 0 and 1
    clf.intercept_[:] = 0.0
    log_p = clf.predict_log_proba(np.array([[1.0]]))
    np.testing.assert_allclose(log_p, [[-1000.0, 0.0]], rtol=1e-15, atol=0)
    np.testing.assert_array_equal(clf.predict_proba(np.array([[1.0]])), [[0.0, 1.0]])


def test_feature_names_in():
    import pandas as pd
    X, y = DATASETS["wine"]()
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = BCELogisticClassifier().fit(df, y)
    np.testing.assert_array_equal(clf.feature_names_in_, df.columns)
    assert clf.n_features_in_ == X.shape[1]


def test_drop_in_replacement_for_logistic_regression():
    """The LogisticRegression keywords users pass most work unchanged."""
    X, y = DATASETS["breast_cancer"]()
    kwargs = dict(
        C=0.5, class_weight="balanced", max_iter=500, tol=1e-8,
        fit_intercept=True, warm_start=False, random_state=0,
    )
    ours = BCELogisticClassifier(**kwargs).fit(X, y)
    # the same keywords, at the optimum
    with one_thread():
        ref = LogisticRegression(**kwargs).set_params(
            solver="newton-cholesky", tol=EXACT_TOL
        ).fit(X, y)
    # reached: 5.6e-16 (coefficients near 1), 3.3e-16 (probabilities)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=5e-15)
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=3e-15
    )


def test_warm_start_reuses_solution():
    X, y = DATASETS["wine"]()
    clf = BCELogisticClassifier(warm_start=True, **TIGHT).fit(X, y)
    clf.fit(X, y)
    assert clf.n_iter_.max() <= 1
    coef, _, _ = ovr_reference(X, y, tol=EXACT_TOL)
    np.testing.assert_allclose(clf.coef_, coef, rtol=0, atol=1e-12)  # reached: 1e-13
    # a warm start along a regularisation path needs fewer iterations than cold
    cold = BCELogisticClassifier(C=10.0, **TIGHT).fit(X, y)
    clf.set_params(C=10.0).fit(X, y)
    assert clf.n_iter_.max() < cold.n_iter_.max()
    _, _, proba = ovr_reference(X, y, C=10.0, tol=EXACT_TOL)
    # reached: 5.3e-13 (warm), 2.6e-14 (cold)
    np.testing.assert_allclose(clf.predict_proba(X), proba, rtol=0, atol=5e-12)
    np.testing.assert_allclose(cold.predict_proba(X), proba, rtol=0, atol=3e-13)


def test_warm_start_with_new_classes_raises():
    X, y = DATASETS["iris"]()
    clf = BCELogisticClassifier(warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="same classes as the previous fit"):
        clf.fit(X[y > 0], y[y > 0])


def test_convergence_warning_reports_gradient_and_advice():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    with pytest.warns(
        ConvergenceWarning,
        match=r"max_iter=2 iterations: the final gradient max-norm \S+, objective "
        r"\S+\. Increase max_iter",
    ):
        BCELogisticClassifier(max_iter=2).fit(X, y)


def test_lbfgs_at_a_tol_beyond_float64_says_what_it_reached():
    """Explicit L-BFGS asked for a gradient that float64 cannot give: it stops
    where an iteration no longer changes the objective, and the warning says so
    and names the tolerance the fit did reach; the coefficients are those of the
    optimum as far as that tolerance takes them."""
    X, y = DATASETS["breast_cancer"]()
    clf = BCELogisticClassifier(solver="lbfgs", C=100.0, tol=1e-12, max_iter=10_000)
    with pytest.warns(
        ConvergenceWarning,
        match=r"lbfgs stopped before the gradient met tol=1e-12: at the precision "
        r"of float64 arithmetic .* The fit reached tol=1e-(08|09|10); ask for that",
    ):
        clf.fit(X, y)
    assert clf.n_iter_[0] < 10_000  # not the iteration limit
    ref = lr_reference(X, y, 100.0, tol=EXACT_TOL)
    # reached: 1.4e-6 to 3.3e-6 with the BLAS kernels tried, coefficients up to 8
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=0, atol=3e-5)


def test_no_warning_at_default_settings_on_standardised_data(binary_data):
    X, y = binary_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BCELogisticClassifier().fit(X, y)


def test_not_fitted_raises():
    with pytest.raises(NotFittedError):
        BCELogisticClassifier().predict(np.zeros((2, 2)))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"C": 0}, "'C' parameter"),
        ({"C": -1.0}, "'C' parameter"),
        ({"max_iter": -1}, "'max_iter' parameter"),
        ({"solver": "newton"}, "'solver' parameter"),
        ({"tol": -1.0}, "'tol' parameter"),
        ({"class_weight": "auto"}, "'class_weight' parameter"),
    ],
)
def test_invalid_parameters(params, match):
    X, y = DATASETS["iris"]()
    with pytest.raises(ValueError, match=match):
        BCELogisticClassifier(**params).fit(X, y)


def test_one_class_raises():
    with pytest.raises(ValueError, match="only one class"):
        BCELogisticClassifier().fit(np.ones((4, 2)), [1, 1, 1, 1])


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (np.array([1.0, -1.0, 1.0, 1.0]), "Negative values in sample_weight"),
        (np.zeros(4), "sample_weight sums to zero"),
        (np.array([1.0, np.nan, 1.0, 1.0]), "NaN or infinity"),
        (np.ones(3), r"sample_weight must have shape \(4,\)"),
    ],
)
def test_bad_sample_weight(sample_weight, match):
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    with pytest.raises(ValueError, match=match):
        BCELogisticClassifier().fit(X, [0, 0, 1, 1], sample_weight=sample_weight)


def test_non_numeric_sample_weight_is_a_type_error():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    with pytest.raises(TypeError, match="sample_weight must hold numbers"):
        BCELogisticClassifier().fit(X, [0, 0, 1, 1], sample_weight=list("abcd"))


def test_numbers_held_as_objects_are_weights_like_in_logistic_regression():
    X, y = DATASETS["breast_cancer"]()
    X = StandardScaler().fit_transform(X)
    w = np.random.default_rng(0).uniform(0.5, 2, size=len(y))
    ours = BCELogisticClassifier(tol=1e-8).fit(X, y, sample_weight=w.astype(object))
    with one_thread():
        ref = exact_lr().fit(X, y, sample_weight=w.astype(object))
    # reached: 4.2e-11
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=5e-10)


def test_arrays_of_another_namespace_under_dispatch():
    # Under dispatch, fit computes on such arrays (tests/test_array_api.py),
    # a model fitted on NumPy refuses them with scikit-learn's error, and
    # partial_fit, which computes with NumPy, says so. Without dispatch they are
    # converted to NumPy, as LogisticRegression converts them. (scikit-learn
    # enables dispatch only with SCIPY_ARRAY_API=1 set before scipy is imported:
    # a fresh interpreter.)
    import subprocess
    import sys

    code = """
import numpy as np, sklearn, array_api_strict as xp
from sklearn.datasets import load_iris
from sklearn_bce import BCELogisticClassifier
X, y = load_iris(return_X_y=True)
Xa, ya = xp.asarray(X), xp.asarray(y)
fitted = BCELogisticClassifier().fit(X, y)
calls = {
    "predict_proba": lambda: fitted.predict_proba(Xa),
    "partial_fit": lambda: BCELogisticClassifier(solver="sgd").partial_fit(
        Xa, ya, classes=[0, 1, 2]),
}
with sklearn.config_context(array_api_dispatch=True):
    for name, call in calls.items():
        try:
            call()
            print(name, "no error")
        except (TypeError, ValueError) as exc:
            print(name, type(exc).__name__, exc)
    on_device = BCELogisticClassifier().fit(Xa, ya)
print("device", type(on_device.coef_).__module__.split(".")[0])
ours = BCELogisticClassifier().fit(Xa, ya)
print("converted", np.abs(ours.coef_ - fitted.coef_).max())
"""
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True,
        timeout=300, check=True,
    ).stdout.splitlines()
    assert out[0].startswith(
        "predict_proba ValueError Inputs passed to "
        "BCELogisticClassifier.predict_proba() must use the same namespace"
    ), out
    assert out[1].startswith(
        "partial_fit TypeError X is an array of the 'array_api_strict' namespace, "
        "and array API dispatch is on: BCELogisticClassifier.partial_fit computes "
        "with NumPy"
    ), out
    assert out[2] == "device array_api_strict", out
    assert out[3] == "converted 0.0", out


def test_pandas_nullable_columns_behave_as_in_logistic_regression():
    import pandas as pd
    X, y = DATASETS["breast_cancer"]()
    X = StandardScaler().fit_transform(X)[:, :4]
    frame = pd.DataFrame({
        "a": pd.array(np.round(X[:, 0] * 10).astype(int), dtype="Int64"),
        "b": pd.array(X[:, 1], dtype="Float64"),
        "c": X[:, 2],
    })
    with one_thread():
        ref = exact_lr().fit(frame, y)
    ours = BCELogisticClassifier(tol=1e-8).fit(frame, y)
    # reached: 4e-13
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=4e-12)
    np.testing.assert_array_equal(ours.feature_names_in_, ["a", "b", "c"])
    frame.loc[3, "b"] = pd.NA  # a missing value: the same error as scikit-learn's
    with pytest.raises(ValueError, match="Input X contains NaN"):
        LogisticRegression().fit(frame, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        BCELogisticClassifier().fit(frame, y)


@pytest.mark.parametrize("library", ["polars", "pyarrow"])
def test_polars_and_pyarrow_tables_behave_as_in_logistic_regression(library):
    X, y = DATASETS["breast_cancer"]()
    X = StandardScaler().fit_transform(X)[:, :4]
    columns = {name: X[:, j] for j, name in enumerate("abcd")}
    if library == "polars":
        import polars as pl

        table = pl.DataFrame(columns)
        missing = table.with_columns(pl.Series("b", [None, *X[1:, 1]]))
    else:
        import pyarrow as pa

        table = pa.table(columns)
        missing = table.set_column(
            1, "b", pa.array([None, *X[1:, 1]], type=pa.float64())
        )
    with one_thread():
        ref = exact_lr().fit(table, y)
    ours = BCELogisticClassifier(tol=1e-8).fit(table, y)
    # reached: 7.5e-13
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=8e-12)
    # feature names as scikit-learn's validation finds them (polars' since 1.7)
    if hasattr(ref, "feature_names_in_"):
        np.testing.assert_array_equal(ours.feature_names_in_, list("abcd"))
    else:
        assert not hasattr(ours, "feature_names_in_")
    np.testing.assert_array_equal(ours.predict(table), ref.predict(table))
    for est in (LogisticRegression(), BCELogisticClassifier()):
        with pytest.raises(ValueError, match="Input X contains NaN"):
            est.fit(missing, y)


def test_unknown_class_weight_key_raises():
    X, y = DATASETS["iris"]()
    with pytest.raises(ValueError, match=r"labels that are not classes of y: \[7\]"):
        BCELogisticClassifier(class_weight={0: 1.0, 7: 2.0}).fit(X, y)


def test_input_arrays_are_not_modified():
    X, y = DATASETS["wine"]()
    sw = np.linspace(0.5, 2, len(y))
    X0, y0, sw0 = X.copy(), y.copy(), sw.copy()
    BCELogisticClassifier(class_weight="balanced").fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(sw, sw0)


def test_pipeline_gridsearch_and_cross_val_score():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), BCELogisticClassifier())
    search = GridSearchCV(
        pipe, {"bcelogisticclassifier__C": [0.01, 0.1, 1.0]}, cv=3,
        scoring="neg_log_loss",
    ).fit(X, y)
    with one_thread():
        ref = GridSearchCV(
            make_pipeline(StandardScaler(), exact_lr()),
            {"logisticregression__C": [0.01, 0.1, 1.0]}, cv=3,
            scoring="neg_log_loss",
        ).fit(X, y)
    assert search.best_params_["bcelogisticclassifier__C"] == (
        ref.best_params_["logisticregression__C"]
    )
    # reached: 1.6e-8 (the default tol)
    np.testing.assert_allclose(search.best_score_, ref.best_score_, rtol=2e-7)
    scores = cross_val_score(pipe, X, y, cv=5)
    with one_thread():
        ref_scores = cross_val_score(
            make_pipeline(StandardScaler(), exact_lr()), X, y, cv=5
        )
    # the same predictions in every fold (reached: equal accuracies)
    np.testing.assert_array_equal(scores, ref_scores)


def test_clone_and_pickle_roundtrip():
    X, y = DATASETS["iris"]()
    clf = BCELogisticClassifier(C=0.3).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert clone(clf).get_params() == clf.get_params()


def test_separable_data_without_penalty_warns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    with pytest.warns(ConvergenceWarning, match=r"problem\(s\) \[0\] are linearly"):
        clf = BCELogisticClassifier(C=np.inf).fit(X, y)
    assert np.isfinite(clf.coef_).all()
    # the same data with a finite C has a finite optimum: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BCELogisticClassifier(C=1e4).fit(X, y)
    # one separable class among three is named
    X3 = np.vstack([rng.normal(size=(60, 2)) + [c * 8, 0] for c in range(3)])
    y3 = np.repeat([0, 1, 2], 60)
    X3[:, 1] = rng.normal(size=180)
    with pytest.warns(ConvergenceWarning, match="are linearly separable"):
        BCELogisticClassifier(C=np.inf).fit(X3, y3)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_objective_method_is_the_written_out_objective(n_classes):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    y = rng.integers(0, n_classes, size=150)
    sw = rng.uniform(0.5, 2.0, size=150)
    C = 0.5
    clf = BCELogisticClassifier(C=C).fit(X, y, sample_weight=sw)
    Z = X @ clf.coef_.T + clf.intercept_
    Y = (y[:, None] == clf.classes_[None, :]).astype(float)
    Y = Y[:, 1:] if n_classes == 2 else Y
    bce = np.logaddexp(0, Z) - Y * Z
    expected = np.sum(sw @ bce / sw.sum() + (clf.coef_**2).sum(1) / (2 * C * sw.sum()))
    # reached: 1.6e-16, here and against log_loss
    assert clf.objective(X, y, sample_weight=sw) == pytest.approx(expected, rel=2e-15)
    if n_classes == 2:  # the data term is log_loss
        ref = log_loss(y, clf.predict_proba(X), sample_weight=sw)
        penalty = (clf.coef_**2).sum() / (2 * C * sw.sum())
        assert clf.objective(X, y, sample_weight=sw) == pytest.approx(
            ref + penalty, rel=2e-15
        )
    with pytest.raises(ValueError, match=r"labels the model was not fitted on: \[7\]"):
        clf.objective(X, np.full(150, 7))


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("n_samples", [500, 20_000])
def test_threaded_kernel_matches_serial_fit(monkeypatch, n_samples, layout, solver):
    """Row blocks on threads (large data) give the serial fit's model.

    With two BLAS threads the fit runs its row blocks on two threads from
    8192 rows up (smaller data stay serial; the size below which data stay
    serial is set to 0 here); with one BLAS thread it is serial.
    Both reach the same optimum, and the threaded fit is reproducible bit for bit,
    for dense and for CSR ``X``.
    """
    from threadpoolctl import threadpool_limits

    from sklearn_bce._objective import memory
    from sklearn_bce._objective.memory import THREADED_ROWS

    monkeypatch.setattr(memory, "THREADED_BYTES", 0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, 20))
    y = np.digitize(X[:, 0] + X[:, 1] + rng.normal(size=n_samples), [-0.5, 0.5])
    if layout == "csr":
        X = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    used = []
    original = InMemoryBackend.mean_loss_gradient

    def spy(self, *args, **kwargs):
        used.append(self.executor is not None)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(InMemoryBackend, "mean_loss_gradient", spy)
    params = dict(tol=SOLVER_TOL[solver], max_iter=1000, solver=solver)
    with threadpool_limits(limits=2, user_api="blas"):
        threaded = BCELogisticClassifier(**params).fit(X, y)
        again = BCELogisticClassifier(**params).fit(X, y)
    assert all(used) == (n_samples >= THREADED_ROWS)
    used.clear()
    with threadpool_limits(limits=1, user_api="blas"):
        serial = BCELogisticClassifier(**params).fit(X, y)
    assert not any(used)
    np.testing.assert_array_equal(threaded.coef_, again.coef_)
    coef, intercept, _ = ovr_reference(
        X.toarray() if sp.issparse(X) else X, y, tol=EXACT_TOL
    )
    # reached, threaded or serial: 7.3e-8 (lbfgs), 2e-11 (newton-cholesky)
    atol = {"lbfgs": 7e-7, "newton-cholesky": 2e-10}[solver]
    for fit in (threaded, serial):
        np.testing.assert_allclose(fit.coef_, coef, rtol=0, atol=atol)
        np.testing.assert_allclose(fit.intercept_, intercept, rtol=0, atol=atol)


def test_raw_breast_cancer_converges_at_default_settings():
    """Unscaled, collinear, nearly separable: LogisticRegression() stops at
    max_iter with a warning; the default fit converges, to its optimum."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    with pytest.warns(ConvergenceWarning):
        LogisticRegression().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = BCELogisticClassifier().fit(X, y)
    assert ours.solver_ == "newton-cholesky"
    assert ours.n_iter_[0] <= 15
    # the raw features' gradient rounds at 4e-14: EXACT_TOL is out of reach
    ref = lr_reference(X, y, tol=1e-12)
    # the objective both minimise, written out
    ours_value = bce_objective(X, y, ours.coef_, ours.intercept_, 1.0)
    best = bce_objective(X, y, ref.coef_, ref.intercept_, 1.0)
    # reached: 1.5e-16 (the two evaluations), 1.9e-10 (the gap), 1.2e-5
    # (probabilities)
    assert ours_value == pytest.approx(ours.objective(X, y), rel=2e-15)
    assert 0 <= (ours_value - best) / best < 2e-9
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-4
    )


@pytest.mark.parametrize(
    "shape, K, expected",
    [
        ((569, 30), 1, "newton-cholesky"),  # breast_cancer-sized
        ((1797, 64), 10, "newton-cholesky"),  # digits-sized, 10 classes: 7.4e7
        ((200_000, 100), 1, "lbfgs"),  # 2e9 multiply-adds per Hessian
        ((40_000, 50), 1, "lbfgs"),  # 1e8 multiply-adds per Hessian
        ((900, 100), 30, "lbfgs"),  # 9e6 per class, but 2.7e8 for 30 classes
    ],
)
def test_auto_solver_rule(shape, K, expected):
    from sklearn_bce._choice import auto_solver

    X = np.zeros(shape)
    X[:, 0] = 1.0
    Y = (np.arange(shape[0])[:, None] % K == np.arange(K)[None, :]).astype(np.int8)
    assert auto_solver(make_objective(X, Y, precondition=False)) == expected


def test_auto_solver_rule_sparse():
    from sklearn_bce._choice import auto_solver

    rng = np.random.default_rng(0)  # a Generator: no permutation of all 1e8 cells
    X = sp.random(50_000, 2_000, density=0.002, format="csr", random_state=rng)
    y = np.arange(50_000) % 2
    # 4 stored entries per row: 8e5 multiply-adds per Hessian, but 2000 features
    # make each Hessian 32 MB, far more than the 1.2 MB of X
    assert auto_solver(make_objective(X, y)) == "lbfgs"
    small = sp.random(2_000, 50, density=0.1, format="csr", random_state=0)
    y = np.arange(2_000) % 2
    assert auto_solver(make_objective(small, y)) == "newton-cholesky"
    # CSC: its Hessians need a CSR copy of X, which the default makes only
    # for data of at most 4 MB (here 0.12 MB; below 6 MB)
    assert auto_solver(make_objective(small.tocsc(), y)) == "newton-cholesky"
    big = sp.random(500_000, 50, density=0.02, format="csc", random_state=rng)
    y = np.arange(500_000) % 2
    assert auto_solver(make_objective(big.tocsr(), y)) == "newton-cholesky"
    assert auto_solver(make_objective(big, y)) == "lbfgs"


class _ProcessBlas:
    """A stand-in for a BLAS library: one thread count for the whole process,
    as OpenBLAS has, whatever the thread that sets it, and no thread-local one."""

    set_local = None

    def __init__(self, threads):
        self.count = threads

    def threads(self):
        return self.count

    def set_process(self, threads):
        self.count = threads


def test_concurrent_fits_leave_blas_threads_as_they_found_them(monkeypatch):
    # Fit 1 starts, fit 2 starts while it runs, fit 1 ends first. BLAS, held at
    # one thread while they run, gets its two threads back when fit 2 ends, and
    # both fits run their row blocks on two threads.
    import threading

    import sklearn_bce._objective.blas as blas_module
    import sklearn_bce._objective.memory as memory_module

    blas = _ProcessBlas(threads=2)
    monkeypatch.setattr(blas_module, "blas_libraries", lambda: (blas,))
    monkeypatch.setattr(memory_module, "THREADED_BYTES", 0)  # threads on 1.6 MB
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 10))
    y = (X[:, 0] + rng.normal(size=20_000) > 0).astype(int)
    first_in, second_in, first_done = (threading.Event() for _ in range(3))
    seen = {}
    original = InMemoryBackend.mean_loss_gradient

    def spy(self, *args, **kwargs):
        name = threading.current_thread().name
        if name not in seen:
            seen[name] = (self.n_workers, blas.count)
            if name == "first":
                first_in.set()
                assert second_in.wait(timeout=60)
            else:
                second_in.set()
                assert first_done.wait(timeout=60)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(InMemoryBackend, "mean_loss_gradient", spy)
    fits = {}

    def fit(name, done=None):
        fits[name] = BCELogisticClassifier(solver="lbfgs").fit(X, y)
        if done is not None:
            done.set()

    one = threading.Thread(target=fit, args=("first", first_done), name="first")
    two = threading.Thread(target=fit, args=("second",), name="second")
    one.start()
    assert first_in.wait(timeout=60)
    two.start()
    one.join(timeout=120)
    two.join(timeout=120)
    # each fit: two threads of row blocks, BLAS at one thread meanwhile
    assert seen == {"first": (2, 1), "second": (2, 1)}
    assert blas.count == 2
    ref = lr_reference(X, y, tol=EXACT_TOL)
    # reached: 4.1e-5 (L-BFGS at the default tol)
    for est in fits.values():
        np.testing.assert_allclose(est.coef_, ref.coef_, rtol=0, atol=4e-4)


# reached: 2.7e-11 (float64), 5e-7 (float32)
@pytest.mark.parametrize("dtype, atol", [(np.float64, 3e-10), (np.float32, 4e-6)])
def test_newton_with_weights_matches_logistic_regression(dtype, atol):
    # tol=1e-10 is beyond float32: Newton stops at the rounding level within a
    # few iterations and says which tolerance the data reach.
    X, y = DATASETS["wine"]()
    sw = np.random.default_rng(0).uniform(0.2, 3.0, size=len(y))
    refs = [
        lr_reference(X, (y == k).astype(int), sample_weight=sw, tol=EXACT_TOL)
        for k in range(3)
    ]
    newton = BCELogisticClassifier(
        solver="newton-cholesky", tol=1e-10, max_iter=10_000
    )
    if dtype == np.float32:
        with pytest.warns(
            ConvergenceWarning,
            match=r"precision of float32 arithmetic .* The fit reached tol=1e-0[6-9]",
        ):
            newton.fit(X.astype(dtype), y, sample_weight=sw)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            newton.fit(X.astype(dtype), y, sample_weight=sw)
    assert newton.coef_.dtype == dtype
    assert newton.n_iter_.max() <= 20
    np.testing.assert_allclose(
        newton.coef_, np.vstack([r.coef_ for r in refs]), rtol=0, atol=atol
    )
    np.testing.assert_allclose(
        newton.intercept_, np.concatenate([r.intercept_ for r in refs]),
        rtol=0, atol=atol,
    )


@pytest.mark.parametrize("fused", [True, False])
def test_lbfgs_problems_together_or_in_turn(monkeypatch, fused):
    """One-vs-rest L-BFGS shares its passes over a large X and runs the problems
    in turn on a small one; both reach OneVsRestClassifier's optimum."""
    import importlib

    import sklearn_bce._objective.memory as memory_module

    # the package re-exports the function under the module's name
    lbfgs_module = importlib.import_module("sklearn_bce._solvers.lbfgs")

    X, y = DATASETS["wine"]()
    # the backend reads it at construction, under the name memory.py imported
    monkeypatch.setattr(memory_module, "FUSE_BYTES", 0 if fused else 1 << 40)
    together = []
    original = lbfgs_module._minimize_together

    def spy(*args, **kwargs):
        together.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(lbfgs_module, "_minimize_together", spy)
    ours = BCELogisticClassifier(
        solver="lbfgs", tol=SOLVER_TOL["lbfgs"], max_iter=10_000
    ).fit(X, y)
    assert bool(together) == fused
    coef, intercept, proba = ovr_reference(X, y, tol=EXACT_TOL)
    # reached: 3.5e-7 (coefficients), 4.1e-7 (intercepts), 9.9e-8 (probabilities)
    np.testing.assert_allclose(ours.coef_, coef, rtol=0, atol=4e-6)
    np.testing.assert_allclose(ours.intercept_, intercept, rtol=0, atol=4e-6)
    np.testing.assert_allclose(ours.predict_proba(X), proba, rtol=0, atol=1e-6)
    assert ours.n_iter_.shape == (3,)


def test_objective_doc_example_agrees_with_logistic_regression():
    """docs/objective.rst: both at tol=1e-8 on standardised breast_cancer, the
    coefficients differ by "about 1e-6 or smaller" (reached: 7.6e-7)."""
    X, y = DATASETS["breast_cancer"]()
    ours = BCELogisticClassifier(C=0.5, tol=1e-8).fit(X, y)
    theirs = LogisticRegression(C=0.5, tol=1e-8).fit(X, y)
    assert np.abs(ours.coef_ - theirs.coef_).max() < 1e-6
    # and ours against the exact optimum (reached: 3.1e-15, coefficients near 1)
    exact = lr_reference(X, y, 0.5, tol=EXACT_TOL)
    np.testing.assert_allclose(ours.coef_, exact.coef_, rtol=0, atol=3e-14)


# --------------------------------------------------------------------- max_iter=0
ALL_SOLVERS = ["auto", "lbfgs", "newton-cholesky", "cd", "sgd"]


def _unfitted_problem(n_classes):
    """Uneven classes and weights, so that the prior log-odds are not zero."""
    X, y = DATASETS["iris" if n_classes == 3 else "breast_cancer"]()
    sw = np.random.default_rng(0).uniform(0.5, 2.0, y.size)
    return X, y, sw


def _prior_log_odds(y, sw, classes):
    """log(p / (1 - p)) of the weighted fraction p of each problem's positives."""
    positives = [classes[1]] if classes.size == 2 else classes
    p = np.array([sw[y == c].sum() / sw.sum() for c in positives])
    return np.log(p / (1 - p)), p


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ALL_SOLVERS)
def test_max_iter_0_returns_the_starting_point(solver, n_classes):
    # As LogisticRegression(max_iter=0): no iteration, zero coefficients, a
    # ConvergenceWarning. Tools that sweep max_iter from 0 need it. (Its lbfgs
    # is no reference: scipy's L-BFGS-B makes one iteration at maxiter=0, and
    # the fit reports n_iter_ 0 all the same.)
    X, y, sw = _unfitted_problem(n_classes)
    clf = BCELogisticClassifier(solver=solver, max_iter=0, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"no iterations \(max_iter=0\)"):
        clf.fit(X, y, sample_weight=sw)
    lr = LogisticRegression(solver="newton-cholesky", max_iter=0)
    with pytest.warns(ConvergenceWarning):
        lr.fit(X, y, sample_weight=sw)
    K = 1 if n_classes == 2 else n_classes
    assert lr.coef_.shape == clf.coef_.shape == (K, X.shape[1])
    np.testing.assert_array_equal(clf.coef_, lr.coef_)  # zeros
    np.testing.assert_array_equal(lr.n_iter_, 0)
    np.testing.assert_array_equal(clf.n_iter_, np.zeros(K))
    assert clf.n_iter_.shape == (K,)
    assert clf.solver_ == solver or solver == "auto"
    assert "+" not in clf.solver_  # no hand-over without iterations
    # LogisticRegression starts its intercept at 0; ours starts at the prior
    # log-odds (the best constant model), except SGD, which starts at 0.
    logit, p = _prior_log_odds(y, sw, clf.classes_)
    if clf.solver_ == "sgd":
        np.testing.assert_array_equal(clf.intercept_, 0.0)
        assert clf.loss_curve_ == []
        p = np.full(K, 0.5)
    else:
        np.testing.assert_allclose(clf.intercept_, logit, rtol=1e-12, atol=1e-15)
    # the model predicts, with the constant probabilities of its start
    proba = clf.predict_proba(X)
    assert proba.shape == (X.shape[0], n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    expected = np.r_[1 - p, p] if K == 1 else p / p.sum()
    np.testing.assert_allclose(proba, np.tile(expected, (X.shape[0], 1)), rtol=1e-9)
    assert set(clf.predict(X)) <= set(clf.classes_)
    assert np.isfinite(clf.decision_function(X)).all()


@pytest.mark.parametrize("solver", ALL_SOLVERS)
def test_max_iter_0_without_intercept_is_all_zeros(solver):
    X, y, _ = _unfitted_problem(3)
    clf = BCELogisticClassifier(solver=solver, max_iter=0, fit_intercept=False)
    with pytest.warns(ConvergenceWarning, match="max_iter=0"):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.coef_, 0.0)
    np.testing.assert_array_equal(clf.intercept_, 0.0)
    np.testing.assert_allclose(clf.predict_proba(X), 1 / 3)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ALL_SOLVERS)
def test_max_iter_0_with_warm_start_keeps_the_previous_fit(solver, n_classes):
    X, y, sw = _unfitted_problem(n_classes)
    clf = BCELogisticClassifier(solver=solver, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, sample_weight=sw)
    coef, intercept = clf.coef_.copy(), clf.intercept_.copy()
    clf.set_params(max_iter=0)
    with pytest.warns(ConvergenceWarning, match="max_iter=0"):
        clf.fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(clf.coef_, coef, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(clf.intercept_, intercept, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(clf.n_iter_, 0)


def test_max_iter_0_in_float32_and_on_sparse_input():
    X, y, _ = _unfitted_problem(2)
    for data in (X.astype(np.float32), sp.csr_matrix(X), sp.csc_matrix(X)):
        clf = BCELogisticClassifier(max_iter=0)
        with pytest.warns(ConvergenceWarning, match="max_iter=0"):
            clf.fit(data, y)
        assert clf.coef_.dtype == data.dtype
        np.testing.assert_array_equal(clf.coef_, 0.0)
        logit, _ = _prior_log_odds(y, np.ones(y.size), clf.classes_)
        np.testing.assert_allclose(
            clf.intercept_, logit, rtol=1e-6 if data.dtype == np.float32 else 1e-12
        )


def test_max_iter_0_does_not_change_partial_fit():
    # partial_fit makes one epoch per call whatever max_iter is
    X, y, _ = _unfitted_problem(3)
    fits = []
    for max_iter in (0, 100):
        clf = BCELogisticClassifier(solver="sgd", max_iter=max_iter, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for _ in range(2):
                clf.partial_fit(X, y, classes=np.unique(y))
        fits.append(clf)
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
    np.testing.assert_array_equal(fits[0].intercept_, fits[1].intercept_)
    np.testing.assert_array_equal(fits[0].n_iter_, [2, 2, 2])
    assert fits[0].loss_curve_ == fits[1].loss_curve_


def test_max_iter_0_continues_with_partial_fit():
    # a fit with max_iter=0 is a starting point that partial_fit goes on from
    X, y, _ = _unfitted_problem(2)
    clf = BCELogisticClassifier(solver="sgd", max_iter=0, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter=0"):
        clf.fit(X, y)
    clf.partial_fit(X, y)
    np.testing.assert_array_equal(clf.n_iter_, [1])
    assert len(clf.loss_curve_) == 1
    assert np.any(clf.coef_ != 0)


def test_max_iter_0_in_a_sweep_and_in_the_cv_estimator():
    from sklearn_bce import BCELogisticClassifierCV

    X, y, _ = _unfitted_problem(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = [
            log_loss(y, BCELogisticClassifier(max_iter=m).fit(X, y).predict_proba(X))
            for m in (0, 1, 5, 100)
        ]
        cv = BCELogisticClassifierCV(Cs=3, cv=3, max_iter=0).fit(X, y)
    assert scores[0] > scores[-1]
    # the loss of max_iter=0 is that of the class frequencies
    p = np.bincount(y) / y.size
    assert scores[0] == pytest.approx(-np.mean(np.log(p[y])), rel=1e-9)
    np.testing.assert_array_equal(cv.coef_, 0.0)
    np.testing.assert_array_equal(cv.n_iter_, 0)
    assert cv.predict_proba(X).shape == (y.size, 3)
