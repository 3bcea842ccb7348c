"""What the command tells the user while it works: progress bars, status lines, notes.

On a terminal, fits that scikit-learn can follow with its callbacks (scikit-learn
>= 1.9, with rich installed) show :class:`sklearn.callback.ProgressBar`'s bars;
other stages rewrite one status line. Elsewhere (files, pipes, tests) only the
permanent lines of :meth:`Progress.note` appear.
"""

from __future__ import annotations

import sys
import warnings
from contextlib import contextmanager


def progress_bar(max_propagation_depth=0):
    """scikit-learn's progress bar callback, or None where it is not available.

    Parameters
    ----------
    max_propagation_depth : int or None, default=0
        Levels of nested estimators that get bars (0: the outermost only).

    Returns
    -------
    callback : sklearn.callback.ProgressBar or None
        None without ``sklearn.callback`` (scikit-learn < 1.9) or without rich.
    """
    try:
        from sklearn.callback import ProgressBar

        return ProgressBar(max_propagation_depth=max_propagation_depth)
    except ImportError:
        return None


class Progress:
    """Progress messages on a stream (standard error by default).

    On a terminal, :meth:`bars` shows scikit-learn's progress bars for a fit, and
    :meth:`update` rewrites one status line in place for other stages; elsewhere
    (files, pipes, tests) only the lines of :meth:`note` appear.

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
        self._console = None  # rich's console while bars are shown

    @contextmanager
    def bars(self, estimator, max_propagation_depth=0):
        """Show scikit-learn's progress bars of ``estimator``'s fits in the block.

        Only on a terminal, and where :func:`progress_bar` is available; the bars
        are drawn on this object's stream, and :meth:`note` lines appear above
        them. The callback is removed from ``estimator`` after the block.

        Parameters
        ----------
        estimator : estimator supporting callbacks
            The estimator fitted in the block (for example a ``GridSearchCV``).
        max_propagation_depth : int or None, default=0
            Levels of nested estimators that get bars.

        Yields
        ------
        shown : bool
            Whether bars are shown (otherwise :meth:`update` lines may be).
        """
        bar = None
        if self.enabled and self.live and hasattr(estimator, "set_callbacks"):
            bar = progress_bar(max_propagation_depth)
        if bar is None:
            yield False
            return
        import rich

        console = rich.get_console()
        saved = console.__dict__
        rich.reconfigure(file=self.stream)  # the bars go where the notes go
        self._clear()
        self._console = console
        estimator.set_callbacks(bar)
        try:
            yield True
        finally:
            estimator.set_callbacks()
            self._console = None
            console.__dict__ = saved

    def update(self, message):
        """Show a transient status line (terminals only).

        Parameters
        ----------
        message : str
            The status.
        """
        if not (self.enabled and self.live) or self._console is not None:
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
        if self._console is not None:  # above the bars
            self._console.print(message, markup=False, highlight=False)
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
