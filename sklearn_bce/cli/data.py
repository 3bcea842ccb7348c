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


#: The separators a CSV file may use, tried by :func:`sniff_separator`.
SEPARATORS = ",;\t|"

#: File suffixes that pandas decompresses; these files are not sniffed.
_COMPRESSED = (".gz", ".bz2", ".zip", ".xz", ".zst", ".tar")


def sniff_separator(path, n_lines=50):
    """The separator of a CSV file, guessed from its first lines.

    :class:`csv.Sniffer` looks for a character among ``SEPARATORS`` (comma,
    semicolon, tab, vertical bar) that splits the first ``n_lines`` lines into
    the same number of fields, preferring the comma when several do.

    Parameters
    ----------
    path : str or Path
        CSV file.
    n_lines : int, default=50
        How many lines to look at.

    Returns
    -------
    sep : str
        ``","`` when the file cannot be sniffed (one column, a compressed or
        unreadable file).
    """
    import csv
    import itertools

    if str(path).lower().endswith(_COMPRESSED):
        return ","
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
            sample = "".join(itertools.islice(f, n_lines))
    except OSError:
        return ","  # read_csv says why
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        return ","


def read_table(path, sep=None, dtype=None):
    """Read a CSV file with pandas, separated by commas, semicolons, tabs or bars.

    A file separated by semicolons whose numbers have decimal commas (``1,5``),
    as spreadsheets write them in many languages, is read with ``decimal=","``
    when that turns columns of text into numbers and no column of numbers into
    text.

    Parameters
    ----------
    path : str or Path
        CSV file with a header row.
    sep : str, default=None
        The separator; guessed by :func:`sniff_separator` when None.
    dtype : dict, default=None
        Passed to :func:`pandas.read_csv`.

    Returns
    -------
    df : DataFrame
        ``df.attrs["sep"]`` is the separator, ``df.attrs["decimal"]`` the
        decimal point.

    Raises
    ------
    CommandError
        When pandas is missing or the file cannot be read.
    """
    pd = require_optional("pandas", "reading CSV files")
    if sep is None:
        sep = sniff_separator(path)
    try:
        df = pd.read_csv(path, sep=sep, dtype=dtype)
        decimal = "."
        if sep == ";" and len(numeric_columns(df)) < df.shape[1]:
            commas = pd.read_csv(path, sep=sep, dtype=dtype, decimal=",")
            before, after = set(numeric_columns(df)), set(numeric_columns(commas))
            if before < after:
                df, decimal = commas, ","
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from None
    df.attrs["sep"], df.attrs["decimal"] = sep, decimal
    return df


def describe_format(df):
    """How a table read by :func:`read_table` was separated, for messages.

    Parameters
    ----------
    df : DataFrame
        Returned by :func:`read_table`.

    Returns
    -------
    text : str
        Empty for commas and decimal points; else such as
        ``" (separated by ';', decimal commas)"``.
    """
    sep, decimal = df.attrs.get("sep", ","), df.attrs.get("decimal", ".")
    parts = []
    if sep != ",":
        parts.append("separated by " + ("tabs" if sep == "\t" else repr(sep)))
    if decimal != ".":
        parts.append("decimal commas")
    return f" ({', '.join(parts)})" if parts else ""


def one_column_hint(df):
    """A hint for a table read as a single column, or an empty string."""
    if df.shape[1] != 1:
        return ""
    return (" (the file was read as one column: are its columns separated by "
            "something other than commas, semicolons, tabs or vertical bars?)")


def load_csv(path, target):
    """Read a CSV table and split it into features and target.

    The separator is guessed (see ``read_table``). Rows whose target is
    missing are dropped; missing feature values are left for the preprocessing
    pipeline (see :func:`~sklearn_bce.cli.make_preprocessor`).

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
        in the file, there are no data rows (or none with a target), no feature
        columns, or the target has fewer than two classes or is continuous.
    """
    from sklearn.utils.multiclass import type_of_target

    df = read_table(path)
    read_as = describe_format(df)
    if target not in df.columns:
        raise CommandError(
            f"target column {target!r} is not in {path}; its columns are: "
            + ", ".join(map(str, df.columns)) + one_column_hint(df)
        )
    if len(df) == 0:
        raise CommandError(f"{path} has no data rows, only a header")
    n_missing = int(df[target].isna().sum())
    if n_missing == len(df):
        raise CommandError(
            f"{path} has no data rows with a target: {target!r} is missing in all "
            f"{n_missing} rows"
        )
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
        raise CommandError(
            f"target column {target!r} needs at least two classes to fit a "
            f"classifier, but it has one class only ({classes[0]!r})"
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
        f"{path}{read_as}: {X.shape[0]} samples, {n_num} numeric and "
        f"{X.shape[1] - n_num} other feature columns, target {target!r} with "
        f"{classes.size} classes{note}"
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
