"""The daily quota of the Activity Progress API: windows, decisions and headers.

Pure: the caller gives the time (from the simulation's clock), the limit and
the calls used so far; these functions say whether one more call is allowed and
what to tell the client. The window is the UTC calendar day, as the vendor
documents "The default daily limit for API calls is 500."

The vendor documents no quota headers, so the simulator's are its own and say so
by name (`X-Media77-Sim-Quota-Limit`, `-Remaining`, `-Reset` in seconds): an
integration that came to rely on them would break in production (D-P8). Only
`Retry-After`, standard HTTP, goes with a refusal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from msgspec import Struct

WINDOW_SECONDS = 86400
LIMIT_HEADER = "X-Media77-Sim-Quota-Limit"
REMAINING_HEADER = "X-Media77-Sim-Quota-Remaining"
RESET_HEADER = "X-Media77-Sim-Quota-Reset"


def utc_day(now: datetime) -> date:
    """The quota day `now` falls in (UTC, whatever zone `now` carries)."""
    return now.astimezone(UTC).date()


def resets_at(now: datetime) -> datetime:
    """The next UTC midnight: when today's count goes back to zero."""
    return datetime.combine(utc_day(now) + timedelta(days=1), time(0), tzinfo=UTC)


def seconds_to_reset(now: datetime) -> int:
    """Whole seconds to the reset, rounded up and never 0: retrying at 0 would be early."""
    delta = resets_at(now) - now.astimezone(UTC)
    whole = int(delta.total_seconds())
    if delta > timedelta(seconds=whole):
        whole += 1
    return max(1, whole)


def used_today(stored_day: date | None, stored_used: int, now: datetime) -> int:
    """Calls counted today: a count from an earlier day no longer applies."""
    return stored_used if stored_day == utc_day(now) else 0


class Decision(Struct, frozen=True):
    """The outcome of one call against the quota."""

    allowed: bool
    limit: int
    used: int  # after this call (unchanged when refused)
    reset_seconds: int
    resets_at: datetime

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def headers(self) -> dict[str, str]:
        """The simulator-only quota headers for every answer; `Retry-After` when refused."""
        headers = {
            LIMIT_HEADER: str(self.limit),
            REMAINING_HEADER: str(self.remaining),
            RESET_HEADER: str(self.reset_seconds),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.reset_seconds)
        return headers


def decide(limit: int, used: int, now: datetime) -> Decision:
    """Whether one more call fits in today's quota, with `used` counted today so far."""
    allowed = used < limit
    return Decision(
        allowed=allowed,
        limit=limit,
        used=used + 1 if allowed else used,
        reset_seconds=seconds_to_reset(now),
        resets_at=resets_at(now),
    )
