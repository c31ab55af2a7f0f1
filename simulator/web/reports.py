"""The Activity Progress API (`POST /api/reports/progress`) and its quota control.

The handlers only translate HTTP: the token, quota count and query are one
synchronous service call (`simulator.service.reports`), so concurrent callers
get exactly `limit` calls through; quotas are `simulator.service.quotas`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from simulator.core.errors import UnsupportedMediaType
from simulator.core.quota import LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER
from simulator.core.records import WIRE_FIELDS
from simulator.core.report_query import (
    DEFAULT_NUMBER,
    MAX_NUMBER,
    MAX_SEARCH,
    MAX_START,
    ORDERS,
    SORT_FIELDS,
)
from simulator.service.reports import TOTAL_HEADER
from simulator.web.errors import read_json_object
from simulator.web.keys import runtime

MAX_REPORT_BODY = 64 * 1024  # a real request is a few hundred bytes
PROGRESS_PATH = "/api/reports/progress"


def require_json(request: web.Request) -> None:
    """`Content-Type: application/json` (any parameters, any case) or 415, before anything else.

    The vendor's page shows that header and a typical JSON framework refuses other
    types (D-P6); the refusal comes before the token check, so it is never charged.
    """
    if request.content_type != "application/json":  # aiohttp lower-cases the media type
        given = request.headers.get("Content-Type")
        raise UnsupportedMediaType(
            "send the body as JSON with Content-Type: application/json"
            + (f", not {given!r}" if given else " (no Content-Type was sent)"),
            "Content-Type",
        )


async def progress(request: web.Request) -> web.Response:
    require_json(request)
    body = await read_json_object(
        request,
        max_bytes=MAX_REPORT_BODY,
        too_large_status=400,
        expected="a JSON object with your token",
    )
    # From here on, no await: token check, quota count and query are one step.
    page = runtime(request).progress.progress(body)
    return web.Response(body=page.body, content_type="application/json", headers=page.headers)


# -- /_sim/quota --------------------------------------------------------------------------


async def get_quota(request: web.Request) -> web.Response:
    quotas = runtime(request).quotas
    token = request.query.get("token")
    if token is not None:
        return web.json_response(quotas.status(quotas.organization(token)))
    return web.json_response(quotas.statuses())


async def patch_quota(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    quotas = runtime(request).quotas
    return web.json_response(quotas.set(body.get("token"), body.get("limit"), body.get("used")))


def setup(app: web.Application) -> None:
    """Add this area's routes to `app`."""
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
_INTEGER = {"type": "integer"}
_SIM_ONLY = "simulator only, never sent by the vendor: integration code must not rely on it"
_RATE_HEADERS = {
    LIMIT_HEADER: {"description": f"today's call limit ({_SIM_ONLY})", "schema": _INTEGER},
    REMAINING_HEADER: {"description": f"calls left today ({_SIM_ONLY})", "schema": _INTEGER},
    RESET_HEADER: {
        "description": f"seconds to the quota's reset at UTC midnight ({_SIM_ONLY})",
        "schema": _INTEGER,
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
                        TOTAL_HEADER: {
                            "description": "records the filters select, over all pages "
                            f"({_SIM_ONLY}: page until a page shorter than number)",
                            "schema": _INTEGER,
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
                "415": _error("Content-Type is not application/json (not counted)"),
                "429": _error(
                    "daily limit reached; the body also has limit and resetsAt",
                    {**_RATE_HEADERS, "Retry-After": {"schema": _INTEGER}},
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
