"""
=========================================================
Binary cross-entropy, ``log_loss`` and Keras' ``epsilon``
=========================================================

The same loss is computed three ways in common libraries, and the three
disagree on confident mistakes:

- :func:`sklearn.metrics.log_loss` clips probabilities to ``[e, 1 - e]`` with
  ``e`` the machine epsilon of their dtype (``2.2e-16`` in float64);
- Keras' ``binary_crossentropy`` clips them to ``[1e-7, 1 - 1e-7]``;
- from logits (PyTorch's ``BCEWithLogitsLoss``, Keras with
  ``from_logits=True``) nothing is clipped: ``log(1 + exp(-z))`` is computed
  directly and is exact for every finite logit ``z``.

:func:`~sklearn_bce.binary_cross_entropy` does all three: ``eps="auto"`` (the
default), ``eps=1e-7`` and ``from_logits=True``.
"""

# %%
# One positive sample, every logit
# --------------------------------
# The loss of a positive sample whose logit is ``z``: the exact value is
# ``log(1 + exp(-z))``, a straight line of slope -1 for very negative ``z``.
# Clipping the probability caps the loss: at ``-log(1e-7) = 16.1`` with the
# Keras epsilon, at ``-log(2.2e-16) = 36.0`` with the float64 epsilon.
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from sklearn_bce import BCELogisticClassifier, binary_cross_entropy

z = np.linspace(-60, 10, 701)
curves = {
    "from logits (exact)": [
        binary_cross_entropy([1], [zi], from_logits=True) for zi in z
    ],
    'eps="auto" (log_loss)': [binary_cross_entropy([1], [expit(zi)]) for zi in z],
    "eps=1e-7 (Keras)": [
        binary_cross_entropy([1], [expit(zi)], eps=1e-7) for zi in z
    ],
}
fig, ax = plt.subplots(figsize=(6, 4))
for (label, loss), ls in zip(curves.items(), ["-", "--", ":"], strict=True):
    ax.plot(z, loss, ls, lw=2, label=label)
ax.set(xlabel="logit z of a positive sample", ylabel="binary cross-entropy",
       title="Clipping caps the loss of confident mistakes")
ax.legend()
plt.show()

# %%
# On a fitted model
# -----------------
# A nearly unregularised model (large ``C``) on unscaled features makes a few
# confident mistakes on held-out data. Those samples dominate the mean BCE, and
# the three conventions give different numbers. ``eps="auto"`` agrees with
# ``log_loss`` to rounding.
X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, stratify=y, random_state=0
)
clf = BCELogisticClassifier(C=1e4, max_iter=1000).fit(X_train, y_train)
proba = clf.predict_proba(X_test)
logits = clf.decision_function(X_test)

print(f"log_loss                         {log_loss(y_test, proba):.4f}")
print(f'binary_cross_entropy, eps="auto" {binary_cross_entropy(y_test, proba):.4f}')
print(f"binary_cross_entropy, eps=1e-7   "
      f"{binary_cross_entropy(y_test, proba, eps=1e-7):.4f}")
print(f"binary_cross_entropy, logits     "
      f"{binary_cross_entropy(y_test, logits, from_logits=True):.4f}")

# %%
# The per-sample losses show where the difference comes from: only the samples
# whose true class got a probability below ``1e-7`` are affected, and only
# from logits is their loss the true one.
true_logit = np.where(y_test == 1, logits, -logits)  # logit of the true class
order = np.argsort(true_logit)[:8]
print(" logit of true class   exact   eps=1e-7")
for i in order:
    exact = binary_cross_entropy([y_test[i]], [logits[i]], from_logits=True)
    keras = binary_cross_entropy([y_test[i]], [proba[i, 1]], eps=1e-7)
    print(f"{true_logit[i]:20.2f} {exact:8.2f} {keras:10.2f}")
