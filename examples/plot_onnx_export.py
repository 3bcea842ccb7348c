"""
======================================
Exporting a pipeline to ONNX
======================================

A pipeline that ends in :class:`~sklearn_bce.BCELogisticClassifier` is exported
to ONNX with :func:`sklearn_bce.onnx.to_onnx`, preprocessing included
(imputation, scaling and one-hot encoding of a table with missing values), and
onnxruntime, which runs the ONNX model without scikit-learn, gives the same
labels and probabilities. See :doc:`/deploy`.
"""

# %%
# A table with numbers, text and missing values
# ---------------------------------------------
# The iris data, with its species as string labels (three classes, so
# one-vs-rest), a text column, and missing values in a numeric and in the text
# column.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklearn_bce import BCELogisticClassifier

iris = load_iris(as_frame=True)
X = iris.data.copy()
y = iris.target_names[iris.target]
rng = np.random.default_rng(0)
X["sepal band"] = pd.cut(X["sepal width (cm)"], [0, 2.8, 3.3, 5],
                         labels=["narrow", "middle", "wide"]).astype(object)
X = X.drop(columns="sepal width (cm)")
X.loc[rng.random(len(X)) < 0.1, "sepal length (cm)"] = np.nan
X.loc[rng.random(len(X)) < 0.1, "sepal band"] = np.nan
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y,
                                                    random_state=0)
print(X_test.head())

# %%
# The pipeline
# ------------
numeric = ["sepal length (cm)", "petal length (cm)", "petal width (cm)"]
pipeline = Pipeline([
    ("preprocess", ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(), StandardScaler()), numeric),
        ("text", OneHotEncoder(handle_unknown="ignore"), ["sepal band"]),
    ])),
    ("classifier", BCELogisticClassifier(C=10.0)),
]).fit(X_train, y_train)
print(f"test accuracy: {pipeline.score(X_test, y_test):.3f}")

# %%
# Export
# ------
# ``to_onnx`` registers the converter of ``BCELogisticClassifier`` with
# skl2onnx, whose own converters take the imputer, the scaler and the encoder.
# The column transformer selects columns by name, so the ONNX model has one
# input per column, named as the column (made an identifier by skl2onnx). The
# types of the rows passed give the types of the inputs: float32 here, as
# skl2onnx converts ``SimpleImputer`` to an operator that onnxruntime runs in
# float32 only. (A pipeline without it, such as the ``sklearn-bce`` command's,
# converts in float64 as well.)
from sklearn_bce.onnx import onnx_inputs, predict_onnx, to_onnx  # noqa: E402

onx = to_onnx(pipeline, X_train.astype({c: np.float32 for c in numeric}))
print("inputs: ", [(i.name, i.type.tensor_type.elem_type) for i in onx.graph.input])
print("outputs:", [o.name for o in onx.graph.output])
model_bytes = onx.SerializeToString()  # what a service in another language loads
print(f"{len(model_bytes)} bytes")

# %%
# onnxruntime against ``predict_proba``
# -------------------------------------
# ``onnx_inputs`` gives each column as an ``(N, 1)`` array; a missing value of
# the text column is the string ``"nan"``, the level ``OneHotEncoder`` learnt
# for NaN.
import onnxruntime  # noqa: E402

session = onnxruntime.InferenceSession(model_bytes,
                                       providers=["CPUExecutionProvider"])
feeds = onnx_inputs(session, X_test)
print("third test row:", {name: value[2, 0] for name, value in feeds.items()})
labels, proba = session.run(["label", "probabilities"], feeds)
reference = pipeline.predict_proba(X_test)
same = np.array_equal(labels, pipeline.predict(X_test))
print("same labels:", same)
assert same
difference = np.abs(proba - reference).max()
print(f"largest probability difference: {difference:.1e}")  # float32 rounding
assert difference < 1e-5

# predict_onnx does the same in one call
labels, proba = predict_onnx(model_bytes, X_test)

# %%
# The probabilities are those of one-vs-rest, not a softmax: each class's
# sigmoid divided by their sum, in the ONNX graph as in ``predict_proba``.
fig, ax = plt.subplots(figsize=(4.5, 4.5))
for k, name in enumerate(pipeline.classes_):
    ax.scatter(reference[:, k], proba[:, k], s=14, label=name)
ax.plot([0, 1], [0, 1], color="grey", lw=0.8)
ax.set(xlabel="predict_proba (Python)", ylabel="onnxruntime",
       title="Probabilities of the test rows")
ax.legend(title="class")
plt.show()
