"""The objective: values against plain formulas, gradients against differences."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import approx_fprime
from scipy.special import expit

from sklearn_bce._loss import bce_from_logits, log1pexp, log_sigmoid
from sklearn_bce._objective.kernels import _block_loss_residual, signed_targets

from .conftest import make_objective


def reference_objective(X, Y, sw, C, W, b):
    """DESIGN.md's objective written out with the textbook formula."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    Z = X @ W.T + b
    P = expit(Z)
    elementwise = -(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    sw = np.broadcast_to(sw.reshape(len(sw), -1), Y.shape)
    S = sw.sum(axis=0)
    data = (sw * elementwise).sum(axis=0) / S
    pen = (W**2).sum(axis=1) / (2 * C * S) if np.isfinite(C) else 0.0
    return float(np.sum(data + pen))


def make_problem(rng, n=60, d=5, K=1, sparse=False, dtype=np.float64):
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, size=d) + rng.normal(size=d)
    if sparse:
        X[rng.uniform(size=X.shape) < 0.6] = 0.0
        X = sp.csr_matrix(X)
    X = X.astype(dtype)
    Y = (rng.uniform(size=(n, K)) < 0.4).astype(np.float64)
    return X, Y


def test_elementwise_functions_match_textbook_formula():
    # Within |z| <= 15 the textbook form is accurate to ~1e-9 relative.
    z = np.linspace(-15, 15, 101)
    p = expit(z)
    for y in (0.0, 1.0):
        expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
        np.testing.assert_allclose(bce_from_logits(y, z), expected, rtol=1e-8)
    np.testing.assert_allclose(log1pexp(z), np.log1p(np.exp(z)), rtol=1e-12)
    np.testing.assert_allclose(log_sigmoid(z), np.log(p), rtol=1e-9)


def test_elementwise_functions_are_finite_at_extreme_logits():
    z = np.array([-1e4, -800.0, 800.0, 1e4])
    # log(1 + e^z) is 0 for very negative z and z for very positive z
    np.testing.assert_array_equal(log1pexp(z), [0.0, 0.0, 800.0, 1e4])
    np.testing.assert_array_equal(bce_from_logits(1.0, z), [1e4, 800.0, 0.0, 0.0])
    np.testing.assert_array_equal(bce_from_logits(0.0, z), [0.0, 0.0, 800.0, 1e4])
    assert log1pexp(np.inf) == np.inf
    assert log1pexp(-np.inf) == 0.0


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("precondition", [True, False])
def test_loss_and_gradient(sparse, fit_intercept, K, weighted, precondition):
    rng = np.random.default_rng(0)
    X, Y = make_problem(rng, K=K, sparse=sparse)
    n, d = X.shape
    sw = rng.uniform(0, 3, size=n) if weighted else np.ones(n)
    C = 0.7
    obj = make_objective(
        X, Y, sample_weight=sw if weighted else None, C=C,
        fit_intercept=fit_intercept, precondition=precondition,
    )
    theta = rng.normal(size=obj.n_params) * 0.3
    W, b = obj.to_coef(theta)
    loss, grad = obj.loss_gradient(theta)
    assert loss == pytest.approx(reference_objective(X, Y, sw, C, W, b), rel=1e-10)
    fd = approx_fprime(theta, obj.loss, 1e-7)
    np.testing.assert_allclose(grad, fd, rtol=1e-4, atol=1e-6)


def test_per_problem_weights_give_independent_normalisations():
    rng = np.random.default_rng(1)
    X, Y = make_problem(rng, K=2)
    sw = rng.uniform(0.5, 2, size=(X.shape[0], 2))
    obj = make_objective(X, Y, sample_weight=sw, C=2.0)
    theta = rng.normal(size=obj.n_params) * 0.2
    W, b = obj.to_coef(theta)
    expected = sum(
        reference_objective(X, Y[:, [k]], sw[:, k], 2.0, W[[k]], b[[k]])
        for k in range(2)
    )
    assert obj.loss(theta) == pytest.approx(expected, rel=1e-10)
    fd = approx_fprime(theta, obj.loss, 1e-7)
    np.testing.assert_allclose(obj.loss_gradient(theta)[1], fd, rtol=1e-4, atol=1e-6)


def test_no_penalty_when_C_is_infinite():
    rng = np.random.default_rng(2)
    X, Y = make_problem(rng)
    obj = make_objective(X, Y, C=np.inf)
    theta = rng.normal(size=obj.n_params)
    W, b = obj.to_coef(theta)
    assert obj.loss(theta) == pytest.approx(
        reference_objective(X, Y, np.ones(len(Y)), np.inf, W, b), rel=1e-10
    )


def test_coordinate_maps_are_inverse():
    rng = np.random.default_rng(3)
    X, Y = make_problem(rng, K=2)
    obj = make_objective(X, Y)
    W, b = rng.normal(size=(2, X.shape[1])), rng.normal(size=2)
    W2, b2 = obj.to_coef(obj.from_coef(W, b))
    np.testing.assert_allclose(W2, W, rtol=1e-12)
    np.testing.assert_allclose(b2, b, rtol=1e-12, atol=1e-12)


def test_finite_at_huge_logits():
    X = np.array([[1.0], [-1.0], [2.0]])
    Y = np.array([[0.0], [1.0], [1.0]])
    obj = make_objective(X, Y, C=np.inf, fit_intercept=False, precondition=False)
    loss, grad = obj.loss_gradient(np.array([1e4]))
    # z = [1e4, -1e4, 2e4]: the wrong-side samples cost |z| each, averaged over 3
    assert loss == pytest.approx((1e4 + 1e4 + 0.0) / 3, rel=1e-12)
    assert np.isfinite(grad).all()
    np.testing.assert_allclose(grad, [(1.0 * 1 + (-1.0) * (-1) + 0.0) / 3])


def test_float32_follows_input_and_matches_float64():
    rng = np.random.default_rng(4)
    X, Y = make_problem(rng, K=2)
    obj64 = make_objective(X, Y, C=1.0, precondition=False)
    obj32 = make_objective(X.astype(np.float32), Y, C=1.0, precondition=False)
    theta = rng.normal(size=obj64.n_params) * 0.1
    l64, g64 = obj64.loss_gradient(theta)
    l32, g32 = obj32.loss_gradient(theta)
    assert obj32.backend.X.dtype == np.float32  # used as given, not upcast
    assert l32 == pytest.approx(l64, rel=1e-5)
    np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("weights", [None, "1d", "2d"])
def test_positive_fraction_prior_logit_and_curvature(weights):
    rng = np.random.default_rng(3)
    n, K = 500, 3
    X = rng.normal(size=(n, 2))
    Y = (rng.uniform(size=(n, K)) < [0.02, 0.5, 0.9]).astype(np.int8)
    sw = {None: None, "1d": rng.uniform(0, 2, n), "2d": rng.uniform(0, 2, (n, K))}
    sw = sw[weights]
    objective = make_objective(X, Y, sample_weight=sw)
    full = np.ones((n, K)) if sw is None else np.broadcast_to(
        sw if sw.ndim == 2 else sw[:, None], (n, K)
    )
    p = (full * Y).sum(axis=0) / full.sum(axis=0)
    np.testing.assert_allclose(objective.positive_fraction(), p, rtol=1e-12)
    np.testing.assert_allclose(objective.prior_logit(), np.log(p / (1 - p)))
    np.testing.assert_allclose(objective.curvature_at_prior(), 4 * p * (1 - p))
    # the prior logit is the minimiser of the intercept-only data term
    loss, _, gb = objective.data_term(np.zeros((K, 2)), objective.prior_logit())
    np.testing.assert_allclose(gb, 0, atol=1e-12)


def test_single_valued_problems_get_a_neutral_prior():
    X = np.arange(8.0)[:, None]
    Y = np.column_stack([np.zeros(8), np.ones(8), np.arange(8) % 2])
    objective = make_objective(X, Y)
    np.testing.assert_array_equal(objective.positive_fraction(), [0, 1, 0.5])
    np.testing.assert_array_equal(objective.prior_logit(), [0, 0, 0])
    np.testing.assert_array_equal(objective.curvature_at_prior(), [1, 1, 1])


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-14), (np.float32, 1e-6)])
@pytest.mark.parametrize("uniform", [True, False])
def test_block_kernel_is_accurate_elementwise(dtype, rtol, uniform):
    """Each element's loss and residual to a few ulps, over the whole range.

    One row and one column per logit, so that the per-column sums are the
    per-element values; the reference is computed in float64 from the same
    (rounded) logits.
    """
    top = 700 if dtype == np.float64 else 85
    z = np.concatenate([np.linspace(-top, top, 2001), [0.0, 1e-30, -1e-30, 1e-8]])
    z = z.astype(dtype)
    y = (np.arange(z.size) % 2).astype(np.int8)
    # unit weights (None), or weights of 0.5 and 2 alternating in pairs
    w = np.where(np.arange(z.size) % 4 < 2, 0.5, 2.0).astype(dtype)
    sw = None if uniform else w[None, :]
    signs = signed_targets(y[None, :])
    loss, R = _block_loss_residual(z[None, :].copy(), signs, sw, None)
    u = (1 - 2 * y) * z.astype(np.float64)
    scale = 1.0 if uniform else w.astype(np.float64)
    expected_loss = scale * np.logaddexp(0, u)
    expected_R = scale * (1 - 2 * y) * expit(u)  # sigmoid(z) - y, no cancelling
    np.testing.assert_allclose(loss, expected_loss, rtol=rtol, atol=0)
    np.testing.assert_allclose(R[0], expected_R, rtol=rtol, atol=0)


@pytest.mark.parametrize("layout", ["dense", "csr", "csc"])
@pytest.mark.parametrize("weights", [None, "shared", "per problem"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_hessian_matches_differences_of_the_gradient(layout, weights, fit_intercept):
    """Hessians in solver coordinates (features of very different offsets and
    scales, a third of the entries zero) against central differences."""
    rng = np.random.default_rng(0)
    n, d, K = 300, 6, 3
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, size=d)
    X += rng.normal(size=d) * 5
    X[rng.uniform(size=X.shape) < 0.3] = 0.0
    if layout != "dense":
        X = sp.csr_matrix(X).asformat(layout)
    Y = (rng.uniform(size=(n, K)) < 0.4).astype(np.int8)
    sw = {
        None: None,
        "shared": rng.uniform(0.1, 2, size=n),
        "per problem": rng.uniform(0.1, 2, size=(n, K)),
    }[weights]
    obj = make_objective(X, Y, sample_weight=sw, C=0.7, fit_intercept=fit_intercept)
    T = rng.normal(size=(K, obj.n_coef)) * 0.3
    H = obj.hessian_problems(T)
    assert H.shape == (K, obj.n_coef, obj.n_coef)
    h = 1e-6
    for j in range(K):
        fd = np.empty((obj.n_coef, obj.n_coef))
        for c in range(obj.n_coef):
            e = np.zeros_like(T)
            e[j, c] = h
            up = obj.loss_gradient_problems(T + e)[1][j]
            down = obj.loss_gradient_problems(T - e)[1][j]
            fd[:, c] = (up - down) / (2 * h)
        np.testing.assert_allclose(H[j], fd, rtol=0, atol=1e-7 * np.abs(H[j]).max())
        top = np.abs(H[j]).max()
        np.testing.assert_allclose(H[j], H[j].T, rtol=0, atol=1e-12 * top)
    # a subset of the problems gives the same rows
    np.testing.assert_allclose(obj.hessian_problems(T[[2, 0]], cols=[2, 0]), H[[2, 0]])


def test_block_kernel_takes_one_exp_per_element(monkeypatch):
    """Loss and residual share a single exp per element (and nothing else
    transcendental but one log)."""
    counts = {"exp": 0, "log": 0, "log1p": 0, "expm1": 0}
    for name in counts:
        original = getattr(np, name)

        def counted(x, *args, _name=name, _f=original, **kwargs):
            counts[_name] += np.size(x)
            return _f(x, *args, **kwargs)

        monkeypatch.setattr(np, name, counted)
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(1000, 3)) * 10
    signs = signed_targets((rng.uniform(size=Z.shape) < 0.5).astype(np.int8))
    _block_loss_residual(Z, signs, rng.uniform(size=(1000, 1)), np.ones(3))
    assert counts == {"exp": Z.size, "log": Z.size, "log1p": 0, "expm1": 0}
