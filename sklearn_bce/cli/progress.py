"""What the command tells the user while it works: progress bars, status lines, notes.

On a terminal, the search of ``C`` shows a progress bar (with rich installed)
and other stages rewrite one status line. Elsewhere (files, pipes, tests) only
the permanent lines of :meth:`Progress.note` appear.
"""

from __future__ import annotations

import sys
import warnings
from contextlib import contextmanager


def progress_bar(stream):
    """A rich progress display drawn on ``stream``, or None without rich.

    Parameters
    ----------
    stream : file-like
        Where the bar is drawn.

    Returns
    -------
    bar : rich.progress.Progress or None
        Not started; None when rich is not installed.
    """
    try:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.table import Column
    except ImportError:
        return None
    # the status last, in the room the counts leave (shortened if needed), so
    # that the bar and the counts keep their places as the status changes;
    # standard output, where the results go, is left alone
    status = Column(ratio=1, no_wrap=True, overflow="ellipsis")
    return Progress(
        BarColumn(bar_width=30), MofNCompleteColumn(), TaskProgressColumn(),
        TimeElapsedColumn(), TextColumn("{task.description}", table_column=status),
        console=Console(file=stream), expand=True, redirect_stdout=False,
    )


class Progress:
    """Progress messages on a stream (standard error by default).

    On a terminal, :meth:`bar` shows a progress bar of a stage's steps (with
    rich installed), and :meth:`update` rewrites one status line in place for
    other stages; elsewhere (files, pipes, tests) only the lines of :meth:`note`
    appear.

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
        self._bar = None  # rich's progress display while a bar is shown
        self._task = None

    @contextmanager
    def bar(self, total):
        """Show a progress bar of ``total`` steps in the block.

        Only on a terminal, and where :func:`progress_bar` is available; the bar
        is drawn on this object's stream, :meth:`step` advances it,
        :meth:`update` changes its description and :meth:`note` lines appear
        above it. Without a bar, :meth:`step` and :meth:`update` rewrite the
        status line.

        Parameters
        ----------
        total : int
            The number of steps.

        Yields
        ------
        shown : bool
            Whether the bar is shown.
        """
        bar = progress_bar(self.stream) if self.enabled and self.live else None
        if bar is None:
            yield False
            return
        self._clear()
        with bar:
            self._bar, self._task = bar, bar.add_task("", total=total)
            try:
                yield True
            finally:
                self._bar = self._task = None

    def step(self, message):
        """Count one step of the bar of :meth:`bar` and show ``message``.

        Without a bar, the same as :meth:`update`.

        Parameters
        ----------
        message : str
            The status after the step.
        """
        if self._bar is not None:
            self._bar.update(self._task, description=message, advance=1)
        else:
            self.update(message)

    def update(self, message):
        """Show a transient status line (terminals only), or the bar's description.

        Parameters
        ----------
        message : str
            The status.
        """
        if self._bar is not None:
            self._bar.update(self._task, description=message)
            return
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
        if self._bar is not None:  # above the bar
            self._bar.console.print(message, markup=False, highlight=False)
            return
        self._clear()
        self.stream.write(message + "\n")
        self.stream.flush()

    def _clear(self):
        """Erase the status line, if one is shown."""
        if self.live and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0


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
