"""The pipeline the command fits: preprocessing of the columns, then a classifier."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .data import numeric_columns

#: Name of the one-hot encoding step in the preprocessing of a table.
CATEGORICAL_STEP = "categorical"


class FillMissing(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Replace missing values (NaN) by a constant.

    Placed after ``StandardScaler`` (which ignores NaN when fitting), the default
    ``value=0.0`` imputes the mean of each column. It stores no fitted state
    besides the input's shape and names, so a saved pipeline holds nothing but
    scikit-learn and sklearn-bce types.

    Parameters
    ----------
    value : float, default=0.0
        The replacement.
    """

    # Saved pipelines name the class by the path users import it from.
    __module__ = "sklearn_bce.cli"

    def __init__(self, value=0.0):
        self.value = value

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X, y=None):
        """Record the number (and names) of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric data, possibly with NaN.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        validate_data(self, X, ensure_all_finite="allow-nan")
        return self

    def transform(self, X):
        """Return a copy of ``X`` with NaN replaced by ``value``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric data, possibly with NaN.

        Returns
        -------
        X_filled : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan",
                          dtype=[np.float64, np.float32], copy=True)
        X[np.isnan(X)] = self.value
        return X


def make_preprocessor(X, *, tabular=True):
    """The preprocessing step of the command's pipeline.

    For the embedded data (``tabular=False``): ``StandardScaler()``. For a table
    (``--data``), a ``ColumnTransformer`` that

    - standardises numeric columns, then replaces their missing values by 0, the
      column mean (``StandardScaler`` followed by :class:`FillMissing`);
    - one-hot encodes every other column as categorical, with missing values as a
      category of their own and categories not seen in training ignored (all
      zeros).

    Parameters
    ----------
    X : DataFrame or ndarray
        The training features.
    tabular : bool, default=True
        Whether ``X`` is a user's table (a DataFrame).

    Returns
    -------
    step : transformer
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    if not tabular:
        return StandardScaler()
    numeric = numeric_columns(X)
    other = [c for c in X.columns if c not in set(numeric)]
    transformers = []
    if numeric:
        transformers.append((
            "numeric",
            make_pipeline(StandardScaler(), FillMissing(0.0)),
            numeric,
        ))
    if other:
        transformers.append((
            CATEGORICAL_STEP,
            OneHotEncoder(handle_unknown="ignore"),
            other,
        ))
    return ColumnTransformer(transformers)


def make_model(X, classifier, *, tabular=True):
    """``Pipeline([("preprocess", make_preprocessor(X)), ("classifier", ...)])``.

    Parameters
    ----------
    X : DataFrame or ndarray
        The training features.
    classifier : estimator
        The final step.
    tabular : bool, default=True
        Passed to :func:`make_preprocessor`.

    Returns
    -------
    pipeline : Pipeline
    """
    from sklearn.pipeline import Pipeline

    return Pipeline([
        ("preprocess", make_preprocessor(X, tabular=tabular)),
        ("classifier", classifier),
    ])


def categorical_columns(model):
    """The columns a fitted pipeline of :func:`make_model` one-hot encodes.

    Parameters
    ----------
    model : Pipeline
        Fitted.

    Returns
    -------
    columns : list
        Empty when the pipeline encodes no column (or is not one of this kind).
    """
    step = model[0] if hasattr(model, "steps") else None
    for name, _, columns in getattr(step, "transformers_", []):
        if name == CATEGORICAL_STEP:
            return list(columns)
    return []
