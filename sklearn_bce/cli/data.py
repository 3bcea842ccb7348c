"""The command's data: the embedded data set, a user's CSV table, column kinds."""

from __future__ import annotations

import numpy as np

from .errors import CommandError, import_optional, require_optional


def load_default_data():
    """The breast-cancer data shipped with scikit-learn.

    Returns
    -------
    X : DataFrame or ndarray of shape (569, 30)
        A DataFrame with the feature names when pandas is installed.
    y : ndarray of shape (569,)
        Labels, 0 (malignant) or 1 (benign).
    description : str
        One line describing the data.
    """
    from sklearn.datasets import load_breast_cancer

    as_frame = import_optional("pandas") is not None
    data = load_breast_cancer(as_frame=as_frame)
    y = np.asarray(data.target)
    return data.data, y, (
        f"breast-cancer data shipped with scikit-learn: {y.shape[0]} samples, "
        f"{data.data.shape[1]} numeric features, classes 0 = malignant, 1 = benign"
    )


def read_table(path):
    """Read a CSV file with pandas.

    Parameters
    ----------
    path : str or Path
        CSV file with a header row.

    Returns
    -------
    df : DataFrame

    Raises
    ------
    CommandError
        When pandas is missing or the file cannot be read.
    """
    pd = require_optional("pandas", "reading CSV files")
    try:
        return pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from None


def load_csv(path, target):
    """Read a CSV table and split it into features and target.

    Rows whose target is missing are dropped; missing feature values are left for
    the preprocessing pipeline (see :func:`~sklearn_bce.cli.make_preprocessor`).

    Parameters
    ----------
    path : str or Path
        CSV file with a header row.
    target : str
        Name of the target column.

    Returns
    -------
    X : DataFrame
        All columns but the target.
    y : ndarray of shape (n_samples,)
        Target labels.
    description : str
        One line describing the data.

    Raises
    ------
    CommandError
        When pandas is missing, the file cannot be read, the target column is not
        in the file, there are no feature columns, or the target has fewer than two
        classes or is continuous.
    """
    from sklearn.utils.multiclass import type_of_target

    df = read_table(path)
    if target not in df.columns:
        raise CommandError(
            f"target column {target!r} is not in {path}; its columns are: "
            + ", ".join(map(str, df.columns))
        )
    n_missing = int(df[target].isna().sum())
    if n_missing:
        df = df[df[target].notna()]
    X = df.drop(columns=[target])
    if X.shape[1] == 0:
        raise CommandError(f"{path} has no feature columns besides {target!r}")
    y = df[target].to_numpy()
    if y.dtype.kind not in "biuf":  # strings and mixed labels as Python objects
        y = y.astype(object)
    classes = np.unique(y)
    if classes.size < 2:
        found = repr(classes[0]) if classes.size else "none"
        raise CommandError(
            f"target column {target!r} needs at least two classes to fit a "
            f"classifier, but it has one class only ({found})"
        )
    kind = type_of_target(y)
    if kind not in ("binary", "multiclass"):
        raise CommandError(
            f"target column {target!r} looks {kind} ({classes.size} distinct "
            "values); a classifier needs class labels"
        )
    note = f", {n_missing} rows without a target dropped" if n_missing else ""
    n_num = len(numeric_columns(X))
    return X, y, (
        f"{path}: {X.shape[0]} samples, {n_num} numeric and {X.shape[1] - n_num} "
        f"other feature columns, target {target!r} with {classes.size} classes"
        f"{note}"
    )


def numeric_columns(X):
    """The columns of a table that hold numbers (integers or floats).

    Parameters
    ----------
    X : DataFrame
        Features.

    Returns
    -------
    columns : list
        Their names, in the table's order; every other column is categorical.
    """
    return [c for c in X.columns if X[c].dtype.kind in "iuf"]


def categorical_as_strings(X, columns=None):
    """Make categorical columns hold strings, keeping missing values missing.

    One-hot encoding needs each column to hold one type; a CSV column with both
    numbers and words (or booleans) would otherwise mix them.

    Parameters
    ----------
    X : DataFrame
        Features.
    columns : list of str, default=None
        The categorical columns; all non-numeric columns when None.

    Returns
    -------
    X : DataFrame
        A copy with those columns as ``object`` columns of ``str`` or NaN.
    """
    import pandas as pd

    numeric = set(numeric_columns(X))
    if columns is None:
        columns = [c for c in X.columns if c not in numeric]
    if not columns:
        return X
    X = X.copy()
    for c in columns:
        X[c] = pd.Series(
            [np.nan if pd.isna(v) else str(v) for v in X[c]],
            index=X.index, dtype=object,
        )
    return X
