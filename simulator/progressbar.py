"""A small text progress bar for long commands (seed, learners), on stderr.

Counts only, no rate or ETA: those would need the wall clock, which only the
injected `Clock` may read.
"""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    def __init__(self, total: int, label: str, stream: TextIO | None = None, width: int = 30):
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.done = 0
        self._shown = -1
        self._tty = self.stream.isatty()

    def update(self, count: int) -> None:
        self.done = min(self.total, self.done + count)
        percent = self.done * 100 // self.total
        if percent == self._shown or (not self._tty and percent % 10 and self.done < self.total):
            return
        self._shown = percent
        filled = self.width * self.done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        end = "\r" if self._tty and self.done < self.total else "\n"
        self.stream.write(f"{self.label} [{bar}] {self.done}/{self.total} {percent:3d}%{end}")
        self.stream.flush()
