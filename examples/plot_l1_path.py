"""
==========================================
L1 regularisation path and choice of ``C``
==========================================

With an L1 penalty (``l1_ratio=1``) a small ``C`` sets every coefficient to
exactly zero, and the features enter the model one after the other as ``C``
grows. :func:`~sklearn_bce.l1_min_c` gives the ``C`` at which the first one
enters, :func:`~sklearn_bce.bce_path` fits a whole warm-started sequence of
``C`` from there, and :class:`~sklearn_bce.BCELogisticClassifierCV` chooses
``C`` by the held-out binary cross-entropy of such paths on every fold.
"""

# %%
# The path
# --------
# On the standardised breast-cancer data (30 features), an int ``Cs`` with
# ``l1_ratio > 0`` asks for that many values over four decades from
# ``l1_min_c``, where every coefficient is zero.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_bce import BCELogisticClassifierCV, bce_path, l1_min_c

data = load_breast_cancer()
X, y = StandardScaler().fit_transform(data.data), data.target
c_min = l1_min_c(X, y)
path = bce_path(X, y, Cs=40, l1_ratio=1.0)
coefs = path.coefs[:, 0, :]  # (n_Cs, n_features): one binary problem
print(f"l1_min_c = {c_min:.4g}; the path runs from {path.Cs[0]:.4g} "
      f"to {path.Cs[-1]:.4g}")

# the order in which the features enter (those entering at the same C by the
# size of their coefficient there)
nonzero = coefs != 0
entered = np.where(nonzero.any(axis=0), np.argmax(nonzero, axis=0), len(path.Cs))
at_entry = np.abs(coefs[np.minimum(entered, len(path.Cs) - 1), np.arange(X.shape[1])])
first = np.lexsort((-at_entry, entered))[:5]
print("first five to enter:", ", ".join(data.feature_names[first]))

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.plot(path.Cs, coefs, color="lightgrey", lw=1)
for j in first:
    ax.plot(path.Cs, coefs[:, j], lw=1.5, label=data.feature_names[j])
ax.axvline(c_min, color="grey", ls=":", label="l1_min_c")
ax.set(xscale="log", xlabel="C", ylabel="coefficient",
       title="L1 path on standardised breast_cancer (first five to enter)")
ax.legend(loc="lower left", fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Choosing ``C`` by cross-validation
# ----------------------------------
# ``BCELogisticClassifierCV`` fits one such path per fold (here on the same 20
# values of ``C`` for every fold) and scores each fit on the held-out part with
# :data:`~sklearn_bce.bce_scorer`, minus the binary cross-entropy. The
# scaler is part of the pipeline, so each fold is scaled on its own training
# part; as ``LogisticRegressionCV``'s, ``scores_`` holds the scores of class 1
# (the positive class) with shape ``(n_folds, n_cs, n_l1_ratios)``.
Cs = np.geomspace(c_min, c_min * 1e4, 20)
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
search = BCELogisticClassifierCV(Cs=Cs, l1_ratios=(1.0,), cv=folds)
make_pipeline(StandardScaler(), search).fit(data.data, y)

bce = -search.scores_[1][:, :, 0]  # (n_folds, n_cs)
mean, std = bce.mean(axis=0), bce.std(axis=0)
best_C = search.C_[0]
print(f"chosen C = {best_C:.4g}, held-out BCE = {mean.min():.4f}, "
      f"non-zero coefficients: {np.count_nonzero(search.coef_)} of "
      f"{search.coef_.size}")

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(Cs, mean, marker="o", ms=3, label="mean over 5 folds")
ax.fill_between(Cs, mean - std, mean + std, alpha=0.2, label="± 1 std")
ax.axvline(best_C, color="grey", ls=":", label=f"chosen C = {best_C:.3g}")
ax.set(xscale="log", xlabel="C", ylabel="held-out binary cross-entropy",
       title="5-fold cross-validated BCE, L1 penalty")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# The same search with scikit-learn
# ---------------------------------
# ``LogisticRegressionCV`` with saga on the same folds, grid and score (the
# held-out log loss is the BCE on a binary target), at its default tolerance
# and iteration limit (``tol=1e-4``, ``max_iter=100``). On these correlated
# features saga's fits often stop at ``max_iter``, short of the optimum, which
# can move its choice; the fits that warn are counted here rather than shown.
# With a much larger ``max_iter`` it reaches the choice above, at many times the
# cost. (``l1_ratios`` and ``use_legacy_attributes`` are the parameters of
# scikit-learn 1.8 and later.)
sk_search = LogisticRegressionCV(
    Cs=Cs, l1_ratios=(1.0,), solver="saga", cv=folds, scoring="neg_log_loss",
    use_legacy_attributes=False,
)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ConvergenceWarning)
    make_pipeline(StandardScaler(), sk_search).fit(data.data, y)
n_warned = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
sk_C = float(np.ravel(sk_search.C_)[0])
at = int(np.argmin(np.abs(np.log(Cs / sk_C))))
print(f"LogisticRegressionCV: chosen C = {sk_C:.4g} ({n_warned} fits did not "
      f"converge), non-zero coefficients: {np.count_nonzero(sk_search.coef_)}")
print(f"held-out BCE at that C: {mean[at]:.4f} here, "
      f"{-sk_search.scores_[:, 0, at].mean():.4f} in its own folds' fits")
