"""Shared data sets for the tests: small, shipped with scikit-learn or synthetic."""

import numpy as np
import pytest
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.preprocessing import StandardScaler

from sklearn_bce._objective import InMemoryBackend, Objective, Penalty


def _standardised(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


DATASETS = {
    "breast_cancer": lambda: _standardised(load_breast_cancer),
    "iris": lambda: _standardised(load_iris),
    "wine": lambda: _standardised(load_wine),
    "digits": lambda: _standardised(load_digits),
    "synthetic": lambda: make_classification(
        n_samples=400, n_features=12, n_informative=6, random_state=0
    ),
}


@pytest.fixture(params=["breast_cancer", "synthetic"])
def binary_data(request):
    return DATASETS[request.param]()


@pytest.fixture(params=["iris", "wine"])
def multiclass_data(request):
    return DATASETS[request.param]()


@pytest.fixture
def rng():
    return np.random.default_rng(42)


def make_objective(
    X, Y, sample_weight=None, C=1.0, l1_ratio=0.0, fit_intercept=True,
    precondition=True, preconditioner=None,
):
    """The objective of a fit on in-memory data (``LinearBCE`` before the split).

    The penalty is scaled by the data's total weight, as in ``fit``.
    """
    backend = InMemoryBackend(X, Y, sample_weight=sample_weight)
    penalty = Penalty(C, l1_ratio, backend.weight_totals())
    return Objective(
        backend, penalty, fit_intercept=fit_intercept, precondition=precondition,
        preconditioner=preconditioner,
    )
