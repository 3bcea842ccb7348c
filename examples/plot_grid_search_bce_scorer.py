"""
=========================================
Choosing ``C`` with GridSearchCV and BCE
=========================================

:data:`~sklearn_bce.bce_scorer` scores a fitted classifier by **minus** its
binary cross-entropy on held-out data, so that higher is better, as every
scikit-learn scorer. Here it chooses the regularisation strength ``C`` of a
``Pipeline(StandardScaler, BCELogisticClassifier)`` on the breast-cancer data.
"""

# %%
# The search
# ----------
# The grid spans five orders of magnitude of ``C``. ``return_train_score=True``
# also scores each fitted model on its own training folds.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_bce import BCELogisticClassifier, bce_scorer

X, y = load_breast_cancer(return_X_y=True)
pipe = make_pipeline(StandardScaler(), BCELogisticClassifier())
Cs = np.logspace(-3, 2, 9)
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
search = GridSearchCV(
    pipe,
    {"bcelogisticclassifier__C": Cs},
    scoring=bce_scorer,
    cv=folds,
    return_train_score=True,
).fit(X, y)

best_C = search.best_params_["bcelogisticclassifier__C"]
print(f"best C = {best_C:.3g}, cross-validated BCE = {-search.best_score_:.4f}")

# %%
# The score is minus the BCE: plot the BCE itself. Small ``C`` (strong
# regularisation) underfits: both curves are high. Large ``C`` overfits: the
# training BCE keeps falling while the held-out BCE rises again.
res = search.cv_results_
fig, ax = plt.subplots(figsize=(6, 4))
for split, style in [("train", "--"), ("test", "-")]:
    mean, std = -res[f"mean_{split}_score"], res[f"std_{split}_score"]
    ax.plot(Cs, mean, style, marker="o", label=f"{split} folds")
    ax.fill_between(Cs, mean - std, mean + std, alpha=0.2)
ax.axvline(best_C, color="grey", ls=":", label=f"best C = {best_C:.3g}")
ax.set(xscale="log", xlabel="C", ylabel="binary cross-entropy",
       title="5-fold cross-validated BCE")
ax.legend()
plt.show()

# %%
# Several scorers at once
# -----------------------
# In a dict of scorers, ``bce_scorer`` sits next to scikit-learn's named
# scorers; ``refit`` says which one chooses the model. For a binary target the
# BCE is the log loss, so ``"neg_log_loss"`` gives the same numbers.
search = GridSearchCV(
    pipe,
    {"bcelogisticclassifier__C": Cs},
    scoring={"bce": bce_scorer, "log_loss": "neg_log_loss",
             "accuracy": "accuracy"},
    refit="bce",
    cv=folds,
).fit(X, y)
res = search.cv_results_
print(f"best C by BCE: {search.best_params_['bcelogisticclassifier__C']:.3g}")
print("same scores as neg_log_loss:",
      np.allclose(res["mean_test_bce"], res["mean_test_log_loss"]))
best = search.best_index_
print(f"accuracy of that model: {res['mean_test_accuracy'][best]:.3f}")
