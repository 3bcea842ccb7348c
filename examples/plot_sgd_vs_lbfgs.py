"""
==============================
SGD against L-BFGS convergence
==============================

``solver="lbfgs"`` and ``solver="sgd"`` minimise the same objective,

.. math::
    f(w, b) = \\frac{1}{n} \\sum_i \\operatorname{bce}(y_i, x_i^\\top w + b)
    + \\frac{\\lVert w \\rVert^2}{2 C n},

with the same ``C``. L-BFGS reaches the optimum to high precision in a few
dozen passes over the data; SGD records the objective after each epoch in
``loss_curve_``, which shows how fast it approaches that optimum.
"""

# %%
# The optimum
# -----------
# A tightly converged L-BFGS fit gives the reference value ``f*``. The objective
# is the mean BCE from logits plus the L2 penalty.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from sklearn_bce import BCELogisticClassifier, binary_cross_entropy

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
C = 1.0


def objective(clf):
    bce = binary_cross_entropy(y, clf.decision_function(X), from_logits=True)
    return bce + np.sum(clf.coef_**2) / (2 * C * len(y))


lbfgs = BCELogisticClassifier(C=C, tol=1e-10, max_iter=1000).fit(X, y)
optimum = objective(lbfgs)
print(f"L-BFGS: f* = {optimum:.6f} after {lbfgs.n_iter_[0]} iterations")

# %%
# SGD, epoch by epoch
# -------------------
sgd = BCELogisticClassifier(C=C, solver="sgd", random_state=0).fit(X, y)
curve = np.asarray(sgd.loss_curve_)
print(f"SGD: f = {curve[-1]:.6f} after {sgd.n_iter_[0]} epochs")

epochs = np.arange(1, curve.size + 1)
fig, (ax, gap) = plt.subplots(2, 1, sharex=True, figsize=(6, 6))
ax.plot(epochs, curve, marker=".", label='solver="sgd": loss_curve_')
ax.axhline(optimum, color="k", ls="--", label='solver="lbfgs": optimum')
ax.set(ylabel="objective", title=f"Same objective, C = {C:g}")
ax.legend()
gap.semilogy(epochs, np.clip(curve - optimum, 1e-16, None), marker=".")
gap.set(xlabel="epoch", ylabel="objective - optimum")
fig.tight_layout()
plt.show()

# %%
# The coefficients
# ----------------
# Both solutions are close because the objective has a single minimum; the
# remaining difference is SGD's optimisation error.
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.scatter(lbfgs.coef_.ravel(), sgd.coef_.ravel())
lim = np.abs(lbfgs.coef_).max() * 1.1
ax.plot([-lim, lim], [-lim, lim], color="grey", ls=":")
ax.set(xlabel='coef_ with solver="lbfgs"', ylabel='coef_ with solver="sgd"',
       aspect="equal")
plt.show()
