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


lbfgs = BCELogisticClassifier(C=C, solver="lbfgs", tol=1e-10, max_iter=1000)
lbfgs.fit(X, y)
optimum = objective(lbfgs)
print(f"L-BFGS: f* = {optimum:.6f} after {lbfgs.n_iter_[0]} iterations")

# %%
# SGD, epoch by epoch
# -------------------
# The default ``learning_rate="auto"`` reduces the variance of the mini-batch
# gradients, so its objective keeps falling towards ``f*``. A classic schedule
# (``learning_rate="optimal"``, the step decaying as ``1 / t``) approaches the
# optimum much more slowly: the noise of its mini-batch gradients forces ever
# smaller steps. It is stopped after 50 epochs here.
import warnings

from sklearn.exceptions import ConvergenceWarning

sgd = BCELogisticClassifier(C=C, solver="sgd", random_state=0).fit(X, y)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    classic = BCELogisticClassifier(
        C=C, solver="sgd", learning_rate="optimal", max_iter=50, random_state=0
    ).fit(X, y)
curves = {
    'learning_rate="auto"': np.asarray(sgd.loss_curve_),
    'learning_rate="optimal"': np.asarray(classic.loss_curve_),
}
for name, curve in curves.items():
    print(f"{name:<24} f - f* = {curve[-1] - optimum:.1e} after {curve.size} epochs")

fig, (ax, gap) = plt.subplots(2, 1, sharex=True, figsize=(6, 6))
for name, curve in curves.items():
    epochs = np.arange(1, curve.size + 1)
    ax.plot(epochs, curve, marker=".", label=name)
    gap.semilogy(epochs, np.clip(curve - optimum, 1e-16, None), marker=".")
ax.axhline(optimum, color="k", ls="--", label='optimum of solver="lbfgs"')
ax.set(ylabel="objective (loss_curve_)", title=f'solver="sgd", C = {C:g}')
ax.legend()
gap.set(xlabel="epoch", ylabel="objective - optimum")
fig.tight_layout()
plt.show()

# %%
# The coefficients
# ----------------
# The objective has a single minimum, so the coefficients of the default SGD
# fit and of L-BFGS coincide up to the remaining optimisation error.
fig, ax = plt.subplots(figsize=(5, 5), layout="constrained")
ax.scatter(lbfgs.coef_.ravel(), sgd.coef_.ravel())
lim = np.abs(lbfgs.coef_).max() * 1.1
ax.plot([-lim, lim], [-lim, lim], color="grey", ls=":")
ax.set(xlabel='coef_ with solver="lbfgs"', ylabel='coef_ with solver="sgd"',
       aspect="equal")
plt.show()
