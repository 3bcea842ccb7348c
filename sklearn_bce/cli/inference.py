"""The coefficient table of the chosen model (``--coef-table``)."""

from __future__ import annotations

import re
import textwrap
import warnings

import numpy as np

from .constraints import rule_labels
from .errors import CommandError

#: Covariance kinds the command offers (``--cov``).
COV_KINDS = ("nonrobust", "HC0", "HC1")


def coef_table_of(model, X, y, kind="nonrobust"):
    """Coefficient table of a fitted pipeline's classifier, on its own features.

    The classifier sees the preprocessed features, so its coefficients, standard
    errors and intervals are those of the standardised (and one-hot encoded)
    columns, named as the preprocessing names them (its
    ``get_feature_names_out``), in the table and in the messages of errors.

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
        ``se``, ``z``, ``p_value``, ``ci_lower`` and ``ci_upper``; with column
        constraints, also ``constraint`` (``">= 0"``, ``"<= 0"``,
        ``"unpenalised"``, with ``"at bound"`` when a bound holds the
        coefficient, whose standard error is then NaN).
    """
    classifier = model[-1]
    Xt = model[:-1].transform(X)
    names = _feature_names(model[:-1], classifier)
    try:
        with warnings.catch_warnings():  # the header says what a finite C means
            warnings.filterwarnings("ignore", message=r"C=.* is finite")
            # the header says what a coefficient at its bound means
            warnings.filterwarnings("ignore", message=r"Coefficients at a bound")
            table = classifier.coef_table(Xt, y, kind=kind)
    except ValueError as exc:
        raise CommandError(
            f"no coefficient table for the chosen model: {_renamed(exc, names)}"
        ) from None
    if hasattr(table, "reset_index"):
        table = table.reset_index().to_records(index=False)
    table = _with_constraints(table, classifier)
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


def _with_constraints(table, classifier):
    """The table with a ``constraint`` field instead of ``at_bound``, if any."""
    n_rows = classifier.n_features_in_ + int(classifier.fit_intercept)
    labels = np.tile(rule_labels(classifier, n_rows), len(table) // n_rows)
    if not any(labels):
        return table
    if "at_bound" in table.dtype.names:
        held = np.asarray(table["at_bound"]) != ""
        labels = np.where(held, np.char.add(labels, ", at bound"), labels)
    names = [f for f in table.dtype.names if f != "at_bound"]
    out = np.empty(len(table), dtype=[(f, table.dtype[f]) for f in names] + [
        ("constraint", f"U{max(len(s) for s in labels)}")
    ])
    for f in names:
        out[f] = table[f]
    out["constraint"] = labels
    return out


def _renamed(exc, names):
    """The message of an error with the generic names x0, x1, ... replaced.

    The classifier is fitted on the preprocessed array, so its messages name
    the features by position; ``names`` are their real names.
    """
    message = str(exc)
    if names is None:
        return message
    return re.sub(
        r"\bx(\d+)\b",
        lambda m: names[int(m[1])] if int(m[1]) < len(names) else m[0],
        message,
    )


def _feature_names(preprocessing, classifier):
    """Names of the preprocessed features, or None where they are not known."""
    try:
        names = [str(n) for n in preprocessing.get_feature_names_out()]
    except (AttributeError, ValueError):
        return None
    return names if len(names) == classifier.n_features_in_ else None


def _class_line(classes, target):
    """Which log-odds the rows of the table are, in one line."""
    classes = np.asarray(classes).tolist()  # Python scalars print plainly

    def label(c):
        return f"{target} = {c!r}" if target is not None else f"class {c!r}"

    if len(classes) == 2:
        return (
            f"log-odds of {label(classes[1])} (classes_[1]) against "
            f"{classes[0]!r}: a positive coefficient makes {classes[1]!r} more "
            "likely"
        )
    what = f"{target} being that class" if target is not None else "that class"
    return (
        "one-vs-rest, one binary model per class: the rows of each class are the "
        f"log-odds of {what} against all the other classes"
    )


def _encoding_line(categorical, references, C):
    """How categorical columns are encoded, in one line (or None)."""
    if references:
        levels = ", ".join(f"{column} = {level!r}" for column, level in references)
        return (
            "reference levels (the first in sorted order, encoded as all zeros, so "
            "part of the intercept; the other levels' coefficients are "
            f"differences from them):\n  {levels}"
        )
    if categorical:
        return (
            "categorical columns: one column per level and no reference level "
            f"(C = {C:g} is finite, so the penalty identifies them; with C = inf "
            "the first level of each column is the reference)"
        )
    return None


def _column(values, field):
    """Text of one numeric column: fixed decimals, so the points line up."""
    if field == "constraint":
        return [str(v) for v in values]
    if field == "p_value":
        return ["<0.0001" if 0 <= v < 1e-4 else f"{v:.4f}" for v in values]
    return [f"{v:.4f}" for v in values]


def format_coef_table(table, C, kind, *, classes=None, target=None,
                      categorical=(), references=()):
    """Fixed-width text of a coefficient table, with a header that explains it.

    The header says which class's log-odds the coefficients are (for two
    classes, those of ``classes[1]``; for more, each class's against the
    rest), how categorical columns are encoded (their reference levels, with
    ``C=inf``), and, for a finite ``C``, that the standard errors are those of
    a penalised fit. The numbers have fixed decimals and are right-aligned, so
    that their decimal points line up.

    Parameters
    ----------
    table : structured ndarray
        From :func:`coef_table_of`.
    C : float
        The model's ``C``.
    kind : str
        The covariance kind.
    classes : array-like, default=None
        The model's ``classes_``; the header names them when given.
    target : str, default=None
        The name of the target column, if any.
    categorical : sequence of str, default=()
        The categorical columns of the data.
    references : sequence of (column, level), default=()
        The reference level of each categorical column that has one (see
        ``reference_levels`` in ``sklearn_bce.cli.model``).

    Returns
    -------
    text : str
    """
    penalty = "no penalty: maximum likelihood" if np.isinf(C) else "penalised"
    header = [
        f"coefficients of the chosen model on its preprocessed features (numeric "
        f"columns standardised; C = {C:g}, {penalty}; covariance {kind}, 95% "
        "intervals)"
    ]
    if classes is not None:
        header.append(_class_line(classes, target))
    encoding = _encoding_line(categorical, references, C)
    if encoding is not None:
        header.append(encoding)
    if np.isfinite(C):
        header.append(
            f"note: C = {C:g} is finite, so these standard errors describe the "
            "penalised fit (inverse penalised Hessian): the coefficients are "
            "shrunk towards zero, the intervals are centred on a biased estimate "
            "and the p-values are not classical tests, for which C = inf is "
            "needed (see 'Penalised fits' in docs/inference.rst)"
        )
    labels = [f for f in ("class", "term") if f in table.dtype.names]
    rows = [[str(r[f]) for f in labels] for r in table]
    widths = [max(len(f), *(len(r[j]) for r in rows)) for j, f in enumerate(labels)]
    numbers = ("coef", "se", "z", "p_value", "ci_lower", "ci_upper")
    if "constraint" in table.dtype.names:
        numbers += ("constraint",)
        header.append(
            "constraint: '>= 0' / '<= 0' are the signs asked for (--positive, "
            "--negative), 'unpenalised' a column left out of the penalty "
            "(--unpenalised); 'at bound' marks a coefficient that its bound "
            "holds at 0: the usual standard errors do not apply to it (nan), "
            "and the others are those of the model with it fixed there"
        )
    texts = [_column(table[f], f) for f in numbers]
    spans = [max(len(f), *map(len, t)) + 2 for f, t in zip(numbers, texts,
                                                            strict=True)]
    head = "".join(f"{f:<{w + 2}}" for f, w in zip(labels, widths, strict=True))
    head += "".join(f"{f:>{w}}" for f, w in zip(numbers, spans, strict=True))
    width = max(80, len(head))
    header = [
        "\n".join(textwrap.fill(part, width, subsequent_indent="  ",
                                break_on_hyphens=False) if k == 0 else part
                  for k, part in enumerate(line.split("\n")))
        for line in header
    ]
    lines = [*header, head, "-" * len(head)]
    for k, text in enumerate(rows):
        line = "".join(f"{t:<{w + 2}}" for t, w in zip(text, widths, strict=True))
        line += "".join(f"{t[k]:>{w}}" for t, w in zip(texts, spans, strict=True))
        lines.append(line)
    return "\n".join(lines)
