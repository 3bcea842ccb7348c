"""Sphinx configuration for the sklearn-bce documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` from the repository
root; the gallery examples in ``examples/`` run during the build. Links to the
Python, NumPy and scikit-learn documentation need network access to their
inventories, so they are switched on only when ``SKLEARN_BCE_DOCS_INTERSPHINX=1``.
"""

import os
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


def setup(app):
    app.connect("autodoc-skip-member", skip_metadata_request_methods)


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
