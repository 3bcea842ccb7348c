"""``python -m sklearn_bce.cli`` runs the ``sklearn-bce`` command."""

import sys

from .commands import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
