"""A small text progress bar for long commands (seed, learners), on stderr.

On a terminal it redraws one line in place. Anywhere else (a CI log, a pipe, a
file) every write stays as a line for good, so it writes one line per tenth of
the way, one more when `every` seconds of the injected clock passed without a
line (a slow run still shows it is alive), and the final line.

Counts only, no rate or ETA: those would need the wall clock, which only the
injected `Clock` may read.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TextIO

from simulator.clock import Clock


class ProgressBar:
    def __init__(
        self,
        total: int,
        label: str,
        stream: TextIO | None = None,
        width: int = 30,
        *,
        clock: Clock | None = None,
        every: float = 10.0,
        tty: bool | None = None,
    ) -> None:
        """`tty` says whether `stream` redraws in place; by default the stream is asked."""
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.clock = clock
        self.every = every
        self.tty = self.stream.isatty() if tty is None else tty
        self.done = 0
        # The percent last drawn (terminal), or the tenth last written (log: none at 0).
        self._shown = -1 if self.tty else 0
        self._last_line: datetime | None = clock.now() if clock is not None else None

    def update(self, count: int) -> None:
        if self.done >= self.total:
            return  # the final line is written once
        self.done = min(self.total, self.done + count)
        finished = self.done == self.total
        percent = self.done * 100 // self.total
        if self.tty:
            if percent != self._shown or finished:
                self._shown = percent
                self._write("\n" if finished else "\r")
            return
        tenth = self.done * 10 // self.total
        if tenth > self._shown or finished or self._overdue():
            self._shown = tenth
            self._write("\n")

    def _overdue(self) -> bool:
        if self.clock is None or self._last_line is None:
            return False
        return (self.clock.now() - self._last_line).total_seconds() >= self.every

    def _write(self, end: str) -> None:
        filled = self.width * self.done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        percent = self.done * 100 // self.total
        self.stream.write(f"{self.label} [{bar}] {self.done}/{self.total} {percent:3d}%{end}")
        self.stream.flush()
        if self.clock is not None:
            self._last_line = self.clock.now()
