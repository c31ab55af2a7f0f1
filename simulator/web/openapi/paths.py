"""Every route the simulator serves, one entry per operation: the one OpenAPI source.

To add a route: add its path and method here with `op(...)` (summary, request body
schema, query parameters, success answer, its own error statuses). Path parameters
and the common error answers are filled in by `build.complete`. A test compares
this table with the application's router, both ways.
"""

from __future__ import annotations

from typing import Any

from simulator.core.launch_filter import OUTCOMES
from simulator.core.retry import AttemptOutcome
from simulator.web.openapi.build import Schema, array_of, header, op, query, ref
from simulator.web.openapi.components import WEBHOOK_FIELDS
from simulator.webhooks import DELIVERY_LOG_CAP

STRING: Schema = {"type": "string"}
OBJECT: Schema = {"type": "object"}
TOTAL = {"X-Total-Count": header("items the filters select, over all pages", {"type": "integer"})}
LIMIT = query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100})
OFFSET = query("offset", {"type": "integer", "minimum": 0, "maximum": 10**9, "default": 0})
_STEP = {"404": "not a registration of this course", "409": "not possible in this state"}
_SIM_STEP = {"404": "no such registration", "409": "not possible in this state"}


def _object(properties: dict[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    return {"type": "object", "required": list(required), "properties": properties}


# -- simulator-only headers ----------------------------------------------------------------
SIM_HEADERS: dict[str, Schema] = {
    "X-Media77-Sim-Total-Count": header("simulator only: records over all pages"),
    "X-Media77-Sim-Quota-Limit": header("simulator only: the daily quota"),
    "X-Media77-Sim-Quota-Remaining": header("simulator only: calls left today"),
    "X-Media77-Sim-Quota-Reset": header("simulator only: seconds until the quota resets"),
}

# -- request bodies --------------------------------------------------------------------------
LAUNCH_URL = _object(
    {
        "url": {"type": "string", "description": "a whole launch URL"},
        "referrer": {"type": "string", "description": "the page it was launched from"},
    },
    ("url",),
)
CLOCK_MOVE = _object(
    {
        "advance": {"type": "number", "minimum": 0, "description": "seconds forward"},
        "set": {"type": "string", "format": "date-time", "description": "a later moment"},
    }
)
NEW_ORGANIZATION = _object(
    {
        "id": STRING,
        "name": STRING,
        "token": STRING,
        "domains": {"type": "array", "items": STRING},
        "lmsIds": _object({"staging": STRING, "production": STRING}, ("staging", "production")),
        "userVerification": {"type": "boolean"},
    },
    ("id", "name", "lmsIds"),
)
API_LAUNCH = _object(
    {name: STRING for name in ("courseId", "reg", "em", "fn", "dom", "lmsId")}, ("courseId",)
)
SET_PROGRESS = _object(
    {"progress": {"type": "integer", "minimum": 0, "maximum": 100}}, ("progress",)
)
PAGE_LAUNCH = _object(
    {name: {"type": ["string", "null"]} for name in ("hash", "search", "referrer")}
)
QUOTA_CHANGE = _object(
    {
        "token": STRING,
        "limit": {"type": "integer", "minimum": 0},
        "used": {"type": "integer", "minimum": 0},
    }
)
NEW_WEBHOOK = _object(WEBHOOK_FIELDS, ("url",))
WEBHOOK_CHANGE = _object(WEBHOOK_FIELDS)
NEW_OUTAGE = _object(
    {
        "start": {"type": "string", "format": "date-time"},
        "end": {"type": "string", "format": "date-time"},
        "duration": {"type": "number", "exclusiveMinimum": 0},
        "mode": {"type": "string", "description": '"refuse", "timeout" or "status:NNN"'},
    }
)

# -- delivery log filters ------------------------------------------------------------------
DELIVERY_FILTERS = [
    query("webhookId", STRING),
    query("bundleId", STRING),
    query("outcome", {"enum": list(AttemptOutcome)}),
    query("after", {"type": "integer", "minimum": 0, "maximum": 2**62}, "delivery id"),
]

PATHS: dict[str, dict[str, Schema]] = {
    # -- the vendor surface ------------------------------------------------------------------
    "/api/reports/progress": {
        "post": op(
            "Activity Progress API: one record per registration, its current state",
            body=ref("ProgressRequest"),
            answer=array_of("ProgressRecord"),
            headers=SIM_HEADERS,
            errors={
                "401": "missing or unknown token",
                "415": "Content-Type is not application/json",
                "429": "daily limit reached; the body also has limit and resetsAt",
            },
        )
    },
    "/": {"get": op("the catalog page with a launch-URL builder", html=True)},
    "/courses": {"get": op("the catalog page (same as /)", html=True)},
    "/courses/": {"get": op("the catalog page (same as /)", html=True)},
    "/courses/{courseId}": {
        "get": op(
            "redirects to /courses/{courseId}/ (browsers keep the #fragment)",
            ok="301",
            html=True,
        )
    },
    "/courses/{courseId}/": {
        "get": op(
            "the course player page; launch with /courses/{courseId}/#/?reg=&em=&fn=&dom=&lmsId=",
            html=True,
        )
    },
    "/courses/{courseId}/api/launch": {
        "post": op(
            "the page's launch: {hash, search, referrer} as the browser has them; 201 new, "
            "200 resumed, 400 {problems, diagnostics, fixedUrl}",
            body=PAGE_LAUNCH,
            errors={"201": "created", "400": "invalid launch"},
        )
    },
    "/courses/{courseId}/api/registrations/{reg}": {
        "get": op("what the page shows for a registration", errors=_STEP)
    },
    "/courses/{courseId}/api/registrations/{reg}/complete-lesson": {
        "post": op("complete the next lesson of a course", errors=_STEP)
    },
    "/courses/{courseId}/api/registrations/{reg}/register": {
        "post": op("register for an event (progress 50, progressed)", errors=_STEP)
    },
    "/courses/{courseId}/api/registrations/{reg}/attend": {
        "post": op("attend a registered event (completion)", errors=_STEP)
    },
    "/courses/{courseId}/api/faq": {"get": op("the course FAQ and the help-desk contact")},
    "/static/player/{filename}": {
        "get": op(
            "the player's own static files (HTML, CSS, JavaScript)",
            html=True,
            responses_extra={"404": {"description": "no such file (text/plain)"}},
        )
    },
    # -- the control API ---------------------------------------------------------------------
    "/_sim/health": {"get": op("ready check (200 when serving)", answer=ref("Health"))},
    "/_sim/openapi.json": {"get": op("this document", answer=OBJECT)},
    "/_sim/dashboard": {
        "get": op(
            "the live console: tiles, a delivery timeline per subscription, controls "
            "(clock, outages, quota) and paged tables",
            html=True,
        )
    },
    "/_sim/dashboard/state": {
        "get": op(
            "the dashboard's starting snapshot: counts, quotas, subscriptions, recent "
            "attempts and missed transactions, and the lastEventId to follow from",
            answer=OBJECT,
        )
    },
    "/_sim/events": {
        "get": op(
            "server-sent events: transaction, attempt, missed, outageStart, outageEnd, quota, "
            "clock (and reset, resync, gap); each with an id; Last-Event-ID (or ?lastEventId=) "
            "replays what was missed",
            params=[query("lastEventId", STRING, "resume after this event id")],
            responses_extra={
                "200": {
                    "description": "an endless text/event-stream",
                    "content": {"text/event-stream": {}},
                }
            },
        )
    },
    "/_sim/reset": {"post": op("back to the fixtures: all learner state gone")},
    "/_sim/clock": {
        "get": op("the simulator's time", answer=ref("Clock")),
        "post": op(
            'move the virtual clock: {"advance": s} or {"set": iso}; due timers run first',
            body=CLOCK_MOVE,
            answer=ref("Clock"),
            errors={"409": "the clock is the system clock"},
        ),
    },
    "/_sim/catalog": {
        "get": op("the course list with staging and production URLs", answer=ref("Catalog"))
    },
    "/_sim/organizations": {
        "get": op("organizations; the first is the default", answer=array_of("Organization")),
        "post": op(
            "add an organization",
            ok="201",
            body=NEW_ORGANIZATION,
            answer=ref("Organization"),
            errors={"409": "its id, token or an LMSID is taken"},
        ),
    },
    "/_sim/registrations": {
        "get": op(
            "registrations, newest change first",
            params=[query("organizationId", STRING), LIMIT, OFFSET],
            answer=array_of("Registration"),
            headers=TOTAL,
            errors={"404": "no such organization"},
        ),
        "post": op(
            "launch without a browser: {courseId, reg, em, fn, dom, lmsId}; 201 new, 200 resumed",
            ok="201",
            body=API_LAUNCH,
            answer=ref("Registration"),
            errors={"200": "resumed", "400": "invalid launch", "404": "no such course"},
        ),
    },
    "/_sim/registrations/{reg}": {"get": op("one registration", answer=ref("Registration"))},
    "/_sim/registrations/{reg}/progress": {
        "post": op(
            'set progress forward: {"progress": 0-100}',
            body=SET_PROGRESS,
            answer=ref("Registration"),
            errors=_SIM_STEP,
        )
    },
    "/_sim/registrations/{reg}/complete": {
        "post": op("complete the activity", answer=ref("Registration"), errors=_SIM_STEP)
    },
    "/_sim/registrations/{reg}/lessons/next": {
        "post": op("complete the next lesson", answer=ref("Registration"), errors=_SIM_STEP)
    },
    "/_sim/registrations/{reg}/event/register": {
        "post": op("register for the event", answer=ref("Registration"), errors=_SIM_STEP)
    },
    "/_sim/registrations/{reg}/event/attend": {
        "post": op("attend the event", answer=ref("Registration"), errors=_SIM_STEP)
    },
    "/_sim/launches": {
        "get": op(
            "the launch log, newest first",
            answer=array_of("LaunchEntry"),
            params=[
                query("registration", STRING),
                query("courseId", STRING),
                query("outcome", {"enum": list(OUTCOMES)}),
                LIMIT,
                OFFSET,
            ],
            headers=TOTAL,
        )
    },
    "/_sim/launches/open": {
        "post": op(
            "launch from a whole launch URL, read exactly as the vendor's page reads it; "
            "201 new, 200 resumed (the registration, warnings, diagnostics), "
            "400 invalid_launch {problems, diagnostics, fixedUrl}",
            ok="201",
            body=LAUNCH_URL,
            answer=ref("Registration"),
            errors={"200": "resumed"},
        )
    },
    "/_sim/launches/check": {
        "post": op(
            "read a launch URL as /_sim/launches/open does, changing nothing: "
            "{ok, courseId, params, problems, warnings, diagnostics, fixedUrl}; "
            "400 invalid_launch",
            body=LAUNCH_URL,
            answer=OBJECT,
        )
    },
    "/_sim/quota": {
        "get": op(
            "quota per organization; ?token= for one",
            params=[query("token", STRING, "an organization's API token")],
            errors={"404": "no organization has this token"},
        ),
        "patch": op(
            'set {"token"?, "limit"?, "used"?} (token: default organization)',
            body=QUOTA_CHANGE,
            answer=ref("Quota"),
            errors={"404": "no organization has this token"},
        ),
    },
    "/_sim/webhooks": {
        "get": op(
            "webhook subscriptions",
            params=[query("organizationId", STRING)],
            answer=array_of("Webhook"),
        ),
        "post": op(
            "subscribe; url: absolute http(s) with a host, no user info, no whitespace or "
            "control characters, port 1-65535",
            ok="201",
            body=NEW_WEBHOOK,
            answer=ref("Webhook"),
            errors={"404": "no such organization"},
        ),
    },
    "/_sim/webhooks/{id}": {
        "get": op("one subscription, with its outages and pendingBundles", answer=ref("Webhook")),
        "patch": op(
            "change some fields of a subscription (faults.script replaces the script)",
            body=WEBHOOK_CHANGE,
            answer=ref("Webhook"),
        ),
        "delete": op("unsubscribe; bundles still owed go on the missed ledger"),
    },
    "/_sim/webhooks/{id}/outages": {
        "get": op("the subscription's outage windows", answer=array_of("Outage")),
        "post": op(
            "an outage window on the clock: {start?, end | duration, mode}",
            ok="201",
            body=NEW_OUTAGE,
            answer=ref("Outage"),
        ),
        "delete": op("end all outage windows of the subscription"),
    },
    "/_sim/deliveries": {
        "get": op(
            f"the delivery log, oldest first; the log keeps the last {DELIVERY_LOG_CAP} attempts",
            answer=array_of("Delivery"),
            params=[
                *DELIVERY_FILTERS,
                query("limit", {"type": "integer", "minimum": 1, "maximum": DELIVERY_LOG_CAP}),
            ],
            headers=TOTAL,
        )
    },
    "/_sim/deliveries/wait": {
        "get": op(
            "long poll: answers as soon as `count` logged attempts match the filters "
            "(or after `timeout` real seconds, with timedOut true)",
            answer=_object(
                {
                    "deliveries": array_of("Delivery"),
                    "count": {"type": "integer", "minimum": 0},
                    "timedOut": {"type": "boolean"},
                },
                ("deliveries", "count", "timedOut"),
            ),
            params=[
                query(
                    "count",
                    {"type": "integer", "minimum": 1, "maximum": DELIVERY_LOG_CAP},
                    required=True,
                ),
                query("timeout", {"type": "number", "minimum": 0, "maximum": 300, "default": 10}),
                *DELIVERY_FILTERS,
            ],
        )
    },
    "/_sim/missed": {
        "get": op(
            "the missed ledger: transactions dropped for good",
            answer=array_of("Missed"),
            params=[query("webhookId", STRING)],
            headers=TOTAL,
        )
    },
}

WEBHOOKS: dict[str, Any] = {
    "progressBundle": {
        "post": {
            "summary": "what the simulator POSTs to a subscription's url",
            "parameters": [
                {"name": "X-Media77-Sim-Bundle", "in": "header", "schema": STRING},
                {"name": "X-Media77-Sim-Attempt", "in": "header", "schema": STRING},
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("WebhookBundle")}},
            },
            "responses": {"200": {"description": "any 2xx is a delivery; anything else fails"}},
        }
    }
}
