"""The pipeline the command fits: preprocessing of the columns, then a classifier."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .data import numeric_columns

#: Name of the one-hot encoding step in the preprocessing of a table.
CATEGORICAL_STEP = "categorical"

#: The ``drop`` of ``OneHotEncoder`` that makes a reference level (for ``C=inf``).
REFERENCE_LEVEL = "first"


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


def make_preprocessor(X, *, tabular=True, reference=False):
    """The preprocessing step of the command's pipeline.

    For the embedded data (``tabular=False``): ``StandardScaler()``. For a table
    (``--data``), a ``ColumnTransformer`` that

    - standardises numeric columns, then replaces their missing values by 0, the
      column mean (``StandardScaler`` followed by :class:`FillMissing`);
    - one-hot encodes every other column as categorical, with missing values as a
      category of their own and categories not seen in training ignored (all
      zeros). With ``reference=True`` each column has one column fewer: its
      first level in sorted order (never the missing value, which sorts last)
      is the reference level, encoded as all zeros, as statsmodels and R code
      a factor by default. An unpenalised model (``C=inf``) needs this: the
      full set of levels sums to the intercept's column, so the coefficients
      are not identified. A category not seen in training is then encoded as
      the reference level, with a warning from ``OneHotEncoder``.

    Parameters
    ----------
    X : DataFrame or ndarray
        The training features.
    tabular : bool, default=True
        Whether ``X`` is a user's table (a DataFrame).
    reference : bool, default=False
        Whether categorical columns drop a reference level (see above).

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
            OneHotEncoder(handle_unknown="ignore",
                          drop=REFERENCE_LEVEL if reference else None),
            other,
        ))
    return ColumnTransformer(transformers)


def unpenalised(classifier):
    """Whether a classifier (or the one a meta-estimator wraps) has ``C=inf``.

    Parameters
    ----------
    classifier : estimator
        ``BCELogisticClassifier``, ``LogisticRegression`` or a meta-estimator
        such as ``OneVsRestClassifier`` with an ``estimator``.

    Returns
    -------
    unpenalised : bool
        False for estimators without ``C``.
    """
    C = getattr(classifier, "C", None)
    if C is None:
        C = getattr(getattr(classifier, "estimator", None), "C", None)
    return C is not None and bool(np.isinf(C))


def make_model(X, classifier, *, tabular=True):
    """``Pipeline([("preprocess", make_preprocessor(X)), ("classifier", ...)])``.

    Categorical columns get a reference level (one column fewer) when the
    classifier has no penalty (``C=inf``, see ``unpenalised``), and one
    column per level otherwise, where the penalty identifies them.

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

    reference = unpenalised(classifier)
    return Pipeline([
        ("preprocess", make_preprocessor(X, tabular=tabular, reference=reference)),
        ("classifier", classifier),
    ])


def with_C(model, C, rules=None, X=None):
    """An unfitted copy of a pipeline of :func:`make_model` with another ``C``.

    The encoding of categorical columns follows ``C`` as in :func:`make_model`:
    a reference level for ``C=inf``, one column per level otherwise.

    Parameters
    ----------
    model : Pipeline
        From :func:`make_model`, its classifier with a ``C`` parameter.
    C : float
        The new ``C``.
    rules : ColumnRules, default=None
        Column constraints to set again for the new encoding (with ``X``).
    X : DataFrame or ndarray, default=None
        All the rows, with ``rules``.

    Returns
    -------
    model : Pipeline
        A clone with ``classifier__C=C``.
    """
    from sklearn.base import clone

    model = clone(model).set_params(classifier__C=C)
    param = drop_param(model)
    if param is not None:
        model.set_params(**{param: REFERENCE_LEVEL if np.isinf(C) else None})
    if rules:
        rules.apply(model, X)
    return model


def drop_param(model):
    """The parameter name of the encoder's ``drop`` in a pipeline, or None.

    Parameters
    ----------
    model : Pipeline
        From :func:`make_model`.

    Returns
    -------
    name : str or None
        Such as ``"preprocess__categorical__drop"``; None when the pipeline
        encodes no categorical column.
    """
    name, step = model.steps[0]
    if any(t[0] == CATEGORICAL_STEP for t in getattr(step, "transformers", [])):
        return f"{name}__{CATEGORICAL_STEP}__drop"
    return None


def reference_levels(model):
    """The reference level of each categorical column of a fitted pipeline.

    Parameters
    ----------
    model : Pipeline
        Fitted, from :func:`make_model`.

    Returns
    -------
    levels : list of (column, level)
        One pair per categorical column that has a reference level (the level
        encoded as all zeros); empty when columns are encoded with one column
        per level, or when there are none.
    """
    step = model[0] if hasattr(model, "steps") else None
    encoder = getattr(step, "named_transformers_", {}).get(CATEGORICAL_STEP)
    drop_idx = getattr(encoder, "drop_idx_", None)
    if drop_idx is None:
        return []
    return [
        (column, levels[k])
        for column, levels, k in zip(
            categorical_columns(model), encoder.categories_, drop_idx, strict=True
        )
        if k is not None
    ]


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
