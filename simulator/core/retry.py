"""The webhook's retry policy: which answers count as delivered, and when to try again.

The vendor redelivers "in the event that we receive an error" and, after its retry
attempts, gives up for good. Only a 2xx answer is a delivery: a redirect is never
followed (the endpoint is configured, not discovered), and 3xx/4xx/5xx answers,
timeouts, refused or reset connections and TLS failures are all failures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

DEFAULT_SCHEDULE: tuple[float, ...] = (1.0, 5.0, 30.0)
MAX_SCHEDULE_LENGTH = 50
MAX_RETRY_WAIT_S = 7 * 86400


class AttemptOutcome(StrEnum):
    """The `outcome` of an attempt in the delivery log."""

    DELIVERED = "delivered"
    FAILED = "failed"  # another attempt follows
    DROPPED = "dropped"  # the last one: the bundle went on the missed ledger


class Failure(StrEnum):
    """Why an attempt got no HTTP answer: the first word of the log's `error`."""

    REFUSED = "refused"  # nothing listens on the port
    RESET = "reset"  # the peer reset or closed the connection mid-exchange
    TIMEOUT = "timeout"  # no full answer within the subscription's timeout
    TLS = "tls"  # certificate verification or handshake failed
    CONNECTION = "connection"  # anything else before an answer (DNS, unreachable)


def is_delivered(status: int, failure: Failure | None = None) -> bool:
    """Only a 2xx answer with no transport failure is a delivery."""
    return failure is None and 200 <= status <= 299


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
