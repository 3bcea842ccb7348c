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
    assert ours.cv_scores_.shape == (5, 1, 5, 1)
    # measured: 3e-9 at most
    np.testing.assert_allclose(
        ours.cv_scores_[:, 0, :, 0], split_scores(ref, 5), rtol=0, atol=3e-8
    )
    best = lr_reference(X, y, ours.C_[0])
    atol = 3e-7 * max(1.0, np.abs(best.coef_).max())
    np.testing.assert_allclose(ours.coef_, best.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.intercept_, best.intercept_, rtol=0, atol=atol)
    np.testing.assert_array_equal(ours.Cs_, CS)
    assert ours.cv_coefs_paths_.shape == (5, 1, 5, 1, X.shape[1] + 1)
    assert ours.cv_n_iter_.shape == (5, 1, 5, 1)
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
            ours.cv_scores_[:, 0, :, k], split_scores(ref, 5), rtol=0, atol=3e-8
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
    # one key per label, its index in classes_ (arange(n_labels))
    assert list(ours.scores_) == list(ours.coefs_paths_) == [0, 1, 2]
    assert ours.scores_[2].shape == (4, 5, 1)
    assert ours.n_iter_.shape == (3, 4, 5, 1)
    for k in range(3):
        ref = lr_search(X, Y[:, k], folds)
        assert ours.C_[k] == ref.best_params_["C"]
        np.testing.assert_allclose(
            ours.cv_scores_[:, 0, :, k], split_scores(ref, 4), rtol=0, atol=3e-8
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
    # liblinear visits the coordinates in a random order: seeded, the reference
    # is the same on every run (unseeded, a fit once stopped at max_iter, its
    # score NaN; 0 of 30 further unseeded runs did)
    liblinear = penalised_lr(
        1.0, 1.0, solver="liblinear", fit_intercept=False, tol=1e-10,
        max_iter=100_000, random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ref = lr_search(X, y, folds, Cs=Cs, estimator=liblinear)
    assert ours.C_.tolist() == [ref.best_params_["C"]]
    np.testing.assert_allclose(  # measured: 4e-9
        ours.cv_scores_[:, 0, :, 0], split_scores(ref, 5), rtol=0, atol=5e-8
    )
    assert ours.solver_ == "cd"
    assert np.count_nonzero(ours.coef_) < X.shape[1]


def test_l1_ratios_are_searched_with_c():
    X, y = DATASETS["breast_cancer"]()
    ours = BCELogisticClassifierCV(Cs=4, l1_ratios=[0.0, 0.5, 1.0], cv=3).fit(X, y)
    assert ours.cv_scores_.shape == (3, 3, 4, 1)
    assert ours.scores_[1].shape == (3, 4, 3)  # (folds, Cs, l1_ratios)
    np.testing.assert_array_equal(
        ours.scores_[1], ours.cv_scores_[..., 0].transpose(0, 2, 1)
    )
    assert ours.coefs_paths_[1].shape == (3, 4, 3, X.shape[1] + 1)
    assert ours.n_iter_.shape == (1, 3, 4, 3)
    mean = ours.cv_scores_.mean(axis=0)[..., 0]
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


# ---------------------------------------------- LogisticRegressionCV's attributes
def lr_cv(folds, l1_ratios=(0.0,), Cs=CS):
    """``LogisticRegressionCV`` on the same folds and score, at a tight tolerance.

    Legacy attributes (dicts keyed by class), the layout of scikit-learn 1.6 to
    1.9 by default; at ``tol=1e-12`` its paths are within rounding of the
    optimum.
    """
    from sklearn.linear_model import LogisticRegressionCV

    params = dict(
        Cs=Cs, cv=folds, l1_ratios=l1_ratios, scoring="neg_log_loss",
        solver="newton-cholesky", tol=1e-12, max_iter=1000,
    )
    if "use_legacy_attributes" in LogisticRegressionCV().get_params():
        params["use_legacy_attributes"] = True
    return LogisticRegressionCV(**params)


def fit_quietly(estimator, X, y):
    """Fit without the deprecation warnings of ``l1_ratios=None`` (1.8+) or of
    ``l1_ratios`` with an L2 penalty (before 1.8)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", "l1_ratios parameter is only used")
        return estimator.fit(X, y)


def assert_same_layout(ours, ref, keys):
    """Same keys and shapes as ``LogisticRegressionCV``'s for ``keys``."""
    assert list(ours.scores_) == list(ours.coefs_paths_) == list(keys)
    for key in keys:
        assert ours.scores_[key].shape == ref.scores_[key].shape
        assert ours.coefs_paths_[key].shape == ref.coefs_paths_[key].shape
    assert ours.Cs_.shape == ref.Cs_.shape
    assert ours.l1_ratios_.shape == np.asarray(ref.l1_ratios_).shape
    assert ours.coef_.shape == ref.coef_.shape
    assert ours.intercept_.shape == ref.intercept_.shape


# measured (tol=1e-10 here, 1e-12 there), at most over breast_cancer,
# synthetic, iris and wine: scores 5.1e-11, coefficient paths 3.5e-10, refitted
# coefficients 1.2e-11
SCORE_ATOL, PATH_ATOL, COEF_ATOL = 5e-10, 3e-9, 1e-10


@pytest.mark.parametrize("l1_ratios", [(0.0,), None])
@pytest.mark.parametrize("name", ["breast_cancer", "synthetic"])
def test_binary_attributes_are_logistic_regression_cvs(name, l1_ratios):
    X, y = DATASETS[name]()
    folds = folds_of(X, y)
    ours = BCELogisticClassifierCV(
        Cs=CS, cv=folds, l1_ratios=l1_ratios, tol=1e-10
    ).fit(X, y)
    ref = fit_quietly(lr_cv(folds, l1_ratios), X, y)
    # the single key is classes_[1]; with l1_ratios=None no l1_ratios axis
    assert_same_layout(ours, ref, ref.classes_[1:])
    key = ref.classes_[1]
    assert ours.scores_[key].shape == (5, 5, 1)[: 3 if l1_ratios else 2]
    assert ours.n_iter_.shape == ref.n_iter_.shape
    assert ours.C_.shape == ref.C_.shape == (1,)
    assert ours.l1_ratio_.shape == (1,)
    np.testing.assert_array_equal(ours.C_, ref.C_)
    np.testing.assert_allclose(
        ours.scores_[key], ref.scores_[key], rtol=0, atol=SCORE_ATOL
    )
    # the intercept is the last column of both
    np.testing.assert_allclose(
        ours.coefs_paths_[key], ref.coefs_paths_[key], rtol=0, atol=PATH_ATOL
    )
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=COEF_ATOL)
    np.testing.assert_allclose(
        ours.intercept_, ref.intercept_, rtol=0, atol=COEF_ATOL
    )


@pytest.mark.parametrize("name", ["iris", "wine"])
def test_each_class_has_the_paths_of_one_vs_rest_logistic_regression_cv(name):
    from sklearn.multiclass import OneVsRestClassifier

    X, y = DATASETS[name]()
    folds = folds_of(X, y)
    ours = BCELogisticClassifierCV(Cs=CS, cv=folds, tol=1e-10).fit(X, y)
    ovr = fit_quietly(OneVsRestClassifier(lr_cv(folds)), X, y)
    assert list(ours.scores_) == list(ours.classes_) == list(ovr.classes_)
    assert ours.C_.shape == ours.l1_ratio_.shape == (3,)
    assert ours.n_iter_.shape == (3, 5, 5, 1)
    for k, (label, ref) in enumerate(
        zip(ovr.classes_, ovr.estimators_, strict=True)
    ):
        # each binary LogisticRegressionCV keys its paths by its class 1
        assert ours.scores_[label].shape == ref.scores_[1].shape == (5, 5, 1)
        assert ours.coefs_paths_[label].shape == ref.coefs_paths_[1].shape
        assert ours.n_iter_[k].shape == ref.n_iter_[0].shape
        assert ours.C_[k] == ref.C_[0]
        np.testing.assert_allclose(
            ours.scores_[label], ref.scores_[1], rtol=0, atol=SCORE_ATOL
        )
        np.testing.assert_allclose(
            ours.coefs_paths_[label], ref.coefs_paths_[1], rtol=0, atol=PATH_ATOL
        )
        np.testing.assert_allclose(
            ours.coef_[k], ref.coef_[0], rtol=0, atol=COEF_ATOL
        )
        np.testing.assert_allclose(
            ours.intercept_[k], ref.intercept_[0], rtol=0, atol=COEF_ATOL
        )


def test_multiclass_layout_is_logistic_regression_cvs():
    # LogisticRegressionCV's multinomial model repeats one score under every
    # class, ours has each class's own; the keys and shapes are the same.
    X, y = DATASETS["iris"]()
    folds = folds_of(X, y)
    ours = BCELogisticClassifierCV(Cs=CS, cv=folds).fit(X, y)
    ref = fit_quietly(lr_cv(folds), X, y)
    assert_same_layout(ours, ref, ref.classes_)
    assert ours.C_.shape == ref.C_.shape == (3,)
    assert ours.n_iter_.shape[1:] == ref.n_iter_.shape[1:]


def curve_and_paths(search):
    """Code written for ``LogisticRegressionCV(l1_ratios=None)``: a CV curve of
    the positive class and the mean coefficient path without the intercept."""
    cls = search.classes_[1]
    mean = search.scores_[cls].mean(axis=0)  # (n_cs,), to plot against Cs_
    std = search.scores_[cls].std(axis=0)
    best_C = search.Cs_[np.argmax(mean)]
    coefs = search.coefs_paths_[cls][:, :, :-1].mean(axis=0)  # (n_cs, n_features)
    intercepts = search.coefs_paths_[cls][:, :, -1]  # (n_folds, n_cs)
    n_iter = search.n_iter_[0]  # (n_folds, n_cs)
    per_class = {c: s.mean(axis=0).max() for c, s in search.scores_.items()}
    return mean, std, best_C, coefs, intercepts, n_iter, per_class


def test_code_written_for_logistic_regression_cv_runs():
    X, y = DATASETS["breast_cancer"]()
    folds = folds_of(X, y)
    ours = BCELogisticClassifierCV(
        Cs=CS, cv=folds, l1_ratios=None, tol=1e-10
    ).fit(X, y)
    ref = fit_quietly(lr_cv(folds, None), X, y)
    got, want = curve_and_paths(ours), curve_and_paths(ref)
    mean, std, best_C, coefs, intercepts, n_iter, per_class = got
    assert mean.shape == std.shape == (5,)
    assert coefs.shape == (5, X.shape[1]) and intercepts.shape == (5, 5)
    assert n_iter.shape == want[5].shape == (5, 5)
    assert best_C == want[2] == ours.C_[0]
    assert list(per_class) == list(want[6]) == [1]
    for a, b in zip(got[:2] + got[3:5], want[:2] + want[3:5], strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=PATH_ATOL)
    # with the default l1_ratios=(0.0,) the l1_ratios axis is there, as in
    # LogisticRegressionCV(l1_ratios=(0.0,))
    default = BCELogisticClassifierCV(Cs=CS, cv=folds, tol=1e-10).fit(X, y)
    np.testing.assert_array_equal(
        default.coefs_paths_[1][:, :, 0, :-1], ours.coefs_paths_[1][:, :, :-1]
    )
    np.testing.assert_array_equal(default.scores_[1][..., 0], ours.scores_[1])


def test_refit_false_uses_the_stacked_paths():
    X, y = DATASETS["iris"]()
    ours = BCELogisticClassifierCV(Cs=CS, cv=3, refit=False).fit(X, y)
    best = ours.cv_scores_[:, 0].argmax(axis=1)  # (n_folds, n_problems)
    for k, label in enumerate(ours.classes_):
        paths = ours.coefs_paths_[label][:, :, 0]  # (n_folds, n_cs, n_dof)
        chosen = paths[np.arange(3), best[:, k]].mean(axis=0)
        np.testing.assert_allclose(ours.coef_[k], chosen[:-1], rtol=1e-12)
        np.testing.assert_allclose(ours.intercept_[k], chosen[-1], rtol=1e-12)


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
        ours.cv_scores_[:, 0, :, 0], split_scores(ref, 5), rtol=0, atol=3e-8
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
        routed.cv_scores_[:, 0, :, 0], split_scores(ref, 5), rtol=0, atol=3e-8
    )
    np.testing.assert_allclose(
        unweighted.cv_scores_[:, 0, :, 0], split_scores(ref_unweighted, 5), rtol=0,
        atol=3e-8,
    )
    assert not np.allclose(routed.cv_scores_, unweighted.cv_scores_, atol=1e-3)


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
        ours.cv_scores_[:, 0, :, 0], split_scores(ref, 3), rtol=0, atol=3e-8
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
    np.testing.assert_array_equal(one.cv_scores_, two.cv_scores_)
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
        msp.cv_scores_[:, 0, :, 0], split_scores(ref, 5), rtol=0, atol=3e-8
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
