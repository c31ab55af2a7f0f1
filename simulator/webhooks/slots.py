"""A bound on open attempts per subscription that the virtual clock can see through.

An `asyncio.Semaphore` would hide from `VirtualClock.advance` that a waiting
attempt is about to run: the advance would either wait for it as if it were busy
(and stall for the settle grace) or answer before it ran. Here a waiter tells the
clock it is idle, and whoever frees a slot hands it over and marks the waiter as
clock work, so an advance waits for exactly the attempts it made possible.
"""

from __future__ import annotations

import asyncio
from collections import deque

from simulator.clock import Clock


class Slots:
    def __init__(self, size: int, clock: Clock) -> None:
        self.free = size
        self.clock = clock
        self._waiters: deque[tuple[asyncio.Future[None], asyncio.Task[object] | None]] = deque()

    async def acquire(self) -> None:
        if self.free > 0 and not self._waiters:
            self.free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((future, asyncio.current_task()))
        self.clock.idle()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed over just as we were cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiters:
            future, task = self._waiters.popleft()
            if future.done():
                continue
            if task is not None:
                self.clock.track(task)
            future.set_result(None)
            return
        self.free += 1

    def resize(self, delta: int) -> None:
        """The bound changed (PATCH maxInFlight): free or withhold `delta` slots."""
        self.free += delta
        while self.free > 0 and any(not f.done() for f, _ in self._waiters):
            self.free -= 1
            self.release()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.release()
