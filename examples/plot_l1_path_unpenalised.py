"""
===============================================
L1 path with an unpenalised feature and a sign
===============================================

``penalty_factor`` gives each feature its own share of the penalty: a factor of
0 leaves it unpenalised, so it is in the model from the start of an L1 path (as
in glmnet), while the others enter one after the other as ``C`` grows.
``lower_bounds`` / ``upper_bounds`` constrain the coefficients; here one is
required to be non-negative all along the path.
"""

# %%
# The path
# --------
# On the standardised breast-cancer data, "worst radius" is kept unpenalised
# and "mean texture" may only have a non-negative coefficient.
# :func:`~sklearn_bce.l1_min_c` then gives the ``C`` at which the first
# *penalised* feature enters, at the best model of the intercept and the
# unpenalised feature.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from sklearn_bce import bce_path, l1_min_c

data = load_breast_cancer()
X, y = StandardScaler().fit_transform(data.data), data.target
names = list(data.feature_names)
free, signed = names.index("worst radius"), names.index("mean texture")

factor = np.ones(X.shape[1])
factor[free] = 0.0
lower = np.full(X.shape[1], -np.inf)
lower[signed] = 0.0

c_min = l1_min_c(X, y, penalty_factor=factor, lower_bounds=lower)
path = bce_path(
    X, y, Cs=30, l1_ratio=1.0, penalty_factor=factor, lower_bounds=lower
)
coefs = path.coefs[:, 0, :]
print(f"l1_min_c = {c_min:.4g}")
penalised = np.delete(coefs[0], free)
print(f"at the first C, {names[free]} = {coefs[0, free]:.3f}; the largest "
      f"penalised coefficient is {np.abs(penalised).max():.1e} (the first to "
      "enter, at its threshold)")
print(f"'{names[signed]}' stays >= 0 all along: {bool(np.all(coefs[:, signed] >= 0))}")

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.plot(path.Cs, coefs, color="lightgrey", lw=1)
ax.plot(path.Cs, coefs[:, free], color="C0", lw=2, label=f"{names[free]} (factor 0)")
ax.plot(path.Cs, coefs[:, signed], color="C3", lw=2, label=f"{names[signed]} (>= 0)")
ax.axvline(c_min, color="k", ls=":", lw=1, label="l1_min_c")
ax.set_xscale("log")
ax.set_xlabel("C")
ax.set_ylabel("coefficient (standardised feature)")
ax.set_title("L1 path with an unpenalised feature and a sign constraint")
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()
