"""The named shapes of the OpenAPI document (`components.schemas`).

The vendor's shapes (the progress request and record, the webhook bundle) are also
published as files in `fixtures/schemas/`; `schema_files()` makes those files from
here, and a test keeps them equal. Limits come from the core's own constants, so the
document cannot drift from the rules that enforce them.
"""

from __future__ import annotations

from typing import Any

from simulator.core.records import WIRE_FIELDS
from simulator.core.report_query import (
    DEFAULT_NUMBER,
    MAX_NUMBER,
    MAX_SEARCH,
    MAX_START,
    ORDERS,
    SORT_FIELDS,
)
from simulator.core.subscriptions import MAX_TIMEOUT_S

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
_DATE = "ISO-8601 UTC, with or without milliseconds and Z (2020-01-01T00:00:00Z)"
_WIRE_DATE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$"

ERROR: Schema = {
    "type": "object",
    "required": ["error", "message", "field"],
    "properties": {
        "error": {"type": "string", "description": "machine-readable code"},
        "message": {"type": "string", "description": "what is wrong, for a person"},
        "field": {"type": ["string", "null"], "description": "the input field at fault"},
    },
}

PROGRESS_REQUEST: Schema = {
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
        "startDate": {"type": ["string", "null"], "description": _DATE},
        "endDate": {"type": ["string", "null"], "description": _DATE},
        "sort": {"type": ["string", "null"], "enum": [*SORT_FIELDS, None, ""]},
        "order": {"type": ["string", "null"], "enum": [*ORDERS, None, ""]},
    },
}

PROGRESS_RECORD: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": list(WIRE_FIELDS),
    "properties": {
        "transactionId": {"type": "integer", "minimum": 1},
        "firstName": STRING,
        "lastName": STRING,
        "email": STRING,
        "memberIdentifier": STRING,
        "activityId": STRING,
        "activityTitle": STRING,
        "registration": {"type": "string", "format": "uuid"},
        "dateStarted": {"type": "string", "pattern": _WIRE_DATE},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "dateCompleted": {"type": "string", "pattern": r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)?$"},
        "completionCode": {"type": "string", "pattern": "^([0-9a-fA-F-]{36})?$"},
    },
}

_RECORDS: Schema = {"type": "array", "items": {"$ref": "#/components/schemas/ProgressRecord"}}

WEBHOOK_BUNDLE: Schema = {
    "type": "object",
    "description": "what the webhook POSTs: the bundle's records by event kind, all three "
    "keys always present",
    "additionalProperties": False,
    "required": ["started", "progressed", "completions"],
    "properties": {"started": _RECORDS, "progressed": _RECORDS, "completions": _RECORDS},
}

QUOTA: Schema = {
    "type": "object",
    "required": ["token", "limit", "used", "resetsAt"],
    "properties": {
        "organizationId": STRING,
        "token": STRING,
        "limit": {"type": "integer", "minimum": 0},
        "used": {"type": "integer", "minimum": 0},
        "resetsAt": {"type": "string", "format": "date-time"},
    },
}

ORGANIZATION: Schema = {
    "type": "object",
    "required": ["id", "name", "token", "domains", "lmsIds", "userVerification"],
    "properties": {
        "id": STRING,
        "name": STRING,
        "token": STRING,
        "domains": {"type": "array", "items": STRING},
        "lmsIds": {
            "type": "object",
            "required": ["staging", "production"],
            "properties": {"staging": STRING, "production": STRING},
        },
        "userVerification": {"type": "boolean"},
    },
}

REGISTRATION: Schema = {
    "type": "object",
    "required": ["registration", "courseId", "progress"],
    "properties": {
        "registration": STRING,
        "courseId": STRING,
        "activityId": STRING,
        "organizationId": STRING,
        "email": STRING,
        "firstName": STRING,
        "lastName": STRING,
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "dateStarted": STRING,
        "dateCompleted": STRING,
        "completionCode": STRING,
        "warnings": {"type": "array"},
    },
}

WEBHOOK_FIELDS: dict[str, Schema] = {
    "url": {"type": "string", "description": "absolute http(s) URL with a host"},
    "organizationId": STRING,
    "auth": {"enum": ["header", "query"]},
    "tokenName": STRING,
    "tokenValue": STRING,
    "bundleWindowMs": {"type": "integer", "minimum": 0},
    "maxBundle": {"type": "integer", "minimum": 1},
    "retrySchedule": {"type": "array", "items": {"type": "number", "minimum": 0}},
    "timeoutS": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_TIMEOUT_S},
    "allowInsecure": {"type": "boolean"},
    "ca": STRING,
    "maxInFlight": {"type": "integer", "minimum": 1},
    "faults": {
        "type": "object",
        "properties": {
            "seed": {"type": "integer"},
            "dropRate": {"type": "number", "minimum": 0, "maximum": 1},
            "duplicateRate": {"type": "number", "minimum": 0, "maximum": 1},
            "delayMs": {"type": "number", "minimum": 0},
            "script": {"type": "array"},
        },
    },
}
WEBHOOK: Schema = {
    "type": "object",
    "required": ["id", "organizationId", "url", "auth", "retrySchedule", "faults"],
    "properties": {
        "id": STRING,
        **WEBHOOK_FIELDS,
        "outages": {"type": "array"},
        "pendingBundles": {"type": "integer", "minimum": 0},
    },
}

CLOCK: Schema = {
    "type": "object",
    "required": ["now", "virtual"],
    "properties": {"now": STRING, "virtual": {"type": "boolean"}},
}

_NULLABLE_STRING: Schema = {"type": ["string", "null"]}

CATALOG: Schema = {
    "type": "object",
    "required": ["courses"],
    "properties": {
        "courses": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "kind", "title", "activityId", "stagingUrl", "productionUrl"],
                "properties": {
                    "id": STRING,
                    "kind": {"enum": ["course", "event", "curriculum"]},
                    "title": STRING,
                    "activityId": STRING,
                    "lessons": {"type": "array", "items": STRING},
                    "stagingUrl": STRING,
                    "productionUrl": STRING,
                },
            },
        }
    },
}

DELIVERY: Schema = {
    "type": "object",
    "description": "one attempt of the delivery log",
    "required": ["id", "webhookId", "bundleId", "attempt", "at", "outcome", "status", "error"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "webhookId": STRING,
        "bundleId": STRING,
        "attempt": {"type": "integer", "minimum": 1},
        "at": STRING,
        "outcome": {"enum": ["delivered", "failed", "dropped"]},
        "status": {"type": ["integer", "null"]},
        "error": STRING,
        "latencyMs": {"type": ["number", "null"]},
        "transactionIds": {"type": "array", "items": {"type": "integer"}},
        "fault": STRING,
    },
}

MISSED: Schema = {
    "type": "object",
    "description": "a transaction dropped for good (the missed ledger)",
    "required": ["transactionId", "registration", "bundleId", "webhookId", "reason"],
    "properties": {
        "transactionId": {"type": "integer", "minimum": 1},
        "registration": STRING,
        "bundleId": STRING,
        "webhookId": STRING,
        "reason": STRING,
        "at": STRING,
    },
}

LAUNCH_ENTRY: Schema = {
    "type": "object",
    "description": "one launch of the launch log, with what was wrong with it",
    "required": ["id", "at", "source", "courseId", "outcome", "problems", "warnings"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "at": STRING,
        "source": STRING,
        "courseId": STRING,
        "outcome": STRING,
        "registration": _NULLABLE_STRING,
        "problems": {"type": "array"},
        "warnings": {"type": "array"},
        "diagnostics": {"type": "array"},
    },
}

OUTAGE: Schema = {
    "type": "object",
    "required": ["id", "start", "end", "mode"],
    "properties": {"id": {"type": "integer"}, "start": STRING, "end": STRING, "mode": STRING},
}

HEALTH: Schema = {
    "type": "object",
    "required": ["status", "version", "environment", "clock", "now"],
    "properties": {
        "status": {"const": "ok"},
        "version": STRING,
        "environment": {"enum": ["staging", "production"]},
        "clock": {"enum": ["virtual", "system"]},
        "now": STRING,
        "loopLagMs": {
            "type": "object",
            "description": "event-loop lag since start (p50, p99, max, samples, intervalMs)",
        },
    },
}

COMPONENTS: dict[str, Schema] = {
    "Error": ERROR,
    "ProgressRequest": PROGRESS_REQUEST,
    "ProgressRecord": PROGRESS_RECORD,
    "WebhookBundle": WEBHOOK_BUNDLE,
    "Quota": QUOTA,
    "Organization": ORGANIZATION,
    "Registration": REGISTRATION,
    "Webhook": WEBHOOK,
    "Clock": CLOCK,
    "Catalog": CATALOG,
    "Delivery": DELIVERY,
    "Missed": MISSED,
    "LaunchEntry": LAUNCH_ENTRY,
    "Outage": OUTAGE,
    "Health": HEALTH,
}

# fixtures/schemas/<file>.schema.json: (component, title)
SCHEMA_FILES: dict[str, tuple[str, str]] = {
    "progress-request": ("ProgressRequest", "Activity Progress API request"),
    "progress-record": ("ProgressRecord", "Activity Progress API record"),
    "webhook-bundle": ("WebhookBundle", "Webhook bundle (the body the webhook POSTs)"),
}
SCHEMA_BASE = "https://media77-simulator.local/schemas/"


def _inline(schema: Any) -> Any:
    """`schema` with its `#/components/schemas/X` references replaced by X itself."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            return _inline(COMPONENTS[ref.rsplit("/", 1)[1]])
        return {key: _inline(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inline(item) for item in schema]
    return schema


def schema_files() -> dict[str, Schema]:
    """The published JSON Schema files by name, self-contained (no references)."""
    return {
        name: {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE}{name}.schema.json",
            "title": title,
            **_inline(COMPONENTS[component]),
        }
        for name, (component, title) in SCHEMA_FILES.items()
    }
