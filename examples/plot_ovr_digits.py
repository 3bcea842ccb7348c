"""
======================================
One-vs-rest on the digits data
======================================

With more than two classes, :class:`~sklearn_bce.BCELogisticClassifier` fits one
binary BCE problem per class ("this digit" against "any other digit"), all in
one solver run. It fits the same model as
``OneVsRestClassifier(LogisticRegression())``: the coefficients and the
probabilities agree up to the solvers' tolerance. ``predict_proba`` divides the
per-class sigmoids by their sum, as ``OneVsRestClassifier`` does; this is not a
softmax.
"""

# %%
# Fit both
# --------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_bce import BCELogisticClassifier, bce_scorer

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# A tolerance tighter than the default makes the agreement visible.
C, tol = 0.1, 1e-6
ours = BCELogisticClassifier(C=C, tol=tol).fit(X_train, y_train)
ovr = OneVsRestClassifier(LogisticRegression(C=C, tol=tol, max_iter=1000))
ovr.fit(X_train, y_train)

print("coef_ shape:", ours.coef_.shape)
diff = np.abs(ours.predict_proba(X_test) - ovr.predict_proba(X_test)).max()
print(f"largest probability difference from OneVsRestClassifier: {diff:.1e}")
print(f"test accuracy: {ours.score(X_test, y_test):.3f}")
print(f"test one-vs-rest BCE: {-bce_scorer(ours, X_test, y_test):.4f}")

# %%
# One template per class
# ----------------------
# Each row of ``coef_`` is a linear "template" over the 8 x 8 pixels: red
# pixels raise the logit of that digit, blue pixels lower it.
fig, axes = plt.subplots(2, 5, figsize=(8, 3.6))
vmax = np.abs(ours.coef_).max()
for digit, ax in zip(ours.classes_, axes.ravel(), strict=True):
    ax.imshow(ours.coef_[digit].reshape(8, 8), cmap="RdBu_r", vmin=-vmax,
              vmax=vmax)
    ax.set(title=str(digit), xticks=[], yticks=[])
fig.suptitle("coef_ of each one-vs-rest problem")
plt.show()

# %%
# How probabilities are normalised
# --------------------------------
# The ten sigmoids of one sample need not sum to one. ``predict_proba`` divides
# them by their sum; ``decision_function`` gives the ten logits.
sample = X_test[:1]
sigmoids = 1 / (1 + np.exp(-ours.decision_function(sample)))
print("sum of the sigmoids:", sigmoids.sum().round(3))
print("predict_proba equals sigmoids / sum:",
      np.allclose(ours.predict_proba(sample), sigmoids / sigmoids.sum()))
