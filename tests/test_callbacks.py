"""scikit-learn's callbacks (sklearn.callback, scikit-learn >= 1.9) on every solver.

The objective recorded at each iteration is checked against the objective written
out with NumPy (``conftest.ovr_objective``) at the coefficients the callbacks are
given; the task tree against ``n_iter_``. On older scikit-learn, only the absence
of ``set_callbacks`` is checked.
"""

import pickle
import re
import threading
import time

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification

from sklearn_bce import BCELogisticClassifier, objective_scorer
from sklearn_bce._callbacks import CALLBACKS_SUPPORTED

from .conftest import DATASETS, ovr_objective

needs_callbacks = pytest.mark.skipif(
    not CALLBACKS_SUPPORTED, reason="sklearn.callback needs scikit-learn >= 1.9"
)

SOLVERS = ["lbfgs", "newton-cholesky", "sgd"]
#: The solvers whose iterations never raise the objective of their problem.
MONOTONE = ["lbfgs", "newton-cholesky"]


class Recorder:
    """Records every hook, with the copy of the estimator each end hook gets.

    Hooks are recorded as they come; the ``active`` counter checks that two are
    never run at once (they may come from the L-BFGS solver's threads).
    """

    def __init__(self, pause=0.0):
        self.records = []
        self.pause = pause
        self.active = 0
        self.max_active = 0
        self.threads = set()

    def setup(self, estimator, context):
        self.records.append(("setup", None, None))

    def teardown(self, estimator, context):
        self.records.append(("teardown", None, None))

    def on_fit_task_begin(self, estimator, context):
        self.records.append(("begin", context, None))

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, metadata=None,
        fitted_estimator=None,
    ):
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        self.threads.add(threading.get_ident())
        time.sleep(self.pause)
        value = None
        if fitted_estimator is not None:
            value = objective_scorer(fitted_estimator, X, y, **(metadata or {}))
        self.records.append(("end", context, (fitted_estimator, value)))
        self.active -= 1

    def count(self, name):
        return sum(r[0] == name for r in self.records)

    def ends(self, depth):
        """``(task_id path, fitted copy, recorded objective)`` of the end hooks."""
        return [
            (path(ctx), *extra) for name, ctx, extra in self.records
            if name == "end" and len(path(ctx)) == depth
        ]


def path(ctx):
    ids = []
    while ctx is not None:
        ids.append(ctx.task_id)
        ctx = ctx.parent
    return tuple(reversed(ids))


def data(kind):
    if kind == "binary":
        return DATASETS["breast_cancer"]()
    return DATASETS["iris"]()


def check_tree(recorder, est, leaf):
    """One fit task, one sub-task per problem, n_iter_[k] leaves under problem k."""
    K = est.coef_.shape[0]
    assert recorder.count("setup") == recorder.count("teardown") == 1
    assert recorder.count("begin") == recorder.count("end")
    roots = recorder.ends(1)
    assert len(roots) == 1
    problems = recorder.ends(2)
    assert sorted(p for p, *_ in problems) == [(0, k) for k in range(K)]
    iterations = recorder.ends(3)
    for k in range(K):
        ids = [p[2] for p, *_ in iterations if p[1] == k]
        assert ids == list(range(est.n_iter_[k]))
    names = {ctx.task_name for name, ctx, _ in recorder.records
             if name == "end" and len(path(ctx)) == 3}
    assert names == ({leaf} if iterations else set())


def check_objectives(recorder, est, X, y, solver, sample_weight=None, rtol=1e-10):
    """The recorded objectives are the written-out objective at the copies'
    coefficients, the last one that of the fit; lbfgs and Newton never go up."""
    C = est.C
    for _, fitted, value in recorder.ends(3) + recorder.ends(2):
        expected = ovr_objective(
            X, y, fitted.coef_, fitted.intercept_, C, sample_weight
        )
        assert value == pytest.approx(expected, rel=rtol)
    (_, fitted, value), = recorder.ends(1)
    final = ovr_objective(X, y, est.coef_, est.intercept_, C, sample_weight)
    assert value == pytest.approx(final, rel=rtol)
    np.testing.assert_array_equal(fitted.coef_, est.coef_)
    if solver in MONOTONE:
        values = np.array([v for _, _, v in recorder.ends(3)])  # as they came
        assert np.all(np.diff(values) <= 1e-12 * np.abs(values[:-1]))
        assert value <= values[-1] * (1 + 1e-12)


# ------------------------------------------------------------ every solver
@needs_callbacks
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_tasks_and_objective_per_iteration(solver, kind):
    X, y = data(kind)
    recorder = Recorder()
    est = BCELogisticClassifier(solver=solver, random_state=0, max_iter=200)
    est.set_callbacks(recorder).fit(X, y)
    check_tree(recorder, est, "epoch" if solver == "sgd" else "iteration")
    check_objectives(recorder, est, X, y, solver)


@needs_callbacks
@pytest.mark.parametrize("solver", SOLVERS)
def test_sample_weights_reach_the_callbacks(solver):
    X, y = data("multiclass")
    sw = np.random.default_rng(0).uniform(0.5, 2, size=len(y))
    recorder = Recorder()
    est = BCELogisticClassifier(solver=solver, random_state=0).set_callbacks(recorder)
    est.fit(X, y, sample_weight=sw)
    check_objectives(recorder, est, X, y, solver, sample_weight=sw)


@needs_callbacks
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fitted_copies_predict_as_the_fit_stopped_there():
    """A copy at iteration i of L-BFGS is the fit with max_iter=i (one problem)."""
    X, y = data("binary")
    recorder = Recorder()
    est = BCELogisticClassifier(solver="lbfgs").set_callbacks(recorder).fit(X, y)
    for (_, _, i), fitted, _ in recorder.ends(3)[:5]:
        stopped = BCELogisticClassifier(solver="lbfgs", max_iter=i + 1).fit(X, y)
        np.testing.assert_allclose(fitted.coef_, stopped.coef_, rtol=1e-12)
        np.testing.assert_array_equal(fitted.predict(X), stopped.predict(X))
    assert not hasattr(est, "_iterate_objective")
    assert not hasattr(est, "_callback_fit_ctx")


@needs_callbacks
def test_objective_of_a_copy_on_other_data_is_computed():
    """The solver's value answers only for the training data themselves."""
    X, y = data("multiclass")
    recorder = Recorder()
    BCELogisticClassifier().set_callbacks(recorder).fit(X, y)
    (_, fitted, value), = recorder.ends(3)[-1:]
    X2, y2 = X[::2].copy(), y[::2].copy()
    assert fitted.objective(X2, y2) == pytest.approx(
        ovr_objective(X2, y2, fitted.coef_, fitted.intercept_, 1.0), rel=1e-10
    )


@needs_callbacks
def test_early_stopping_records_the_training_objective():
    """With held-out rows the solver's value is not the objective on X: the
    copies compute it."""
    X, y = data("multiclass")
    recorder = Recorder()
    est = BCELogisticClassifier(
        solver="sgd", early_stopping=True, random_state=0
    ).set_callbacks(recorder).fit(X, y)
    check_tree(recorder, est, "epoch")
    for _, fitted, value in recorder.ends(3):
        assert value == pytest.approx(
            ovr_objective(X, y, fitted.coef_, fitted.intercept_, 1.0), rel=1e-10
        )


@needs_callbacks
def test_multilabel_problems_are_labels():
    X = make_classification(n_samples=120, n_features=5, random_state=0)[0]
    Y = (np.random.default_rng(0).uniform(size=(120, 3)) < 0.4).astype(int)
    recorder = Recorder()
    est = BCELogisticClassifier().set_callbacks(recorder).fit(X, Y)
    check_tree(recorder, est, "iteration")
    names = [ctx.task_name for name, ctx, _ in recorder.records
             if name == "begin" and len(path(ctx)) == 2]
    assert names == ["label 0", "label 1", "label 2"]


# ------------------------------------------------- L-BFGS problems in threads
@needs_callbacks
def test_callbacks_from_the_lbfgs_threads_come_one_at_a_time(monkeypatch):
    import sklearn_bce._objective.memory as memory_module

    monkeypatch.setattr(memory_module, "FUSE_BYTES", 0)  # problems in threads
    X, y = data("multiclass")
    recorder = Recorder(pause=1e-3)
    est = BCELogisticClassifier(solver="lbfgs").set_callbacks(recorder).fit(X, y)
    assert len(recorder.threads) > 1  # the hooks came from the problems' threads
    assert recorder.max_active == 1
    check_tree(recorder, est, "iteration")
    check_objectives(recorder, est, X, y, "lbfgs")


@needs_callbacks
@pytest.mark.parametrize("fused", [True, False])
def test_a_failing_callback_stops_the_fit_and_is_torn_down(monkeypatch, fused):
    import sklearn_bce._objective.memory as memory_module

    monkeypatch.setattr(memory_module, "FUSE_BYTES", 0 if fused else 1 << 40)

    class Failing(Recorder):
        def on_fit_task_end(self, estimator, context):
            if len(path(context)) == 3:
                raise ValueError("callback failed")

    X, y = data("multiclass")
    callback = Failing()
    est = BCELogisticClassifier(solver="lbfgs").set_callbacks(callback)
    with pytest.raises(ValueError, match="callback failed"):
        est.fit(X, y)
    assert callback.count("setup") == callback.count("teardown") == 1
    assert not hasattr(est, "coef_")
    assert not hasattr(est, "_callback_fit_ctx")


# ---------------------------------------------- scikit-learn's own callbacks
@needs_callbacks
@pytest.mark.parametrize("solver", SOLVERS)
def test_scoring_monitor_records_the_objective(solver):
    from sklearn.callback import ScoringMonitor

    X, y = data("multiclass")
    monitor = ScoringMonitor(scoring={"objective": objective_scorer})
    est = BCELogisticClassifier(solver=solver, random_state=0)
    est.set_callbacks(monitor).fit(X, y)
    rows = monitor.get_logs().data
    K = len(est.classes_)
    assert len(rows) == 1 + K + int(est.n_iter_.sum())
    assert rows[0]["task_id_path"] == (0,)
    assert rows[0]["objective"] == pytest.approx(
        ovr_objective(X, y, est.coef_, est.intercept_, 1.0), rel=1e-10
    )
    for k in range(K):
        curve = np.array(
            [r["objective"] for r in rows if r["parent_task_id_path"] == (0, k)]
        )
        assert len(curve) == est.n_iter_[k]
        if solver in MONOTONE:
            assert np.all(np.diff(curve) <= 1e-12 * np.abs(curve[:-1]))


@needs_callbacks
def test_progress_bar_shows_every_problem(capsys):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    X, y = data("multiclass")
    BCELogisticClassifier().set_callbacks(ProgressBar()).fit(X, y)
    out = capsys.readouterr().out
    assert "BCELogisticClassifier - fit" in out
    for k in range(3):
        assert re.search(rf"BCELogisticClassifier - class {k} vs rest #{k}", out)
    assert "100%" in out
    assert not re.search(r"\b[0-9]{1,2}%", out)


@needs_callbacks
def test_callbacks_propagate_from_a_meta_estimator(capsys):
    """As scikit-learn's callback tests require of a sub-estimator: the tasks of
    the fit join the meta-estimator's tree."""
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar
    from sklearn.model_selection import GridSearchCV

    X, y = data("multiclass")
    search = GridSearchCV(BCELogisticClassifier(), {"C": [0.1, 1.0]}, cv=2)
    search.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(X, y)
    out = capsys.readouterr().out
    assert re.search(r"BCELogisticClassifier - class 2 vs rest", out)
    assert not re.search(r"\b[0-9]{1,2}%", out)
    assert not hasattr(search.best_estimator_, "_skl_callbacks")


@needs_callbacks
def test_set_callbacks_validates_and_clears():
    est = BCELogisticClassifier()
    with pytest.raises(TypeError, match="FitCallback protocol"):
        est.set_callbacks(object())
    recorder = Recorder()
    assert est.set_callbacks(recorder) is est
    assert est._skl_callbacks == [recorder]
    est.set_callbacks()
    assert not hasattr(est, "_skl_callbacks")
    X, y = data("binary")
    est.fit(X, y)  # no callbacks, no tasks
    assert recorder.records == []


# ------------------------------------------------------ clone, pickle, skops
def _callbacks():
    from sklearn.callback import ProgressBar, ScoringMonitor

    pytest.importorskip("rich")
    return ProgressBar(), ScoringMonitor(scoring={"objective": objective_scorer})


@needs_callbacks
def test_clone_shares_the_callbacks():
    progress, monitor = _callbacks()
    X, y = data("binary")
    est = BCELogisticClassifier().set_callbacks(progress, monitor).fit(X, y)
    cloned = clone(est)
    assert cloned._skl_callbacks[0] is progress
    assert cloned._skl_callbacks[1] is monitor
    cloned.fit(X, y)
    assert len(monitor.get_logs(select="all")) == 2


@needs_callbacks
@pytest.mark.parametrize("fitted", [False, True])
def test_pickle_round_trip_and_refit(fitted):
    X, y = data("multiclass")
    progress, monitor = _callbacks()
    est = BCELogisticClassifier().set_callbacks(progress, monitor)
    if fitted:
        est.fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    assert [type(c) for c in restored._skl_callbacks] == [
        type(progress), type(monitor)
    ]
    restored.fit(X, y)
    logs = restored._skl_callbacks[1].get_logs(select="all")
    assert len(logs) == 1 + fitted
    if fitted:
        assert logs[0].data == monitor.get_logs().data
    np.testing.assert_allclose(restored.coef_, clone(est).fit(X, y).coef_)


@needs_callbacks
def test_skops_round_trip_and_refit(tmp_path):
    sio = pytest.importorskip("skops.io")
    X, y = data("multiclass")
    progress, monitor = _callbacks()
    est = BCELogisticClassifier().set_callbacks(progress, monitor).fit(X, y)
    sio.dump(est, tmp_path / "model.skops")
    untrusted = sio.get_untrusted_types(file=tmp_path / "model.skops")
    restored = sio.load(tmp_path / "model.skops", trusted=untrusted)
    np.testing.assert_array_equal(restored.coef_, est.coef_)
    restored.fit(X, y)
    logs = restored._skl_callbacks[1].get_logs(select="all")
    assert len(logs) == 2
    assert logs[0].data == monitor.get_logs().data


# -------------------------------------------------------------------- dask
@needs_callbacks
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_dask_fit_reports_its_tasks_and_objective(client, solver, capsys):
    pytest.importorskip("rich")
    import dask.array as da
    from sklearn.callback import ProgressBar

    X, y = data("multiclass")
    Xd, yd = da.from_array(X, chunks=(60, -1)), da.from_array(y, chunks=60)
    recorder = Recorder()
    est = BCELogisticClassifier(solver=solver, random_state=0, max_iter=30)
    est.set_callbacks(recorder, ProgressBar())
    est.fit(Xd, yd)
    check_tree(recorder, est, "epoch" if solver == "sgd" else "iteration")
    check_objectives(recorder, est, X, y, solver)
    out = capsys.readouterr().out
    assert "BCELogisticClassifier - class 1 vs rest #1" in out
    assert "100%" in out


# ---------------------------------------------------- scikit-learn < 1.9
@pytest.mark.skipif(CALLBACKS_SUPPORTED, reason="scikit-learn has sklearn.callback")
def test_without_sklearn_callback_set_callbacks_is_absent():
    est = BCELogisticClassifier()
    assert not hasattr(est, "set_callbacks")
    with pytest.raises(AttributeError) as info:
        est.set_callbacks()
    assert "scikit-learn >= 1.9" in str(info.value.__cause__)
    X, y = load_iris(return_X_y=True)
    est.fit(X, y)  # and fitting works as before
    assert est.score(X, y) > 0.9


@needs_callbacks
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_coordinate_descent_reports_its_iterations(kind):
    """solver="cd" with an L1 part: the objective written out with its L1 term."""
    X, y = data(kind)
    recorder = Recorder()
    C, l1_ratio = 0.5, 0.7
    est = BCELogisticClassifier(solver="cd", C=C, l1_ratio=l1_ratio)
    est.set_callbacks(recorder).fit(X, y)
    check_tree(recorder, est, "iteration")
    assert len(recorder.ends(3)) == est.n_iter_.sum() > 0
    n = X.shape[0]

    def objective(coef, intercept):
        classes = np.unique(y)
        labels = classes[1:] if classes.size == 2 else classes
        total = 0.0
        for k, c in enumerate(labels):
            z = X @ coef[k] + intercept[k]
            t = (y == c).astype(float)
            total += np.mean(np.logaddexp(0, z) - t * z) + (
                (1 - l1_ratio) / 2 * coef[k] @ coef[k]
                + l1_ratio * np.abs(coef[k]).sum()
            ) / (C * n)
        return total

    for _, fitted, value in recorder.ends(3) + recorder.ends(2):
        assert value == pytest.approx(
            objective(fitted.coef_, fitted.intercept_), rel=1e-10
        )
    values = np.array([v for _, _, v in recorder.ends(3)])
    if kind == "binary":  # one problem: its iterations never raise the objective
        assert np.all(np.diff(values) <= 1e-12 * np.abs(values[:-1]))
    (_, _, final), = recorder.ends(1)
    assert final == pytest.approx(objective(est.coef_, est.intercept_), rel=1e-10)
