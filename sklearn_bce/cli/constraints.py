"""Sign constraints and unpenalised columns (``--positive``, ``--negative``,
``--unpenalised``), named by the columns of the data.

The classifier sees the preprocessed features: a numeric column is one
standardised feature (a positive scale, so its sign is that of the column's
coefficient), a categorical column one feature per level. A rule on a column
applies to every feature it gives. So that the features are the same in every
fold of the search and in the final fit, the levels of the categorical columns
are fixed, from all the rows, when there are rules.
"""

from __future__ import annotations

import numpy as np

from .errors import CommandError
from .model import CATEGORICAL_STEP, drop_param

__all__ = ["ColumnRules", "parse_columns", "rule_labels"]


def parse_columns(text):
    """Column names from ``A,B,C`` (spaces around names are dropped).

    Parameters
    ----------
    text : str

    Returns
    -------
    columns : list of str
    """
    return [name.strip() for name in text.split(",") if name.strip()]


class ColumnRules:
    """Which columns must have non-negative, non-positive or unpenalised coefficients.

    Parameters
    ----------
    positive, negative, unpenalised : sequence of str, default=()
        Column names of the data.
    """

    def __init__(self, positive=(), negative=(), unpenalised=()):
        self.positive = list(positive or ())
        self.negative = list(negative or ())
        self.unpenalised = list(unpenalised or ())

    def __bool__(self):
        return bool(self.positive or self.negative or self.unpenalised)

    def check(self, X):
        """Raise a CommandError for unknown columns or contradictory rules.

        Parameters
        ----------
        X : DataFrame or ndarray
            The features (without the target).
        """
        known = [str(c) for c in _columns(X)]
        for option, names in (
            ("--positive", self.positive), ("--negative", self.negative),
            ("--unpenalised", self.unpenalised),
        ):
            unknown = [n for n in names if n not in known]
            if unknown:
                raise CommandError(
                    f"{option}: no feature column named {', '.join(unknown)}; the "
                    f"columns are {', '.join(known)}"
                )
        both = sorted(set(self.positive) & set(self.negative))
        if both:
            raise CommandError(
                f"{', '.join(both)} cannot be both --positive and --negative (that "
                "would fix the coefficients at 0: drop the column instead)"
            )

    def apply(self, model, X):
        """Set the classifier's bounds and penalty factors for the pipeline's features.

        Parameters
        ----------
        model : Pipeline
            From ``make_model`` (unfitted); modified in place.
        X : DataFrame or ndarray
            All the rows (the levels of the categorical columns come from them).

        Returns
        -------
        model : Pipeline
        """
        columns = _feature_columns(model, X)
        lower = np.where(np.isin(columns, self.positive), 0.0, -np.inf)
        upper = np.where(np.isin(columns, self.negative), 0.0, np.inf)
        factor = np.where(np.isin(columns, self.unpenalised), 0.0, 1.0)
        model.set_params(
            classifier__lower_bounds=lower if self.positive else None,
            classifier__upper_bounds=upper if self.negative else None,
            classifier__penalty_factor=factor if self.unpenalised else None,
        )
        return model


def _columns(X):
    columns = getattr(X, "columns", None)
    return list(columns) if columns is not None else [
        f"x{j}" for j in range(np.shape(X)[1])
    ]


def _feature_columns(model, X):
    """The data column behind each feature the classifier sees, in order.

    Fixes the levels of the categorical columns (from all of ``X``) so that
    every fit of the pipeline gives these features.
    """
    from sklearn.base import clone

    step = model[0]
    transformers = getattr(step, "transformers", None)
    if transformers is None:  # StandardScaler: one feature per column
        return np.array([str(c) for c in _columns(X)], dtype=object)
    reference = drop_param(model) is not None and (
        model.get_params()[drop_param(model)] is not None
    )
    columns = []
    for name, transformer, names in transformers:
        if name != CATEGORICAL_STEP:
            columns += [str(c) for c in names]
            continue
        categories = clone(transformer).set_params(drop=None).fit(X[names]).categories_
        model.set_params(
            **{f"{model.steps[0][0]}__{CATEGORICAL_STEP}__categories": categories}
        )
        for column, levels in zip(names, categories, strict=True):
            columns += [str(column)] * (len(levels) - int(reference))
    return np.array(columns, dtype=object)


def rule_labels(classifier, n_rows):
    """The constraint of each coefficient of a fitted classifier, as text.

    Parameters
    ----------
    classifier : BCELogisticClassifier
        Fitted.
    n_rows : int
        Rows per binary problem in its table (features, then the intercept).

    Returns
    -------
    labels : ndarray of str of shape (n_rows,)
        ``">= 0"``, ``"<= 0"``, ``"unpenalised"`` or ``""``.
    """
    d = classifier.n_features_in_
    labels = np.full(n_rows, "", dtype=object)
    for param, test, text in (
        ("penalty_factor", lambda a: a == 0, "unpenalised"),
        ("lower_bounds", lambda a: a == 0, ">= 0"),
        ("upper_bounds", lambda a: a == 0, "<= 0"),
    ):
        value = getattr(classifier, param, None)
        if value is None:
            continue
        hit = np.broadcast_to(test(np.asarray(value, dtype=float)), (d,))
        labels[:d] = np.where(
            hit, np.where(labels[:d] == "", text, labels[:d] + ", " + text),
            labels[:d],
        )
    return labels.astype(str)
