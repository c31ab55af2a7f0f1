"""What follows a delivery attempt, decided without I/O (Svix's worker, as typed stages).

The engine makes an attempt, hands its `Result` here with the attempt's number, the
subscription's retry schedule and the time, and executes the answer: `Delivered`
(remove from the outbox), `RetryAt(when)` (keep it, try again then) or
`Dropped(reason)` (the missed ledger, for good). Keeping the rule pure is what lets
"n waits allow n+1 attempts, then drop; only a clean 2xx delivers" be a property.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from msgspec import Struct

from simulator.core.retry import AttemptOutcome, Failure, is_delivered, next_attempt_at


class DropReason(StrEnum):
    """Why a bundle's transactions went on the missed ledger (`reason`)."""

    RETRIES_EXHAUSTED = "retries exhausted"
    INJECTED_DROP = "injected drop"
    SUBSCRIPTION_DELETED = "subscription deleted"


class Result(Struct, frozen=True):
    """What one attempt got: an HTTP status (0 when none), or the failure and its words."""

    status: int = 0
    failure: Failure | None = None
    detail: str = ""

    @property
    def error(self) -> str:
        """The delivery log's `error`: "refused: ...", "status 503", "" when delivered."""
        if self.failure is not None:
            return f"{self.failure}: {self.detail}" if self.detail else str(self.failure)
        if 300 <= self.status <= 399:
            return f"status {self.status}: redirects are never followed"
        if not 200 <= self.status <= 299:
            return f"status {self.status}"
        return ""


class Delivered(Struct, frozen=True):
    outcome = AttemptOutcome.DELIVERED


class RetryAt(Struct, frozen=True):
    when: datetime
    outcome = AttemptOutcome.FAILED


class Dropped(Struct, frozen=True):
    reason: DropReason
    outcome = AttemptOutcome.DROPPED


Step = Delivered | RetryAt | Dropped


def next_step(result: Result, attempt: int, schedule: Sequence[float], now: datetime) -> Step:
    """After attempt number `attempt` (1-based) got `result` at `now`: what comes next."""
    if is_delivered(result.status, result.failure):
        return Delivered()
    due = next_attempt_at(schedule, attempt, now)
    if due is None:
        return Dropped(DropReason.RETRIES_EXHAUSTED)
    return RetryAt(due)
