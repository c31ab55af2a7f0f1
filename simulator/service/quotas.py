"""Daily call quotas of the Activity Progress API, per token, on the simulation's clock.

The rule "the configured daily limit unless the token has a limit of its own" lives
here. Everything is synchronous: `check` and `record` (or `charge`, both at once)
run with no `await` between them, so concurrent callers get exactly `limit` calls
through. `check` then `record` lets the Activity Progress API count a call only
once it is answered 2xx or 400 (D-Q1), never when the work in between fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from simulator.core import quota
from simulator.core.dates import to_iso_ms
from simulator.core.errors import BadRequest, NotFound
from simulator.core.organizations import Organization
from simulator.service.organizations import Organizations
from simulator.service.simulation import Simulation
from simulator.store.reports import ReportStore

MAX_COUNT = 10**9
_DAY = timedelta(days=1)


class Quotas:
    def __init__(self, sim: Simulation, reports: ReportStore, organizations: Organizations) -> None:
        self.sim = sim
        self.clock = sim.clock
        self.reports = reports
        self.organizations = organizations
        self.on_change: Callable[[dict[str, Any]], None] = lambda _status: None  # event feed

    def _limit(self, own: int | None) -> int:
        return self.sim.config.daily_limit if own is None else own

    def check(self, token: str) -> quota.Decision:
        """Whether one more call fits today; counts nothing (see `record`)."""
        now = self.clock.now()
        day, used, limit = self.reports.quota(token)
        return quota.decide(self._limit(limit), quota.used_today(day, used, now), now)

    def record(self, token: str, decision: quota.Decision) -> None:
        """Count the call `decision` allowed. Same synchronous step as `check`: no await between."""
        if decision.allowed:
            self.reports.save_usage(token, quota.utc_day(decision.resets_at - _DAY), decision.used)
            self.on_change({"token": token, "limit": decision.limit, "used": decision.used})

    def charge(self, token: str) -> quota.Decision:
        """Count one call if today's quota allows it. Synchronous: never await in here."""
        decision = self.check(token)
        self.record(token, decision)
        return decision

    def status(self, org: Organization) -> dict[str, Any]:
        """`{organizationId, token, limit, used, resetsAt}` as of now."""
        now = self.clock.now()
        day, used, limit = self.reports.quota(org.token)
        return {
            "organizationId": org.id,
            "token": org.token,
            "limit": self._limit(limit),
            "used": quota.used_today(day, used, now),
            "resetsAt": to_iso_ms(quota.resets_at(now)),
        }

    def organization(self, token: object) -> Organization:
        """The organization a quota request names by token (none: the default one)."""
        if token is None:
            return self.organizations.default_organization()
        return self.organizations.for_token(
            token, NotFound("no organization has this token", "token")
        )

    def statuses(self) -> list[dict[str, Any]]:
        return [self.status(org) for org in self.organizations.all()]

    def set(self, token: object, limit: object = None, used: object = None) -> dict[str, Any]:
        """Set today's `limit` and/or `used` for a token (the default organization's if none)."""
        org = self.organization(token)
        new_limit, new_used = _count("limit", limit), _count("used", used)
        if new_limit is None and new_used is None:
            raise BadRequest('give "limit" and/or "used" to change', "limit")
        if new_limit is not None:
            self.reports.save_limit(org.token, new_limit)
        if new_used is not None:
            self.reports.save_usage(org.token, quota.utc_day(self.clock.now()), new_used)
        status = self.status(org)
        self.on_change(status)
        return status


def _count(name: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise BadRequest(f"{name} must be a whole number from 0 to {MAX_COUNT}", name)
    return value
