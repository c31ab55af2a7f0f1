"""The Activity Progress API (`POST /api/reports/progress`) and its quota control.

The handler only translates: body → `validate_report_query` (pure), quota →
`simulator.core.quota` (pure), records → `ReportStore` (SQL). The quota check and
its count happen in one synchronous step with no `await` in between, so with
many concurrent callers exactly `limit` calls get through: the event loop runs
one handler step at a time and the store is synchronous.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from simulator.core import quota
from simulator.core.dates import to_iso_ms
from simulator.core.organizations import Organization
from simulator.core.records import WIRE_FIELDS
from simulator.core.report_query import (
    DEFAULT_NUMBER,
    MAX_NUMBER,
    MAX_SEARCH,
    MAX_START,
    ORDERS,
    SORT_FIELDS,
    validate_report_query,
)
from simulator.service import Simulation
from simulator.store.reports import ReportStore
from simulator.web.errors import ApiError, bad_request, read_json_object
from simulator.web.keys import SIMULATION

MAX_REPORT_BODY = 64 * 1024  # a real request is a few hundred bytes
PROGRESS_PATH = "/api/reports/progress"
REPORTS = web.AppKey("reports", ReportStore)


class Quotas:
    """Daily call counters per token, kept in the store, on the simulation's clock."""

    def __init__(self, sim: Simulation, reports: ReportStore) -> None:
        self.sim = sim
        self.reports = reports

    def charge(self, token: str) -> quota.Decision:
        """Count one call if today's quota allows it. Synchronous: never await in here."""
        now = self.sim.clock.now()
        day, used, limit = self.reports.quota(token)
        limit = self.sim.config.daily_limit if limit is None else limit
        decision = quota.decide(limit, quota.used_today(day, used, now), now)
        if decision.allowed:
            self.reports.save_usage(token, quota.utc_day(now), decision.used)
        return decision

    def status(self, org: Organization) -> dict[str, Any]:
        now = self.sim.clock.now()
        day, used, limit = self.reports.quota(org.token)
        return {
            "organizationId": org.id,
            "token": org.token,
            "limit": self.sim.config.daily_limit if limit is None else limit,
            "used": quota.used_today(day, used, now),
            "resetsAt": to_iso_ms(quota.resets_at(now)),
        }


QUOTAS = web.AppKey("quotas", Quotas)


def _organization(sim: Simulation, body: dict[str, Any]) -> Organization:
    token = body.get("token")
    if token is None or token == "":
        raise ApiError(
            401, "unauthorized", "token is required: the API token you were provisioned", "token"
        )
    if not isinstance(token, str):
        raise bad_request("token must be a UUID string", "token")
    org = sim.store.organization_by_token(token)
    if org is None:
        raise ApiError(401, "unauthorized", "token is not known to any organization", "token")
    return org


async def progress(request: web.Request) -> web.Response:
    sim = request.app[SIMULATION]
    reports = request.app[REPORTS]
    body = await read_json_object(
        request,
        max_bytes=MAX_REPORT_BODY,
        too_large_status=400,
        expected="a JSON object with your token",
    )
    # From here on, no await: token check, quota count and query are one step.
    org = _organization(sim, body)
    decision = request.app[QUOTAS].charge(org.token)
    headers = decision.headers()
    if not decision.allowed:
        raise ApiError(
            429,
            "quota_exceeded",
            f"the daily limit of {decision.limit} API calls is used up; "
            f"it resets at {to_iso_ms(decision.resets_at)}",
            None,
            headers=headers,
            limit=decision.limit,
            resetsAt=to_iso_ms(decision.resets_at),
        )
    query = validate_report_query(body, org.token)
    if isinstance(query, list):
        field = query[0][0]
        raise ApiError(
            400,
            "invalid_request",
            "; ".join(m for _f, m in query),
            field,
            headers=headers,
            problems=[{"field": f, "message": m} for f, m in query],
        )
    total, payload = reports.page(org.id, query, org.user_verification)
    headers["X-Total-Count"] = str(total)
    return web.Response(body=payload, content_type="application/json", headers=headers)


# -- /_sim/quota --------------------------------------------------------------------------


def _quota_org(sim: Simulation, token: object) -> Organization:
    if token is None:
        return sim.store.default_organization()
    if not isinstance(token, str):
        raise bad_request("token must be an organization's API token", "token")
    org = sim.store.organization_by_token(token)
    if org is None:
        raise ApiError(404, "not_found", "no organization has this token", "token")
    return org


async def get_quota(request: web.Request) -> web.Response:
    sim = request.app[SIMULATION]
    quotas = request.app[QUOTAS]
    token = request.query.get("token")
    if token is not None:
        return web.json_response(quotas.status(_quota_org(sim, token)))
    return web.json_response([quotas.status(org) for org in sim.store.organizations()])


def _count(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**9:
        raise bad_request(f"{name} must be a whole number from 0 to 1000000000", name)
    return value


async def patch_quota(request: web.Request) -> web.Response:
    sim = request.app[SIMULATION]
    quotas = request.app[QUOTAS]
    reports = request.app[REPORTS]
    body = await read_json_object(request)
    org = _quota_org(sim, body.get("token"))
    limit, used = _count(body, "limit"), _count(body, "used")
    if limit is None and used is None:
        raise bad_request('give "limit" and/or "used" to change', "limit")
    if limit is not None:
        reports.save_limit(org.token, limit)
    if used is not None:
        reports.save_usage(org.token, quota.utc_day(sim.clock.now()), used)
    return web.json_response(quotas.status(org))


def setup(app: web.Application) -> None:
    """Add this area's routes, startup and cleanup hooks to `app`."""
    sim = app[SIMULATION]
    reports = ReportStore(sim.store.db)
    app[REPORTS] = reports
    app[QUOTAS] = Quotas(sim, reports)
    sim.subscribe(lambda _transactions: reports.changed())
    sim.on_reset(reports.changed)
    app.router.add_post(PROGRESS_PATH, progress)
    app.router.add_get("/_sim/quota", get_quota)
    app.router.add_patch("/_sim/quota", patch_quota)


# -- OpenAPI ------------------------------------------------------------------------------

_STRING = {"type": "string"}
_DATE = {
    "type": "string",
    "description": "ISO-8601 UTC, with or without milliseconds and Z (2020-01-01T00:00:00Z)",
}

REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["token"],
    "additionalProperties": True,
    "properties": {
        "token": {"type": "string", "format": "uuid", "description": "your API token"},
        "start": {"type": "integer", "minimum": 0, "maximum": MAX_START, "default": 0},
        "number": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_NUMBER,
            "default": DEFAULT_NUMBER,
        },
        "search": {
            "type": ["string", "null"],
            "maxLength": MAX_SEARCH,
            "description": "case-insensitive substring of full name, email, activityTitle, "
            "registration or completionCode",
        },
        "completed": {"type": ["boolean", "null"], "default": False},
        "startDate": {**_DATE, "type": ["string", "null"]},
        "endDate": {**_DATE, "type": ["string", "null"]},
        "sort": {"type": ["string", "null"], "enum": [*SORT_FIELDS, None, ""]},
        "order": {"type": ["string", "null"], "enum": [*ORDERS, None, ""]},
    },
}

RECORD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": list(WIRE_FIELDS),
    "properties": {
        "transactionId": {"type": "integer", "minimum": 1},
        "firstName": _STRING,
        "lastName": _STRING,
        "email": _STRING,
        "memberIdentifier": _STRING,
        "activityId": _STRING,
        "activityTitle": _STRING,
        "registration": {"type": "string", "format": "uuid"},
        "dateStarted": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$"},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "dateCompleted": {"type": "string", "pattern": r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)?$"},
        "completionCode": {"type": "string", "pattern": "^([0-9a-fA-F-]{36})?$"},
    },
}

QUOTA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["token", "limit", "used", "resetsAt"],
    "properties": {
        "organizationId": _STRING,
        "token": _STRING,
        "limit": {"type": "integer", "minimum": 0},
        "used": {"type": "integer", "minimum": 0},
        "resetsAt": {"type": "string", "format": "date-time"},
    },
}

_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_RATE_HEADERS = {
    "RateLimit-Policy": {
        "description": 'the daily quota, e.g. "daily";q=500;w=86400',
        "schema": _STRING,
    },
    "RateLimit": {
        "description": 'calls left today and seconds to reset, e.g. "daily";r=499;t=53000',
        "schema": _STRING,
    },
}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ERROR_REF}},
    }
    if headers:
        answer["headers"] = headers
    return answer


OPENAPI_SCHEMAS: dict[str, Any] = {
    "ProgressRequest": REQUEST_SCHEMA,
    "ProgressRecord": RECORD_SCHEMA,
    "Quota": QUOTA_SCHEMA,
}

OPENAPI_PATHS: dict[str, Any] = {
    PROGRESS_PATH: {
        "post": {
            "summary": "Activity Progress API: one record per registration, its current state",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ProgressRequest"}}
                },
            },
            "responses": {
                "200": {
                    "description": "a page of records",
                    "headers": {
                        "X-Total-Count": {
                            "description": "records the filters select, over all pages",
                            "schema": {"type": "integer"},
                        },
                        **_RATE_HEADERS,
                    },
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/ProgressRecord"},
                            }
                        }
                    },
                },
                "400": _error("invalid body or field (counts against the quota)", _RATE_HEADERS),
                "401": _error("missing or unknown token"),
                "429": _error(
                    "daily limit reached; the body also has limit and resetsAt",
                    {**_RATE_HEADERS, "Retry-After": {"schema": {"type": "integer"}}},
                ),
            },
        }
    },
    "/_sim/quota": {
        "get": {
            "summary": "quota per organization ({token, limit, used, resetsAt}); ?token= for one",
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {"application/json": {}},
                }
            },
        },
        "patch": {
            "summary": 'set {"token"?, "limit"?, "used"?} (token: default organization)',
            "requestBody": {"required": True, "content": {"application/json": {}}},
            "responses": {
                "200": {
                    "description": "the quota after the change",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Quota"}}
                    },
                },
                "400": _error("invalid limit or used"),
                "404": _error("unknown token"),
            },
        },
    },
}
