"""``sklearn-bce export``: saved pipelines converted to ONNX, run with onnxruntime.

The tests run the written ONNX file with onnxruntime themselves and compare it
with the saved pipeline's own predictions, independently of the command's check.
"""

import contextlib
import io
import sys

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.kernel_approximation import AdditiveChi2Sampler
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

onnxruntime = pytest.importorskip(
    "onnxruntime", reason="the onnx extra is not installed"
)
pytest.importorskip("skl2onnx", reason="the onnx extra is not installed")
pd = pytest.importorskip("pandas")
pytest.importorskip("skops")

from sklearn_bce import BCELogisticClassifier  # noqa: E402
from sklearn_bce.cli import (  # noqa: E402
    ONNX_HINT,
    CommandError,
    categorical_as_strings,
    check_onnx,
    example_rows,
    load_model,
    main,
    make_model,
    save_model,
)
from sklearn_bce.onnx import to_onnx  # noqa: E402


def run_main(argv):
    """Run main(argv); return (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in argv])
    return status, out.getvalue(), err.getvalue()


def mixed_table(n=200, seed=0):
    """Numeric and text columns with missing values in both, a string target."""
    X, y = make_classification(n_samples=n, n_features=3, n_informative=3,
                               n_redundant=0, random_state=seed)
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(X, columns=["age", "income", "score"])
    df["age"] = (40 + 10 * df["age"]).round().astype(int)
    df["colour"] = np.where(X[:, 0] + rng.normal(0, 0.5, n) > 0, "red", "blue")
    df["size"] = rng.choice(["S", "M", 3], n)  # numbers and words
    df.loc[rng.choice(n, 20, replace=False), "income"] = np.nan
    df.loc[rng.choice(n, 15, replace=False), "colour"] = None
    df["outcome"] = np.where(y == 1, "yes", "no")
    return df


def run_onnx(path, frame):
    """onnxruntime on an ONNX file: one input per column, missing text as 'nan'."""
    session = onnxruntime.InferenceSession(str(path),
                                           providers=["CPUExecutionProvider"])
    feeds = {}
    for i in session.get_inputs():
        column = frame[i.name]
        if i.type == "tensor(string)":
            values = np.array(["nan" if pd.isna(v) else str(v) for v in column],
                              dtype=object)
        else:
            values = column.to_numpy(dtype=np.float64)
        feeds[i.name] = values.reshape(-1, 1)
    return session.run(["label", "probabilities"], feeds)


@pytest.fixture(scope="module")
def saved_table_model(tmp_path_factory):
    """The command's pipeline for a table with missing values, saved by --save."""
    tmp = tmp_path_factory.mktemp("export")
    mixed_table().to_csv(tmp / "table.csv", index=False)
    status, _, stderr = run_main([
        "--data", tmp / "table.csv", "--target", "outcome", "--cv", 3, "--C", "0.1,1",
        "--out", tmp / "plots", "--save", tmp / "m.skops", "--quiet",
    ])
    assert status == 0, stderr
    return tmp


def test_export_writes_a_model_that_onnxruntime_runs_alike(saved_table_model):
    tmp = saved_table_model
    status, stdout, stderr = run_main(["export", tmp / "m.skops", "-o",
                                       tmp / "out" / "m.onnx"])
    assert status == 0, stderr
    lines = stdout.splitlines()
    assert lines[0] == (
        f"wrote {tmp / 'out' / 'm.onnx'}: 5 inputs, one per column: age (float64), "
        "income (float64), score (float64), colour (text), size (text); outputs "
        "'label' and 'probabilities'"
    )
    assert lines[1] == "a missing value of a text column is the string 'nan'"
    assert lines[2].startswith("checked with onnxruntime on 20 made-up rows: the "
                               "same labels as the saved model, and probabilities "
                               "within ")
    model = load_model(tmp / "m.skops")
    rows = mixed_table(n=60, seed=1).drop(columns="outcome")
    rows.loc[0, "colour"] = "green"  # a level not seen in training
    rows.loc[1, ["income", "score"]] = np.nan
    rows = categorical_as_strings(rows)
    labels, proba = run_onnx(tmp / "out" / "m.onnx", rows)
    np.testing.assert_array_equal(labels, model.predict(rows))
    np.testing.assert_allclose(proba, model.predict_proba(rows), rtol=0, atol=1e-6)


def test_export_checks_on_the_rows_of_a_file(saved_table_model):
    tmp = saved_table_model
    status, stdout, stderr = run_main(["export", tmp / "m.skops", "--data",
                                       tmp / "table.csv", "--rows", 7])
    assert status == 0, stderr
    assert (tmp / "m.onnx").is_file()  # the default name: MODEL with .onnx
    assert f"checked with onnxruntime on the first 7 rows of {tmp / 'table.csv'}" \
        in stdout


def test_made_up_rows_cover_missing_and_unseen_values(saved_table_model):
    model = load_model(saved_table_model / "m.skops")
    rows = example_rows(model, 12)
    assert list(rows.columns) == list(model.feature_names_in_)
    assert rows[["age", "income", "score"]].iloc[0].isna().all()
    assert rows["colour"].isna().any()  # missing was a level in training
    assert (rows.iloc[-1][["colour", "size"]] == "a level not seen in training").all()
    assert rows[["age", "income", "score"]].iloc[1:].notna().all().all()


def test_export_of_a_model_fitted_on_an_array(tmp_path):
    X, y = make_classification(n_samples=80, n_features=5, n_classes=3,
                               n_informative=4, n_redundant=0, random_state=0)
    model = make_pipeline(StandardScaler(), BCELogisticClassifier()).fit(X, y + 3)
    save_model(model, tmp_path / "a.skops")
    status, stdout, stderr = run_main(["export", tmp_path / "a.skops"])
    assert status == 0, stderr
    assert stdout.startswith(f"wrote {tmp_path / 'a.onnx'}: one input 'X' "
                             "(5 float64 columns)")
    session = onnxruntime.InferenceSession(str(tmp_path / "a.onnx"),
                                           providers=["CPUExecutionProvider"])
    labels, proba = session.run(None, {"X": X})
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=1e-6)


def test_export_of_the_embedded_datas_pipeline(tmp_path):
    # as sklearn-bce --save writes it without --data: StandardScaler on a data
    # frame of numbers, no ColumnTransformer: one input X, no missing values
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = make_model(X, BCELogisticClassifier(), tabular=False).fit(X, y)
    save_model(model, tmp_path / "b.skops")
    rows = example_rows(model, 5)
    assert list(rows.columns) == list(X.columns) and rows.notna().all().all()
    status, stdout, stderr = run_main(["export", tmp_path / "b.skops"])
    assert status == 0, stderr
    assert "one input 'X' (30 float64 columns)" in stdout
    session = onnxruntime.InferenceSession(str(tmp_path / "b.onnx"),
                                           providers=["CPUExecutionProvider"])
    labels, proba = session.run(None, {"X": X.to_numpy()})
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=1e-6)


def test_check_refuses_a_model_that_differs():
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    model = BCELogisticClassifier().fit(X, y)
    other = BCELogisticClassifier(C=0.01).fit(X, y)
    assert check_onnx(model, to_onnx(model, X), X) < 1e-12
    with pytest.raises(CommandError, match="does not reproduce the saved model"):
        check_onnx(model, to_onnx(other, X), X)


def test_unconvertible_pipeline_is_named(tmp_path):
    X, y = make_classification(n_samples=60, n_features=3, n_redundant=0,
                               random_state=0)
    model = make_pipeline(AdditiveChi2Sampler(), BCELogisticClassifier())
    save_model(model.fit(np.abs(X), y), tmp_path / "k.skops")
    status, stdout, stderr = run_main(["export", tmp_path / "k.skops"])
    assert status == 2 and stdout == ""
    assert stderr == (
        f"sklearn-bce: error: cannot convert {tmp_path / 'k.skops'} to ONNX: "
        "skl2onnx has no converter for "
        "sklearn.kernel_approximation.AdditiveChi2Sampler; only pipelines of "
        "estimators it converts can be exported\n"
    )
    assert not (tmp_path / "k.onnx").exists()


def test_export_errors_are_one_line(saved_table_model, tmp_path):
    status, _, stderr = run_main(["export", tmp_path / "none.skops"])
    assert status == 2 and "cannot read model" in stderr
    pd.DataFrame({"age": [1, 2]}).to_csv(tmp_path / "few.csv", index=False)
    status, _, stderr = run_main(["export", saved_table_model / "m.skops",
                                  "--data", tmp_path / "few.csv"])
    assert status == 2
    assert "lacks columns the model was trained on: income, score, colour, size" \
        in stderr
    status, _, stderr = run_main(["export", saved_table_model / "m.skops",
                                  "--rows", 0])
    assert status == 2 and "--rows must be 1 or more" in stderr


def test_export_without_skl2onnx_says_how_to_get_it(saved_table_model, monkeypatch):
    monkeypatch.setitem(sys.modules, "skl2onnx", None)  # import fails
    status, _, stderr = run_main(["export", saved_table_model / "m.skops"])
    assert status == 2
    assert stderr == f"sklearn-bce: error: export needs skl2onnx; {ONNX_HINT}\n"


def test_usage_names_export():
    text = io.StringIO()
    with pytest.raises(SystemExit), contextlib.redirect_stdout(text):
        main(["--help"])
    usage = text.getvalue().split("\n\n")[0]
    assert "       sklearn-bce export [-h] [--output MODEL.onnx]" in usage
    assert "sklearn-bce export MODEL.skops [-o MODEL.onnx]" in " ".join(
        text.getvalue().split()
    )


def test_make_model_pipeline_converts_in_process():
    df = mixed_table(n=120)
    X = categorical_as_strings(df.drop(columns="outcome"))
    model = make_model(X, BCELogisticClassifier(C=np.inf)).fit(X, df["outcome"])
    rows = example_rows(model, 15)
    assert check_onnx(model, to_onnx(model, rows), rows) <= 1e-6
