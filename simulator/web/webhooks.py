"""Control API of the webhook engine: subscriptions, outages, delivery log, missed ledger.

Handlers only translate HTTP to engine calls and back; validation lives in
`core.subscriptions` and `core.faults`, delivery in `simulator.webhooks`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from simulator.core.errors import BadRequest
from simulator.core.retry import AttemptOutcome
from simulator.web.errors import int_query, read_json_object
from simulator.web.keys import runtime
from simulator.webhooks import DELIVERY_LOG_CAP, WebhookEngine

MAX_WAIT_S = 300.0

routes = web.RouteTableDef()


def engine(request: web.Request) -> WebhookEngine:
    """The runtime's current engine (a reset replaces it)."""
    return runtime(request).engine


def _query_seconds(request: web.Request, name: str, default: float, high: float) -> float:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a number of seconds", name) from None
    if not 0 <= value <= high:
        raise BadRequest(f"{name} must be 0 to {high:g} seconds", name)
    return value


def _filters(request: web.Request) -> dict[str, Any]:
    outcome = request.query.get("outcome")
    if outcome is not None and outcome not in frozenset(AttemptOutcome):
        raise BadRequest(f"outcome must be one of {', '.join(AttemptOutcome)}", "outcome")
    return {
        "webhook_id": request.query.get("webhookId"),
        "bundle_id": request.query.get("bundleId"),
        "outcome": outcome,
        "after": int_query(request, "after", 0, 0, 2**62),
    }


@routes.get("/_sim/webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    hooks = engine(request)
    org = request.query.get("organizationId")
    return web.json_response([hooks.describe(s) for s in hooks.subscriptions(org)])


@routes.post("/_sim/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    hooks = engine(request)
    return web.json_response(hooks.describe(hooks.create(body)), status=201)


@routes.get("/_sim/webhooks/{id}")
async def get_webhook(request: web.Request) -> web.Response:
    hooks = engine(request)
    return web.json_response(hooks.describe(hooks.subscription(request.match_info["id"])))


@routes.patch("/_sim/webhooks/{id}")
async def patch_webhook(request: web.Request) -> web.Response:
    hooks = engine(request)
    sub_id = hooks.subscription(request.match_info["id"]).id
    body = await read_json_object(request)
    return web.json_response(hooks.describe(hooks.update(sub_id, body)))


@routes.delete("/_sim/webhooks/{id}")
async def delete_webhook(request: web.Request) -> web.Response:
    hooks = engine(request)
    sub_id = hooks.subscription(request.match_info["id"]).id
    hooks.delete(sub_id)
    return web.json_response({"deleted": sub_id})


@routes.get("/_sim/webhooks/{id}/outages")
async def list_outages(request: web.Request) -> web.Response:
    hooks = engine(request)
    sub_id = hooks.subscription(request.match_info["id"]).id
    return web.json_response([o.to_json() for o in hooks.outages(sub_id)])


@routes.post("/_sim/webhooks/{id}/outages")
async def add_outage(request: web.Request) -> web.Response:
    hooks = engine(request)
    sub_id = hooks.subscription(request.match_info["id"]).id
    body = await read_json_object(request)
    return web.json_response(hooks.add_outage(sub_id, body).to_json(), status=201)


@routes.delete("/_sim/webhooks/{id}/outages")
async def clear_outages(request: web.Request) -> web.Response:
    hooks = engine(request)
    return web.json_response({"cleared": hooks.clear_outages(request.match_info["id"])})


@routes.get("/_sim/deliveries")
async def deliveries(request: web.Request) -> web.Response:
    filters = _filters(request)
    limit = int_query(request, "limit", 1000, 1, DELIVERY_LOG_CAP)
    rows, total = engine(request).deliveries(limit=limit, **filters)
    return web.json_response(rows, headers={"X-Total-Count": str(total)})


@routes.get("/_sim/deliveries/wait")
async def wait_for_deliveries(request: web.Request) -> web.Response:
    if "count" not in request.query:
        raise BadRequest("count is required: how many delivery attempts to wait for", "count")
    count = int_query(request, "count", 1, 1, DELIVERY_LOG_CAP)
    timeout = _query_seconds(request, "timeout", 10.0, MAX_WAIT_S)
    hooks = engine(request)
    rows, timed_out = await hooks.wait_for_deliveries(count, timeout, **_filters(request))
    return web.json_response({"deliveries": rows, "count": len(rows), "timedOut": timed_out})


@routes.get("/_sim/missed")
async def missed(request: web.Request) -> web.Response:
    rows = engine(request).missed(request.query.get("webhookId"))
    return web.json_response(rows, headers={"X-Total-Count": str(len(rows))})


def setup(app: web.Application) -> None:
    """Add this area's routes; the runtime starts, stops and rebuilds the engine."""
    app.add_routes(routes)
