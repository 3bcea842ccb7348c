"""The ``sklearn-bce`` command: fit and compare against LogisticRegression."""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from . import __version__


def build_parser():
    """Build the command-line parser.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="sklearn-bce",
        description=(
            "Fit BCELogisticClassifier in a Pipeline(StandardScaler, ...) on the "
            "breast-cancer data shipped with scikit-learn and compare it with "
            "LogisticRegression by cross-validation."
        ),
    )
    parser.add_argument("--cv", type=int, default=5, help="number of CV folds")
    parser.add_argument("--C", type=float, default=1.0, help="inverse L2 strength")
    parser.add_argument("--seed", type=int, default=0, help="random seed for folds")
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    return parser


def compare(X, y, *, C=1.0, cv=5, seed=0):
    """Cross-validate both models on the same folds.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features.
    y : array-like of shape (n_samples,)
        Binary or multi-class labels.
    C : float, default=1.0
        Inverse regularisation strength shared by both models.
    cv : int, default=5
        Number of stratified folds.
    seed : int, default=0
        Seed of the fold shuffling.

    Returns
    -------
    rows : list of dict
        One row per model: name, mean test BCE, mean test accuracy, mean fit time.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ._classifier import BCELogisticClassifier

    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    models = {
        "BCELogisticClassifier": BCELogisticClassifier(C=C),
        "LogisticRegression": LogisticRegression(C=C),
    }
    rows = []
    for name, model in models.items():
        res = cross_validate(
            make_pipeline(StandardScaler(), model), X, y, cv=folds,
            scoring={"bce": "neg_log_loss", "accuracy": "accuracy"},
        )
        rows.append(
            {
                "model": name,
                "bce": -float(np.mean(res["test_bce"])),
                "accuracy": float(np.mean(res["test_accuracy"])),
                "fit_time": float(np.mean(res["fit_time"])),
            }
        )
    return rows


def format_table(rows):
    """Format comparison rows as a fixed-width text table.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`compare`.

    Returns
    -------
    table : str
    """
    lines = [f"{'model':<24}{'CV BCE':>10}{'accuracy':>10}{'fit time (ms)':>15}"]
    for r in rows:
        lines.append(
            f"{r['model']:<24}{r['bce']:>10.4f}{r['accuracy']:>10.4f}"
            f"{1000 * r['fit_time']:>15.2f}"
        )
    return "\n".join(lines)


def main(argv=None):
    """Run the command.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        Exit status, 0 on success.
    """
    from sklearn.datasets import load_breast_cancer

    args = build_parser().parse_args(argv)
    X, y = load_breast_cancer(return_X_y=True)
    print(
        f"breast-cancer data: {X.shape[0]} samples, {X.shape[1]} features; "
        f"{args.cv}-fold cross-validation, C={args.C}"
    )
    start = time.perf_counter()
    rows = compare(X, y, C=args.C, cv=args.cv, seed=args.seed)
    print(format_table(rows))
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
