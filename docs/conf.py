"""Sphinx configuration for the sklearn-bce documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` from the repository
root; the gallery examples in ``examples/`` run during the build, and a reference
to the package's API that does not resolve fails it. Links to the
Python, NumPy and scikit-learn documentation need network access to their
inventories, so they are switched on only when ``SKLEARN_BCE_DOCS_INTERSPHINX=1``.
The benchmark figures are drawn during the build from the kept benchmark run,
``benchmarks/results/all.json``, into ``docs/_generated_plots/``.
"""

import builtins
import os
import re
import sys
from pathlib import Path

from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # document the source tree, installed or not

import sklearn_bce

project = "sklearn-bce"
copyright = "The sklearn-bce developers"
author = "The sklearn-bce developers"
release = sklearn_bce.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
default_role = "literal"

# API reference
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False


def skip_metadata_request_methods(app, what, name, obj, skip, options):
    """Leave out the set_*_request methods scikit-learn generates on every class.

    They are documented once in scikit-learn's metadata-routing guide.
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


# Cross-references. Every reference that does not resolve warns (nitpicky), and
# -W makes that an error, for this package's own API: a ``:meth:`` with a typo or
# to a member that is not documented fails the build instead of rendering as
# plain text. References into other projects' documentation resolve only with
# intersphinx (below); without it they render as text, quietly.
nitpicky = True

#: Top-level packages of other projects that the pages and docstrings refer to
#: (the standard library and the builtins are recognised without a list).
EXTERNAL_PACKAGES = {
    "array_api_strict", "cupy", "dask", "distributed", "joblib", "matplotlib",
    "numpy", "onnx", "onnxruntime", "pandas", "polars", "pyarrow", "rich", "scipy",
    "skl2onnx", "sklearn", "skops", "statsmodels", "threadpoolctl", "torch",
}


def _external_source(node):
    """Whether ``node`` comes from the docstring of another project's object.

    The members that the estimators inherit from scikit-learn (``score``,
    ``get_params``, ...) are documented with scikit-learn's docstrings, whose
    references (``:ref:`` labels of scikit-learn's user guide, for one) point into
    scikit-learn's documentation.
    """
    found = re.search(r"docstring of (\S+)", node.source or "")
    return found is not None and not found.group(1).startswith("sklearn_bce")


def _external_target(target):
    """Whether a Python reference target names another project's object."""
    top = target.lstrip("~.!").split(".")[0]
    return top != "sklearn_bce" and (
        top in EXTERNAL_PACKAGES
        or top in sys.stdlib_module_names
        or hasattr(builtins, top)
    )


def external_reference_as_text(app, env, node, contnode):
    """Render an unresolved reference into another project's documentation as text.

    Connected after intersphinx, so it only sees what intersphinx (when on) did
    not resolve. A reference to this package's API, by full name
    (``sklearn_bce.*``) or by a name relative to the current module or class
    (``BCELogisticClassifier.coef_table``, ``predict``), is left unresolved:
    nitpicky reports it and the build fails.
    """
    if _external_source(node):
        return contnode
    if node.get("refdomain") == "py" and _external_target(node.get("reftarget", "")):
        return contnode
    return None


# Benchmark figures, drawn at every build from the benchmark run kept in the
# repository, so that they show what its JSON holds. The plotting code is that of
# the benchmark script; a figure is rewritten only when it changed, which leaves
# the pages that show it alone in an incremental build.
BENCH_RESULTS = ROOT / "benchmarks" / "results" / "all.json"
GENERATED_PLOTS = Path(__file__).resolve().parent / "_generated_plots"


def draw_benchmark_figures(app):
    """Time against suboptimality (bench_convergence), from ``all.json``."""
    import json
    import tempfile

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_convergence import plot_overview

    results = json.loads(BENCH_RESULTS.read_text())
    machine = results.get("machine", {})
    subtitle = (
        "benchmarks/results/all.json: "
        f"{machine.get('cpus', '?')} CPUs, Python {machine.get('python', '?')}, "
        f"scikit-learn {machine.get('scikit-learn', '?')}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        drawn = plot_overview(
            results["convergence"]["rows"],
            Path(tmp) / "convergence_all.png",
            subtitle=subtitle,
        )
        target = GENERATED_PLOTS / drawn.name
        if not target.exists() or target.read_bytes() != drawn.read_bytes():
            GENERATED_PLOTS.mkdir(exist_ok=True)
            target.write_bytes(drawn.read_bytes())


def setup(app):
    app.connect("builder-inited", draw_benchmark_figures)
    app.connect("autodoc-skip-member", skip_metadata_request_methods)
    app.connect("missing-reference", external_reference_as_text, priority=900)


# Links to other projects' documentation (needs network access when building).
if os.environ.get("SKLEARN_BCE_DOCS_INTERSPHINX") == "1":
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "skops": ("https://skops.readthedocs.io/en/stable", None),
    }

# Gallery: every examples/plot_*.py runs during the build and its figures are
# embedded. A failing example fails the build. The examples fit many small
# models, for which single-threaded BLAS is the fastest.
threadpool_limits(1, user_api="blas")
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "min_reported_time": 1,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
}

# HTML
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-bce {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
