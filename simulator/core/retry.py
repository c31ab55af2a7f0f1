"""The webhook's retry policy: which answers count as delivered, and when to try again.

The vendor redelivers "in the event that we receive an error" and, after its retry
attempts, gives up for good. Only a 2xx answer is a delivery: a redirect is never
followed (the endpoint is configured, not discovered), and 3xx/4xx/5xx answers,
timeouts, refused connections and TLS failures are all failures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_SCHEDULE: tuple[float, ...] = (1.0, 5.0, 30.0)
MAX_SCHEDULE_LENGTH = 50
MAX_RETRY_WAIT_S = 7 * 86400

DELIVERED = "delivered"
FAILED = "failed"
DROPPED = "dropped"

# What went wrong with an attempt, besides an HTTP status.
TIMEOUT = "timeout"
CONNECTION = "connection"
RESET = "reset"
TLS = "tls"
ERROR_KINDS = (TIMEOUT, CONNECTION, RESET, TLS)


@dataclass(frozen=True)
class AttemptResult:
    """What one attempt got: an HTTP status (0 when none) and/or an error kind."""

    status: int = 0
    error: str = ""

    @property
    def delivered(self) -> bool:
        return classify(self.status, self.error) == DELIVERED


def classify(status: int, error: str = "") -> str:
    """`delivered` only for a 2xx answer with no transport error; else `failed`."""
    if not error and 200 <= status <= 299:
        return DELIVERED
    return FAILED


def next_attempt_at(
    schedule: Sequence[float], attempts_made: int, failed_at: datetime
) -> datetime | None:
    """When to try again after attempt number `attempts_made` (1-based) failed.

    `schedule[i]` is the wait after failed attempt i+1, so a schedule of n waits
    allows n+1 attempts; past the end the bundle is dropped (None).
    """
    if attempts_made < 1:
        raise ValueError("attempts are counted from 1")
    index = attempts_made - 1
    if index >= len(schedule):
        return None
    return failed_at + timedelta(seconds=float(schedule[index]))


def max_attempts(schedule: Sequence[float]) -> int:
    return len(schedule) + 1


def check_schedule(value: object) -> tuple[float, ...]:
    """A schedule as the control API accepts it, or ValueError saying what is wrong."""
    if not isinstance(value, list | tuple):
        raise ValueError("retrySchedule must be a list of seconds, e.g. [1, 5, 30]")
    if len(value) > MAX_SCHEDULE_LENGTH:
        raise ValueError(f"retrySchedule allows at most {MAX_SCHEDULE_LENGTH} retries")
    waits: list[float] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise ValueError("retrySchedule entries must be numbers of seconds")
        if not 0 <= item <= MAX_RETRY_WAIT_S:
            raise ValueError(f"retrySchedule entries must be 0 to {MAX_RETRY_WAIT_S} seconds")
        waits.append(float(item))
    return tuple(waits)
