"""Saving the chosen pipeline with skops, and loading it only after checking it."""

from __future__ import annotations

from pathlib import Path

from .errors import CommandError, require_optional
from .model import FillMissing


def trusted_types():
    """The types a model saved by this command may hold beyond skops' defaults.

    skops trusts scikit-learn's estimators on its own; the other types in a
    pipeline saved by ``sklearn-bce --save`` are this package's
    :class:`~sklearn_bce.BCELogisticClassifier` and :class:`FillMissing`, and,
    with scikit-learn 1.6, the plain list subclass in which ``ColumnTransformer``
    records its remainder columns.

    Returns
    -------
    types : list of str
    """
    from .._classifier import BCELogisticClassifier

    ours = [f"{c.__module__}.{c.__qualname__}"
            for c in (BCELogisticClassifier, FillMissing)]
    return ours + ["sklearn.compose._column_transformer._RemainderColsList"]


def save_model(model, path):
    """Save a fitted pipeline with :func:`skops.io.dump`.

    Parameters
    ----------
    model : estimator
        The fitted pipeline.
    path : str or Path
        Output file, conventionally ``*.skops``.
    """
    sio = require_optional("skops.io", "--save")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sio.dump(model, path)


def load_model(path):
    """Load a pipeline saved by ``sklearn-bce --save``, safely.

    The file is inspected with :func:`skops.io.get_untrusted_types` first; it is
    loaded only when every type skops does not trust by default is one of
    ``trusted_types()``, and only those types are passed as ``trusted``.

    Parameters
    ----------
    path : str or Path
        A ``.skops`` file.

    Returns
    -------
    model : estimator

    Raises
    ------
    CommandError
        When skops is missing, the file cannot be read, or it holds other types.
    """
    sio = require_optional("skops.io", "loading a model")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises several types for unreadable files
        raise CommandError(f"cannot read model {path}: {exc}") from None
    unknown = sorted(set(untrusted) - set(trusted_types()))
    if unknown:
        raise CommandError(
            f"{path} holds types that are neither scikit-learn's nor sklearn-bce's "
            f"({', '.join(unknown)}); refusing to load it. Inspect it and load it "
            "yourself with skops.io.load(path, trusted=[...]) if you trust it."
        )
    return sio.load(path, trusted=untrusted)
