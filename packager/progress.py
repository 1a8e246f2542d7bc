"""The progress bar a pack shows while hashing and copying.

Owns: deciding whether to show one (stderr is a terminal and not --quiet)
and drawing it with rich on stderr. Writers only call `advance(nbytes)`;
with no bar, that is a no-op.

Imports: rich (lazily, only when a bar is shown).
"""
from __future__ import annotations

import sys


class Progress:
    """A byte-count progress bar over the phases of one pack; silent when disabled."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._bar = None
        self._task = None

    @classmethod
    def for_terminal(cls, quiet: bool) -> Progress:
        stream = sys.stderr
        return cls(not quiet and hasattr(stream, "isatty") and stream.isatty())

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (BarColumn, DownloadColumn, Progress as RichProgress,
                                       TextColumn, TimeRemainingColumn)
            self._bar = RichProgress(TextColumn("{task.description:<10}"), BarColumn(),
                                     DownloadColumn(), TimeRemainingColumn(),
                                     console=Console(stderr=True), transient=True)
            self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None

    def phase(self, description: str, total: int) -> None:
        """Start a new phase of `total` bytes."""
        if self._bar is None:
            return
        if self._task is not None:
            self._bar.update(self._task, completed=self._bar.tasks[self._task].total)
        self._task = self._bar.add_task(description, total=max(total, 1))

    def advance(self, nbytes: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, nbytes)

    def message(self, text: str) -> None:
        """A status line above the bar (only when the bar is shown)."""
        if self._bar is not None:
            self._bar.console.print(text)
