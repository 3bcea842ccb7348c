"""
=================================
Calibration of the probabilities
=================================

Minimising the binary cross-entropy rewards honest probabilities: among the
samples given a probability of 0.7, about 70 % should be positive. A reliability
diagram (:class:`sklearn.calibration.CalibrationDisplay`) checks this on
held-out data.

``class_weight="balanced"`` changes the objective: the smaller class weighs
more, so predictions are pushed towards it. That can help its recall, but the
probabilities no longer match the observed frequencies.
"""

# %%
# A harder problem
# ----------------
# With all 30 features the breast-cancer data are almost separable and nearly
# every probability is close to 0 or 1. Three texture and shape features leave
# more doubt, so the diagram has points across the whole range. Class 1
# (benign) is 63 % of the samples.
import matplotlib.pyplot as plt
from sklearn.calibration import CalibrationDisplay
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_bce import BCELogisticClassifier, bce_scorer

data = load_breast_cancer(as_frame=True)
X = data.data[["mean texture", "mean symmetry", "mean smoothness"]]
y = data.target
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
models = {
    "class_weight=None": make_pipeline(StandardScaler(), BCELogisticClassifier()),
    'class_weight="balanced"': make_pipeline(
        StandardScaler(), BCELogisticClassifier(class_weight="balanced")
    ),
}
for name, model in models.items():
    model.fit(X_train, y_train)
    print(f"{name:<25} test BCE {-bce_scorer(model, X_test, y_test):.4f}")

# %%
# Reliability diagram
# -------------------
# Each point is one sixth of the test samples, grouped by predicted
# probability. The unweighted model stays near the diagonal. The balanced model
# gives the larger class 1 too low a probability, so its points lie above the
# diagonal.
fig, ax = plt.subplots(figsize=(6, 6))
for name, model in models.items():
    CalibrationDisplay.from_estimator(
        model, X_test, y_test, n_bins=6, strategy="quantile", name=name, ax=ax
    )
ax.set(title="Reliability on held-out data")
plt.show()

# %%
# The shift in numbers
# --------------------
# The mean predicted probability of class 1 matches its frequency without
# weights and drops towards one half with balanced weights.
for name, model in models.items():
    p = model.predict_proba(X_test)[:, 1]
    print(f"{name:<25} mean P(y=1) = {p.mean():.3f}")
print(f"{'observed frequency':<25} {y_test.mean():.3f}")
