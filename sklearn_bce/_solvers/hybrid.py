"""L-BFGS, then Newton's method where L-BFGS is slow: the default fit's safety net.

L-BFGS's iterations are cheap, and on most data it meets the tolerance in 10 to
40 of them. Data whose conditioning the internal rescaling cannot cure (levels of
a categorical feature that only a handful of rows take, collinear columns,
nearly separable classes) can take it to the iteration limit, and stop above the
optimum with a ConvergenceWarning. When it is still running after
``newton_after`` iterations, Newton's method goes on from where it stands: from
there, a few iterations reach the tolerance whatever the conditioning. The
default fit (``solver="auto"``) uses this where Newton's iterations are
affordable (see ``newton_finish_after`` in ``sklearn_bce._choice``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._base import requires
from .lbfgs import lbfgs
from .newton import newton_cholesky


@requires("hessian", "smooth")
def lbfgs_then_newton(
    objective, x0, *, newton_after, tol=1e-5, max_iter=100, verbose=0,
    on_iteration=None,
):
    """L-BFGS for ``newton_after`` iterations, then Newton's method if needed.

    Parameters
    ----------
    objective : Objective
        Offers Hessian blocks (``"hessian"`` in its capabilities).
    x0 : ndarray of shape (K * n_coef,)
        Starting point.
    newton_after : int
        L-BFGS iterations after which the problems that have not met ``tol``
        go on with Newton's method (for the rest of ``max_iter``); problems on
        which L-BFGS stalls before then go on with it at once.
    tol : float or ndarray of shape (K,), default=1e-5
        Gradient max-norm at which a problem stops, in both solvers.
    max_iter : int, default=100
        Iterations per problem, of both solvers together.
    verbose : int, default=0
        Passed to both solvers.
    on_iteration : callable, default=None
        Called as ``on_iteration(k, n_iter, value, theta)`` after each
        iteration of problem ``k``; ``n_iter`` counts both solvers' iterations.

    Returns
    -------
    result : SolverResult
        ``n_iter`` counts both solvers' iterations; ``finished_with`` is
        ``"newton-cholesky"`` when Newton's method ran.
    """
    first = lbfgs(
        objective, x0, tol=tol, max_iter=min(newton_after, max_iter),
        verbose=verbose, on_iteration=on_iteration,
    )
    done = np.asarray(first.n_iter)
    # Newton goes on with the problems that did not meet tol: those still running
    # at newton_after, and those where L-BFGS stalled earlier (its steps lowered
    # the objective by rounding only while the gradient stayed above tol).
    if first.converged or newton_after >= max_iter:
        return first
    if on_iteration is None:
        shifted = None
    else:

        def shifted(k, n_iter, value, theta):
            on_iteration(k, int(done[k]) + n_iter, value, theta)

    second = newton_cholesky(
        objective, first.x, tol=tol, max_iter=max_iter - newton_after,
        verbose=verbose, on_iteration=shifted,
        unsettled=None if first.met is None else ~first.met,
    )
    return replace(
        second,
        n_iter=(done + np.asarray(second.n_iter)).astype(np.int32),
        history=list(first.history) + list(second.history),
        finished_with="newton-cholesky",
    )
