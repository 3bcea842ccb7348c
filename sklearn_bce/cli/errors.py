"""Errors in the user's input, and the optional dependencies of the command."""

from __future__ import annotations

import importlib

#: How to get the optional dependencies of the command.
EXTRA_HINT = (
    'install the cli extra: pip install "sklearn-bce[cli]" (in a clone of the '
    'repository: pip install ".[cli]")'
)


class CommandError(Exception):
    """An error in the user's input, reported as one line and exit status 2."""


def import_optional(name):
    """Import an optional dependency, or return None when it is not installed.

    Parameters
    ----------
    name : str
        Module name, such as ``"pandas"`` or ``"skops.io"``.

    Returns
    -------
    module : module or None
    """
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def require_optional(name, purpose):
    """Import an optional dependency that a requested feature needs.

    Parameters
    ----------
    name : str
        Module name, such as ``"pandas"`` or ``"skops.io"``.
    purpose : str
        What needs it, the start of the error message (``"--save"``).

    Returns
    -------
    module : module

    Raises
    ------
    CommandError
        When the module is not installed; the message says how to get it.
    """
    module = import_optional(name)
    if module is None:
        package = name.partition(".")[0]
        raise CommandError(f"{purpose} needs {package}; {EXTRA_HINT}")
    return module
