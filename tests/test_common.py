"""scikit-learn's estimator checks, with no expected failures.

The array API checks are generated for every namespace and device scikit-learn
knows; only those this machine has are run (``array_api_devices``), so that none
is skipped.
"""

import functools

import pytest
from sklearn.utils.estimator_checks import (
    _get_check_estimator_ids,
    estimator_checks_generator,
)

from sklearn_bce import BCELogisticClassifier, BCELogisticClassifierCV

from .array_api_devices import check_runs_here

ESTIMATORS = [
    BCELogisticClassifier(),  # solver="auto": Newton's method on these small data
    BCELogisticClassifier(solver="lbfgs"),
    BCELogisticClassifier(solver="newton-cholesky"),
    BCELogisticClassifier(solver="sgd"),
    # exact elastic net by coordinate descent (L1 and L2 parts)
    BCELogisticClassifier(solver="cd", l1_ratio=0.5),
    # bounds on the coefficients (solver="auto": L-BFGS-B, which honours them;
    # in float32 it stops at 1.4e-5 on the array API check's data, so tol=1e-4)
    BCELogisticClassifier(lower_bounds=-5.0, upper_bounds=5.0, tol=1e-4),
    # paths on 3 folds: every check also runs the cross-validation
    BCELogisticClassifierCV(Cs=3, cv=3),
]


def _check_name(check):
    return check.func.__name__ if isinstance(check, functools.partial) else (
        check.__name__
    )


CHECKS = [
    (estimator, check)
    for est in ESTIMATORS
    for estimator, check in estimator_checks_generator(est, legacy=True)
    if check_runs_here(check)
]


@pytest.mark.parametrize("estimator, check", CHECKS, ids=_get_check_estimator_ids)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
