"""The progress bar a pack shows while hashing and copying.

Owns: deciding whether to show one (stderr is a terminal and not --quiet)
and drawing it with rich on stderr: the phase, a bar, bytes done of the
total and the rate, files done of the total, the time left. Writers only
call `advance(nbytes)` and `file_done()`; with no bar, those are no-ops.

Imports: rich (lazily, only when a bar is shown).
"""
from __future__ import annotations

import sys


class Progress:
    """A byte- and file-count progress bar over the phases of one pack; silent when disabled."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._bar = None
        self._task = None
        self.files_done = self._files = 0

    @classmethod
    def for_terminal(cls, quiet: bool) -> Progress:
        stream = sys.stderr
        return cls(not quiet and hasattr(stream, "isatty") and stream.isatty())

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (BarColumn, DownloadColumn, Progress as RichProgress,
                                       TextColumn, TimeRemainingColumn, TransferSpeedColumn)
            self._bar = RichProgress(TextColumn("{task.description:<10}"), BarColumn(),
                                     DownloadColumn(), TransferSpeedColumn(),
                                     TextColumn("{task.fields[files]} files"), TimeRemainingColumn(),
                                     console=Console(stderr=True), transient=True)
            self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None

    def phase(self, description: str, total: int, files: int = 0) -> None:
        """Start a new phase of `total` bytes in `files` files."""
        self.files_done, self._files = 0, files
        if self._bar is None:
            return
        if self._task is not None:
            self._bar.update(self._task, completed=self._bar.tasks[self._task].total)
        self._task = self._bar.add_task(description, total=max(total, 1), files="0/%d" % files)

    def advance(self, nbytes: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, nbytes)

    def file_done(self) -> None:
        self.files_done += 1
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, files="%d/%d" % (self.files_done, self._files))

    def message(self, text: str) -> None:
        """A status line above the bar (only when the bar is shown)."""
        if self._bar is not None:
            self._bar.console.print(text)
