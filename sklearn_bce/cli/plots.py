"""The command's plots: reliability diagram, BCE against ``C``, SGD convergence.

They are drawn on :class:`matplotlib.figure.Figure` objects, without pyplot, so
that no display is needed.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .progress import Progress
from .search import chosen_C

#: File names of the plots, in the output folder.
PLOT_FILES = {
    "reliability": "reliability.png",
    "bce_vs_C": "bce_vs_C.png",
    "sgd": "sgd_convergence.png",
}


#: Sideways shift between the points of two models in the reliability diagram
#: (models of nearly equal probabilities would hide each other otherwise).
RELIABILITY_SHIFT = 0.008


def _figure(**kwargs):
    from matplotlib.figure import Figure

    return Figure(layout="constrained", **kwargs)


def reliability_bins(y01, proba, n_bins=10):
    """Bin predictions for a reliability diagram, with 95 % intervals.

    Parameters
    ----------
    y01 : ndarray of shape (n,)
        0/1 outcomes.
    proba : ndarray of shape (n,)
        Predicted probabilities of the outcome 1.
    n_bins : int, default=10
        Number of equal-width bins on [0, 1]; empty bins are left out.

    Returns
    -------
    mean_pred, frac, low, high, count : ndarray of shape (n_nonempty_bins,)
        Mean prediction, observed frequency, Wilson score interval of the
        frequency, and number of samples of each bin.
    """
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.searchsorted(edges, proba, side="right") - 1, 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins).astype(float)
    keep = count > 0
    n = count[keep]
    mean_pred = np.bincount(which, weights=proba, minlength=n_bins)[keep] / n
    frac = np.bincount(which, weights=y01, minlength=n_bins)[keep] / n
    z = 1.959964  # 97.5 % quantile of the standard normal
    centre = (frac + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(frac * (1 - frac) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    # the Wilson interval lies in [0, 1] and holds the observed fraction;
    # rounding can put a limit a hair outside when the fraction is 0 or 1
    low = np.clip(centre - half, 0.0, frac)
    high = np.clip(centre + half, frac, 1.0)
    return mean_pred, frac, low, high, n


def plot_reliability(y, oof_proba, path, *, n_bins=10):
    """Reliability (calibration) diagram of out-of-fold probabilities.

    For two classes, the predicted probability of the second class against the
    observed frequency of that class, per bin of predictions, with 95 % Wilson
    intervals (wide where a bin holds few samples). For more classes, the same
    for all one-vs-rest probabilities pooled.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Labels.
    oof_proba : dict of str to ndarray of shape (n_samples, n_classes)
        Out-of-fold probabilities of each model.
    path : str or Path
        PNG file to write.
    n_bins : int, default=10
        Number of equal-width bins.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure written. Each model has its own marker and line style, and its
        points are shifted sideways by :data:`RELIABILITY_SHIFT` from the
        next model's, so that models with nearly equal probabilities all show.
    """
    classes = np.unique(y)
    if classes.size == 2:
        truth = (y == classes[1]).astype(float)
        what = f"P(class = {classes[1]})"
        flat = {name: p[:, 1] for name, p in oof_proba.items()}
    else:
        truth = (y[:, None] == classes[None, :]).astype(float).ravel()
        what = "one-vs-rest probability (all classes pooled)"
        flat = {name: p.ravel() for name, p in oof_proba.items()}
    fig = _figure(figsize=(6, 6.5))
    ax, hist = fig.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    ax.plot([0, 1], [0, 1], ls=":", color="grey", label="perfectly calibrated")
    styles = [("o", "-", 2.5), ("s", "--", 1.5), ("^", "-.", 1.5), ("v", ":", 1.5)]
    shifts = RELIABILITY_SHIFT * (np.arange(len(flat)) - (len(flat) - 1) / 2)
    for (name, p), (marker, ls, lw), shift in zip(
        flat.items(), styles, shifts, strict=False
    ):
        mean, frac, low, high, _ = reliability_bins(truth, p, n_bins)
        ax.errorbar(mean + shift, frac, yerr=[frac - low, high - frac],
                    marker=marker, ms=7 if marker == "o" else 5, ls=ls, lw=lw,
                    mfc="none", capsize=3, label=name)
        hist.hist(p, bins=n_bins, range=(0, 1), histtype="step", ls=ls, lw=lw,
                  label=name)
    ax.set(ylabel="observed frequency (95 % interval)", xlim=(0, 1),
           ylim=(-0.02, 1.02), title="Reliability of out-of-fold probabilities")
    title = (
        f"models' points shifted {RELIABILITY_SHIFT:g} apart, so all show"
        if len(flat) > 1 else None
    )
    ax.legend(loc="upper left", title=title, title_fontsize="small")
    hist.set(xlabel=f"predicted {what}", ylabel="samples per bin", yscale="log")
    fig.savefig(path, dpi=100)
    return fig


def plot_bce_vs_C(search, path):
    """Cross-validated BCE against ``C`` from the grid search.

    Parameters
    ----------
    search : CSearch
        Returned by :func:`~sklearn_bce.cli.search_C`.
    path : str or Path
        PNG file to write.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure written; its legend is below the axes, off the data.
    """
    res = search.cv_results_
    Cs = np.asarray(res["param_classifier__C"], dtype=float)
    bce, std = -np.asarray(res["mean_test_score"]), np.asarray(res["std_test_score"])
    finite = np.isfinite(Cs)
    order = np.argsort(Cs)
    best = chosen_C(search)
    fig = _figure(figsize=(6, 4))
    ax = fig.subplots()
    ticks = None
    if finite.all():
        x = Cs
    else:  # C = inf (no penalty): drawn a decade right of the finite values
        decades = np.log10(Cs[finite]) if finite.any() else np.zeros(1)
        ticks = 10.0 ** np.arange(np.floor(decades.min()), np.ceil(decades.max()) + 2)
        x = np.where(finite, Cs, ticks[-1])
    ax.errorbar(x[order], bce[order], yerr=std[order], marker="o", capsize=3,
                label="mean +/- std over folds", ls="-" if finite.all() else "none")
    if not finite.all() and finite.sum() > 1:  # a line through the finite values
        ax.plot(x[order][:finite.sum()], bce[order][:finite.sum()], color="C0")
    ax.axvline(best if np.isfinite(best) else ticks[-1], ls="--", color="grey",
               label=f"chosen C = {best:g}")
    if x.min() == x.max():  # a single C: give the log axis some width
        ax.set_xlim(x.min() / 3, x.max() * 3)
    ax.set(xscale="log", xlabel="C (inverse L2 strength)",
           ylabel="cross-validated BCE (lower is better)",
           title="Grid search of C with bce_scorer")
    if ticks is not None:
        labels = [f"{t:g}" for t in ticks[:-1]] if finite.any() else []
        ax.set_xticks(ticks[-len(labels) - 1:], labels=[*labels, "inf"])
        ax.set_xticks([], minor=True)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center",
               ncols=2)
    fig.savefig(path, dpi=100)
    return fig


def plot_sgd_convergence(X, y, path, *, C=1.0, seed=0):
    """Objective after each SGD epoch against the optimum.

    Fits ``BCELogisticClassifier(solver="sgd")`` and a tightly converged default
    fit (``tol=1e-10``: L-BFGS, finished by Newton's method where it stalls) with
    the same ``C`` on preprocessed data, and plots the SGD ``loss_curve_``
    together with the optimum's objective value. With more than two classes
    the objective is that of all the one-vs-rest problems, summed, as the
    title says.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Preprocessed features.
    y : ndarray of shape (n_samples,)
        Labels.
    path : str or Path
        PNG file to write.
    C : float, default=1.0
        Inverse regularisation strength of both fits.
    seed : int, default=0
        ``random_state`` of the SGD solver.

    Returns
    -------
    sgd : BCELogisticClassifier
        The fitted SGD model.
    optimum : float
        The objective value at the tightly converged solution.
    """
    from sklearn.exceptions import ConvergenceWarning

    from .._classifier import BCELogisticClassifier

    exact = BCELogisticClassifier(C=C, tol=1e-10, max_iter=10_000)
    exact.fit(X, y)
    optimum = exact.objective(X, y)
    sgd = BCELogisticClassifier(C=C, solver="sgd", random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sgd.fit(X, y)
    curve = np.asarray(sgd.loss_curve_, dtype=float)
    epochs = np.arange(1, curve.size + 1)
    fig = _figure(figsize=(6, 6.5))
    ax, gap = fig.subplots(2, 1, sharex=True)
    ax.plot(epochs, curve, marker=".", label='solver="sgd": loss_curve_')
    ax.axhline(optimum, ls="--", color="k",
               label=f"optimum (tol=1e-10) = {optimum:.5f}")
    title = f"SGD against the optimum (C = {C:g})"
    ylabel = "objective (BCE + L2)"
    K = sgd.coef_.shape[0]
    if K > 1:
        kind = "per-label" if sgd.multilabel_ else "one-vs-rest"
        title += f"\nobjective summed over the {K} {kind} problems"
        ylabel = "objective (BCE + L2), summed"
    ax.set(ylabel=ylabel, title=title)
    ax.legend()
    excess = curve - optimum
    gap.plot(epochs, np.where(excess > 0, excess, np.nan), marker=".")
    gap.set(xlabel="epoch", ylabel="objective - optimum", yscale="log")
    fig.savefig(path, dpi=100)
    return sgd, optimum


def write_plots(out, X, y, search, oof_proba, *, seed=0, progress=None):
    """Write the plots of :data:`PLOT_FILES` for a search and its comparison.

    Parameters
    ----------
    out : str or Path
        Folder of the PNG files, created if missing.
    X : DataFrame or ndarray of shape (n_samples, n_features)
        Features, as given to the search.
    y : ndarray of shape (n_samples,)
        Labels.
    search : CSearch
        Returned by :func:`~sklearn_bce.cli.search_C`.
    oof_proba : dict of str to ndarray of shape (n_samples, n_classes)
        Out-of-fold probabilities of each model, from
        :func:`~sklearn_bce.cli.cross_validate_models`.
    seed : int, default=0
        ``random_state`` of the SGD solver.
    progress : Progress, default=None
        Where to report each plot and file.

    Returns
    -------
    plots : dict of str to Path
        The files written, keyed as :data:`PLOT_FILES`. Without an SGD solver in
        this version of the classifier, there is no ``"sgd"`` plot.
    """
    from sklearn.utils._param_validation import InvalidParameterError

    progress = Progress(enabled=False) if progress is None else progress
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    progress.update("plots")
    plots = {}
    plots["reliability"] = out / PLOT_FILES["reliability"]
    plot_reliability(y, oof_proba, plots["reliability"])
    plots["bce_vs_C"] = out / PLOT_FILES["bce_vs_C"]
    plot_bce_vs_C(search, plots["bce_vs_C"])
    progress.update("SGD convergence plot")
    best = search.best_estimator_
    Xt = best[:-1].transform(X)
    try:
        plot_sgd_convergence(Xt, y, out / PLOT_FILES["sgd"],
                             C=chosen_C(search), seed=seed)
        plots["sgd"] = out / PLOT_FILES["sgd"]
    except InvalidParameterError as exc:  # a version without solver="sgd"
        progress.note(f"note: no SGD convergence plot: {exc}")
    for path in plots.values():
        progress.note(f"wrote {path}")
    return plots
