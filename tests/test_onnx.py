"""Export to ONNX: onnxruntime running the converted model against predict_proba.

Every test converts a fitted model with ``sklearn_bce.onnx``, runs the ONNX
model with onnxruntime (the external check) and compares its labels (exactly)
and probabilities (within 1e-6 for float64 inputs, 1e-5 for float32) with the
estimator's own ``predict`` and ``predict_proba``.
"""

import json
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import (
    load_digits,
    make_classification,
    make_multilabel_classification,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

skl2onnx = pytest.importorskip("skl2onnx", reason="the onnx extra is not installed")
onnxruntime = pytest.importorskip(
    "onnxruntime", reason="the onnx extra is not installed"
)
pd = pytest.importorskip("pandas")

from sklearn_bce import BCELogisticClassifier, BCELogisticClassifierCV  # noqa: E402
from sklearn_bce.cli import categorical_as_strings, load_csv, make_model  # noqa: E402
from sklearn_bce.onnx import (  # noqa: E402
    input_types,
    predict_onnx,
    register,
    to_onnx,
)

TOL = {np.float64: 1e-6, np.float32: 1e-5}

ANIMALS = np.array(["ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen",
                    "ibis", "jay"])


def dataset(kind, dtype=np.float64):
    """(X, y) of a kind: binary, 3 or 10 classes, string labels."""
    if kind == "digits":  # 10 classes, 64 features
        X, y = load_digits(return_X_y=True)
        X, y = X[:400] / 16.0, y[:400]
    else:
        n_classes = {"binary": 2, "3 classes": 3, "strings": 4}[kind]
        X, y = make_classification(
            n_samples=300, n_features=8, n_informative=5, n_classes=n_classes,
            n_clusters_per_class=1, random_state=0,
        )
        if kind == "strings":
            y = ANIMALS[y]
    return X.astype(dtype), y


def assert_parity(model, X, onx=None, **kwargs):
    """onnxruntime's labels equal ``predict``, its probabilities ``predict_proba``."""
    onx = to_onnx(model, X, **kwargs) if onx is None else onx
    labels, proba = predict_onnx(onx, X)
    expected = model.predict(X)
    assert labels.shape == expected.shape
    np.testing.assert_array_equal(labels, expected)
    reference = model.predict_proba(X)
    dtype = np.float32 if np.asarray(reference).dtype == np.float32 else np.float64
    np.testing.assert_allclose(proba, reference, rtol=0, atol=TOL[dtype])
    return onx, labels, proba


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["binary", "3 classes", "digits", "strings"])
def test_probabilities_and_labels_match(kind, dtype):
    X, y = dataset(kind, dtype)
    model = BCELogisticClassifier(C=10.0).fit(X, y)
    _, labels, proba = assert_parity(model, X)
    # the probabilities have the input's dtype, as predict_proba's
    assert proba.dtype == dtype
    if kind == "strings":
        assert all(isinstance(label, str) for label in labels)
    else:
        assert labels.dtype == np.int64


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cv_estimator_converts(dtype):
    X, y = dataset("3 classes", dtype)
    model = BCELogisticClassifierCV(Cs=3, cv=3).fit(X, y)
    assert_parity(model, X)


def test_one_vs_rest_is_normalised_sigmoids_not_a_softmax():
    X, y = dataset("3 classes")
    model = BCELogisticClassifier().fit(X, y)
    _, _, proba = assert_parity(model, X)
    Z = model.decision_function(X)
    sigmoids = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(proba, sigmoids / sigmoids.sum(axis=1, keepdims=True),
                               rtol=1e-12)
    softmax = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    assert np.abs(proba - softmax).max() > 1e-2


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extreme_logits_keep_their_probabilities(dtype):
    # every sigmoid of a row underflows (exp(-200) is 0 in float32, exp(-2000)
    # in float64): the ratio must still be right. (Larger logits in float32
    # would round differently in the two products, by their ulp.)
    X, y = dataset("3 classes", dtype)
    model = BCELogisticClassifier().fit(X, y)
    model.intercept_ = model.intercept_ - (2000.0 if dtype == np.float64 else 200.0)
    assert np.all(np.exp(model.decision_function(X)) == 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, _, proba = assert_parity(model, X)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=TOL[dtype])


def test_ties_go_to_the_first_class():
    X, y = dataset("binary")
    model = BCELogisticClassifier().fit(X, y)
    model.coef_ = np.zeros_like(model.coef_)
    model.intercept_ = np.zeros_like(model.intercept_)
    _, labels, proba = assert_parity(model, X)
    assert np.all(labels == model.classes_[0])
    np.testing.assert_array_equal(proba, 0.5)
    X3, y3 = dataset("3 classes")
    model = BCELogisticClassifier().fit(X3, y3)
    model.coef_ = np.zeros_like(model.coef_)
    model.intercept_ = np.array([-1.0, 2.0, 2.0])
    _, labels, _ = assert_parity(model, X3)
    assert np.all(labels == 1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_multilabel_indicator_and_per_label_probabilities(dtype):
    X, Y = make_multilabel_classification(
        n_samples=200, n_features=6, n_classes=4, random_state=0
    )
    X = X.astype(dtype)
    model = BCELogisticClassifier().fit(X, Y)
    assert model.multilabel_
    _, labels, proba = assert_parity(model, X)
    assert labels.shape == (200, 4) and labels.dtype == np.int64
    assert np.abs(proba.sum(axis=1) - 1).max() > 0.1  # not normalised


@pytest.mark.parametrize("classes", [
    np.array([-1, 1]), np.array([3, 7, 11]), np.array([0.0, 1.0, 2.0]),
    np.array([False, True]),
])
def test_integer_classes_are_int64_labels(classes):
    X, y = dataset("3 classes" if classes.size == 3 else "binary")
    model = BCELogisticClassifier().fit(X, classes[y])
    _, labels, _ = assert_parity(model, X)
    assert labels.dtype == np.int64


@pytest.mark.parametrize("kind", ["binary", "3 classes"])
def test_sparse_coefficients_gather_the_used_features(kind):
    X, y = dataset(kind)
    X = np.hstack([X, np.random.default_rng(0).normal(size=(X.shape[0], 30))])
    model = BCELogisticClassifier(C=0.02, solver="cd", l1_ratio=1.0).fit(X, y)
    model.sparsify()
    assert sp.issparse(model.coef_)
    used = np.flatnonzero(np.abs(model.coef_.toarray()).sum(axis=0))
    assert 0 < used.size < X.shape[1]
    onx, _, _ = assert_parity(model, X)
    weights = {i.name: i for i in onx.graph.initializer}
    coef = [w for name, w in weights.items() if name.startswith("coef_T")]
    assert len(coef) == 1 and coef[0].dims[0] == used.size
    # sparse input to predict, dense input to onnxruntime: the same numbers
    X_csr = sp.csr_matrix(X)
    labels, proba = predict_onnx(onx, X_csr)
    np.testing.assert_array_equal(labels, model.predict(X_csr))
    np.testing.assert_allclose(proba, model.predict_proba(X_csr), rtol=0, atol=1e-6)


def test_all_zero_sparse_coefficients():
    X, y = dataset("binary")
    model = BCELogisticClassifier().fit(X, y)
    model.coef_ = np.zeros_like(model.coef_)
    model.sparsify()
    assert_parity(model, X)


def test_zipmap_options():
    X, y = dataset("strings", np.float32)
    model = BCELogisticClassifier().fit(X, y)
    onx = to_onnx(model, X, zipmap=True)
    names = [o.name for o in onx.graph.output]
    assert names == ["output_label", "output_probability"]
    _, _, proba = assert_parity(model, X, onx=onx)
    session = onnxruntime.InferenceSession(onx.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    rows = session.run(None, {"X": X[:3]})[1]
    assert list(rows[0]) == list(model.classes_)
    onx = to_onnx(model, X.astype(np.float64), zipmap="columns")
    assert len(onx.graph.output) == 1 + len(model.classes_)  # one per class
    assert_parity(model, X.astype(np.float64), onx=onx)


def test_options_of_to_onnx_take_precedence_over_zipmap():
    X, y = dataset("binary", np.float32)
    model = BCELogisticClassifier().fit(X, y)
    for options in ({"zipmap": True}, {id(model): {"zipmap": True}},
                    {BCELogisticClassifier: {"zipmap": True}}):
        onx = to_onnx(model, X, options=options)
        assert onx.graph.output[1].name == "output_probability", options
        assert_parity(model, X, onx=onx)


def test_registered_converter_in_a_pipeline_with_skl2onnx_defaults():
    X, y = dataset("3 classes", np.float32)
    model = make_pipeline(StandardScaler(), BCELogisticClassifier()).fit(X, y)
    register()
    onx = skl2onnx.to_onnx(model, X[:1])  # skl2onnx's defaults: zipmap=True
    assert [o.name for o in onx.graph.output] == ["output_label",
                                                  "output_probability"]
    assert_parity(model, X, onx=onx)
    onx = skl2onnx.to_onnx(model, X[:1], options={"zipmap": False})
    assert_parity(model, X, onx=onx)


def test_integer_inputs_are_computed_in_float64():
    from skl2onnx.common.data_types import Int64TensorType

    X, y = dataset("3 classes")
    X = np.round(X * 10).astype(np.int64)
    model = BCELogisticClassifier().fit(X, y)
    register()
    onx = skl2onnx.to_onnx(model, initial_types=[("X", Int64TensorType([None, 8]))],
                           options={"zipmap": False})
    _, _, proba = assert_parity(model, X, onx=onx)
    assert proba.dtype == np.float64


@pytest.mark.parametrize("opset", [9, 13])
def test_older_opsets(opset):
    X, y = dataset("3 classes")
    model = BCELogisticClassifier().fit(X, y)
    onx, _, _ = assert_parity(model, X, target_opset=opset)
    assert max(o.version for o in onx.opset_import if o.domain == "") <= opset


def write_table(path, n=300, seed=0):
    """A CSV file with numeric and text columns, missing values in both."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "age": rng.integers(18, 80, n),
        "income": rng.normal(50.0, 12.0, n).round(2),
        "city": rng.choice(["Oslo", "Rome", "Lima"], n),
        "plan": rng.choice(["basic", "pro", "max"], n),
    })
    logit = 0.05 * (df["age"] - 50) + (df["city"] == "Rome") - (df["plan"] == "max")
    df["churn"] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    df.loc[rng.random(n) < 0.1, "income"] = np.nan
    df.loc[rng.random(n) < 0.1, "city"] = np.nan
    df.loc[rng.random(n) < 0.05, "plan"] = np.nan
    df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("C", [1.0, np.inf])  # inf: a reference level dropped
def test_the_commands_categorical_pipeline(tmp_path, C):
    X, y, _ = load_csv(write_table(tmp_path / "churn.csv"), "churn")
    X = categorical_as_strings(X)
    assert X.isna().any().sum() == 3
    model = make_model(X, BCELogisticClassifier(C=C)).fit(X, y)
    onx, _, _ = assert_parity(model, X)
    assert [i.name for i in onx.graph.input] == list(X.columns)
    # a level not seen in training is ignored by both
    X_new = X.head(20).copy()
    X_new.loc[X_new.index[:5], "city"] = "Kyiv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # unknown level of drop="first"
        assert_parity(model, X_new, onx=onx)


def test_skl2onnx_preprocessing_and_column_names_that_are_not_identifiers():
    # SimpleImputer, StandardScaler and OneHotEncoder by skl2onnx's converters;
    # onnxruntime runs skl2onnx's imputer in float32 only, hence float32 inputs
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder

    X, y = dataset("3 classes")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(X[:, :3], columns=["width (cm)", "height (cm)", "mass"])
    frame.loc[rng.random(len(frame)) < 0.1, "mass"] = np.nan
    frame["band"] = np.where(X[:, 3] > 0, "high", "low").astype(object)
    frame.loc[rng.random(len(frame)) < 0.1, "band"] = np.nan
    numeric = ["width (cm)", "height (cm)", "mass"]
    frame = frame.astype({c: np.float32 for c in numeric})
    model = make_pipeline(
        ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), numeric),
            ("text", OneHotEncoder(handle_unknown="ignore"), ["band"]),
        ]),
        BCELogisticClassifier(),
    ).fit(frame, y)
    onx, _, _ = assert_parity(model, frame)
    names = [i.name for i in onx.graph.input]
    assert names[0] != "width (cm)"  # skl2onnx made it an identifier
    meta = {p.key: p.value for p in onx.metadata_props}
    assert json.loads(meta["sklearn_bce.columns"]) == dict(
        zip(names, frame.columns, strict=True)
    )


def test_numeric_tables_give_one_input_unless_columns_are_selected():
    X, y = dataset("binary")
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    assert [n for n, _ in input_types(frame)] == ["X"]
    assert len(input_types(frame, per_column=True)) == X.shape[1]
    model = make_model(frame, BCELogisticClassifier()).fit(frame, y)  # by name
    onx, _, _ = assert_parity(model, frame)
    assert len(onx.graph.input) == X.shape[1]


def test_multilabel_rejects_zipmap():
    X, Y = make_multilabel_classification(n_samples=60, n_classes=3, random_state=0)
    model = BCELogisticClassifier().fit(X.astype(np.float32), Y)
    with pytest.raises(ValueError, match="zipmap=True is not available for a "
                       "multilabel BCELogisticClassifier"):
        to_onnx(model, X.astype(np.float32), zipmap=True)


def test_zipmap_true_needs_float32():
    X, y = dataset("binary")
    model = BCELogisticClassifier().fit(X, y)
    with pytest.raises(ValueError, match="zipmap=True is not available for "
                       "BCELogisticClassifier with float64 inputs"):
        to_onnx(model, X, zipmap=True)


def test_unknown_option_value_is_named():
    X, y = dataset("binary")
    model = BCELogisticClassifier().fit(X, y)
    with pytest.raises(ValueError, match="option 'zipmap'"):
        to_onnx(model, X, zipmap="rows")


def test_string_input_is_refused_by_name():
    X, y = dataset("binary")
    model = BCELogisticClassifier().fit(X, y)
    from skl2onnx.common.data_types import StringTensorType

    register()
    with pytest.raises(TypeError, match="BCELogisticClassifier converts numeric "
                       "inputs only.*got StringTensorType"):
        skl2onnx.to_onnx(model, initial_types=[("X", StringTensorType([None, 8]))],
                         options={"zipmap": False})
    cv = BCELogisticClassifierCV(Cs=2, cv=2).fit(X, y)
    with pytest.raises(TypeError, match="BCELogisticClassifierCV converts"):
        skl2onnx.to_onnx(cv, initial_types=[("X", StringTensorType([None, 8]))])


def test_fractional_class_labels_are_refused():
    X, y = dataset("binary")
    model = BCELogisticClassifier().fit(X, y)
    model.classes_ = np.array([0.5, 1.5])  # scikit-learn fits no such target
    with pytest.raises(ValueError, match=r"class labels \[0.5, 1.5\].*not integers"):
        to_onnx(model, X)


def test_unfitted_model_is_refused():
    from sklearn.exceptions import NotFittedError

    X, _ = dataset("binary")
    with pytest.raises(NotFittedError, match="BCELogisticClassifier"):
        to_onnx(BCELogisticClassifier(), X)


def test_text_arrays_need_a_data_frame():
    with pytest.raises(TypeError, match="2-d numeric array"):
        input_types(np.array([["a"], ["b"]], dtype=object))


def test_importing_the_package_does_not_import_skl2onnx():
    code = ("import sys, sklearn_bce, sklearn_bce.cli; "
            "print(any(m.split('.')[0] in ('skl2onnx', 'onnx', 'onnxruntime') "
            "for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "False"
