"""Work run a step per turn of the event loop, in the background, until it is done.

For catching up what the store keeps beside SQLite after writes commit
(`report_catch_up`): a step is scheduled with `loop.call_soon`, so the loop polls
its sockets between two steps and a request waits for one step at most, never
for the whole backlog. Nothing sleeps and nothing reads a clock: a turn is the
loop's own unit.

Only with a loop running in the calling thread: a write made without one (a
script, a test calling the store, `seed`) schedules nothing, and the next read
catches up as before. `close` cancels the scheduled step for good (the store is
about to close or be reset); `cancel` only the scheduled one (the loop stops, a
later one may start).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable


class TurnSteps:
    """Calls `step()` once per turn while it returns True; `wake()` starts it again."""

    def __init__(self, step: Callable[[], bool]) -> None:
        self._step = step
        self._handle: asyncio.Handle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self.steps = 0  # steps run so far (a test counts turns with it)

    @property
    def scheduled(self) -> bool:
        return self._handle is not None

    def wake(self) -> bool:
        """Run a step in the loop's next turn, unless one is already due there; whether
        a step is due (False without a running loop, or once closed)."""
        if self._closed:
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False  # no loop here: the next read catches up
        if self._handle is not None:
            if self._loop is loop:
                return True
            self._handle.cancel()  # scheduled on a loop that has since stopped
        self._loop = loop
        # In a context of its own, not the waking request's: what a step writes joins
        # no request's commit by accident.
        self._handle = loop.call_soon(self._run, context=contextvars.Context())
        return True

    def _run(self) -> None:
        self._handle = None
        self.steps += 1
        if self._step():
            self.wake()

    def cancel(self) -> None:
        """Drop the step due in the next turn, if any; a later `wake` schedules again."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def close(self) -> None:
        """Drop the step due and never schedule another."""
        self._closed = True
        self.cancel()
