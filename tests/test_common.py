"""scikit-learn's estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_bce import BCELogisticClassifier

ESTIMATORS = [
    BCELogisticClassifier(),  # solver="auto": Newton's method on these small data
    BCELogisticClassifier(solver="lbfgs"),
    BCELogisticClassifier(solver="newton-cholesky"),
    BCELogisticClassifier(solver="sgd"),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
