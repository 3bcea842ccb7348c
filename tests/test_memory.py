"""Peak extra memory of a fit stays a small fraction of X (no copies of X)."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_bce import BCELogisticClassifier


def _data(layout, rng):
    n, d = 40_000, 50
    if layout in ("csr", "csc"):
        n = 150_000  # X, not the solver's O(n_features) state, dominates
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout == "float32":
        X = X.astype(np.float32)
    elif layout in ("csr", "csc"):
        # a Generator draws the positions without a permutation of all n * 1000
        X = sp.random(
            n, 1000, density=0.01, format=layout, random_state=np.random.default_rng(0)
        )
        row_sums = np.asarray(X.sum(axis=1)).ravel()
        y = (row_sums > np.median(row_sums)).astype(int)
    return X, y


def _nbytes(X):
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


@pytest.mark.parametrize("layout", ["C", "F", "float32", "csr", "csc"])
@pytest.mark.parametrize("target", ["binary", "3 classes"])
def test_peak_extra_memory_is_at_most_a_quarter_of_X(layout, target):
    rng = np.random.default_rng(0)
    X, y = _data(layout, rng)
    if target == "3 classes":
        y = y + (rng.uniform(size=y.size) < 0.3)
    # a first fit imports and caches what every fit shares (lazy imports of
    # scipy and scikit-learn, thread pools); the second is the one measured
    BCELogisticClassifier().fit(X[:2000], y[:2000])
    tracemalloc.start()
    try:
        clf = BCELogisticClassifier().fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    budget = 0.25 * _nbytes(X)
    if layout == "csc" and target != "binary":
        # documented: CSC input also holds one (n_samples, n_classes) logit array
        budget += X.shape[0] * 3 * X.dtype.itemsize
    assert peak <= budget, (peak, _nbytes(X))
    assert clf.coef_.dtype == X.dtype
