"""The sklearn-bce command, driven through main(argv) on the embedded data and on a
CSV file written by the tests."""

import contextlib
import io
import re
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.calibration import calibration_curve
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.estimator_checks import check_estimator

from sklearn_bce import BCELogisticClassifier, bce_scorer
from sklearn_bce.cli import (
    DEFAULT_CS,
    EXTRA_HINT,
    PLOT_FILES,
    CommandError,
    ConvergenceNotes,
    CSearch,
    FillMissing,
    Progress,
    categorical_as_strings,
    cross_validate_models,
    fits_over_C,
    load_csv,
    load_default_data,
    load_model,
    main,
    make_model,
    plot_sgd_convergence,
    reliability_bins,
    search_C,
)
from sklearn_bce.cli.search import chosen_C

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_main(argv):
    """Run main(argv); return (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in argv])
    return status, out.getvalue(), err.getvalue()


def assert_png(path):
    assert path.is_file(), f"{path.name} was not written"
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert path.stat().st_size > 5_000  # a real figure, not an empty canvas


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """One run of the command on the embedded data, with --save."""
    out = tmp_path_factory.mktemp("default")
    status, stdout, stderr = run_main(
        ["--cv", 3, "--out", out, "--save", out / "model.skops"]
    )
    return status, stdout, stderr, out


def mixed_table(n=240, seed=0):
    """Numeric and categorical columns with missing values, string target."""
    X, y = make_classification(
        n_samples=n, n_features=4, n_informative=3, n_redundant=0, random_state=seed
    )
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(X, columns=["age", "income", "score", "noise"])
    df["colour"] = np.where(X[:, 0] + rng.normal(0, 0.5, n) > 0, "red", "blue")
    df["size"] = rng.choice(["S", "M", 3], n)  # mixed numbers and words
    df.loc[rng.choice(n, 20, replace=False), "income"] = np.nan
    df.loc[rng.choice(n, 15, replace=False), "colour"] = None
    df["outcome"] = np.where(y == 1, "yes", "no")
    return df


# ------------------------------------------------------------ the embedded data
def test_default_run_prints_the_side_by_side_table(default_run):
    status, stdout, _, _ = default_run
    assert status == 0
    header = stdout.splitlines()[1]
    for column in ["BCE", "accuracy", "ROC AUC", "fit time", "n_iter"]:
        assert column in header
    rows = {line.split()[0]: line.split() for line in stdout.splitlines()[3:]}
    assert set(rows) == {"BCELogisticClassifier", "LogisticRegression"}
    # Same objective, same C, same folds: the same cross-validated BCE.
    ours, theirs = rows["BCELogisticClassifier"], rows["LogisticRegression"]
    assert float(ours[1]) == pytest.approx(float(theirs[1]), abs=2e-4)
    assert 0.9 < float(ours[4]) <= 1.0  # accuracy
    assert 0.95 < float(ours[5]) <= 1.0  # ROC AUC


def test_default_run_reports_progress_and_files(default_run):
    _, _, stderr, out = default_run
    assert "breast-cancer" in stderr
    assert "C=0.01" in stderr and "over 3 folds" in stderr
    assert "chosen C =" in stderr
    for name in ("reliability", "bce_vs_C"):
        assert f"wrote {out / PLOT_FILES[name]}" in stderr


def test_default_run_writes_reliability_and_search_plots(default_run):
    out = default_run[3]
    assert_png(out / PLOT_FILES["reliability"])
    assert_png(out / PLOT_FILES["bce_vs_C"])


def test_default_run_writes_sgd_convergence_plot(default_run):
    # Needs BCELogisticClassifier(solver="sgd") and its loss_curve_.
    _, _, stderr, out = default_run
    assert "no SGD convergence plot" not in stderr, stderr
    assert_png(out / PLOT_FILES["sgd"])


def written_out_objective(X, y, coef, intercept, C):
    """The objective of a binary fit (docs/objective.rst), with NumPy."""
    z = X @ np.ravel(coef) + intercept[0]
    w = np.ravel(coef)
    return np.mean(np.logaddexp(0, z) - y * z) + w @ w / (2 * C * len(y))


def test_sgd_convergence_plot_approaches_the_optimum(tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    sgd, optimum = plot_sgd_convergence(X, y, tmp_path / "sgd.png", C=1.0, seed=0)
    assert_png(tmp_path / "sgd.png")
    ref = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-10).fit(X, y)
    f_star = written_out_objective(X, y, ref.coef_, ref.intercept_, 1.0)
    # the optimum drawn is the true one (reached: 3e-13 relative)
    assert optimum == pytest.approx(f_star, rel=1e-11)
    curve = np.asarray(sgd.loss_curve_)
    assert curve.ndim == 1 and curve.size >= 1
    # the curve is the objective of the SGD iterates: its last point is the model's
    final = written_out_objective(X, y, sgd.coef_, sgd.intercept_, 1.0)
    assert curve[-1] == pytest.approx(final, rel=1e-12)
    assert np.all(curve >= f_star * (1 - 1e-12))  # nothing beats the optimum
    # SGD at its defaults ends within 1.5e-5 of the optimum (4.6e-6 at seed 0)
    assert curve[-1] / f_star - 1 < 1e-4


def test_saved_model_predicts_from_csv(default_run, tmp_path, capsys):
    out = default_run[3]
    data = load_breast_cancer(as_frame=True)
    rows = data.frame.iloc[::50]  # includes the target column, which is ignored
    rows.to_csv(tmp_path / "rows.csv", index=False)
    model = load_model(out / "model.skops")

    assert main(["predict", str(out / "model.skops"), str(tmp_path / "rows.csv")]) == 0
    printed = pd.read_csv(io.StringIO(capsys.readouterr().out))
    expected = model.predict_proba(data.data.iloc[::50])
    # written with six significant digits
    np.testing.assert_allclose(printed[["proba_0", "proba_1"]], expected, rtol=5e-6)
    np.testing.assert_array_equal(printed["prediction"], expected.argmax(axis=1))

    target = tmp_path / "proba.csv"
    argv = ["predict", out / "model.skops", tmp_path / "rows.csv", "-o", target]
    assert run_main(argv)[0] == 0
    pd.testing.assert_frame_equal(pd.read_csv(target), printed)


def test_predict_carries_ids_and_says_what_it_wrote(default_run, tmp_path):
    out = default_run[3]
    data = load_breast_cancer(as_frame=True)
    rows = data.data.iloc[::50].copy()
    ids = [f"{i:03d}" for i in range(len(rows))]  # "007" is kept as written
    rows.insert(0, "patient", ids)
    rows.to_csv(tmp_path / "rows.csv", sep=";", index=False)
    model = load_model(out / "model.skops")
    target = tmp_path / "proba.csv"

    status, stdout, stderr = run_main([
        "predict", out / "model.skops", tmp_path / "rows.csv", "--id", "patient",
        "-o", target,
    ])
    assert status == 0 and stdout == ""
    assert stderr == f"wrote 12 predictions (2 classes) to {target}\n"
    written = pd.read_csv(target, dtype={"patient": str})
    assert list(written.columns) == ["patient", "prediction", "proba_0", "proba_1"]
    assert written["patient"].tolist() == ids
    expected = model.predict_proba(data.data.iloc[::50])
    np.testing.assert_allclose(written[["proba_0", "proba_1"]], expected,
                               rtol=5e-6, atol=0)
    np.testing.assert_array_equal(written["prediction"], expected.argmax(axis=1))
    # six significant digits, not the seventeen of a float's repr
    for line in target.read_text().splitlines()[1:]:
        for value in line.split(",")[2:]:
            mantissa = value.split("e")[0].replace(".", "").lstrip("0")
            assert len(mantissa) <= 6, line

    status, stdout, stderr = run_main([
        "predict", out / "model.skops", tmp_path / "rows.csv", "--id", "patient",
    ])
    assert status == 0
    assert stderr == "wrote 12 predictions (2 classes) to standard output\n"
    pd.testing.assert_frame_equal(
        pd.read_csv(io.StringIO(stdout), dtype={"patient": str}), written
    )

    status, _, stderr = run_main([
        "predict", out / "model.skops", tmp_path / "rows.csv", "--id", "name",
    ])
    assert status == 2 and "--id column 'name' is not in" in stderr


def test_predict_rounds_only_the_probabilities(tmp_path):
    # a model fitted on an array (no column names) with float labels of many
    # digits: the labels and the IDs are written as they are
    from sklearn_bce.cli import save_model

    X, y = make_classification(n_samples=60, n_features=3, n_redundant=0,
                               random_state=0)
    labels = np.array([1234567.0, 7654321.0])[y]  # "1.23457e+06" at 6 digits
    model = make_pipeline(StandardScaler(), BCELogisticClassifier()).fit(X, labels)
    save_model(model, tmp_path / "m.skops")
    rows = pd.DataFrame(X, columns=["a", "b", "c"])
    rows.insert(1, "key", np.arange(60) + 0.123456789)
    rows.to_csv(tmp_path / "rows.csv", index=False)
    status, stdout, stderr = run_main(["predict", tmp_path / "m.skops",
                                       tmp_path / "rows.csv", "--id", "key"])
    assert status == 0, stderr
    written = pd.read_csv(io.StringIO(stdout), dtype=str)
    assert written["key"].tolist() == [str(k) for k in rows["key"]]
    expected = model.predict(X)
    assert written["prediction"].tolist() == [str(v) for v in expected]
    np.testing.assert_allclose(written[written.columns[2:]].astype(float),
                               model.predict_proba(X), rtol=5e-6, atol=0)


def test_predict_into_a_closed_pipe_exits_quietly(default_run, tmp_path):
    # `sklearn-bce predict model rows.csv | head`: the reader stops after a few
    # lines, long before the output ends.
    out = default_run[3]
    data = load_breast_cancer(as_frame=True)
    pd.concat([data.data] * 50).to_csv(tmp_path / "rows.csv", index=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sklearn_bce", "predict", str(out / "model.skops"),
         str(tmp_path / "rows.csv")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    head = [proc.stdout.readline() for _ in range(3)]
    proc.stdout.close()  # as `head` does once it has its lines
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, stderr
    assert head[0] == b"prediction,proba_0,proba_1\n"
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


def test_saved_model_is_the_chosen_pipeline(default_run):
    _, _, stderr, out = default_run
    model = load_model(out / "model.skops")
    assert isinstance(model[-1], BCELogisticClassifier)
    assert f"chosen C = {model[-1].C:g}" in stderr
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    assert model.score(X, y) > 0.95


# ------------------------------------------------------------ the user's own table
def test_csv_with_categorical_and_missing_values(tmp_path):
    mixed_table().to_csv(tmp_path / "table.csv", index=False)
    status, stdout, stderr = run_main([
        "--data", tmp_path / "table.csv", "--target", "outcome", "--cv", 3,
        "--C", "0.1,1", "--out", tmp_path / "plots", "--save", tmp_path / "m.skops",
    ])
    assert status == 0, stderr
    assert "240 samples, 4 numeric and 2 other feature columns" in stderr
    assert "BCELogisticClassifier" in stdout and "LogisticRegression" in stdout
    assert_png(tmp_path / "plots" / PLOT_FILES["reliability"])
    assert_png(tmp_path / "plots" / PLOT_FILES["bce_vs_C"])

    # New rows with an unseen category and missing values still get probabilities.
    new = mixed_table(n=30, seed=1).drop(columns="outcome")
    new.loc[0, "colour"] = "green"
    new.loc[1, ["income", "size"]] = np.nan
    new.to_csv(tmp_path / "new.csv", index=False)
    argv = ["predict", tmp_path / "m.skops", tmp_path / "new.csv", "-o",
            tmp_path / "p.csv"]
    assert run_main(argv)[0] == 0
    proba = pd.read_csv(tmp_path / "p.csv")
    assert list(proba.columns) == ["prediction", "proba_no", "proba_yes"]
    assert len(proba) == 30
    np.testing.assert_allclose(proba[["proba_no", "proba_yes"]].sum(axis=1), 1,
                               rtol=1e-5)
    assert set(proba["prediction"]) <= {"yes", "no"}


def test_csv_multiclass_target(tmp_path):
    X, y = make_classification(n_samples=150, n_features=5, n_informative=4,
                               n_redundant=0, n_classes=3, random_state=0)
    df = pd.DataFrame(X, columns=list("abcde")).assign(kind=np.array(list("xyz"))[y])
    df.to_csv(tmp_path / "three.csv", index=False)
    status, stdout, stderr = run_main([
        "--data", tmp_path / "three.csv", "--target", "kind", "--cv", 3,
        "--C", "1", "--out", tmp_path, "--quiet",
    ])
    assert status == 0, stderr
    assert stderr == ""  # --quiet
    assert "BCELogisticClassifier" in stdout
    assert_png(tmp_path / PLOT_FILES["reliability"])


def test_coef_table_of_the_chosen_model(tmp_path):
    from sklearn_bce.cli import build_parser, run

    X, y = make_classification(n_samples=150, n_features=4, n_informative=3,
                               n_redundant=0, n_classes=3, random_state=1)
    df = pd.DataFrame(X, columns=list("abcd")).assign(kind=np.array(list("xyz"))[y])
    df.to_csv(tmp_path / "three.csv", index=False)
    args = build_parser().parse_args([
        "--data", str(tmp_path / "three.csv"), "--target", "kind", "--cv", "3",
        "--C", "0.5", "--out", str(tmp_path), "--coef-table", "--cov", "HC1",
    ])
    stdout = io.StringIO()
    result = run(args, Progress(enabled=False), stdout=stdout)
    text = stdout.getvalue()
    flat = " ".join(text.split())
    assert "covariance HC1" in flat and "note: C = 0.5 is finite" in flat
    assert ("one-vs-rest, one binary model per class: the rows of each class are "
            "the log-odds of kind being that class against all the other "
            "classes") in flat
    assert_decimal_points_line_up(table_lines(text)[1])
    table = result["coef_table"]
    assert table["term"].tolist()[:5] == [
        "numeric__a", "numeric__b", "numeric__c", "numeric__d", "intercept"
    ]
    # the written-out HC1 of the penalised fit on the preprocessed features
    model = result["search"].best_estimator_
    Xt = np.column_stack([model[:-1].transform(df[list("abcd")]), np.ones(150)])
    clf = model[-1]
    penalty = np.diag([2.0] * 4 + [0.0])  # 1 / C on the coefficients
    for k, label in enumerate("xyz"):
        yk = (df["kind"] == label).to_numpy(float)
        p = 1 / (1 + np.exp(-Xt @ np.append(clf.coef_[k], clf.intercept_[k])))
        Hinv = np.linalg.inv(Xt.T @ (Xt * (p * (1 - p))[:, None]) + penalty)
        meat = Xt.T @ (Xt * ((p - yk) ** 2)[:, None])
        se = np.sqrt(np.diag(Hinv @ meat @ Hinv) * 150 / (150 - 5))
        rows = table["class"] == label
        np.testing.assert_allclose(table["se"][rows], se, rtol=1e-8)
        assert re.search(rf"^{label} +numeric__a +-?[0-9]", text, re.MULTILINE)


def test_cov_needs_coef_table():
    status, _, stderr = run_main(["--cov", "HC0"])
    assert status == 2 and "--cov chooses the covariance of --coef-table" in stderr


# ------------------------------------------------------------ categorical columns
def churn_table(n=400, seed=0):
    """A customer table: numeric and categorical columns with missing values."""
    X, y = make_classification(n_samples=n, n_features=3, n_informative=3,
                               n_redundant=0, random_state=seed)
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(X, columns=["age", "income", "score"])
    df["plan"] = rng.choice(["basic", "plus", "pro"], n)
    df["region"] = rng.choice(["north", "south", "east", "west"], n)
    df["size"] = rng.choice(["S", "M", 3], n)  # read back as the strings "3", ...
    df.loc[rng.choice(n, 25, replace=False), "income"] = np.nan
    df.loc[rng.choice(n, 20, replace=False), "plan"] = None
    df["churn"] = np.where(y == 1, "yes", "no")
    return df


def reference_coded(df, numeric, categorical):
    """The design of the command's pipeline with C=inf, written out with pandas:
    numeric columns standardised (population std) with missing values at 0, each
    categorical column one 0/1 column per level but the first in sorted order,
    missing values a level of their own (last), then the intercept."""
    columns, references = {}, {}
    for c in numeric:
        v = df[c].to_numpy(float)
        z = (v - np.nanmean(v)) / np.nanstd(v)
        columns[f"numeric__{c}"] = np.where(np.isnan(z), 0.0, z)
    for c in categorical:
        v = df[c].map(lambda t: None if pd.isna(t) else str(t))
        levels = sorted(set(v.dropna()))
        references[c] = levels[0]
        for level in levels[1:]:
            columns[f"categorical__{c}_{level}"] = (v == level).to_numpy(float)
        if v.isna().any():
            columns[f"categorical__{c}_nan"] = v.isna().to_numpy(float)
    design = pd.DataFrame(columns)
    design["intercept"] = 1.0
    return design, references


def table_lines(text):
    """The rows of the coefficient table printed in ``text``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("term ")
                 or line.startswith("class "))
    return lines[start], lines[start + 2:]


def assert_decimal_points_line_up(rows):
    points = {tuple(m.start() for m in re.finditer(r"\.", row)) for row in rows}
    assert len(points) == 1, "\n".join(rows)


def test_unpenalised_coef_table_of_a_categorical_csv_is_statsmodels(tmp_path):
    """--C inf --coef-table on a CSV with categorical columns and missing values:
    a reference level per categorical column, and statsmodels' Logit on the same
    reference-coded design."""
    sm = pytest.importorskip("statsmodels.api")
    churn_table().to_csv(tmp_path / "churn.csv", index=False)
    status, stdout, stderr = run_main([
        "--data", tmp_path / "churn.csv", "--target", "churn", "--C", "inf",
        "--coef-table", "--cv", 3, "--out", tmp_path / "plots",
    ])
    assert status == 0, stderr
    for name in ("reliability", "bce_vs_C", "sgd"):
        assert_png(tmp_path / "plots" / PLOT_FILES[name])

    df = pd.read_csv(tmp_path / "churn.csv")  # as the command reads it
    design, references = reference_coded(df, ["age", "income", "score"],
                                         ["plan", "region", "size"])
    assert references == {"plan": "basic", "region": "east", "size": "3"}
    flat = " ".join(stdout.split())
    assert ("reference levels (the first in sorted order, encoded as all zeros, "
            "so part of the intercept;") in flat
    assert "plan = 'basic', region = 'east', size = '3'" in flat
    assert "log-odds of churn = 'yes' (classes_[1]) against 'no'" in flat
    assert "C = inf, no penalty: maximum likelihood" in flat
    assert "is finite" not in flat

    head, rows = table_lines(stdout)
    assert head.split() == ["term", "coef", "se", "z", "p_value", "ci_lower",
                            "ci_upper"]
    assert_decimal_points_line_up(rows)
    printed = pd.DataFrame([r.split() for r in rows], columns=head.split())
    # the real feature names, one column fewer per categorical column
    assert printed["term"].tolist() == list(design.columns)

    reference = sm.Logit((df["churn"] == "yes").to_numpy(float), design).fit(
        method="newton", tol=1e-12, maxiter=100, disp=0
    )
    # the table to its 4 printed decimals
    np.testing.assert_allclose(printed["coef"].astype(float), reference.params,
                               rtol=0, atol=5.1e-5)
    np.testing.assert_allclose(printed["se"].astype(float), reference.bse,
                               rtol=0, atol=5.1e-5)
    # and in full: over data seeds 0 to 2 the coefficients were within 4.8e-6 of
    # statsmodels' (relative), the standard errors within 8.8e-7 (the fit's
    # default tol is 1e-5)
    from sklearn_bce.cli import build_parser, run

    args = build_parser().parse_args([
        "--data", str(tmp_path / "churn.csv"), "--target", "churn", "--C", "inf",
        "--coef-table", "--cv", "3", "--out", str(tmp_path / "plots"),
    ])
    table = run(args, Progress(enabled=False), stdout=io.StringIO())["coef_table"]
    np.testing.assert_array_equal(table["term"], design.columns)
    np.testing.assert_allclose(table["coef"], reference.params, rtol=5e-5)
    np.testing.assert_allclose(table["se"], reference.bse, rtol=1e-5)


def test_coef_table_errors_name_the_real_features(tmp_path):
    df = churn_table(n=200)
    df.insert(2, "income_again", df["income"])  # collinear with income
    df.to_csv(tmp_path / "churn.csv", index=False)
    status, stdout, stderr = run_main([
        "--data", tmp_path / "churn.csv", "--target", "churn", "--C", "inf",
        "--coef-table", "--cv", 3, "--out", tmp_path / "plots",
    ])
    assert status == 2
    assert "BCELogisticClassifier" in stdout  # the comparison is printed
    error = stderr.splitlines()[-1]
    assert error.startswith("sklearn-bce: error: no coefficient table")
    assert "singular" in error
    assert "numeric__income, numeric__income_again" in error
    assert not re.search(r"\bx[0-9]+\b", error), error
    # the plots are written all the same
    assert_png(tmp_path / "plots" / PLOT_FILES["reliability"])
    assert_png(tmp_path / "plots" / PLOT_FILES["bce_vs_C"])


def test_search_with_inf_is_a_grid_search_whose_encoding_follows_C():
    """C=inf in the grid: a reference level for it, one column per level for
    the finite values, in the search as in GridSearchCV with both grids."""
    mixed = churn_table(n=240)
    X = categorical_as_strings(mixed.drop(columns="churn"))
    y = mixed["churn"].to_numpy()
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    search = search_C(X, y, folds=folds, Cs=[0.1, np.inf])
    exact = LogisticRegression(solver="newton-cholesky", tol=1e-10)
    reference = GridSearchCV(
        make_model(X, exact), [
            {"classifier__C": [0.1], "preprocess__categorical__drop": [None]},
            {"classifier__C": [np.inf], "preprocess__categorical__drop": ["first"]},
        ], scoring="neg_log_loss", cv=folds,
    ).fit(X, y)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               reference.cv_results_["mean_test_score"],
                               rtol=0, atol=1e-5)
    encoder = search.best_estimator_[0].named_transformers_["categorical"]
    assert encoder.drop == ("first" if chosen_C(search) == np.inf else None)


def test_format_coef_table_lines_up_and_explains_itself():
    from sklearn_bce.cli.inference import format_coef_table

    table = np.array(
        [("numeric__a", 12.25, 0.5, 24.5, 1e-30, 11.27, 13.23),
         ("categorical__b_u", -0.0625, 1.125, -0.0556, 0.9557, -2.27, 2.14),
         ("intercept", 0.5, 0.0125, 40.0, 0.0, 0.4755, 0.5245)],
        dtype=[("term", "U20")] + [(f, float) for f in (
            "coef", "se", "z", "p_value", "ci_lower", "ci_upper")],
    )
    text = format_coef_table(table, 0.5, "HC0", classes=np.array([0, 1]),
                             categorical=["b"])
    flat = " ".join(text.split())
    assert "log-odds of class 1 (classes_[1]) against 0" in flat
    assert "one column per level and no reference level (C = 0.5 is finite" in flat
    assert ("note: C = 0.5 is finite, so these standard errors describe the "
            "penalised fit") in flat
    assert "'Penalised fits' in docs/inference.rst" in flat
    _, rows = table_lines(text)
    assert_decimal_points_line_up(rows)
    assert rows[0].split()[1:] == ["12.2500", "0.5000", "24.5000", "<0.0001",
                                   "11.2700", "13.2300"]


def test_more_than_two_classes_compare_like_with_like(tmp_path):
    """Three classes: OneVsRestClassifier(LogisticRegression) is the like-for-like
    row, LogisticRegression is labelled multinomial, and a line says why."""
    from sklearn_bce.cli import build_parser, run

    X, y = make_classification(n_samples=300, n_features=5, n_informative=4,
                               n_redundant=0, n_classes=3, random_state=0)
    labels = np.array(list("xyz"))[y]
    pd.DataFrame(X, columns=list("abcde")).assign(kind=labels).to_csv(
        tmp_path / "three.csv", index=False
    )
    args = build_parser().parse_args([
        "--data", str(tmp_path / "three.csv"), "--target", "kind", "--C", "0.3",
        "--cv", "3", "--out", str(tmp_path),
    ])
    stdout = io.StringIO()
    rows = run(args, Progress(enabled=False), stdout=stdout)["rows"]
    text = stdout.getvalue()
    names = ["BCELogisticClassifier", "OneVsRest(LogisticRegression)",
             "LogisticRegression (multinomial)"]
    assert [r["model"] for r in rows] == names
    for name in names:
        assert re.search(rf"^{re.escape(name)} +[0-9]\.[0-9]{{4}} \+/- ", text,
                         re.MULTILINE)
    assert ("note: BCELogisticClassifier and OneVsRest(LogisticRegression) fit one "
            "binary model per class against the rest (one-vs-rest); "
            "LogisticRegression (multinomial) fits one softmax model") in text

    folds = StratifiedKFold(3, shuffle=True, random_state=0)

    def cv_bce(classifier):
        losses = []
        for train, test in folds.split(X, labels):
            model = make_pipeline(StandardScaler(), classifier).fit(X[train],
                                                                   labels[train])
            losses.append(-bce_scorer(model, X[test], labels[test]))
        return np.mean(losses)

    ours, ovr, multinomial = (r["bce"] for r in rows)
    # the rows are these models on the same folds
    assert ovr == pytest.approx(cv_bce(OneVsRestClassifier(LogisticRegression(
        C=0.3))), rel=1e-12)
    assert multinomial == pytest.approx(cv_bce(LogisticRegression(C=0.3)),
                                        rel=1e-12)
    # ours is one-vs-rest at its optimum: over data and fold seeds 0 to 2 within
    # 6.4e-7 (relative) of a tightly converged OneVsRest(LogisticRegression)
    exact = LogisticRegression(C=0.3, solver="newton-cholesky", tol=1e-10)
    assert ours == pytest.approx(cv_bce(OneVsRestClassifier(exact)), rel=5e-6)
    # the multinomial model is another one: 2 % apart here
    assert abs(multinomial / ours - 1) > 1e-2


@pytest.mark.parametrize(
    "column, values, message",
    [
        ("missing", None, "target column 'missing' is not in"),
        ("label", ["a"] * 12, "needs at least two classes"),
        ("label", [np.nan] * 12,
         "has no data rows with a target: 'label' is missing in all 12 rows"),
        ("label", np.linspace(0, 1, 12), "looks continuous"),
        ("label", ["a"] * 11 + ["b"], "smallest class has 1 samples"),
    ],
)
def test_csv_target_errors_are_clear(tmp_path, column, values, message):
    df = pd.DataFrame({"x": np.arange(12.0), "label": ["a", "b"] * 6})
    if values is not None:
        df["label"] = values
    df.to_csv(tmp_path / "t.csv", index=False)
    argv = ["--data", tmp_path / "t.csv", "--target", column, "--out", tmp_path]
    status, stdout, stderr = run_main(argv)
    assert status == 2
    assert stderr.startswith("sklearn-bce: error:") and message in stderr
    assert stdout == ""


def test_csv_with_a_header_only_says_no_data_rows(tmp_path):
    (tmp_path / "t.csv").write_text("x,label\n")
    status, stdout, stderr = run_main(["--data", tmp_path / "t.csv", "--target",
                                       "label", "--out", tmp_path])
    assert status == 2 and stdout == ""
    assert stderr == f"sklearn-bce: error: {tmp_path / 't.csv'} has no data rows, " \
        "only a header\n"


@pytest.mark.parametrize("sep, decimal, read_as", [
    (";", ",", " (separated by ';', decimal commas)"),
    (";", ".", " (separated by ';')"),
    ("\t", ".", " (separated by tabs)"),
    ("|", ".", " (separated by '|')"),
    (",", ".", ""),
])
def test_csv_separators_are_detected(tmp_path, sep, decimal, read_as):
    df = mixed_table()
    df["note"] = "a;b|c"  # text with other separators in a comma-separated file
    df.to_csv(tmp_path / "t.csv", sep=sep, decimal=decimal, index=False)
    df.to_csv(tmp_path / "commas.csv", index=False)
    X, y, description = load_csv(tmp_path / "t.csv", "outcome")
    X_commas, y_commas, _ = load_csv(tmp_path / "commas.csv", "outcome")
    pd.testing.assert_frame_equal(X, X_commas)
    np.testing.assert_array_equal(y, y_commas)
    assert description.startswith(
        f"{tmp_path / 't.csv'}{read_as}: 240 samples, 4 numeric and 3 other "
        "feature columns, target 'outcome' with 2 classes"
    )


def test_csv_read_as_one_column_says_so(tmp_path):
    (tmp_path / "t.csv").write_text("x:label\n1:a\n2:b\n")
    status, _, stderr = run_main(["--data", tmp_path / "t.csv", "--target", "label"])
    assert status == 2
    assert ("target column 'label' is not in" in stderr
            and "its columns are: x:label (the file was read as one column: are "
            "its columns separated by something other than commas, semicolons, "
            "tabs or vertical bars?)" in stderr)


def test_missing_target_error_lists_the_columns(tmp_path):
    pd.DataFrame({"x": [1, 2], "y": [0, 1]}).to_csv(tmp_path / "t.csv", index=False)
    status, _, stderr = run_main(["--data", tmp_path / "t.csv", "--target", "z"])
    assert status == 2 and "its columns are: x, y" in stderr


def test_data_and_target_go_together(tmp_path):
    assert "needs --target" in run_main(["--data", tmp_path / "t.csv"])[2]
    assert "needs --data" in run_main(["--target", "y"])[2]


# ------------------------------------------------------------ optional dependencies
def test_runs_without_the_cli_extra_and_says_how_to_get_plots(tmp_path):
    # A fresh interpreter in which matplotlib, pandas and skops cannot be imported.
    code = (
        "import sys\n"
        "class Missing:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('matplotlib', 'pandas', 'skops'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, Missing())\n"
        "from sklearn_bce.cli import main\n"
        f"sys.exit(main(['--cv', '2', '--C', '1', '--out', {str(tmp_path)!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "BCELogisticClassifier" in proc.stdout
    assert "no plots" in proc.stderr and EXTRA_HINT in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_csv_without_pandas_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    status, _, stderr = run_main(["--data", tmp_path / "t.csv", "--target", "y"])
    assert status == 2 and EXTRA_HINT in stderr


# ------------------------------------------------------------ safe loading
def _not_ours(X):
    return X


def test_load_model_refuses_foreign_types(tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = make_pipeline(FunctionTransformer(_not_ours), BCELogisticClassifier())
    sio.dump(model.fit(X, y), tmp_path / "foreign.skops")
    with pytest.raises(CommandError, match="_not_ours"):
        load_model(tmp_path / "foreign.skops")
    pd.DataFrame(X[:2]).to_csv(tmp_path / "x.csv", index=False)
    status, _, stderr = run_main(
        ["predict", tmp_path / "foreign.skops", tmp_path / "x.csv"]
    )
    assert status == 2 and "refusing to load" in stderr


def test_load_model_trusts_only_what_it_checked(tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), BCELogisticClassifier()).fit(X, y)
    sio.dump(model, tmp_path / "ours.skops")
    assert sio.get_untrusted_types(file=tmp_path / "ours.skops") == [
        "sklearn_bce._classifier.BCELogisticClassifier"
    ]
    loaded = load_model(tmp_path / "ours.skops")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


# ------------------------------------------------------------ the search of C
def search_cases():
    """(name, X, y, tabular, n_folds) as the command reads them: the embedded
    binary data, a three-class CSV and the CSV with categorical columns."""
    X, y, _ = load_default_data()
    yield "binary", X, y, False, 5
    X3, y3 = make_classification(n_samples=150, n_features=5, n_informative=4,
                                 n_redundant=0, n_classes=3, random_state=0)
    three = pd.DataFrame(X3, columns=list("abcde"))
    yield "three classes", three, np.array(list("xyz"))[y3], True, 3
    mixed = mixed_table()
    X = categorical_as_strings(mixed.drop(columns="outcome"))
    yield "categorical", X, mixed["outcome"].to_numpy(), True, 3


@pytest.mark.parametrize("case", list(search_cases()), ids=lambda c: c[0])
@pytest.mark.parametrize("fold_seed", [0, 1])
def test_search_matches_grid_search_of_logistic_regression(case, fold_seed):
    """The choice and the scores of GridSearchCV with an independent, tightly
    converged model of the same objective: LogisticRegression (one-vs-rest for
    three classes), scored as bce_scorer scores (neg_log_loss for two classes)."""
    _, X, y, tabular, n_folds = case
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=fold_seed)
    search = search_C(X, y, folds=folds, tabular=tabular)

    exact = LogisticRegression(solver="newton-cholesky", tol=1e-10)
    if np.unique(y).size == 2:
        param, scoring = "classifier__C", "neg_log_loss"
    else:
        exact, scoring = OneVsRestClassifier(exact), bce_scorer
        param = "classifier__estimator__C"
    reference = GridSearchCV(
        make_model(X, exact, tabular=tabular), {param: list(DEFAULT_CS)},
        scoring=scoring, cv=folds,
    ).fit(X, y)
    ours, theirs = search.cv_results_, reference.cv_results_
    assert chosen_C(search) == reference.best_params_[param]
    np.testing.assert_array_equal(ours["param_classifier__C"], DEFAULT_CS)
    # fold seeds 0 to 2: means within 1.2e-6, fold scores within 2.9e-6, standard
    # deviations within 8.2e-7 (our default tol is 1e-5)
    np.testing.assert_allclose(ours["mean_test_score"], theirs["mean_test_score"],
                               rtol=0, atol=1e-5)
    np.testing.assert_allclose(ours["std_test_score"], theirs["std_test_score"],
                               rtol=0, atol=1e-5)
    for k in range(n_folds):
        np.testing.assert_allclose(ours[f"split{k}_test_score"],
                                   theirs[f"split{k}_test_score"], rtol=0, atol=3e-5)
    np.testing.assert_array_equal(ours["rank_test_score"], theirs["rank_test_score"])
    assert search.best_score_ == pytest.approx(reference.best_score_, abs=1e-5)


def test_search_refits_the_chosen_pipeline_on_all_rows():
    X, y, _ = load_default_data()
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    search = search_C(X, y, folds=folds, Cs=[0.1, 1.0], solver="lbfgs", seed=3,
                      tabular=False)
    best = search.best_estimator_
    assert search.best_params_ == {"classifier__C": chosen_C(search)}
    assert best[-1].get_params()["solver"] == "lbfgs"
    assert best[-1].get_params()["random_state"] == 3
    cold = make_model(
        X, BCELogisticClassifier(C=chosen_C(search), solver="lbfgs"), tabular=False
    ).fit(X, y)
    np.testing.assert_array_equal(best[-1].coef_, cold[-1].coef_)
    assert search.n_iter_.shape == (2, 3) and (search.n_iter_ >= 1).all()


def test_sgd_search_is_grid_search_of_the_pipeline():
    """SGD depends on its start: cold fits, as GridSearchCV runs them, and the
    same scores."""
    X, y = load_breast_cancer(return_X_y=True)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    search = search_C(X, y, folds=folds, Cs=[0.1, 1.0], solver="sgd", seed=0,
                      tabular=False)
    grid = GridSearchCV(
        make_model(X, BCELogisticClassifier(solver="sgd", random_state=0),
                   tabular=False),
        {"classifier__C": [0.1, 1.0]}, scoring=bce_scorer, cv=folds,
    ).fit(X, y)
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_allclose(search.cv_results_[key], grid.cv_results_[key],
                                   rtol=1e-12)
    assert chosen_C(search) == grid.best_params_["classifier__C"]
    np.testing.assert_array_equal(search.best_estimator_[-1].coef_,
                                  grid.best_estimator_[-1].coef_)


def test_fits_over_C_are_fitted_classifiers_of_each_C():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    template = BCELogisticClassifier(solver="newton-cholesky", tol=1e-8)
    fits = list(fits_over_C(template, X, y, [10.0, 0.1]))
    assert [f.C for f in fits] == [10.0, 0.1] and template.C == 1.0
    for fitted in fits:
        cold = BCELogisticClassifier(C=fitted.C, solver="newton-cholesky",
                                     tol=1e-8).fit(X, y)
        np.testing.assert_allclose(fitted.predict_proba(X), cold.predict_proba(X),
                                   rtol=0, atol=1e-7)
        assert bce_scorer(fitted, X, y) == pytest.approx(bce_scorer(cold, X, y),
                                                         rel=1e-8)
        assert fitted.solver_ == "newton-cholesky" and fitted.n_features_in_ == 30


@pytest.mark.parametrize("Cs, best, note", [
    ([0.1, 1, 10], 0, "note: the chosen C = 0.1 is the smallest value searched, so "
     "the best C may be smaller; widen the grid, for instance --C "
     "0.001,0.01,0.1,1,10"),
    ([0.1, 1, 10], 2, "note: the chosen C = 10 is the largest value searched, so "
     "the best C may be larger; widen the grid, for instance --C "
     "0.1,1,10,100,1000"),
    ([0.1, 1, 10], 1, None),
    ([0.1, 1, np.inf], 1, None),  # inf is beyond 1
    ([0.1, 1, np.inf], 2, None),  # no penalty cannot be widened
    ([1.0], 0, None),
])
def test_edge_note_suggests_a_wider_grid(Cs, best, note):
    from sklearn_bce.cli import build_parser
    from sklearn_bce.cli.search import edge_note

    scores = np.full((len(Cs), 3), -1.0)
    scores[best] = -0.5
    assert edge_note(CSearch(Cs, scores, np.ones_like(scores))) == note
    if note is not None:  # the suggestion is a valid grid holding the old one
        grid = build_parser().parse_args(["--C", note.split("--C ")[1]]).Cs
        assert set(Cs) < set(grid)


def test_run_suggests_a_wider_grid_at_its_edge(tmp_path):
    status, stdout, stderr = run_main(
        ["--C", "3,10", "--cv", 2, "--out", tmp_path, "--quiet"]
    )
    assert status == 0, stderr
    assert stdout.splitlines()[-1] == (
        "note: the chosen C = 3 is the smallest value searched, so the best C "
        "may be smaller; widen the grid, for instance --C 0.03,0.3,3,10"
    )


def test_ties_go_to_the_first_C_as_in_grid_search():
    # equal means of -0.25, exactly in binary floating point
    scores = np.array([[-0.375, -0.125], [-0.125, -0.375], [-0.3125, -0.1875],
                       [-0.5, -0.5]])
    search = CSearch([0.1, 1.0, 3.0, 10.0], scores, np.ones((4, 2), dtype=int))
    assert search.best_index_ == 0 and search.best_params_ == {"classifier__C": 0.1}
    np.testing.assert_array_equal(search.cv_results_["rank_test_score"],
                                  [1, 1, 1, 4])
    np.testing.assert_allclose(search.cv_results_["std_test_score"],
                               [0.125, 0.125, 0.0625, 0.0])
    assert search.best_score_ == -0.25


# ------------------------------------------------------------ the pieces
def test_cross_validation_matches_a_hand_computed_one():
    X, y = load_breast_cancer(return_X_y=True)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    models = {
        "ours": make_model(X, BCELogisticClassifier(), tabular=False),
        "lr": make_model(X, LogisticRegression(), tabular=False),
    }
    rows, oof = cross_validate_models(models, X, y, folds=folds)
    losses, proba = [], np.zeros((len(y), 2))
    for train, test in folds.split(X, y):
        m = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[train],
                                                                      y[train])
        proba[test] = m.predict_proba(X[test])
        losses.append(log_loss(y[test], proba[test]))
    lr, ours = rows[1], rows[0]
    assert lr["bce"] == pytest.approx(np.mean(losses), rel=1e-12)
    np.testing.assert_allclose(oof["lr"], proba, rtol=1e-12)
    # ours at its default tol against the exact optimum of each fold: over fold
    # seeds 0 to 2 the mean BCE was within 8.6e-5 (relative), the probabilities
    # within 2.3e-4
    exact, exact_losses = np.zeros((len(y), 2)), []
    for train, test in folds.split(X, y):
        m = make_pipeline(
            StandardScaler(), LogisticRegression(solver="newton-cholesky", tol=1e-10)
        ).fit(X[train], y[train])
        exact[test] = m.predict_proba(X[test])
        exact_losses.append(log_loss(y[test], exact[test]))
    assert ours["bce"] == pytest.approx(np.mean(exact_losses), rel=5e-4)
    np.testing.assert_allclose(oof["ours"], exact, rtol=0, atol=1e-3)
    assert ours["n_iter"] >= 1 and ours["fit_time"] > 0


def test_reliability_bins_match_calibration_curve(rng):
    p = rng.uniform(size=500)
    y01 = (rng.uniform(size=500) < p).astype(float)
    mean, frac, low, high, count = reliability_bins(y01, p, n_bins=8)
    expected_frac, expected_mean = calibration_curve(y01, p, n_bins=8)
    np.testing.assert_allclose(mean, expected_mean)
    np.testing.assert_allclose(frac, expected_frac)
    assert count.sum() == 500
    assert np.all((low <= frac) & (frac <= high) & (low >= 0) & (high <= 1))


def test_fill_missing_is_a_scikit_learn_transformer():
    check_estimator(FillMissing())
    X = np.array([[1.0, np.nan], [np.nan, 2.0]])
    np.testing.assert_array_equal(FillMissing(-1).fit_transform(X),
                                  [[1.0, -1.0], [-1.0, 2.0]])
    assert np.isnan(X[0, 1])  # the input is not modified


def test_progress_rewrites_a_status_line_on_terminals():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    progress = Progress(stream=term)
    status = "search: C=0.1 (2/3), fold 1/5"
    progress.update(status)
    progress.note("done")
    assert term.getvalue() == "\r" + status + "\r" + " " * len(status) + "\rdone\n"
    pipe = io.StringIO()
    Progress(stream=pipe).update("transient")
    Progress(stream=pipe, enabled=False).note("quiet")
    assert pipe.getvalue() == ""


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self):
        return True


def test_search_shows_a_progress_bar_on_terminals():
    pytest.importorskip("rich")
    X, y = load_breast_cancer(return_X_y=True)
    term = Terminal()
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    search_C(X, y, folds=folds, Cs=[0.1, 1.0], tabular=False,
             progress=Progress(stream=term))
    out = term.getvalue()
    # the bar ends full, with the last (C, fold) as its status
    assert re.search(r"6/6\S* +\S*100%.* search: C=1 \(2/2\), fold 3/3", out)
    assert "\rsearch: C=" not in out  # the bar replaces the status line
    assert re.search(r"C=0.1 +mean CV BCE [0-9.]+ \(\+/- [0-9.]+\) over 3", out)


def test_grid_search_output_is_clean_off_terminals():
    X, y = load_breast_cancer(return_X_y=True)
    pipe = io.StringIO()
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    search_C(X, y, folds=folds, Cs=[0.1, 1.0], tabular=False,
             progress=Progress(stream=pipe))
    lines = pipe.getvalue().splitlines()
    assert len(lines) == 2
    for line in lines:
        assert re.fullmatch(r"  C=\S+ +mean CV BCE .* over 3 folds", line)


def test_status_line_without_progress_bars(monkeypatch):
    """Where rich is missing, the search rewrites a status line: each fold's
    path, then each (C, fold) scored."""
    import sklearn_bce.cli.progress as progress_module

    monkeypatch.setattr(progress_module, "progress_bar", lambda *args: None)
    X, y = load_breast_cancer(return_X_y=True)
    term = Terminal()
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    search_C(X, y, folds=folds, Cs=[0.1, 1.0], tabular=False,
             progress=Progress(stream=term))
    out = term.getvalue()
    assert "\rsearch: fold 3/3, path over 2 values of C" in out
    assert "\rsearch: C=1 (2/2), fold 3/3" in out
    assert "100%" not in out


def test_convergence_warnings_become_one_note():
    stream = io.StringIO()
    with pytest.warns(UserWarning, match="other"):
        with ConvergenceNotes(Progress(stream=stream), "grid search"):
            for i in range(3):
                warnings.warn(f"stopped {i}", ConvergenceWarning, stacklevel=1)
            warnings.warn("other", UserWarning, stacklevel=1)
    assert stream.getvalue() == (
        "note: 3 fits of the grid search stopped before converging; the first "
        "said: stopped 0\n"
    )


def test_usage_names_predict():
    text = io.StringIO()
    with pytest.raises(SystemExit) as exc, contextlib.redirect_stdout(text):
        main(["--help"])
    assert exc.value.code == 0
    usage = text.getvalue().split("\n\n")[0]
    assert usage.startswith("usage: sklearn-bce [-h] [--data FILE.csv]")
    predict_line = next(line for line in usage.splitlines()
                        if "sklearn-bce predict" in line)
    assert predict_line.startswith("       sklearn-bce predict [-h]")
    assert "--id COLUMN" in usage and "MODEL.skops FILE.csv" in usage


def test_bad_arguments_exit_with_status_2():
    with pytest.raises(SystemExit) as exc, contextlib.redirect_stderr(io.StringIO()):
        main(["--C", "0,1"])
    assert exc.value.code == 2


def test_python_dash_m_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_bce", "--version"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("sklearn-bce ")


# ------------------------------------------------------------ the plots' layout
def _drawn(fig):
    """Lay the figure out as saved, so that extents are those of the file."""
    fig.draw_without_rendering()
    return fig


def _overlap_area(a, b):
    """Area shared by two display-space bounding boxes (0 when apart)."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(width, 0.0) * max(height, 0.0)


@pytest.mark.parametrize("Cs", [[0.01, 0.1, 1.0, 10.0], [0.01, 1.0, np.inf]])
def test_bce_vs_C_legend_is_off_the_axes(tmp_path, Cs):
    from sklearn_bce.cli.plots import plot_bce_vs_C

    X, y = load_breast_cancer(return_X_y=True)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = search_C(X, y, folds=folds, Cs=Cs, tabular=False)
    fig = _drawn(plot_bce_vs_C(search, tmp_path / "bce.png"))
    assert_png(tmp_path / "bce.png")
    (ax,) = fig.axes
    assert ax.get_legend() is None
    (legend,) = fig.legends
    labels = sorted(t.get_text() for t in legend.get_texts())
    assert labels[0].startswith("chosen C = ")
    assert labels[1] == "mean +/- std over folds"
    # below the axes, where it covers neither the data nor the axis labels
    assert _overlap_area(legend.get_window_extent(), ax.get_window_extent()) == 0
    assert legend.get_window_extent().y1 <= ax.get_tightbbox().y0 + 1e-6
    assert _overlap_area(legend.get_window_extent(), fig.bbox) > 0  # in the file


def test_reliability_lines_of_equal_models_both_show(tmp_path):
    from sklearn_bce.cli.plots import RELIABILITY_SHIFT, plot_reliability

    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 400)
    y = (rng.uniform(0, 1, 400) < p).astype(int)
    proba = np.column_stack([1 - p, p])
    # two models with the same probabilities: the worst case for hiding
    oof = {"BCELogisticClassifier": proba, "LogisticRegression": proba.copy()}
    fig = _drawn(plot_reliability(y, oof, tmp_path / "rel.png"))
    assert_png(tmp_path / "rel.png")
    ax = fig.axes[0]
    first, second = (c.lines[0] for c in ax.containers)
    assert first.get_marker() != second.get_marker()
    assert first.get_linestyle() != second.get_linestyle()
    # the same bins, drawn RELIABILITY_SHIFT apart, at the same heights
    np.testing.assert_allclose(
        second.get_xdata() - first.get_xdata(), RELIABILITY_SHIFT, rtol=1e-9
    )
    np.testing.assert_array_equal(first.get_ydata(), second.get_ydata())
    mean = reliability_bins(y.astype(float), p)[0]  # the bins' mean predictions
    np.testing.assert_allclose(
        (first.get_xdata() + second.get_xdata()) / 2, mean, rtol=1e-12
    )
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()][1:] == list(oof)
    assert "apart" in legend.get_title().get_text()


def test_reliability_of_one_model_is_not_shifted(tmp_path):
    from sklearn_bce.cli.plots import plot_reliability

    rng = np.random.default_rng(1)
    p = rng.uniform(0, 1, 300)
    y = (rng.uniform(0, 1, 300) < p).astype(int)
    fig = plot_reliability(y, {"only": np.column_stack([1 - p, p])},
                           tmp_path / "rel.png")
    (container,) = fig.axes[0].containers
    np.testing.assert_allclose(
        container.lines[0].get_xdata(), reliability_bins(y.astype(float), p)[0]
    )
    assert fig.axes[0].get_legend().get_title().get_text() == ""


@pytest.mark.parametrize("n_classes", [2, 3])
def test_sgd_plot_says_the_objective_is_summed(tmp_path, monkeypatch, n_classes):
    import sklearn_bce.cli.plots as plots

    figures = []
    make = plots._figure

    def recorded(**kwargs):
        figures.append(make(**kwargs))
        return figures[-1]

    monkeypatch.setattr(plots, "_figure", recorded)
    X, y = make_classification(
        n_samples=300, n_features=5, n_informative=3, n_classes=n_classes,
        random_state=0,
    )
    X = StandardScaler().fit_transform(X)
    sgd, _ = plot_sgd_convergence(X, y, tmp_path / "sgd.png", C=1.0, seed=0)
    assert_png(tmp_path / "sgd.png")
    (fig,) = figures
    ax = fig.axes[0]
    said = ax.get_title() + " " + ax.get_ylabel()
    if n_classes == 3:
        assert "summed over the 3 one-vs-rest problems" in ax.get_title()
        assert "summed" in ax.get_ylabel()
        # the curve drawn is the sum: its last point is the summed objective
        assert sgd.loss_curve_[-1] == pytest.approx(sgd.objective(X, y), rel=1e-9)
    else:
        assert "summed" not in said and "one-vs-rest" not in said


def test_reliability_interval_holds_a_fraction_of_0_or_1():
    # every sample of a bin positive (or negative): the Wilson interval's
    # limits are 1 (or 0) in closed form; rounding used to put the upper one
    # at 1 - 1.1e-16, below the fraction, for 142 of these bin sizes, and the
    # plot failed on a negative error bar
    for n in range(1, 400):
        proba = np.full(n, 0.95)
        for label in (0, 1):
            _, frac, low, high, _ = reliability_bins(np.full(n, label), proba)
            assert frac[0] == label
            assert low[0] <= frac[0] <= high[0]
            assert (high[0] == 1.0) if label else (low[0] == 0.0), n
