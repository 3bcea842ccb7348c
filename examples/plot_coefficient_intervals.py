"""
==============================================
Coefficients with their confidence intervals
==============================================

:meth:`~sklearn_bce.BCELogisticClassifier.coef_table` gives, for a fitted model,
each coefficient's standard error, z-statistic, p-value and confidence interval,
the numbers of statsmodels' ``Logit(...).fit().summary()``. Here we fit a model
without penalty (``C=np.inf``, classical maximum-likelihood inference) on a few
standardised features of the breast-cancer data, and plot the 95% intervals from
the inverse information matrix (``kind="nonrobust"``) and from the sandwich
estimator (``kind="HC1"``), which stays valid when the model's variance is
misspecified. A penalised fit (finite ``C``) is drawn for contrast: its
coefficients are shrunk towards zero, and its intervals are those of the
penalised estimate, not classical ones (see the "Inference" page of the user
guide).
"""

# %%
# Fit without penalty
# -------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from sklearn_bce import BCELogisticClassifier

data = load_breast_cancer(as_frame=True)
features = [
    "mean radius", "mean texture", "mean smoothness", "mean concave points",
    "mean symmetry", "mean fractal dimension",
]
scaler = StandardScaler().set_output(transform="pandas")
X = scaler.fit_transform(data.data[features])
y = data.target  # 1 = benign

mle = BCELogisticClassifier(C=np.inf, tol=1e-10).fit(X, y)
table = mle.coef_table(X, y)
print(table.round(3))

# %%
# Robust intervals
# ----------------
# The sandwich estimator HC1 uses the squared residuals instead of the model's
# variance ``p (1 - p)``; where the two disagree, so do the intervals.
robust = mle.coef_table(X, y, kind="HC1")
print(robust[["se", "p_value"]].round(3))

# %%
# A penalised fit, for contrast
# -----------------------------
# With a finite ``C`` the table warns that these are not classical
# maximum-likelihood intervals: they come from the Hessian of the penalised
# objective and are centred on shrunk coefficients.
penalised = BCELogisticClassifier(C=0.01).fit(X, y)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    shrunk = penalised.coef_table(X, y)

# %%
# Plot
# ----
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
rows = np.arange(len(features))
fits = [
    ("C=inf, nonrobust", table, "C0"),
    ("C=inf, HC1", robust, "C1"),
    ("C=0.01 (penalised)", shrunk, "C2"),
]
for offset, (label, t, colour) in zip((-0.2, 0.0, 0.2), fits, strict=True):
    t = t.loc[features]
    ax.errorbar(
        t["coef"], rows + offset,
        xerr=[t["coef"] - t["ci_lower"], t["ci_upper"] - t["coef"]],
        fmt="o", capsize=3, color=colour, label=label,
    )
ax.axvline(0.0, color="grey", linewidth=1)
ax.set_yticks(rows, features)
ax.invert_yaxis()
ax.set_xlabel("coefficient (per standard deviation of the feature), 95% interval")
ax.set_title("Logistic regression coefficients of the breast-cancer data")
# Below the axes, the legend covers none of the intervals.
fig.legend(loc="outside lower center", ncols=3)
plt.show()
