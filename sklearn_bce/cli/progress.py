"""What the command tells the user while it works: progress lines and notes."""

from __future__ import annotations

import sys
import warnings


class Progress:
    """Progress messages on a stream (standard error by default).

    On a terminal, :meth:`update` rewrites one status line in place (which C, which
    fold); elsewhere (files, pipes, tests) only the lines of :meth:`note` appear.

    Parameters
    ----------
    enabled : bool, default=True
        When False, nothing is written.
    stream : file-like, default=None
        Where to write; ``sys.stderr`` when None.
    """

    def __init__(self, enabled=True, stream=None):
        self.enabled = enabled
        self.stream = sys.stderr if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.live = bool(isatty and isatty())
        self._width = 0

    def update(self, message):
        """Show a transient status line (terminals only).

        Parameters
        ----------
        message : str
            The status.
        """
        if not (self.enabled and self.live):
            return
        self.stream.write("\r" + message.ljust(self._width))
        self._width = len(message)
        self.stream.flush()

    def note(self, message):
        """Write a permanent line, replacing any status line.

        Parameters
        ----------
        message : str
            The line.
        """
        if not self.enabled:
            return
        if self.live and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.stream.write(message + "\n")
        self.stream.flush()


class ConvergenceNotes:
    """Collect the ConvergenceWarnings of many fits into one note.

    A context manager; other warnings are passed on unchanged.

    Parameters
    ----------
    progress : Progress
        Where the note goes.
    stage : str
        The fits' stage, named in the note (``"grid search"``).
    """

    def __init__(self, progress, stage):
        self.progress = progress
        self.stage = stage

    def __enter__(self):
        from sklearn.exceptions import ConvergenceWarning

        self._category = ConvergenceWarning
        self._catcher = warnings.catch_warnings(record=True)
        self._caught = self._catcher.__enter__()
        warnings.simplefilter("always", ConvergenceWarning)
        return self

    def __exit__(self, *exc_info):
        self._catcher.__exit__(*exc_info)
        notes = [w for w in self._caught if issubclass(w.category, self._category)]
        for w in self._caught:
            if not issubclass(w.category, self._category):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if notes:
            fits = "1 fit" if len(notes) == 1 else f"{len(notes)} fits"
            self.progress.note(
                f"note: {fits} of the {self.stage} stopped before converging; "
                f"the first said: {notes[0].message}"
            )
        return False
