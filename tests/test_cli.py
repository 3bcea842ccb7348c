"""The sklearn-bce command, driven through main(argv)."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_bce.cli import compare, main


def test_main_prints_side_by_side_table(capsys):
    assert main(["--cv", "3"]) == 0
    out = capsys.readouterr().out
    assert "BCELogisticClassifier" in out and "LogisticRegression" in out
    assert "CV BCE" in out and "accuracy" in out


def test_compare_matches_a_hand_computed_cross_validation():
    X, y = load_breast_cancer(return_X_y=True)
    rows = compare(X, y, C=1.0, cv=3, seed=0)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    losses = []
    for train, test in folds.split(X, y):
        m = make_pipeline(StandardScaler(), LogisticRegression())
        m.fit(X[train], y[train])
        losses.append(log_loss(y[test], m.predict_proba(X[test])))
    lr_row = next(r for r in rows if r["model"] == "LogisticRegression")
    ours = next(r for r in rows if r["model"] == "BCELogisticClassifier")
    assert lr_row["bce"] == pytest.approx(np.mean(losses), rel=1e-12)
    assert ours["bce"] == pytest.approx(np.mean(losses), rel=1e-3)


def test_python_dash_m_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_bce", "--cv", "2"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "BCELogisticClassifier" in proc.stdout
