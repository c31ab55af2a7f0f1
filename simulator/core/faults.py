"""Injected webhook faults: seeded, reproducible decisions about each attempt.

A user reproducing the vendor's outage behaviour wants the same failures every
run. So every random choice is drawn from a generator seeded by the
subscription's `seed`, the bundle's sequence number in its subscription and the
attempt number — never from shared state — and the same events after a reset
meet the same faults.

Faults decided here never touch the network: a dropped bundle is never sent, a
scripted or outage failure is recorded as if the endpoint had answered so, and a
scripted 2xx lets the attempt go through for real.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from msgspec import Struct, field

from simulator.core.dates import parse_utc, to_wire
from simulator.core.delivery import Result
from simulator.core.errors import BadRequest
from simulator.core.retry import Failure

MAX_SCRIPT = 1000
MAX_DELAY_MS = 3_600_000
# The statuses a script or an outage may impose: a final answer (a 1xx is not one),
# the same range the receiver's scripts accept.
ANSWER_STATUSES = range(200, 600)


class ScriptWord(StrEnum):
    """A scripted outcome that is not an HTTP status."""

    RESET = "reset"
    TIMEOUT = "timeout"
    REFUSE = "refuse"


class OutageMode(StrEnum):
    """How an endpoint in an outage seems to behave (besides "status:NNN")."""

    REFUSE = "refuse"
    TIMEOUT = "timeout"


class FaultError(BadRequest):
    """Fault settings that cannot be used (400); the message says which and why."""

    def __init__(self, message: str, field: str = "faults") -> None:
        super().__init__(message, field)


Scripted = int | ScriptWord


class Faults(Struct, frozen=True):
    seed: int = 0
    drop_rate: float = 0.0
    duplicate_rate: float = 0.0
    delay_min_ms: float = 0.0
    delay_max_ms: float = 0.0
    script: tuple[Scripted, ...] = ()

    def to_json(self) -> dict[str, Any]:
        delay: Any = (
            self.delay_min_ms
            if self.delay_min_ms == self.delay_max_ms
            else {"min": self.delay_min_ms, "max": self.delay_max_ms}
        )
        return {
            "seed": self.seed,
            "dropRate": self.drop_rate,
            "duplicateRate": self.duplicate_rate,
            "delayMs": delay,
            "script": list(self.script),
        }


def _rate(data: Mapping[str, Any], name: str) -> float:
    value = data.get(name, 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise FaultError(f"faults.{name} must be a number from 0 to 1")
    return float(value)


def _delay_value(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultError(f"{name} must be a number of milliseconds")
    if not 0 <= value <= MAX_DELAY_MS:
        raise FaultError(f"{name} must be 0 to {MAX_DELAY_MS} milliseconds")
    return float(value)


def check_scripted(item: object) -> Scripted:
    """One scripted outcome: an answer status (200-599) or a `ScriptWord`."""
    if isinstance(item, int) and not isinstance(item, bool) and item in ANSWER_STATUSES:
        return item
    if isinstance(item, str) and item in frozenset(ScriptWord):
        return ScriptWord(item)
    raise FaultError(
        f"faults.script entries must be HTTP statuses ({ANSWER_STATUSES.start}-"
        f"{ANSWER_STATUSES.stop - 1}) or one of {', '.join(ScriptWord)}, not {item!r}"
    )


def parse_faults(value: object) -> Faults:
    if value is None:
        return Faults()
    if not isinstance(value, Mapping):
        raise FaultError('faults must be an object like {"dropRate": 0.1, "seed": 7}')
    known = {"seed", "dropRate", "duplicateRate", "delayMs", "script"}
    unknown = sorted(set(value) - known)
    if unknown:
        raise FaultError(
            f"unknown fault {unknown[0]!r}: expected one of {', '.join(sorted(known))}"
        )
    seed = value.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise FaultError("faults.seed must be a whole number")
    delay = value.get("delayMs", 0)
    if isinstance(delay, Mapping):
        if set(delay) - {"min", "max"} or "min" not in delay or "max" not in delay:
            raise FaultError('faults.delayMs range must be {"min": ms, "max": ms}')
        low = _delay_value(delay["min"], "faults.delayMs.min")
        high = _delay_value(delay["max"], "faults.delayMs.max")
        if low > high:
            raise FaultError("faults.delayMs.min must not exceed max")
    else:
        low = high = _delay_value(delay, "faults.delayMs")
    script = value.get("script", [])
    if not isinstance(script, list | tuple):
        raise FaultError('faults.script must be a list like [503, "reset", "timeout", 200]')
    if len(script) > MAX_SCRIPT:
        raise FaultError(f"faults.script holds at most {MAX_SCRIPT} outcomes")
    return Faults(
        seed=seed,
        drop_rate=_rate(value, "dropRate"),
        duplicate_rate=_rate(value, "duplicateRate"),
        delay_min_ms=low,
        delay_max_ms=high,
        script=tuple(check_scripted(item) for item in script),
    )


class Outage(Struct, frozen=True):
    """A window on the simulator's clock during which the endpoint seems down."""

    id: int
    start: datetime
    end: datetime
    mode: str

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def outcome(self) -> Scripted:
        if self.mode.startswith("status:"):
            return int(self.mode.split(":", 1)[1])
        return ScriptWord(self.mode)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "start": to_wire(self.start) + "Z",
            "end": to_wire(self.end) + "Z",
            "mode": self.mode,
        }


def check_mode(mode: object) -> str:
    if isinstance(mode, str):
        if mode in frozenset(OutageMode):
            return mode
        if mode.startswith("status:"):
            code = mode.split(":", 1)[1]
            if code.isdigit() and int(code) in ANSWER_STATUSES:
                return f"status:{int(code)}"
    raise FaultError(
        'mode must be "refuse", "timeout" or "status:NNN" (200-599, e.g. "status:503")', "mode"
    )


def _moment(value: object, name: str) -> datetime:
    if not isinstance(value, str):
        raise FaultError(f"{name} must be an ISO-8601 UTC date/time", name)
    try:
        return parse_utc(value)
    except ValueError as error:
        raise FaultError(f"{name}: {error}", name) from None


def parse_outage(data: Mapping[str, Any], now: datetime) -> tuple[datetime, datetime, str]:
    """`{start?, end | duration, mode?}` → (start, end, mode); start defaults to now."""
    unknown = sorted(set(data) - {"start", "end", "duration", "mode"})
    if unknown:
        raise FaultError(f"unknown outage field {unknown[0]!r}", unknown[0])
    start = _moment(data["start"], "start") if "start" in data else now
    if ("end" in data) == ("duration" in data):
        raise FaultError(
            'give exactly one of "end" (ISO date/time) or "duration" (seconds)', "duration"
        )
    if "end" in data:
        end = _moment(data["end"], "end")
    else:
        duration = data["duration"]
        if isinstance(duration, bool) or not isinstance(duration, int | float):
            raise FaultError("duration must be a number of seconds", "duration")
        if not 0 < duration <= 366 * 86400:
            raise FaultError(
                "duration must be more than 0 and at most a year of seconds", "duration"
            )
        end = start + timedelta(seconds=float(duration))
    if end <= start:
        raise FaultError("end must be after start", "end")
    return start, end, check_mode(data.get("mode", "refuse"))


def active_outage(outages: Iterable[Outage], moment: datetime) -> Outage | None:
    """The outage in force at `moment` (the earliest-created when several overlap)."""
    return next((o for o in sorted(outages, key=lambda o: o.id) if o.covers(moment)), None)


class FaultPlan(Struct, frozen=True):
    """How one attempt is shaped. `forced` None means: really send it."""

    drop: bool = False
    duplicate: bool = False
    delay_s: float = 0.0
    forced: Scripted | None = None
    faults: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        """The fault(s) for the delivery log, e.g. "script:503" or "delay:120ms,duplicate"."""
        return ",".join(self.faults)


def rng_for(seed: int, sequence: int, attempt: int) -> random.Random:
    return random.Random(f"media77/{seed}/{sequence}/{attempt}")


def fault_for_attempt(
    faults: Faults,
    *,
    sequence: int,
    attempt: int,
    scripted: Scripted | None,
    outage: Outage | None,
) -> FaultPlan:
    """Shape attempt `attempt` (1-based) of the `sequence`-th bundle of a subscription.

    Order of precedence: a dropped bundle is never sent (decided on its first
    attempt); an outage in force wins over the script; a scripted failure replaces
    the network; a scripted 2xx, or none, sends for real. Delay and duplication
    apply to whatever is attempted.
    """
    rng = rng_for(faults.seed, sequence, attempt)
    drop_draw, dup_draw, delay_draw = rng.random(), rng.random(), rng.random()
    if attempt == 1 and faults.drop_rate > 0 and drop_draw < faults.drop_rate:
        return FaultPlan(drop=True, faults=("drop",))
    labels: list[str] = []
    delay_ms = faults.delay_min_ms + (faults.delay_max_ms - faults.delay_min_ms) * delay_draw
    if delay_ms > 0:
        labels.append(f"delay:{round(delay_ms)}ms")
    forced: Scripted | None = None
    if outage is not None:
        forced = outage.outcome
        labels.append(f"outage:{outage.mode}")
    elif scripted is not None:
        labels.append(f"script:{scripted}")
        if not (isinstance(scripted, int) and 200 <= scripted <= 299):
            forced = scripted
    duplicate = faults.duplicate_rate > 0 and dup_draw < faults.duplicate_rate
    if duplicate:
        labels.append("duplicate")
    return FaultPlan(
        drop=False,
        duplicate=duplicate,
        delay_s=delay_ms / 1000.0,
        forced=forced,
        faults=tuple(labels),
    )


# The fault table: what an injected outcome does instead of the network, by kind.
# Each entry gives (seconds of the clock the attempt takes, the result it records).
_INJECTED: dict[ScriptWord, Callable[[float], tuple[float, Result]]] = {
    ScriptWord.TIMEOUT: lambda timeout_s: (
        timeout_s,
        Result(0, Failure.TIMEOUT, f"no answer within {timeout_s:g} s (injected)"),
    ),
    ScriptWord.RESET: lambda _: (
        0.0,
        Result(0, Failure.RESET, "connection reset by peer (injected)"),
    ),
    ScriptWord.REFUSE: lambda _: (0.0, Result(0, Failure.REFUSED, "connection refused (injected)")),
}


def injected_result(forced: Scripted, timeout_s: float) -> tuple[float, Result]:
    """What a forced (scripted or outage) outcome records, and how long it takes."""
    if isinstance(forced, ScriptWord):
        return _INJECTED[forced](timeout_s)
    return 0.0, Result(forced)
