"""Sphinx configuration for the sklearn-bce documentation."""

import sklearn_bce

project = "sklearn-bce"
copyright = "The sklearn-bce developers"
release = sklearn_bce.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
]
autosummary_generate = True
numpydoc_show_class_members = False
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
}
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
