"""How late the event loop runs what is due: the measure of "nothing blocks the loop".

One small task asks to be woken every `interval_s` real seconds and records how
much later than asked it really woke. Anything that holds the loop (a slow
synchronous call, a TLS handshake, a big JSON document, a starved process) shows
up here, whoever caused it, which is what an isolation promise has to be checked
against. It waits through the injected clock's real-time facility, so it runs the
same under the virtual clock, and keeps a fixed-size histogram, so it costs no
memory however long the simulator serves.
"""

from __future__ import annotations

import asyncio
import contextlib

from simulator.clock import Clock
from simulator.core.lag_histogram import LagHistogram

DEFAULT_INTERVAL_S = 0.025


class LoopLagMonitor:
    """Started and stopped with serving; kept across resets (figures are since start)."""

    def __init__(self, clock: Clock, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self.clock = clock
        self.interval_s = interval_s
        self.histogram = LagHistogram()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._sample(), name="loop-lag")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _sample(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = self.clock.monotonic()
            with contextlib.suppress(TimeoutError):
                await self.clock.wait_real(loop.create_future(), self.interval_s)
            late = self.clock.monotonic() - asked - self.interval_s
            self.histogram.record(late * 1000.0)

    def summary(self) -> dict[str, float | int]:
        """p50, p99 and max lag in ms since start, and how many samples they rest on."""
        return {**self.histogram.summary(), "intervalMs": self.interval_s * 1000.0}
