"""The one place that knows what time it is and how to wait.

Every module gets a `Clock` injected instead of reading the wall clock or sleeping,
so a test (or a user reproducing an outage) can run a 27-hour retry schedule in
milliseconds with `VirtualClock.advance`.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from msgspec import Struct

T = TypeVar("T")


class Clock(Protocol):
    """What the simulator needs of time."""

    @property
    def is_virtual(self) -> bool: ...

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Wait until `when` on this clock (returns at once if it has passed)."""
        ...

    async def sleep(self, seconds: float) -> None: ...

    async def wait_real(self, awaitable: Awaitable[T], seconds: float) -> T:
        """Await with a limit in real seconds (long polls, network guards).

        Raises `TimeoutError`. Lives here so that no other module touches real time.
        """
        ...

    def monotonic(self) -> float:
        """Real seconds from an arbitrary origin, for measuring latency."""
        ...

    def track(self, task: asyncio.Task[T]) -> asyncio.Task[T]:
        """Count a task spawned by timer work as part of that work (see VirtualClock)."""
        ...

    def idle(self) -> None:
        """Say the current task now waits on something other than this clock."""
        ...


def utc(dt: datetime) -> datetime:
    """Normalise to aware UTC: naive values are taken as UTC, as the vendor does."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


class SystemClock:
    """Real time, for `serve` without `--clock virtual`."""

    is_virtual = False

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        delay = (utc(when) - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def wait_real(self, awaitable: Awaitable[T], seconds: float) -> T:
        return await asyncio.wait_for(awaitable, seconds)

    def monotonic(self) -> float:
        return time.monotonic()

    def track(self, task: asyncio.Task[T]) -> asyncio.Task[T]:
        return task

    def idle(self) -> None:
        return None


class _Sleeper(Struct, order=True):
    """A timer in the heap, ordered by (when, seq): seq is unique, so ordering never
    reaches the future or the task."""

    when: datetime
    seq: int
    future: asyncio.Future[None]
    task: asyncio.Task[object] | None = None


class VirtualClock:
    """Time that moves only when told to.

    `advance` runs every timer that falls due, in time order, and after each one
    waits until the tasks it woke have settled (finished, or gone back to sleep on
    this clock) before moving on. That is what lets `POST /_sim/clock` answer only
    once the retries it made due have really been attempted. A woken task stuck on
    real I/O (a hung receiver) is given `settle_grace` real seconds, then time moves
    on anyway, so a virtual timeout can fire.
    """

    is_virtual = True

    def __init__(self, start: datetime, settle_grace: float = 5.0) -> None:
        self._now = utc(start)
        self._sleepers: list[_Sleeper] = []
        self._seq = itertools.count()
        self._busy: set[asyncio.Task[object]] = set()
        self._settled = asyncio.Event()
        self._settled.set()
        self._advance_lock: asyncio.Lock | None = None
        self.settle_grace = settle_grace

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return time.monotonic()

    def track(self, task: asyncio.Task[T]) -> asyncio.Task[T]:
        if not task.done():
            self._busy.add(task)
            self._settled.clear()
            task.add_done_callback(self._mark_idle)
        return task

    def idle(self) -> None:
        self._mark_idle(asyncio.current_task())

    @property
    def pending(self) -> int:
        """How many sleepers wait on this clock (cancelled ones excluded)."""
        return sum(1 for s in self._sleepers if not s.future.done())

    def next_due(self) -> datetime | None:
        live = [s.when for s in self._sleepers if not s.future.done()]
        return min(live) if live else None

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self._now + timedelta(seconds=max(0.0, seconds)))

    async def sleep_until(self, when: datetime) -> None:
        when = utc(when)
        task = asyncio.current_task()
        self._mark_idle(task)
        if when <= self._now:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, _Sleeper(when, next(self._seq), future, task))
        await future

    async def wait_real(self, awaitable: Awaitable[T], seconds: float) -> T:
        return await asyncio.wait_for(awaitable, seconds)

    async def advance(self, seconds: float) -> int:
        """Move forward, running due timers in order. Returns how many fired."""
        return await self.advance_to(self._now + timedelta(seconds=max(0.0, seconds)))

    async def advance_to(self, target: datetime) -> int:
        target = utc(target)
        if self._advance_lock is None:
            self._advance_lock = asyncio.Lock()
        fired = 0
        async with self._advance_lock:
            await self._settle()
            while self._sleepers and self._sleepers[0].when <= target:
                sleeper = heapq.heappop(self._sleepers)
                if sleeper.future.done():
                    continue
                self._now = max(self._now, sleeper.when)
                self._wake(sleeper)
                fired += 1
                await self._settle()
            self._now = max(self._now, target)
        return fired

    def _wake(self, sleeper: _Sleeper) -> None:
        task = sleeper.task
        if task is not None and not task.done():
            self._busy.add(task)
            self._settled.clear()
            task.add_done_callback(self._mark_idle)
        sleeper.future.set_result(None)

    def _mark_idle(self, task: asyncio.Task[object] | None) -> None:
        if task is None:
            return
        self._busy.discard(task)
        if not self._busy:
            self._settled.set()

    async def _settle(self) -> None:
        # Let callbacks run even when nothing is marked busy (a woken waiter without a task).
        for _ in range(3):
            await asyncio.sleep(0)
        if self._busy:
            try:
                await asyncio.wait_for(self._settled.wait(), self.settle_grace)
            except TimeoutError:
                self._busy.clear()
                self._settled.set()


def make_clock(kind: str, start: datetime | None = None) -> SystemClock | VirtualClock:
    """Build the clock `serve --clock` names; a virtual one starts at `start` or now."""
    if kind == "system":
        return SystemClock()
    if kind == "virtual":
        return VirtualClock(start or SystemClock().now())
    raise ValueError(f"unknown clock {kind!r}: expected 'system' or 'virtual'")
