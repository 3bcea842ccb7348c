"""Penalty factors and bounds against Fortran glmnet.

glmnet (``glmnetforpython``, which ships the compiled Fortran) minimises, per
binary problem, ``-loglik / N + lambda * sum_j g_j * ((1 - alpha) / 2 * w_j**2
+ alpha * |w_j|)`` with the weights rescaled to sum to ``N`` and the factors
``g = f * n_features / sum(f)``; so ``alpha = l1_ratio`` and
``lambda = sum(f) / (n_features * C * S)`` (``S`` the sum of the sample
weights) is the model of ``BCELogisticClassifier(C, l1_ratio,
penalty_factor=f)``. glmnet runs with ``standardize=False``, at a ``thresh``
far below its default and with its smallest fitted probability ``pmin`` lowered
from ``1e-5`` (which otherwise biases the fits) to ``1e-15``; one-vs-rest is one
glmnet binomial fit per class. glmnet takes only bounds that keep 0
(``lower.limits <= 0 <= upper.limits``).

All the glmnet fits of this module run in one process of their own
(``glmnet_subprocess.py``), which finds a ``libgfortran`` on
``LD_LIBRARY_PATH``. Tolerances are about ten times what each solver reaches.
"""

import importlib.util
import os
import platform
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification

from sklearn_bce import BCELogisticClassifier, bce_path, l1_min_c

from .glmnet_subprocess import library_environment
from .test_constraints import _binary as _cancer
from .test_constraints import _factors, _solver_l1, fitted
from .test_constraints import _multiclass as _ovr

INF = np.inf
#: glmnet's convergence threshold (on the weighted squared coefficient change
#: relative to the null deviance): at 1e-20 its fits still stop about 1e-8 short
#: on the unscaled data and along a path; at 1e-30 they meet the optimality
#: conditions to rounding.
THRESH = 1e-30
SOLVERS = ["lbfgs", "newton-cholesky", "cd", "sgd"]
#: The tol asked of each solver (L-BFGS stops at rounding below about 1e-8).
TOL = {"lbfgs": 1e-8, "newton-cholesky": 1e-12, "cd": 1e-12, "sgd": 1e-8}


# --------------------------------------------------------------------- data
# the binary (breast cancer) and one-vs-rest data, penalty factors, fitted
# [coef | intercept] and (solver, l1_ratio) pairs are test_constraints' own
def _unscaled():
    """Binary, columns on scales from 0.1 to 10 (neither side standardises)."""
    X, y = make_classification(
        n_samples=400, n_features=10, n_informative=5, n_redundant=2,
        flip_y=0.1, random_state=1,
    )
    return X * np.logspace(-1, 1, 10), y


DATA = {"cancer": _cancer, "ovr": _ovr, "unscaled": _unscaled}


def _weights(n, weighted):
    return np.random.RandomState(0).uniform(0.5, 2, n) if weighted else None


def _targets(y):
    classes = np.unique(y)
    return classes[1:] if classes.size == 2 else classes


def _bounds(X, y, C, sample_weight):
    """Bounds that bind, per binary problem: chosen against the free solution.

    Feature 1 and 4 get the sign their free coefficient does not have (so they
    end at 0 or on the bound), feature 2 a box of half its free magnitude and
    feature 3 a box of ``[-0.1, 0.1]`` (the intercept is never bounded).
    """
    free = BCELogisticClassifier(C=C, solver="newton-cholesky", tol=1e-10).fit(
        X, y, sample_weight=sample_weight
    ).coef_
    K, d = free.shape
    lower, upper = np.full((K, d), -INF), np.full((K, d), INF)
    for k in range(K):
        for j in (1, 4):
            if free[k, j] > 0:
                upper[k, j] = 0.0
            else:
                lower[k, j] = 0.0
        half = abs(free[k, 2]) / 2
        lower[k, 2], upper[k, 2] = -half, half
        lower[k, 3], upper[k, 3] = -0.1, 0.1
    return lower, upper


def glmnet_lambda(C, factor, sample_weight, n_samples):
    """glmnet's ``lambda`` for ``C`` with these factors (see the docstring)."""
    S = n_samples if sample_weight is None else sample_weight.sum()
    return factor.sum() / (factor.size * C * S)


# ------------------------------------------------------ the settings compared
FACTOR_C, BOUND_C = 0.05, 0.5
L1_RATIOS = [0.0, 0.5, 1.0]


def _cases():
    """Every glmnet fit of the module: name -> (data, weighted, l1_ratio, kind)."""
    cases = {}
    for data in DATA:
        for weighted in (False, True):
            for l1_ratio in L1_RATIOS:
                for kind in ("factors", "bounds"):
                    cases[f"{kind}-{data}-{weighted}-{l1_ratio}"] = (
                        data, weighted, l1_ratio, kind
                    )
    return cases


CASES = _cases()
PATH_L1_RATIOS = [1.0, 0.5]
PATH_FACTOR = np.array([0.0, 2.0, 1, 1, 1, 1, 1, 0.5])
N_PATH = 6


def _glmnet_input(name, data, weighted, l1_ratio, kind):
    X, y = DATA[data]()
    sw = _weights(len(y), weighted)
    targets = _targets(y)
    d = X.shape[1]
    if kind == "factors":
        C, f = FACTOR_C, _factors(d)
        lower, upper = np.full((targets.size, d), -INF), np.full((targets.size, d), INF)
    else:
        C, f = BOUND_C, np.ones(d)
        lower, upper = _bounds(X, y, C, sw)
    arrays = {
        "X": X, "Y": np.column_stack([(y == c).astype(float) for c in targets]),
        "alpha": l1_ratio, "lambdas": [glmnet_lambda(C, f, sw, len(y))],
        "thresh": THRESH, "penalty_factor": f, "lower": lower, "upper": upper,
    }
    if sw is not None:
        arrays["sample_weight"] = sw
    return {f"{name}/{key}": value for key, value in arrays.items()}


def _path_input(l1_ratio):
    X, y = _cancer()
    d = X.shape[1]
    arrays = {
        "X": X, "Y": (y == 1).astype(float)[:, None], "alpha": l1_ratio,
        "lambdas": np.empty(0), "nlambda": N_PATH, "thresh": THRESH,
        "penalty_factor": PATH_FACTOR, "lower": np.full((1, d), -INF),
        "upper": np.full((1, d), INF),
    }
    return {f"path-{l1_ratio}/{key}": value for key, value in arrays.items()}


@pytest.fixture(scope="module")
def glmnet(tmp_path_factory):
    """All of the module's glmnet fits: name -> (coef, intercept, lambdas)."""
    if importlib.util.find_spec("glmnetforpython") is None:
        pytest.skip("glmnetforpython (Fortran glmnet) is not installed")
    directory = tmp_path_factory.mktemp("glmnet")
    env = library_environment(directory)
    script = os.path.join(os.path.dirname(__file__), "glmnet_subprocess.py")
    check = subprocess.run(
        [sys.executable, script, "--check"], env=env, capture_output=True, text=True,
    )
    if check.returncode != 0:
        reason = (
            "glmnetforpython's Fortran library GLMnet.so does not load: "
            + (check.stdout + check.stderr).strip()
        )
        if sys.platform == "linux" and platform.machine() == "x86_64":
            pytest.fail(reason)  # where the wheel's library is built to run
        pytest.skip(reason)
    arrays = {}
    for name, case in CASES.items():
        arrays.update(_glmnet_input(name, *case))
    for l1_ratio in PATH_L1_RATIOS:
        arrays.update(_path_input(l1_ratio))
    given, returned = directory / "in.npz", directory / "out.npz"
    np.savez(given, **arrays)
    run = subprocess.run(
        [sys.executable, script, str(given), str(returned)], env=env,
        capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    fits = {}
    with np.load(returned) as out:
        for key in out.files:
            name, field = key.rsplit("/", 1)
            fits.setdefault(name, {})[field] = out[key]
    return fits


def _reference(fit):
    """``[coef | intercept]`` per binary problem, at the (only) lambda."""
    return np.c_[fit["coef"][:, 0], fit["intercept"][:, 0]]


def _fit(solver, C, l1_ratio, X, y, sw, **params):
    model = BCELogisticClassifier(
        C=C, l1_ratio=l1_ratio, solver=solver, tol=TOL[solver], max_iter=5000,
        random_state=0, **params,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning
        return model.fit(X, y, sample_weight=sw)


# ------------------------------------------------------------ penalty factors
#: Largest coefficient error against glmnet, per solver and data set: about ten
#: times the largest measured over weights and l1_ratio (cancer, ovr, unscaled):
#: L-BFGS 2.6e-7, 3.9e-8, 2.0e-6; Newton 9e-16, 1.0e-12, 1.7e-13; cd 5.7e-12,
#: 3.3e-12, 1.7e-13; SGD 5.9e-7, 5.1e-8, 5.8e-6.
FACTOR_ATOL = {
    "lbfgs": {"cancer": 3e-6, "ovr": 4e-7, "unscaled": 2e-5},
    "newton-cholesky": {"cancer": 1e-11, "ovr": 1e-11, "unscaled": 1e-11},
    "cd": {"cancer": 6e-11, "ovr": 6e-11, "unscaled": 6e-11},
    "sgd": {"cancer": 6e-6, "ovr": 5e-7, "unscaled": 6e-5},
}


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("solver, l1_ratio", _solver_l1(SOLVERS))
def test_penalty_factors_match_glmnet(glmnet, data, weighted, solver, l1_ratio):
    X, y = DATA[data]()
    sw = _weights(len(y), weighted)
    f = _factors(X.shape[1])
    model = _fit(solver, FACTOR_C, l1_ratio, X, y, sw, penalty_factor=f)
    expected = _reference(glmnet[f"factors-{data}-{weighted}-{l1_ratio}"])
    assert np.all(expected[:, 0] != 0)  # the unpenalised feature is in
    np.testing.assert_allclose(
        fitted(model), expected, rtol=0, atol=FACTOR_ATOL[solver][data]
    )


# ----------------------------------------------------------------- bounds
#: As FACTOR_ATOL; measured: L-BFGS 6.2e-7, 2.4e-8, 4.0e-8; projected Newton up to
#: 1.5e-12; cd 2.1e-11, 4.4e-13, 3.3e-13; SGD 1.2e-6, 3.0e-8, 2.3e-6.
BOUND_ATOL = {
    "lbfgs": {"cancer": 6e-6, "ovr": 3e-7, "unscaled": 4e-7},
    "newton-cholesky": {"cancer": 1e-11, "ovr": 1e-11, "unscaled": 1e-11},
    "cd": {"cancer": 2e-10, "ovr": 2e-10, "unscaled": 2e-10},
    "sgd": {"cancer": 1.2e-5, "ovr": 3e-7, "unscaled": 2.3e-5},
}


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("solver, l1_ratio", _solver_l1(SOLVERS))
def test_bounds_match_glmnet(glmnet, data, weighted, solver, l1_ratio):
    X, y = DATA[data]()
    sw = _weights(len(y), weighted)
    lower, upper = _bounds(X, y, BOUND_C, sw)
    if lower.shape[0] == 1:
        lower, upper = lower[0], upper[0]  # the shape (n_features,)
    model = _fit(
        solver, BOUND_C, l1_ratio, X, y, sw, lower_bounds=lower, upper_bounds=upper
    )
    expected = _reference(glmnet[f"bounds-{data}-{weighted}-{l1_ratio}"])
    coef = expected[:, :-1]
    # each problem has a box bound and a sign constraint that hold
    assert np.all(np.any(np.isclose(np.abs(coef[:, 2:4]), upper[..., 2:4]), axis=-1))
    assert np.all(np.any(coef[:, [1, 4]] == 0, axis=-1))
    assert np.all(model.coef_ >= lower) and np.all(model.coef_ <= upper)
    np.testing.assert_allclose(
        fitted(model), expected, rtol=0, atol=BOUND_ATOL[solver][data]
    )


# ---------------------------------------------------- L1 paths with factor 0
@pytest.mark.parametrize("l1_ratio", PATH_L1_RATIOS)
def test_l1_path_starts_where_glmnet_does(glmnet, l1_ratio):
    """glmnet's first lambda is l1_min_c's C; the paths agree at its lambdas."""
    X, y = _cancer()
    fit = glmnet[f"path-{l1_ratio}"]
    lambdas = fit["lambdas"][0]
    first = l1_min_c(X, y, l1_ratio=l1_ratio, penalty_factor=PATH_FACTOR)
    # measured 1.9e-10: l1_min_c's fit of the unpenalised model stops there
    # (glmnet's first lambda is exact to 2e-15, by an independent Newton fit)
    np.testing.assert_allclose(
        glmnet_lambda(first, PATH_FACTOR, None, len(y)), lambdas[0], rtol=2e-9
    )
    Cs = PATH_FACTOR.sum() / (X.shape[1] * lambdas * len(y))
    path = bce_path(
        X, y, Cs=Cs, l1_ratio=l1_ratio, penalty_factor=PATH_FACTOR, solver="cd",
        tol=1e-12, max_iter=1000,
    )
    got = np.c_[path.coefs[:, 0], path.intercepts[:, 0]]
    expected = np.c_[fit["coef"][0], fit["intercept"][0]]
    # the unpenalised feature alone at the start, in both
    assert expected[0, 0] != 0 and np.all(expected[0, 1:-1] == 0)
    # measured 3.9e-11 (L1), 1.1e-9 (elastic net); coefficients up to 13
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-8)
    # the int-Cs grid is glmnet's (four decades from the start)
    grid = bce_path(
        X, y, Cs=N_PATH, l1_ratio=l1_ratio, penalty_factor=PATH_FACTOR, solver="cd",
        tol=1e-6,
    ).Cs
    np.testing.assert_allclose(np.sort(grid), np.sort(Cs), rtol=2e-9)
