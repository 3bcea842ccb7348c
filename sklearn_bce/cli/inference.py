"""The coefficient table of the chosen model (``--coef-table``)."""

from __future__ import annotations

import warnings

import numpy as np

from .errors import CommandError

#: Covariance kinds the command offers (``--cov``).
COV_KINDS = ("nonrobust", "HC0", "HC1")


def coef_table_of(model, X, y, kind="nonrobust"):
    """Coefficient table of a fitted pipeline's classifier, on its own features.

    The classifier sees the preprocessed features, so its coefficients, standard
    errors and intervals are those of the standardised (and one-hot encoded)
    columns, named as the preprocessing names them.

    Parameters
    ----------
    model : Pipeline
        Fitted; its last step a ``BCELogisticClassifier``.
    X : DataFrame or ndarray
        The rows it was fitted on.
    y : ndarray
        Their labels.
    kind : {"nonrobust", "HC0", "HC1"}, default="nonrobust"
        The covariance (see ``BCELogisticClassifier.covariance_matrix``).

    Returns
    -------
    records : structured ndarray
        Fields ``term`` (and ``class`` for more than two classes), ``coef``,
        ``se``, ``z``, ``p_value``, ``ci_lower`` and ``ci_upper``.
    """
    classifier = model[-1]
    Xt = model[:-1].transform(X)
    try:
        with warnings.catch_warnings():  # the header says what a finite C means
            warnings.filterwarnings("ignore", message=r"C=.* is finite")
            table = classifier.coef_table(Xt, y, kind=kind)
    except ValueError as exc:
        raise CommandError(
            f"no coefficient table for the chosen model: {exc}"
        ) from None
    if hasattr(table, "reset_index"):
        table = table.reset_index().to_records(index=False)
    names = _feature_names(model[:-1], classifier)
    if names is None:
        return table
    terms = names + (["intercept"] if classifier.fit_intercept else [])
    terms = np.tile(terms, len(table) // len(terms))
    fields = [
        (f, terms.dtype if f == "term" else table.dtype[f]) for f in table.dtype.names
    ]
    named = np.empty(len(table), dtype=fields)  # the names may be longer: new field
    for f in table.dtype.names:
        named[f] = terms if f == "term" else table[f]
    return named


def _feature_names(preprocessing, classifier):
    """Names of the preprocessed features, or None where they are not known."""
    try:
        names = [str(n) for n in preprocessing.get_feature_names_out()]
    except (AttributeError, ValueError):
        return None
    return names if len(names) == classifier.n_features_in_ else None


def format_coef_table(table, C, kind):
    """Fixed-width text of a coefficient table, with a header that explains it.

    Parameters
    ----------
    table : structured ndarray
        From :func:`coef_table_of`.
    C : float
        The model's ``C``.
    kind : str
        The covariance kind.

    Returns
    -------
    text : str
    """
    header = (
        f"coefficients of the chosen model on its preprocessed features (C = {C:g}, "
        f"covariance {kind}, 95% intervals)"
    )
    if np.isfinite(C):
        header += (
            f"\nnote: C = {C:g} is finite, so these standard errors are those of "
            "the penalised estimate (inverse penalised Hessian), not classical "
            "maximum-likelihood inference, which needs C = inf"
        )
    labels = [f for f in ("class", "term") if f in table.dtype.names]
    rows = [[str(r[f]) for f in labels] for r in table]
    widths = [max(len(f), *(len(r[j]) for r in rows)) for j, f in enumerate(labels)]
    numbers = ("coef", "se", "z", "p_value", "ci_lower", "ci_upper")
    head = "".join(f"{f:<{w + 2}}" for f, w in zip(labels, widths, strict=True))
    head += "".join(f"{f:>11}" for f in numbers)
    lines = [header, head, "-" * len(head)]
    for r, text in zip(table, rows, strict=True):
        line = "".join(f"{t:<{w + 2}}" for t, w in zip(text, widths, strict=True))
        line += "".join(f"{r[f]:>11.4g}" for f in numbers)
        lines.append(line)
    return "\n".join(lines)
