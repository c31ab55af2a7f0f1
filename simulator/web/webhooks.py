"""Control API of the webhook engine: subscriptions, outages, delivery log, missed ledger.

Handlers only translate HTTP to engine calls and back; validation lives in
`core.subscriptions` and `core.faults`, delivery in `simulator.webhooks`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from simulator.core.faults import FaultError, parse_outage
from simulator.core.retry import DELIVERED, DROPPED, FAILED
from simulator.core.subscriptions import Subscription, SubscriptionError
from simulator.store.webhooks import DELIVERY_LOG_CAP
from simulator.web.errors import ApiError, bad_request, int_query, not_found, read_json_object
from simulator.web.keys import SIMULATION
from simulator.web.openapi import operation
from simulator.webhooks import WebhookEngine

WEBHOOKS = web.AppKey("webhooks", WebhookEngine)
MAX_WAIT_S = 300.0
OUTCOMES = (DELIVERED, FAILED, DROPPED)

routes = web.RouteTableDef()


def engine(request: web.Request) -> WebhookEngine:
    return request.app[WEBHOOKS]


def _subscription(request: web.Request) -> Subscription:
    sub_id = request.match_info["id"]
    sub = engine(request).subscription(sub_id)
    if sub is None:
        raise not_found(f"webhook {sub_id!r} does not exist", "id")
    return sub


def _json(request: web.Request, sub: Subscription) -> dict[str, Any]:
    hooks = engine(request)
    return {
        **sub.to_json(),
        "outages": [o.to_json() for o in hooks.outages(sub.id)],
        "pendingBundles": hooks.pending_bundles(sub.id),
    }


def _invalid(error: SubscriptionError) -> ApiError:
    return bad_request(str(error), error.field)


def _query_seconds(request: web.Request, name: str, default: float, high: float) -> float:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise bad_request(f"{name} must be a number of seconds", name) from None
    if not 0 <= value <= high:
        raise bad_request(f"{name} must be 0 to {high:g} seconds", name)
    return value


def _filters(request: web.Request) -> dict[str, Any]:
    outcome = request.query.get("outcome")
    if outcome is not None and outcome not in OUTCOMES:
        raise bad_request(f"outcome must be one of {', '.join(OUTCOMES)}", "outcome")
    return {
        "webhook_id": request.query.get("webhookId"),
        "bundle_id": request.query.get("bundleId"),
        "outcome": outcome,
        "after": int_query(request, "after", 0, 0, 2**62),
    }


@routes.get("/_sim/webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    org = request.query.get("organizationId")
    return web.json_response([_json(request, s) for s in engine(request).subscriptions(org)])


@routes.post("/_sim/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    store = request.app[SIMULATION].store
    org_id = body.get("organizationId", store.default_organization().id)
    if not isinstance(org_id, str) or store.organization(org_id) is None:
        raise not_found(f"organization {org_id!r} does not exist", "organizationId")
    if "id" in body:
        raise bad_request("id is given by the simulator", "id")
    try:
        sub = engine(request).create(body, org_id)
    except SubscriptionError as error:
        raise _invalid(error) from None
    return web.json_response(_json(request, sub), status=201)


@routes.get("/_sim/webhooks/{id}")
async def get_webhook(request: web.Request) -> web.Response:
    return web.json_response(_json(request, _subscription(request)))


@routes.patch("/_sim/webhooks/{id}")
async def patch_webhook(request: web.Request) -> web.Response:
    sub = _subscription(request)
    body = await read_json_object(request)
    try:
        sub = engine(request).update(sub.id, body)
    except SubscriptionError as error:
        raise _invalid(error) from None
    return web.json_response(_json(request, sub))


@routes.delete("/_sim/webhooks/{id}")
async def delete_webhook(request: web.Request) -> web.Response:
    sub = _subscription(request)
    engine(request).delete(sub.id)
    return web.json_response({"deleted": sub.id})


@routes.get("/_sim/webhooks/{id}/outages")
async def list_outages(request: web.Request) -> web.Response:
    sub = _subscription(request)
    return web.json_response([o.to_json() for o in engine(request).outages(sub.id)])


@routes.post("/_sim/webhooks/{id}/outages")
async def add_outage(request: web.Request) -> web.Response:
    sub = _subscription(request)
    body = await read_json_object(request)
    hooks = engine(request)
    try:
        start, end, mode = parse_outage(body, hooks.clock.now())
    except FaultError as error:
        raise bad_request(str(error), "outage") from None
    outage = hooks.add_outage(sub.id, start, end, mode)
    return web.json_response(outage.to_json(), status=201)


@routes.delete("/_sim/webhooks/{id}/outages")
async def clear_outages(request: web.Request) -> web.Response:
    sub = _subscription(request)
    return web.json_response({"cleared": engine(request).clear_outages(sub.id)})


@routes.get("/_sim/deliveries")
async def deliveries(request: web.Request) -> web.Response:
    filters = _filters(request)
    limit = int_query(request, "limit", 1000, 1, DELIVERY_LOG_CAP)
    rows, total = engine(request).db.deliveries(limit=limit, **filters)
    return web.json_response(rows, headers={"X-Total-Count": str(total)})


@routes.get("/_sim/deliveries/wait")
async def wait_for_deliveries(request: web.Request) -> web.Response:
    if "count" not in request.query:
        raise bad_request("count is required: how many delivery attempts to wait for", "count")
    count = int_query(request, "count", 1, 1, DELIVERY_LOG_CAP)
    timeout = _query_seconds(request, "timeout", 10.0, MAX_WAIT_S)
    rows, timed_out = await engine(request).wait_for_deliveries(count, timeout, **_filters(request))
    return web.json_response({"deliveries": rows, "count": len(rows), "timedOut": timed_out})


@routes.get("/_sim/missed")
async def missed(request: web.Request) -> web.Response:
    rows = engine(request).db.missed(request.query.get("webhookId"))
    return web.json_response(rows, headers={"X-Total-Count": str(len(rows))})


async def _engine_context(app: web.Application) -> AsyncIterator[None]:
    hooks = app[WEBHOOKS]
    await hooks.start()
    yield
    await hooks.stop()


def setup(app: web.Application) -> None:
    """Add this area's routes, startup and cleanup hooks to `app`."""
    app[WEBHOOKS] = WebhookEngine(app[SIMULATION])
    app.add_routes(routes)
    app.cleanup_ctx.append(_engine_context)


_FILTERS = "filters: webhookId, bundleId, outcome (delivered|failed|dropped), after (delivery id)"

OPENAPI_PATHS: dict[str, Any] = {
    "/_sim/webhooks": {
        "get": operation("webhook subscriptions (filter: organizationId)"),
        "post": operation(
            "subscribe: {url, organizationId?, auth: header|query, tokenName, tokenValue, "
            "bundleWindowMs, maxBundle, retrySchedule, timeoutS, allowInsecure, ca, "
            "maxInFlight, faults}",
            body=True,
            ok="201",
        ),
    },
    "/_sim/webhooks/{id}": {
        "get": operation("one subscription, with its outages and bundles in flight"),
        "patch": operation(
            "change some fields of a subscription (faults.script replaces the script)", body=True
        ),
        "delete": operation("unsubscribe; bundles still owed go on the missed ledger"),
    },
    "/_sim/webhooks/{id}/outages": {
        "get": operation("the subscription's outage windows"),
        "post": operation(
            'an outage window on the clock: {start?, end | duration, mode: "refuse" | '
            '"status:503" | "timeout"}',
            body=True,
            ok="201",
        ),
        "delete": operation("end all outage windows of the subscription"),
    },
    "/_sim/deliveries": {
        "get": operation(
            f"the delivery log, oldest first (X-Total-Count); {_FILTERS}; limit (default 1000); "
            f"the log keeps the last {DELIVERY_LOG_CAP} attempts"
        )
    },
    "/_sim/deliveries/wait": {
        "get": operation(
            "long poll: answers as soon as `count` logged attempts match the filters "
            f"(or after `timeout` real seconds, default 10, with timedOut true); {_FILTERS}"
        )
    },
    "/_sim/missed": {
        "get": operation("the missed ledger: transactions dropped for good (filter: webhookId)")
    },
}
