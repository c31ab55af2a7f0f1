"""Moving the simulator's time (`GET|POST /_sim/clock`): the rules, in one place.

Only a virtual clock moves (409 `clock_not_virtual` otherwise); a move is exactly
one of `advance` (seconds, 0 to ten years) or `set` (an ISO-8601 UTC time, never
backwards), because timers and quotas rely on time only going forward.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from simulator.clock import Clock, VirtualClock
from simulator.core.dates import parse_utc, to_iso_ms
from simulator.core.errors import BadRequest, Conflict

MAX_ADVANCE_S = 10 * 365 * 86400


class ClockControl:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.on_moved: Callable[[dict[str, Any]], None] = lambda _status: None  # event feed

    def status(self) -> dict[str, Any]:
        """`{now, virtual}`, and for a virtual clock its pending timers."""
        clock = self.clock
        data: dict[str, Any] = {"now": to_iso_ms(clock.now()), "virtual": clock.is_virtual}
        if isinstance(clock, VirtualClock):
            due = clock.next_due()
            data["pendingTimers"] = clock.pending
            data["nextTimer"] = to_iso_ms(due) if due else None
        return data

    async def move(self, change: Mapping[str, object]) -> dict[str, Any]:
        """Apply `{"advance": s}` or `{"set": iso}`; due timers run before it returns."""
        clock = self.clock
        if not isinstance(clock, VirtualClock):
            raise Conflict(
                "the clock is the system clock: start with --clock virtual",
                code="clock_not_virtual",
            )
        if ("advance" in change) == ("set" in change):
            raise BadRequest('give exactly one of {"advance": seconds} or {"set": iso}')
        if "advance" in change:
            fired = await clock.advance(_seconds(change["advance"]))
        else:
            target = _target(change["set"])
            if target < clock.now():
                raise BadRequest(
                    "the clock only moves forward (timers and quotas rely on it)", "set"
                )
            fired = await clock.advance_to(target)
        moved = {**self.status(), "timersRun": fired}
        self.on_moved(moved)
        return moved


def _seconds(value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise BadRequest("advance must be a number of seconds, 0 or more", "advance")
    if value > MAX_ADVANCE_S:
        raise BadRequest("advance is limited to ten years at a time", "advance")
    return float(value)


def _target(value: object) -> datetime:
    if not isinstance(value, str):
        raise BadRequest("set must be an ISO-8601 UTC date/time", "set")
    try:
        return parse_utc(value)
    except ValueError as error:
        raise BadRequest(str(error), "set") from None
