"""Shared helpers for the benchmark scripts: data sets, timing, objective, tables."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from sklearn_bce._objective import InMemoryBackend, Objective, Penalty

RESULTS = Path(__file__).parent / "results"


def objective_value(X, Y, coef, intercept, C=1.0, fit_intercept=True):
    """The shared objective (sum over the K problems) at given coefficients."""
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    backend = InMemoryBackend(X, Y)
    obj = Objective(
        backend, Penalty(C, 0.0, backend.weight_totals()),
        fit_intercept=fit_intercept, precondition=False,
    )
    W = np.asarray(coef, dtype=np.float64).reshape(obj.K, -1)
    b = np.asarray(intercept, dtype=np.float64).reshape(-1)
    return obj.loss(obj.from_coef(W, b))


def timed_fit(make_estimator, X, y, repeat=3, messages=None):
    """Best-of-``repeat`` wall time of ``fit``; returns (seconds, fitted, warned).

    ``warned`` says whether a fit raised a ``ConvergenceWarning``. Every warning
    of the fits is added to the set ``messages``, when given, as
    ``"Category: message"`` (a peer's fallback to another solver, for instance).
    """
    best, fitted, warned = np.inf, None, False
    for _ in range(repeat):
        est = make_estimator()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = time.perf_counter()
            est.fit(X, y)
            elapsed = time.perf_counter() - start
        warned = warned or any(
            issubclass(w.category, ConvergenceWarning) for w in caught
        )
        if messages is not None:
            messages.update(f"{w.category.__name__}: {w.message}" for w in caught)
        if elapsed < best:
            best, fitted = elapsed, est
    return best, fitted, warned


def interleaved_fits(models, repeat=3, messages=None):
    """Time several models in turn, alternating which goes first.

    Round ``r`` fits every model once, in the given order on even rounds and in
    reverse on odd ones, so that a slow spell of a shared machine or a warm cache
    favours no model. Each model keeps its best time.

    Parameters
    ----------
    models : dict
        ``{name: (make_estimator, X, y)}``.
    repeat : int, default=3
        Number of rounds.
    messages : dict, default=None
        When given, ``messages[name]`` becomes the set of the warnings of that
        model's fits (see :func:`timed_fit`).

    Returns
    -------
    fits : dict
        ``{name: (best_seconds, fitted_estimator, convergence_warning)}``, in the
        order of ``models``.
    """
    names = list(models)
    fits = {name: (np.inf, None, False) for name in names}
    for r in range(repeat):
        for name in names if r % 2 == 0 else names[::-1]:
            make, X, y = models[name]
            seconds, est, warned = timed_fit(
                make, X, y, repeat=1,
                messages=None if messages is None else messages.setdefault(name, set()),
            )
            best, kept, any_warned = fits[name]
            if seconds < best:
                best, kept = seconds, est
            fits[name] = (best, kept, any_warned or warned)
    return fits


def reference_optimum(X, y, C=1.0, solver="newton-cholesky"):
    """Objective at scikit-learn's tightly converged optimum, per binary problem.

    ``LogisticRegression(solver, tol=1e-10)`` on float64 data, one binary fit per
    class when ``y`` has more than two (one-vs-rest). Raises if a reference fit
    warns that it did not converge: a benchmark's gaps are only as good as its
    reference.

    Returns
    -------
    f_opt : float
        The objective summed over the binary problems.
    """
    from sklearn.linear_model import LogisticRegression

    X = X.astype(np.float64) if X.dtype != np.float64 else X
    classes = np.unique(y)
    problems = [classes[1]] if classes.size == 2 else classes
    total = 0.0
    for positive in problems:
        target = (y == positive).astype(np.int64)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            ref = LogisticRegression(
                C=C, solver=solver, tol=1e-10 if solver != "lbfgs" else 1e-12,
                max_iter=10_000,
            ).fit(X, target)
        total += objective_value(X, target, ref.coef_, ref.intercept_, C=C)
    return total


def glum_logistic(C, n, sparse=False, **params):
    """glum's binomial ``GeneralizedLinearRegressor`` on ``LogisticRegression(C)``'s
    objective for ``n`` samples of unit weight.

    glum's mean deviance is twice the mean BCE and it halves it, so ``alpha = 1 /
    (C n)`` is LogisticRegression's penalty. Its default solver (IRLS) forms a
    dense Hessian, which on sparse data with thousands of columns takes minutes:
    there it runs its L-BFGS. ``params`` go to the estimator (``l1_ratio``
    defaults to 0). Raises ImportError without glum.
    """
    from glum import GeneralizedLinearRegressor

    params = {"l1_ratio": 0.0, "solver": "lbfgs" if sparse else "auto", **params}
    return GeneralizedLinearRegressor(family="binomial", alpha=1.0 / (C * n), **params)


def geometric_mean(values):
    """Geometric mean of positive numbers."""
    values = np.asarray(values, dtype=np.float64)
    return float(np.exp(np.mean(np.log(values))))


def print_table(rows, columns):
    """Print rows (dicts) as a fixed-width table with the given columns."""
    widths = {
        c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns
    }
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        print("  ".join(_fmt(r.get(c)).ljust(widths[c]) for c in columns))


def _fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        if v == 0:
            return "0"
        if abs(v) >= 1000 or abs(v) < 1e-3:
            return f"{v:.2e}"
        return f"{v:.3f}"
    return str(v)


def bench_main(module, name, argv=None):
    """Command line of a benchmark script: ``[--quick]``, table, JSON.

    Runs ``module.run``, prints ``module.COLUMNS`` of its rows (and
    ``module.summary`` of them, when the module has one) and writes them to
    ``benchmarks/results/<name>.json``.
    """
    import argparse

    parser = argparse.ArgumentParser(description=module.__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: small data, one repeat"
    )
    rows = module.run(quick=parser.parse_args(argv).quick)
    print_table(rows, module.COLUMNS)
    if hasattr(module, "summary"):
        s = module.summary(rows)
        print("summary:", s)
        write_json(name, {"rows": rows, "summary": s})
    else:
        write_json(name, rows)


def write_json(name, rows):
    """Write benchmark rows to ``benchmarks/results/<name>.json``."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(rows, indent=2, default=float))
    return path


# --------------------------------------------------------------------- data sets
def dense_classification(n, d, seed=0, dtype=np.float64):
    """Standardised-scale synthetic binary data (make_classification)."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n, n_features=d, n_informative=max(2, d // 3),
        n_redundant=max(0, d // 10), random_state=seed,
    )
    return X.astype(dtype), y


def onehot_badly_scaled(n=200_000, n_cat=20, n_num=5, seed=0):
    """One-hot categorical columns with rare levels plus badly scaled numerics.

    20 categorical columns with 12 levels each (level frequencies from a Zipf law,
    so several levels are rare), one-hot encoded densely (240 columns), and 5
    numeric columns with scales from 1e-3 to 1e4 and non-zero means: 245 features.
    The labels come from a logistic model on all columns.
    """
    rng = np.random.default_rng(seed)
    levels = 12
    p = 1.0 / np.arange(1, levels + 1) ** 1.5
    p /= p.sum()
    blocks, logit = [], np.zeros(n)
    for _ in range(n_cat):
        codes = rng.choice(levels, size=n, p=p)
        onehot = np.zeros((n, levels))
        onehot[np.arange(n), codes] = 1.0
        blocks.append(onehot)
        logit += rng.normal(scale=0.7, size=levels)[codes]
    scales = np.logspace(-3, 4, n_num)
    num = rng.normal(size=(n, n_num))
    logit += num @ rng.normal(scale=0.5, size=n_num)
    blocks.append(num * scales + 3 * scales)
    X = np.hstack(blocks)
    logit -= logit.mean()
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return X, y


def onehot_rare_levels(n=150_000, n_cat=25, levels=8, n_num=4, positive=0.03, seed=0):
    """One-hot categorical columns whose levels are mostly rare, and a rare class.

    ``n_cat`` categorical columns of ``levels`` levels with frequencies drawn from
    a Dirichlet law of concentration 0.2 (a few common levels, the others taken
    by a handful of rows or none), one-hot encoded densely, and ``n_num`` numeric
    columns on scales from 0.02 to 500; the labels come from a logistic model on
    all columns, shifted for a ``positive`` fraction of positives (3 %).
    """
    rng = np.random.default_rng(seed)
    blocks, logit = [], np.zeros(n)
    for _ in range(n_cat):
        codes = rng.choice(levels, size=n, p=rng.dirichlet(np.full(levels, 0.2)))
        blocks.append(np.eye(levels)[codes])
        logit += rng.normal(size=levels)[codes]
    scales = np.geomspace(0.02, 500, n_num)
    num = rng.normal(size=(n, n_num))
    logit += num @ rng.normal(size=n_num)
    blocks.append(num * scales + 5 * scales)
    X = np.hstack(blocks)
    shift = np.quantile(logit, 1 - positive)  # about the wanted positives
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(logit - shift)))).astype(np.int64)
    return X, y


def sparse_classification(n=100_000, d=5000, density=0.005, seed=0):
    """Sparse CSR binary data with a logistic ground truth."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=density, format="csr", random_state=seed,
                  data_rvs=lambda k: rng.exponential(size=k))
    w = rng.normal(size=d)
    z = X @ w
    z = (z - z.mean()) / z.std() * 2
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(np.int64)
    return X, y
