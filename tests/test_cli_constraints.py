"""The command's --positive, --negative and --unpenalised, against glum."""

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from glum import GeneralizedLinearRegressor

from sklearn_bce.cli import Progress, build_parser, run

from .test_cli import churn_table, run_main, table_lines


def all_levels(df, numeric, categorical):
    """The design of the command's pipeline for a finite C, with pandas:
    numeric columns standardised with missing values at 0, one 0/1 column per
    level of each categorical column (missing values last)."""
    columns = {}
    for c in numeric:
        v = df[c].to_numpy(float)
        z = (v - np.nanmean(v)) / np.nanstd(v)
        columns[c] = np.where(np.isnan(z), 0.0, z)
    for c in categorical:
        v = df[c].map(lambda t: None if pd.isna(t) else str(t))
        for level in sorted(set(v.dropna())):
            columns[f"{c}_{level}"] = (v == level).to_numpy(float)
        if v.isna().any():
            columns[f"{c}_nan"] = v.isna().to_numpy(float)
    return pd.DataFrame(columns)


ARGS = ["--target", "churn", "--C", "0.05", "--cv", "3", "--positive", "age,plan",
        "--negative", "income", "--unpenalised", "score", "--coef-table"]


def test_constraints_match_glum_and_show_in_the_table(tmp_path):
    churn_table().to_csv(tmp_path / "churn.csv", index=False)
    argv = ["--data", str(tmp_path / "churn.csv"), *ARGS, "--out", str(tmp_path)]
    table = run(
        build_parser().parse_args(argv), Progress(enabled=False), stdout=io.StringIO()
    )["coef_table"]
    df = pd.read_csv(tmp_path / "churn.csv")
    design = all_levels(df, ["age", "income", "score"], ["plan", "region", "size"])
    lower = np.where(
        [c == "age" or c.startswith("plan_") for c in design.columns], 0.0, -np.inf
    )
    upper = np.where(design.columns == "income", 0.0, np.inf)
    factor = np.where(design.columns == "score", 0.0, 1.0)
    reference = GeneralizedLinearRegressor(
        family="binomial", alpha=1 / (0.05 * len(df)), P2=factor, P1=factor,
        l1_ratio=0.0, lower_bounds=lower, upper_bounds=upper, gradient_tol=1e-12,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(design.to_numpy(), (df["churn"] == "yes").to_numpy(float))
    expected = np.r_[reference.coef_, reference.intercept_]
    # measured 3.7e-5 at the command's default tol=1e-5 (L-BFGS-B)
    np.testing.assert_allclose(table["coef"], expected, rtol=0, atol=4e-4)
    assert np.sum(table["coef"][:-1] == 0) >= 1  # some bound holds
    constraint = dict(zip(table["term"], table["constraint"], strict=True))
    assert constraint["numeric__age"].startswith(">= 0")
    assert constraint["numeric__income"].startswith("<= 0")
    assert constraint["numeric__score"] == "unpenalised"
    assert all(
        constraint[t].startswith(">= 0") for t in table["term"] if "plan_" in t
    )
    assert constraint["categorical__region_east"] == ""
    for term, coef, se, text in zip(
        table["term"], table["coef"], table["se"], table["constraint"], strict=True
    ):
        held = text.endswith("at bound")
        assert held == (coef == 0 and text[:4] in (">= 0", "<= 0")), term
        assert np.isnan(se) == held


def test_printed_table_has_the_constraint_column(tmp_path):
    churn_table().to_csv(tmp_path / "churn.csv", index=False)
    status, stdout, stderr = run_main(
        ["--data", tmp_path / "churn.csv", *ARGS, "--out", tmp_path]
    )
    assert status == 0, stderr
    assert "constraints: coefficients >= 0: age, plan" in stderr
    head, rows = table_lines(stdout)
    assert head.split()[-1] == "constraint"
    assert any(row.rstrip().endswith("unpenalised") for row in rows)
    assert "'at bound' marks a coefficient" in " ".join(stdout.split())


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--positive", "colour"], "--positive: no feature column named colour"),
        (["--unpenalised", "churn"], "--unpenalised: no feature column named churn"),
        (["--positive", "age", "--negative", "age"], "age cannot be both"),
    ],
)
def test_bad_column_rules(tmp_path, extra, message):
    churn_table().to_csv(tmp_path / "churn.csv", index=False)
    status, _, stderr = run_main([
        "--data", tmp_path / "churn.csv", "--target", "churn", "--cv", 3,
        "--out", tmp_path, *extra,
    ])
    assert status != 0
    assert message in stderr
