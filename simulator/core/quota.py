"""The daily quota of the Activity Progress API: windows, decisions and headers.

Pure: the caller gives the time (from the simulation's clock), the limit and
the calls used so far; these functions say whether one more call is allowed and
what to tell the client. The window is the UTC calendar day, as the vendor
documents "The default daily limit for API calls is 500."

Headers follow the IETF draft "RateLimit header fields for HTTP"
(draft-ietf-httpapi-ratelimit-headers-10, structured fields):
`RateLimit-Policy: "daily";q=500;w=86400` and `RateLimit: "daily";r=42;t=3600`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

POLICY_NAME = "daily"
WINDOW_SECONDS = 86400


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


@dataclass(frozen=True)
class Decision:
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
        """RateLimit headers for every answer; `Retry-After` too when refused."""
        headers = {
            "RateLimit-Policy": policy_header(self.limit),
            "RateLimit": ratelimit_header(self.remaining, self.reset_seconds),
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


def policy_header(limit: int) -> str:
    return f'"{POLICY_NAME}";q={limit};w={WINDOW_SECONDS}'


def ratelimit_header(remaining: int, reset_seconds: int) -> str:
    return f'"{POLICY_NAME}";r={max(0, remaining)};t={reset_seconds}'
