"""Limited-memory BFGS through :func:`scipy.optimize.minimize`."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from ._base import SolverResult


def lbfgs(objective, x0, *, tol=1e-4, max_iter=100, verbose=0):
    """Minimise ``objective`` with scipy's L-BFGS-B (no bounds).

    The stopping rule is the one of ``LogisticRegression(solver="lbfgs")``: stop when
    the largest absolute gradient entry is at most ``tol`` (scipy's ``gtol``), or when
    ``max_iter`` iterations are done.

    Parameters
    ----------
    objective : object
        Has ``loss_gradient(theta) -> (float, ndarray)``.
    x0 : ndarray of shape (n_params,)
        Starting point.
    tol : float, default=1e-4
        Gradient max-norm at which to stop.
    max_iter : int, default=100
        Maximum number of iterations.
    verbose : int, default=0
        Values above 0 print the objective after each iteration.

    Returns
    -------
    result : SolverResult
    """
    history = []

    def callback(intermediate_result):
        history.append(float(intermediate_result.fun))
        if verbose:
            print(f"L-BFGS iteration {len(history)}: objective {history[-1]:.10g}")

    res = minimize(
        objective.loss_gradient,
        np.asarray(x0, dtype=np.float64),
        method="L-BFGS-B",
        jac=True,
        callback=callback,
        options={
            "maxiter": max_iter,
            "maxls": 50,
            "gtol": tol,
            "ftol": 64 * np.finfo(float).eps,
        },
    )
    n_iter = min(int(res.nit), max_iter)
    grad_norm = float(np.max(np.abs(res.jac))) if res.jac.size else 0.0
    # status 0: converged (gtol or ftol); 1: iteration limit; 2: line search could
    # not make progress, which at this precision means we are at the optimum.
    converged = res.status != 1
    return SolverResult(
        x=res.x,
        n_iter=np.full(objective.K, n_iter, dtype=np.int32),
        converged=converged,
        fun=float(res.fun),
        grad_norm=grad_norm,
        history=history,
        message=str(res.message),
    )

