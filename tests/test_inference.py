"""Standard errors, z, p-values and intervals against statsmodels, and bad input.

Every reference is computed here by statsmodels (``Logit``, or ``GLM`` with
``family=Binomial()`` and ``freq_weights``) on its own shipped data sets, or by a
formula written out with NumPy. Our estimator is fitted tightly with Newton's
method (``tol=1e-12``) so that its coefficients are statsmodels' to about 1e-11.

Two kinds differ from statsmodels' by a stated scalar factor, which the
references apply (``S`` the total weight, ``n`` the rows, ``k`` the parameters):

* ``"HC1"`` is statsmodels' HC0 times ``S / (S - k)`` (R's HC1 factor): for
  ``Logit`` and ``GLM`` statsmodels' ``cov_type="HC1"`` returns HC0 unchanged;
* ``"cluster"`` with integer weights is statsmodels' ``GLM`` ``freq_weights``
  cluster covariance times ``(S - 1) (n - k) / ((S - k) (n - 1))``: their
  small-sample factor counts the rows, ours the weight, as repeated rows do.

Both are also checked against statsmodels without any factor: HC1 without weights
is their cluster covariance with one group per row, and with integer weights
every kind is their ``Logit`` on the repeated rows.
"""

import builtins
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from scipy.stats import norm
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from sklearn_bce import BCELogisticClassifier

sm = pytest.importorskip("statsmodels.api")
pd = pytest.importorskip("pandas")

#: Relative tolerance of coefficients, standard errors, z, intervals (relative
#: to the se) and covariance matrices: reached to about 2e-11.
RTOL = 1e-10
#: Relative tolerance of the p-values, which amplify the relative error of z by
#: up to ``z phi(z) / p``: reached to about 3e-9.
RTOL_P = 2e-8
KINDS = ["nonrobust", "HC0", "HC1", "cluster"]


# ----------------------------------------------------------------- data sets
def spector():
    data = sm.datasets.spector.load_pandas().data
    return data[["GPA", "TUCE", "PSI"]], data["GRADE"].to_numpy(), data["TUCE"]


def anes96(target="vote"):
    """vote (0 Clinton, 1 Dole) or PID (7 classes) on the data set's exog."""
    data = sm.datasets.anes96.load_pandas().data
    exog = data[["logpopul", "selfLR", "age", "educ", "income"]]
    return exog, data[target].to_numpy().astype(int), data["educ"]


def fair():
    """affairs > 0, as statsmodels' documentation binarises it."""
    data = sm.datasets.fair.load_pandas().data
    exog = data[[
        "rate_marriage", "age", "yrs_married", "children", "religious", "educ",
        "occupation", "occupation_husb",
    ]]
    return exog, (data["affairs"] > 0).to_numpy().astype(int), data["occupation"]


DATASETS = {"spector": spector, "anes96": anes96, "fair": fair}


def tight(**params):
    params = {"C": np.inf, "tol": 1e-12, "solver": "newton-cholesky", **params}
    return BCELogisticClassifier(**params)


# ---------------------------------------------------------------- references
def statsmodels_fit(exog, endog, cov_type, groups=None, freq=None):
    """statsmodels' fit with ``cov_type``: ``Logit``, or ``GLM`` with ``freq``."""
    cov_kwds = {"groups": np.asarray(groups)} if cov_type == "cluster" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if freq is None:
            return sm.Logit(endog, exog).fit(
                method="newton", maxiter=100, tol=1e-14, disp=0,
                cov_type=cov_type, cov_kwds=cov_kwds,
            )
        return sm.GLM(
            endog, exog, family=sm.families.Binomial(), freq_weights=freq
        ).fit(tol=1e-14, maxiter=100, cov_type=cov_type, cov_kwds=cov_kwds)


class Scaled:
    """A statsmodels result whose covariance is multiplied by ``factor``.

    The columns follow as statsmodels' ``summary()`` computes them: ``se`` the
    square root of the diagonal, ``z = coef / se``, two-sided normal p-values and
    normal intervals.
    """

    def __init__(self, result, factor):
        self.result, self.factor = result, factor
        self.params = np.asarray(result.params)
        self.bse = np.asarray(result.bse) * np.sqrt(factor)
        self.tvalues = self.params / self.bse
        self.pvalues = 2 * norm.sf(np.abs(self.tvalues))

    def cov_params(self):
        return np.asarray(self.result.cov_params()) * self.factor

    def conf_int(self, alpha=0.05):
        q = norm.ppf(1 - alpha / 2)
        return np.column_stack([self.params - q * self.bse, self.params + q * self.bse])


def hc1_factor(n_rows, n_coef, freq=None):
    """``S / (S - k)``: our HC1 over statsmodels' HC0."""
    S = n_rows if freq is None else np.sum(freq)
    return S / (S - n_coef)


def cluster_factor(n_rows, n_coef, freq):
    """``(S - 1) (n - k) / ((S - k) (n - 1))``: ours over statsmodels' GLM."""
    S = np.sum(freq)
    return (S - 1) * (n_rows - n_coef) / ((S - n_coef) * (n_rows - 1))


def reference(exog, endog, kind, groups=None, freq=None, intercept=True):
    """statsmodels' result for ``kind``, times the stated factor where ours differs.

    ``"nonrobust"``, ``"HC0"`` and ``"cluster"`` without weights are statsmodels'
    own (``Logit``; ``GLM`` with ``freq_weights`` for integer weights);
    ``"HC1"`` is their HC0 times ``S / (S - k)``, and ``"cluster"`` with weights
    their ``GLM`` one times ``(S - 1) (n - k) / ((S - k) (n - 1))`` (see the
    module docstring).
    """
    exog = np.asarray(exog, dtype=float)
    endog = np.asarray(endog, dtype=float)
    if intercept:
        exog = sm.add_constant(exog, prepend=False, has_constant="add")
    n, k = exog.shape
    result = statsmodels_fit(
        exog, endog, "HC0" if kind == "HC1" else kind, groups, freq
    )
    if kind == "HC1":
        return Scaled(result, hc1_factor(n, k, freq))
    if kind == "cluster" and freq is not None:
        return Scaled(result, cluster_factor(n, k, freq))
    return result


def reference_columns(result, alpha=0.05):
    ci = np.asarray(result.conf_int(alpha))
    return {
        "coef": np.asarray(result.params), "se": np.asarray(result.bse),
        "z": np.asarray(result.tvalues), "p_value": np.asarray(result.pvalues),
        "ci_lower": ci[:, 0], "ci_upper": ci[:, 1],
    }


def max_relative(table, result, alpha=0.05):
    """Largest relative difference of every column.

    The coefficients and the intervals relative to the standard error (a
    coefficient near zero has no relative precision of its own), z relative to
    ``max(|z|, 1)`` (for the same reason), the others relative to themselves.
    """
    ref = reference_columns(result, alpha)
    se, z = ref["se"], ref["z"]
    out = {}
    for name, expected in ref.items():
        got = np.asarray(table[name], dtype=float)
        scale = {
            "coef": se, "ci_lower": se, "ci_upper": se,
            "z": np.maximum(np.abs(z), 1.0),
        }.get(name, np.abs(expected))
        # (a p-value of exactly 0 on both sides is equal)
        error = np.abs(got - expected) / np.where(scale > 0, scale, 1.0)
        out[name] = float(np.max(error))
    return out


def assert_matches(table, result, alpha=0.05):
    diffs = dict(max_relative(table, result, alpha))
    p_value = diffs.pop("p_value")
    assert max(diffs.values()) < RTOL and p_value < RTOL_P, (diffs, p_value)


def assert_same_cov(cov, expected):
    """Covariance matrices equal to ``RTOL``, relative to the largest entry."""
    expected = np.asarray(expected)
    np.testing.assert_allclose(
        cov, expected, rtol=RTOL, atol=RTOL * np.abs(expected).max()
    )


# --------------------------------------------------------------- statsmodels
@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("kind", KINDS)
def test_unit_weights_match_statsmodels(name, kind):
    exog, endog, groups = DATASETS[name]()
    clf = tight().fit(exog, endog)
    extra = {"groups": groups} if kind == "cluster" else {}
    table = clf.coef_table(exog, endog, kind=kind, **extra)
    assert table.index.tolist() == [*exog.columns, "intercept"]
    result = reference(exog, endog, kind, groups)
    assert_matches(table, result)
    assert_same_cov(
        clf.covariance_matrix(exog, endog, kind=kind, **extra)[0],
        result.cov_params(),
    )


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("kind", KINDS)
def test_integer_weights_match_freq_weights(name, kind):
    exog, endog, groups = DATASETS[name]()
    freq = np.random.default_rng(0).integers(1, 5, size=len(endog))
    clf = tight().fit(exog, endog, sample_weight=freq)
    extra = {"groups": groups} if kind == "cluster" else {}
    table = clf.coef_table(exog, endog, freq, kind=kind, **extra)
    result = reference(exog, endog, kind, groups, freq=freq)
    assert_matches(table, result)
    assert_same_cov(
        clf.covariance_matrix(exog, endog, freq, kind=kind, **extra)[0],
        result.cov_params(),
    )


@pytest.mark.parametrize("name", list(DATASETS))
def test_statsmodels_hc1_is_its_hc0(name):
    """Why our HC1 is their HC0 times a factor: their HC1 is HC0 unchanged."""
    exog, endog, _ = DATASETS[name]()
    exog = sm.add_constant(exog.to_numpy(dtype=float), prepend=False)
    freq = np.random.default_rng(0).integers(1, 5, size=len(endog))
    for weights in (None, freq):
        hc0 = statsmodels_fit(exog, endog, "HC0", freq=weights).cov_params()
        hc1 = statsmodels_fit(exog, endog, "HC1", freq=weights).cov_params()
        np.testing.assert_array_equal(hc1, hc0)


@pytest.mark.parametrize("name", list(DATASETS))
def test_hc1_is_cluster_of_single_rows(name):
    """Without weights, HC1 is statsmodels' cluster covariance of one-row groups.

    Its factor ``G / (G - 1) * (n - 1) / (n - k)`` is then ``n / (n - k)``: a
    reference for HC1 that needs no factor of ours.
    """
    exog, endog, _ = DATASETS[name]()
    clf = tight().fit(exog, endog)
    single = reference(exog, endog, "cluster", groups=np.arange(len(endog)))
    assert_matches(clf.coef_table(exog, endog, kind="HC1"), single)
    assert_same_cov(
        clf.covariance_matrix(exog, endog, kind="HC1")[0], single.cov_params()
    )


@pytest.mark.parametrize("name", list(DATASETS))
def test_weighted_cluster_counts_the_weight_not_the_rows(name):
    """With integer weights: their GLM cluster covariance times a factor below 1.

    statsmodels' ``freq_weights`` cluster covariance has the same scores but
    counts the rows ``n`` in its ``(n - 1) / (n - k)``, ours the weight ``S``;
    every entry of ours is theirs times ``(S - 1) (n - k) / ((S - k) (n - 1))``.
    """
    exog, endog, groups = DATASETS[name]()
    freq = np.random.default_rng(0).integers(1, 5, size=len(endog))
    clf = tight().fit(exog, endog, sample_weight=freq)
    cov = clf.covariance_matrix(exog, endog, freq, kind="cluster", groups=groups)
    X = sm.add_constant(exog.to_numpy(dtype=float), prepend=False)
    theirs = statsmodels_fit(X, endog, "cluster", groups, freq).cov_params()
    factor = cluster_factor(*X.shape, freq)
    assert factor < 1
    np.testing.assert_allclose(cov[0] / theirs, factor, rtol=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_freq_weights_are_repeated_rows(kind):
    """The convention: an integer weight counts a row that many times.

    statsmodels' ``Logit`` on the repeated rows is the reference of every kind
    with no factor of ours (HC1 times ``S / (S - k)``, with ``S`` its rows).
    """
    exog, endog, groups = spector()
    freq = np.random.default_rng(1).integers(1, 4, size=len(endog))
    clf = tight().fit(exog, endog, sample_weight=freq)
    extra = {"groups": groups} if kind == "cluster" else {}
    table = clf.coef_table(exog, endog, freq, kind=kind, **extra)
    repeated = reference(
        np.repeat(exog.to_numpy(), freq, axis=0), np.repeat(endog, freq), kind,
        np.repeat(groups.to_numpy(), freq),
    )
    assert_matches(table, repeated)


@pytest.mark.parametrize("kind", ["nonrobust", "HC1", "cluster"])
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_one_vs_rest_each_class_matches_statsmodels(kind, alpha):
    exog, pid, groups = anes96("PID")
    clf = tight().fit(exog, pid)
    extra = {"groups": groups} if kind == "cluster" else {}
    table = clf.coef_table(exog, pid, kind=kind, alpha=alpha, **extra)
    cov = clf.covariance_matrix(exog, pid, kind=kind, **extra)
    assert cov.shape == (7, 6, 6)
    assert table.index.names == ["class", "term"]
    for k, label in enumerate(clf.classes_):
        result = reference(exog, pid == label, kind, groups)
        assert_matches(table.loc[label], result, alpha)
        assert_same_cov(cov[k], result.cov_params())


def test_multilabel_each_label_matches_statsmodels():
    exog, endog, _ = fair()
    Y = np.column_stack([endog, exog["rate_marriage"] > 4])
    X = exog.drop(columns="rate_marriage")
    clf = tight().fit(X, Y)
    table = clf.coef_table(X, Y, kind="HC0")
    for k in range(2):
        assert_matches(table.loc[k], reference(X, Y[:, k], "HC0"))


@pytest.mark.parametrize("fmt", ["csr", "csc", "float32"])
def test_sparse_and_float32_input(fmt):
    exog, endog, groups = anes96()
    X = exog.to_numpy()
    X = {
        "csr": sp.csr_matrix, "csc": sp.csc_matrix,
        "float32": lambda a: a.astype(np.float32),
    }[fmt](X)
    clf = tight(tol=1e-6) if fmt == "float32" else tight()
    clf.fit(X, endog)
    for kind in KINDS:
        extra = {"groups": groups} if kind == "cluster" else {}
        table = clf.coef_table(X, endog, kind=kind, **extra)
        assert table.index.tolist() == ["x0", "x1", "x2", "x3", "x4", "intercept"]
        if fmt == "float32":  # coefficients and sums in single precision: 6e-7
            result = reference(X.astype(np.float64), endog, kind, groups)
            np.testing.assert_allclose(table["se"], result.bse, rtol=5e-6)
        else:
            assert_matches(table, reference(exog, endog, kind, groups))


@pytest.mark.parametrize("kind", ["nonrobust", "HC0", "cluster"])
def test_without_intercept(kind):
    exog, endog, groups = spector()
    clf = tight(fit_intercept=False).fit(exog, endog)
    extra = {"groups": groups} if kind == "cluster" else {}
    table = clf.coef_table(exog, endog, kind=kind, **extra)
    assert table.index.tolist() == list(exog.columns)
    assert_matches(table, reference(exog, endog, kind, groups, intercept=False))


def test_structured_array_without_pandas(monkeypatch):
    exog, pid, _ = anes96("PID")
    clf = tight().fit(exog.to_numpy(), pid)
    # pandas cannot be imported when the table is built (hiding it from
    # sys.modules for the whole call would break scikit-learn's own validation
    # in scikit-learn 1.6, which looks pandas up there)
    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    table = clf.coef_table(exog.to_numpy(), pid, kind="HC0")
    assert isinstance(table, np.ndarray)
    assert table.dtype.names == (
        "class", "term", "coef", "se", "z", "p_value", "ci_lower", "ci_upper"
    )
    for label in clf.classes_:
        rows = table[table["class"] == label]
        assert rows["term"].tolist() == [f"x{j}" for j in range(5)] + ["intercept"]
        assert_matches(rows, reference(exog, pid == label, "HC0"))


# ------------------------------------------------------------ penalised fits
def test_penalised_fit_warns_and_inverts_the_penalised_hessian():
    exog, endog, _ = fair()
    X = exog.to_numpy()
    C = 0.05
    clf = BCELogisticClassifier(C=C, tol=1e-10, solver="newton-cholesky")
    clf.fit(X, endog)
    with pytest.warns(UserWarning, match="not classical maximum-likelihood"):
        cov = clf.covariance_matrix(X, endog)
    with pytest.warns(UserWarning, match=r"C=np.inf"):
        hc0 = clf.covariance_matrix(X, endog, kind="HC0")
    # written out: H = Xt' diag(p (1 - p)) Xt + diag(1/C, ..., 1/C, 0)
    Xt = np.column_stack([X, np.ones(len(X))])
    p = expit(Xt @ np.append(clf.coef_[0], clf.intercept_))
    penalty = np.diag(np.append(np.full(X.shape[1], 1 / C), 0.0))
    H = Xt.T @ (Xt * (p * (1 - p))[:, None]) + penalty
    Hinv = np.linalg.inv(H)
    np.testing.assert_allclose(cov[0], Hinv, rtol=1e-8, atol=1e-12)
    meat = Xt.T @ (Xt * ((p - endog) ** 2)[:, None])
    np.testing.assert_allclose(hc0[0], Hinv @ meat @ Hinv, rtol=1e-8, atol=1e-12)


def test_elastic_net_is_refused():
    exog, endog, _ = spector()
    clf = BCELogisticClassifier(C=10.0, solver="sgd", l1_ratio=0.5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(exog, endog)
    with pytest.raises(ValueError, match="L1 penalty has no Hessian"):
        clf.covariance_matrix(exog, endog)


# ------------------------------------------------------------------ bad input
def test_not_fitted():
    exog, endog, _ = spector()
    with pytest.raises(NotFittedError):
        BCELogisticClassifier().covariance_matrix(exog, endog)
    with pytest.raises(NotFittedError):
        BCELogisticClassifier().coef_table(exog, endog)


def test_bad_arguments():
    exog, endog, groups = spector()
    clf = tight().fit(exog, endog)
    X = exog.to_numpy()
    with pytest.raises(ValueError, match="X has 2 features, but"):
        tight().fit(exog.to_numpy(), endog).covariance_matrix(X[:, :2], endog)
    with pytest.raises(ValueError, match="groups must have one label per row"):
        clf.covariance_matrix(exog, endog, kind="cluster", groups=groups[:-1])
    with pytest.raises(ValueError, match="kind='cluster' needs groups="):
        clf.covariance_matrix(exog, endog, kind="cluster")
    with pytest.raises(ValueError, match="only used with kind='cluster'"):
        clf.covariance_matrix(exog, endog, kind="HC0", groups=groups)
    with pytest.raises(ValueError, match="kind must be one of"):
        clf.covariance_matrix(exog, endog, kind="HC3")
    with pytest.raises(ValueError, match="at least two groups"):
        clf.covariance_matrix(exog, endog, kind="cluster", groups=np.zeros(32))
    with pytest.raises(ValueError, match="y has 31 samples but X has 32"):
        clf.covariance_matrix(exog, endog[:-1])
    with pytest.raises(ValueError, match="alpha must be a number in"):
        clf.coef_table(exog, endog, alpha=1.5)
    with pytest.raises(ValueError, match="must exceed the number of parameters"):
        clf.covariance_matrix(exog, endog, np.full(32, 0.1), kind="HC1")


def fit_quietly(clf, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y, **kwargs)


def test_separable_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    clf = fit_quietly(BCELogisticClassifier(C=np.inf), X, y)
    with pytest.raises(ValueError, match="linearly separable") as info:
        clf.coef_table(X, y)
    assert "maximum-likelihood estimate does not exist" in str(info.value)


def test_separable_class_of_one_vs_rest_is_named():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    y = np.where(X[:, 0] > 1, "high", rng.choice(["a", "b"], 90))
    clf = fit_quietly(BCELogisticClassifier(C=np.inf), X, y)
    with pytest.raises(ValueError, match="class 'high'"):
        clf.covariance_matrix(X, y)


def test_collinear_columns_are_named():
    exog, endog, _ = anes96()
    X = exog.assign(twice_age=2 * exog["age"] + 1)
    clf = fit_quietly(BCELogisticClassifier(C=np.inf, solver="lbfgs"), X, endog)
    with pytest.raises(ValueError, match="singular") as info:
        clf.covariance_matrix(X, endog)
    message = str(info.value)
    assert "collinear" in message and "age" in message and "twice_age" in message
    assert "educ" not in message


def test_constant_column_is_named():
    exog, endog, _ = spector()
    X = exog.assign(one=1.0)
    clf = fit_quietly(BCELogisticClassifier(C=np.inf, solver="lbfgs"), X, endog)
    with pytest.raises(ValueError, match="constant") as info:
        clf.covariance_matrix(X, endog)
    assert "one" in str(info.value) and "intercept" in str(info.value)


def test_unconverged_sgd_warns():
    exog, endog, _ = fair()
    X = exog.to_numpy()
    clf = BCELogisticClassifier(C=np.inf, solver="sgd", max_iter=1, random_state=0)
    fit_quietly(clf, X, endog)
    with pytest.warns(ConvergenceWarning, match="not at the optimum") as record:
        clf.covariance_matrix(X, endog)
    assert "solver='sgd'" in str(record[0].message)


def test_partial_fit_warns():
    exog, endog, _ = fair()
    X = exog.to_numpy()
    clf = BCELogisticClassifier(C=np.inf, solver="sgd", random_state=0)
    clf.partial_fit(X, endog, classes=[0, 1])
    with pytest.warns(ConvergenceWarning, match="partial_fit"):
        clf.covariance_matrix(X, endog)


def test_dask_input_is_refused():
    da = pytest.importorskip("dask.array")
    exog, endog, _ = spector()
    clf = tight().fit(exog, endog)
    X = da.from_array(exog.to_numpy(), chunks=16)
    with pytest.raises(NotImplementedError, match="no kind .* works on dask"):
        clf.covariance_matrix(X, da.from_array(endog, chunks=16))
