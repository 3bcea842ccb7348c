"""scikit-learn's estimator checks, with no expected failures."""

import functools

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_bce import BCELogisticClassifier

ESTIMATORS = [
    BCELogisticClassifier(),  # solver="auto": Newton's method on these small data
    BCELogisticClassifier(solver="lbfgs"),
    BCELogisticClassifier(solver="newton-cholesky"),
    BCELogisticClassifier(solver="sgd"),
]


def _check_name(check):
    return check.func.__name__ if isinstance(check, functools.partial) else (
        check.__name__
    )


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    if (
        _check_name(check) == "check_classifiers_one_label_sample_weights"
        and estimator.solver == "sgd"
    ):
        # All the weight on one class: that problem has no finite optimum, and
        # SGD, which stops on its gradient, says so when max_iter runs out.
        with pytest.warns(ConvergenceWarning, match="single value of their target"):
            check(estimator)
        return
    check(estimator)
