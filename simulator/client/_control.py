"""The simulator as a whole: health, reset, clock, catalog, organizations, quota, OpenAPI,
and the Activity Progress API itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from simulator.client._http import HttpClient, Response


class ControlMethods(HttpClient):
    def health(self) -> dict[str, Any]:
        """`{status, version, environment, clock: "virtual"|"system", now}`; needs no token."""
        return dict(self.call("GET", "/_sim/health"))

    def reset(self) -> None:
        """Back to the fixtures: learners, subscriptions, logs and quota counters gone."""
        self.call("POST", "/_sim/reset")
        self._forget()

    def openapi(self) -> dict[str, Any]:
        """The simulator's OpenAPI document (vendor routes and control API)."""
        return dict(self.call("GET", "/_sim/openapi.json"))

    # -- clock ------------------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        """The clock as JSON: `{now, virtual, pendingTimers, nextTimer}` (timers: virtual only)."""
        return dict(self.call("GET", "/_sim/clock"))

    def now(self) -> datetime:
        """The simulator's time, a timezone-aware UTC `datetime`.

        It returned the ISO string before 0.2; `clock()["now"]` still does.
        """
        return _parse_utc(self.clock()["now"])

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the virtual clock forward; due timers (bundle windows, retries) run first.

        Answers the clock after the move, with `timersRun`. A simulator on the
        system clock answers 409 (`SimulatorError`).
        """
        return dict(self.call("POST", "/_sim/clock", {"advance": seconds}))

    def set_clock(self, when: datetime | str) -> dict[str, Any]:
        """Move the virtual clock forward to `when` (a UTC `datetime` or an ISO-8601 string)."""
        iso = when if isinstance(when, str) else _to_iso(when)
        return dict(self.call("POST", "/_sim/clock", {"set": iso}))

    # -- catalog and organizations ----------------------------------------------------------

    def catalog(self) -> list[dict[str, Any]]:
        """The courses, events and curricula: `{id, kind, title, activityId, lessons, ...}`."""
        return list(self.call("GET", "/_sim/catalog")["courses"])

    def organizations(self) -> list[dict[str, Any]]:
        """Every organization `{id, name, token, domains, lmsIds, userVerification}`."""
        return list(self.call("GET", "/_sim/organizations"))

    def default_organization(self) -> dict[str, Any]:
        """The first organization listed: the one launches and webhooks use by default."""
        return self.organizations()[0]

    def add_organization(
        self,
        id: str,
        name: str,
        *,
        domains: Sequence[str],
        staging_lms_id: str,
        production_lms_id: str,
        token: str | None = None,
        user_verification: bool = False,
    ) -> dict[str, Any]:
        """Add an organization; the organization as created (with its token).

        `domains` are the host names a launch's `dom` may be ("*.example.com" admits
        subdomains); `token` is made up when not given. An id or token already
        taken is a `SimulatorError` (409).
        """
        body: dict[str, Any] = {
            "id": id,
            "name": name,
            "domains": list(domains),
            "lmsIds": {"staging": staging_lms_id, "production": production_lms_id},
            "userVerification": user_verification,
        }
        if token is not None:
            body["token"] = token
        return dict(self.call("POST", "/_sim/organizations", body))

    # -- the Activity Progress API and its quota -----------------------------------------

    def report(self, token: str | None = None, **fields: Any) -> Response:
        """`POST /api/reports/progress` as the vendor's API: any fields, sent as given.

        `token` defaults to `self.token` (the default organization's). Fields are the
        vendor's: start, number, search, completed, startDate, endDate, sort, order.
        Never raises on status: the `Response` has status, headers (`Retry-After`; the
        simulator-only `X-Media77-Sim-*`) and the parsed body, so 400/401/429 can be tested.
        """
        body = {"token": self.token if token is None else token, **fields}
        return self.request("POST", "/api/reports/progress", body)

    def quota(self, token: str | None = None) -> dict[str, Any]:
        """Today's quota `{token, limit, used, resetsAt}` of `token` (default: `self.token`)."""
        query = {"token": self.token if token is None else token}
        return dict(self.call("GET", "/_sim/quota", query=query))

    def quotas(self) -> list[dict[str, Any]]:
        """Every organization's quota."""
        return list(self.call("GET", "/_sim/quota"))

    def set_quota(
        self, limit: int | None = None, used: int | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """Set the daily `limit` and/or today's `used` count of `token` (default: `self.token`).

        `set_quota(used=limit)` runs the quota out at once; the quota after the change.
        """
        body: dict[str, Any] = {"token": self.token if token is None else token}
        if limit is not None:
            body["limit"] = limit
        if used is not None:
            body["used"] = used
        return dict(self.call("PATCH", "/_sim/quota", body))


def _parse_utc(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _to_iso(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("set_clock needs a timezone-aware datetime (UTC)")
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
