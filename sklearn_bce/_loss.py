"""Binary cross-entropy as an element-wise function of a logit.

The functions of a logit ``z`` (:func:`log1pexp`, :func:`bce_from_logits`,
:func:`log_sigmoid`) are written so that no logit, however large, overflows. They
serve the metric and the predictions; the objective of a fit, which lifts the same
loss to linear models, lives in :mod:`sklearn_bce._objective`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bce_from_logits", "log1pexp", "log_sigmoid"]


def log1pexp(z):
    """Compute ``log(1 + exp(z))`` without overflow.

    Parameters
    ----------
    z : array-like
        Logits, any real value including ``+-inf``.

    Returns
    -------
    out : ndarray
        ``log(1 + exp(z))`` element-wise, same floating dtype as ``z``.
    """
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return np.logaddexp(np.zeros((), dtype=z.dtype), z)


def log_sigmoid(z):
    """Compute ``log(sigmoid(z)) = -log(1 + exp(-z))`` without overflow.

    Parameters
    ----------
    z : array-like
        Logits.

    Returns
    -------
    out : ndarray
        Element-wise log-probability of the positive class.
    """
    return -log1pexp(-np.asarray(z))


def bce_from_logits(y, z):
    """Element-wise binary cross-entropy of a logit, ``log(1 + e^z) - y z``.

    This is ``-[y log p + (1 - y) log(1 - p)]`` with ``p = sigmoid(z)``, computed
    without forming ``p``: finite for any finite ``z`` (``|z| = 1e4`` included), and
    never clipped.

    Parameters
    ----------
    y : array-like
        Targets in ``[0, 1]`` (usually 0/1 labels).
    z : array-like
        Logits, broadcastable against ``y``.

    Returns
    -------
    loss : ndarray
        Element-wise loss, non-negative for 0/1 targets.
    """
    z = np.asarray(z)
    y = np.asarray(y, dtype=z.dtype if np.issubdtype(z.dtype, np.floating) else None)
    # log(1 + e^z) - y z  ==  max(z, 0) - y z + log1p(e^{-|z|}); for y in {0, 1}
    # the first two terms are max(z,0)-y z = relu((1-2y) z) >= 0 so nothing cancels.
    return np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))
