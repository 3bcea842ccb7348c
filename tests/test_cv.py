"""``BCELogisticClassifierCV`` against scikit-learn's own searches.

The references are ``GridSearchCV`` of ``LogisticRegression`` (newton-cholesky at
tol 1e-10 for L2, liblinear without intercept for L1) on the same folds, scored
with ``neg_log_loss`` (``bce_scorer`` of a binary problem), one search per binary
problem for one-vs-rest and multilabel targets, as
``OneVsRestClassifier(GridSearchCV(...))`` would run them.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.datasets import make_multilabel_classification
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_bce import BCELogisticClassifierCV, bce_scorer

from .conftest import DATASETS, REFERENCE_TOL, lr_reference
from .test_l1 import penalised_lr

CS = [1e-3, 1e-2, 0.1, 1.0, 10.0]


def lr_search(X, y, folds, Cs=CS, estimator=None, **fit_params):
    """``GridSearchCV`` of the reference ``LogisticRegression`` over ``Cs``."""
    from sklearn.linear_model import LogisticRegression

    estimator = estimator or LogisticRegression(
        solver="newton-cholesky", tol=REFERENCE_TOL, max_iter=1000
    )
    search = GridSearchCV(
        estimator, {"C": list(Cs)}, cv=folds, scoring="neg_log_loss"
    )
    return search.fit(X, y, **fit_params)


def split_scores(search, n_folds):
    """(n_folds, n_Cs) held-out scores of a GridSearchCV."""
    return np.array(
        [search.cv_results_[f"split{i}_test_score"] for i in range(n_folds)]
    )


def folds_of(X, y, n=5):
    return list(StratifiedKFold(n).split(X, y))


@pytest.mark.parametrize("name", ["breast_cancer", "synthetic"])
def test_binary_choice_scores_and_refit_match_grid_search(name):
    X, y = DATASETS[name]()
    folds = folds_of(X, y)
    ours = BCELogisticClassifierCV(Cs=CS, cv=folds, tol=1e-8).fit(X, y)
    ref = lr_search(X, y, folds)
    assert ours.C_.tolist() == [ref.best_params_["C"]]
    assert ours.l1_ratio_.tolist() == [0.0]
    assert ours.scores_.shape == (5, 1, 5, 1)
    # measured: 3e-9 at most
    np.testing.assert_allclose(
        ours.scores_[:, 0, :, 0], split_scores(ref, 5), rtol=0, atol=3e-8
    )
    best = lr_reference(X, y, ours.C_[0])
    atol = 3e-7 * max(1.0, np.abs(best.coef_).max())
    np.testing.assert_allclose(ours.coef_, best.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.intercept_, best.intercept_, rtol=0, atol=atol)
    np.testing.assert_array_equal(ours.Cs_, CS)
    assert ours.coefs_paths_.shape == (5, 1, 5, 1, X.shape[1] + 1)
    assert ours.n_iter_.shape == (5, 1, 5, 1)
    assert ours.solver_ == "newton-cholesky"


@pytest.mark.parametrize("name", ["iris", "wine"])
def test_each_class_chooses_as_one_vs_rest_grid_searches(name):
    X, y = DATASETS[name]()
    folds = folds_of(X, y)
    ours = BCELogisticClassifierCV(Cs=CS, cv=folds, tol=1e-8).fit(X, y)
    assert ours.C_.shape == ours.l1_ratio_.shape == (3,)
    for k, label in enumerate(np.unique(y)):
        yk = (y == label).astype(int)
        ref = lr_search(X, yk, folds)
        assert ours.C_[k] == ref.best_params_["C"]
        np.testing.assert_allclose(  # measured: 3e-9 at most
            ours.scores_[:, 0, :, k], split_scores(ref, 5), rtol=0, atol=3e-8
        )
        best = lr_reference(X, yk, ours.C_[k])
        atol = 3e-7 * max(1.0, np.abs(best.coef_).max())
        np.testing.assert_allclose(ours.coef_[k], best.coef_[0], rtol=0, atol=atol)


def test_multilabel_each_label_chooses_as_its_grid_search():
    X, Y = make_multilabel_classification(
        n_samples=200, n_features=8, n_classes=3, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    folds = list(KFold(4).split(X))
    ours = BCELogisticClassifierCV(Cs=CS, cv=folds, tol=1e-8).fit(X, Y)
    assert ours.multilabel_
    for k in range(3):
        ref = lr_search(X, Y[:, k], folds)
        assert ours.C_[k] == ref.best_params_["C"]
        np.testing.assert_allclose(
            ours.scores_[:, 0, :, k], split_scores(ref, 4), rtol=0, atol=3e-8
        )
    assert ours.predict(X).shape == Y.shape


def test_l1_choice_matches_liblinear_without_intercept():
    X, y = DATASETS["breast_cancer"]()
    folds = folds_of(X, y)
    Cs = [0.01, 0.03, 0.1, 0.3, 1.0]
    ours = BCELogisticClassifierCV(
        Cs=Cs, l1_ratios=[1.0], cv=folds, fit_intercept=False, tol=1e-8,
        max_iter=1000,
    ).fit(X, y)
    liblinear = penalised_lr(
        1.0, 1.0, solver="liblinear", fit_intercept=False, tol=1e-10,
        max_iter=100_000,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ref = lr_search(X, y, folds, Cs=Cs, estimator=liblinear)
    assert ours.C_.tolist() == [ref.best_params_["C"]]
    np.testing.assert_allclose(  # measured: 4e-9
        ours.scores_[:, 0, :, 0], split_scores(ref, 5), rtol=0, atol=5e-8
    )
    assert ours.solver_ == "cd"
    assert np.count_nonzero(ours.coef_) < X.shape[1]


def test_l1_ratios_are_searched_with_c():
    X, y = DATASETS["breast_cancer"]()
    ours = BCELogisticClassifierCV(Cs=4, l1_ratios=[0.0, 0.5, 1.0], cv=3).fit(X, y)
    assert ours.scores_.shape == (3, 3, 4, 1)
    mean = ours.scores_.mean(axis=0)[..., 0]
    i, j = np.unravel_index(np.argmax(mean), mean.shape)
    assert ours.l1_ratio_[0] == [0.0, 0.5, 1.0][i]
    assert ours.C_[0] == np.logspace(-4, 4, 4)[j]


def test_refit_false_averages_each_folds_best_fit():
    X, y = DATASETS["synthetic"]()
    folds = folds_of(X, y, 4)
    ours = BCELogisticClassifierCV(
        Cs=CS, cv=folds, refit=False, tol=1e-8
    ).fit(X, y)
    ref = lr_search(X, y, folds)
    best = np.argmax(split_scores(ref, 4), axis=1)
    fits = [
        lr_reference(X[train], y[train], CS[b])
        for (train, _), b in zip(folds, best, strict=True)
    ]
    np.testing.assert_allclose(
        ours.coef_, np.mean([f.coef_ for f in fits], axis=0), rtol=0, atol=3e-7
    )
    np.testing.assert_allclose(
        ours.intercept_, np.mean([f.intercept_ for f in fits], axis=0), atol=3e-7
    )
    np.testing.assert_allclose(ours.C_, [np.mean(np.array(CS)[best])])
    assert ours.solver_ is None


def test_default_scores_are_weighted_like_routed_grid_search():
    X, y = DATASETS["synthetic"]()
    sw = np.random.default_rng(0).integers(0, 4, size=y.size).astype(float)
    folds = folds_of(X, y)
    ours = BCELogisticClassifierCV(Cs=CS, cv=folds, tol=1e-8).fit(
        X, y, sample_weight=sw
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import get_scorer

    with sklearn.config_context(enable_metadata_routing=True):
        lr = LogisticRegression(
            solver="newton-cholesky", tol=REFERENCE_TOL, max_iter=1000
        ).set_fit_request(sample_weight=True)
        scorer = get_scorer("neg_log_loss").set_score_request(sample_weight=True)
        ref = GridSearchCV(lr, {"C": CS}, cv=folds, scoring=scorer).fit(
            X, y, sample_weight=sw
        )
    assert ours.C_.tolist() == [ref.best_params_["C"]]
    np.testing.assert_allclose(
        ours.scores_[:, 0, :, 0], split_scores(ref, 5), rtol=0, atol=3e-8
    )
    with sklearn.config_context(enable_metadata_routing=True):
        # with routing on, the default score is weighted all the same ...
        routed = BCELogisticClassifierCV(Cs=CS, cv=folds, tol=1e-8).fit(
            X, y, sample_weight=sw
        )
        # ... and a scorer that declines the weights is not
        unweighted = BCELogisticClassifierCV(
            Cs=CS, cv=folds, tol=1e-8,
            scoring=get_scorer("neg_log_loss").set_score_request(
                sample_weight=False
            ),
        ).fit(X, y, sample_weight=sw)
        declines = get_scorer("neg_log_loss").set_score_request(sample_weight=False)
        ref_unweighted = GridSearchCV(
            lr, {"C": CS}, cv=folds, scoring=declines
        ).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(
        routed.scores_[:, 0, :, 0], split_scores(ref, 5), rtol=0, atol=3e-8
    )
    np.testing.assert_allclose(
        unweighted.scores_[:, 0, :, 0], split_scores(ref_unweighted, 5), rtol=0,
        atol=3e-8,
    )
    assert not np.allclose(routed.scores_, unweighted.scores_, atol=1e-3)


def test_groups_are_routed_to_the_splitter():
    X, y = DATASETS["synthetic"]()
    groups = np.arange(y.size) % 7
    with sklearn.config_context(enable_metadata_routing=True):
        ours = BCELogisticClassifierCV(
            Cs=CS, cv=GroupKFold(3), scoring="neg_log_loss", tol=1e-8
        ).fit(X, y, groups=groups)
        ref = lr_search(X, y, GroupKFold(3), groups=groups)
    assert ours.C_.tolist() == [ref.best_params_["C"]]
    np.testing.assert_allclose(
        ours.scores_[:, 0, :, 0], split_scores(ref, 3), rtol=0, atol=3e-8
    )


def test_metadata_without_routing_raises():
    X, y = DATASETS["synthetic"]()
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        BCELogisticClassifierCV(cv=GroupKFold(3)).fit(X, y, groups=np.arange(400))


def test_score_uses_the_scoring():
    X, y = DATASETS["iris"]()
    model = BCELogisticClassifierCV(Cs=3, cv=3).fit(X, y)
    assert model.score(X, y) == bce_scorer(model, X, y)
    accuracy = BCELogisticClassifierCV(Cs=3, cv=3, scoring="accuracy").fit(X, y)
    assert accuracy.score(X, y) == accuracy_score(y, accuracy.predict(X))


def test_in_a_pipeline_under_grid_search_and_cross_val_score():
    X, y = DATASETS["breast_cancer"]()
    pipe = make_pipeline(StandardScaler(), BCELogisticClassifierCV(Cs=4, cv=3))
    search = GridSearchCV(
        pipe, {"bcelogisticclassifiercv__l1_ratios": [(0.0,), (1.0,)]}, cv=3,
        scoring=bce_scorer,
    ).fit(X, y)
    scores = cross_val_score(pipe, X, y, cv=3, scoring=bce_scorer)
    prior = log_loss(y, np.full(y.size, y.mean()))  # the constant model's BCE
    assert np.all(-scores < 0.5 * prior)
    assert -search.best_score_ < 0.5 * prior


def test_n_jobs_gives_the_same_fit():
    X, y = DATASETS["wine"]()
    one = BCELogisticClassifierCV(Cs=4, cv=3, n_jobs=1).fit(X, y)
    two = BCELogisticClassifierCV(Cs=4, cv=3, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(one.scores_, two.scores_)
    np.testing.assert_array_equal(one.coef_, two.coef_)


def test_float32_and_sparse_input():
    X, y = DATASETS["breast_cancer"]()
    folds = folds_of(X, y)
    m32 = BCELogisticClassifierCV(Cs=CS, cv=folds).fit(X.astype(np.float32), y)
    assert m32.coef_.dtype == np.float32
    ref = lr_search(X, y, folds)
    assert m32.C_.tolist() == [ref.best_params_["C"]]
    msp = BCELogisticClassifierCV(Cs=CS, cv=folds, tol=1e-8).fit(
        sp.csr_matrix(X), y
    )
    np.testing.assert_allclose(
        msp.scores_[:, 0, :, 0], split_scores(ref, 5), rtol=0, atol=3e-8
    )
    sparse = msp.sparsify()
    assert sp.issparse(sparse.coef_)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(l1_ratios=[0.5, 1.5]), r"l1_ratios must hold at least one value"),
        (dict(l1_ratios=[]), r"l1_ratios must hold at least one value"),
        (dict(l1_ratios=[1.0], solver="lbfgs"), r"need solver='cd'"),
        (dict(Cs=[0.1, -1.0]), r"Cs must hold positive values"),
    ],
)
def test_bad_parameters_raise(params, match):
    X, y = DATASETS["synthetic"]()
    with pytest.raises(ValueError, match=match):
        BCELogisticClassifierCV(**params).fit(X, y)


def test_bad_input_raises():
    X, y = DATASETS["synthetic"]()
    with pytest.raises(ValueError, match="NaN"):
        BCELogisticClassifierCV().fit(np.where(X > 2, np.nan, X), y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        BCELogisticClassifierCV().fit(X, np.zeros_like(y))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        BCELogisticClassifierCV().fit(X, y[:-1])
    with pytest.raises(ValueError, match="Negative values in sample_weight"):
        BCELogisticClassifierCV().fit(X, y, sample_weight=-np.ones(y.size))


def test_dask_input_raises_a_clear_error():
    da = pytest.importorskip("dask.array")
    X, y = DATASETS["synthetic"]()
    with pytest.raises(TypeError, match="fits in-memory data"):
        BCELogisticClassifierCV().fit(da.from_array(X), da.from_array(y))
