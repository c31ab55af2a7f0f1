"""Assembling the aiohttp application from its route modules."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from simulator.config import Config
from simulator.core.errors import Forbidden, NotFound, Unauthorized
from simulator.runtime import Runtime
from simulator.web import control, dashboard, openapi, player, reports, webhooks
from simulator.web.boundary import check_request
from simulator.web.durable import READS, answered_when_durable
from simulator.web.errors import MAX_BODY_BYTES, Handler, answer_for, answers_json
from simulator.web.keys import RUNTIME

OPEN_CONTROL_PATHS = ("/_sim/health",)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bearer_token(header: str) -> str | None:
    """The token of `Authorization: Bearer <token>` (scheme in any case), else None.

    Exactly one scheme and one token: a bare token, another scheme or extra words
    are refused, as an OAuth 2.0 resource server (RFC 6750) refuses them.
    """
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets (any text, compared as UTF-8)."""
    return secrets.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def check_control_access(request: web.Request, admin_token: str, loopback: bool) -> None:
    """Guard `/_sim/` when the simulator is reachable from other machines.

    On loopback the control API is open (a developer's laptop, CI). Bound anywhere
    else it needs `Authorization: Bearer $MEDIA77_SIM_ADMIN_TOKEN` (and, with the
    token set, it needs it everywhere); with no token set it stays closed rather
    than letting anyone reset or reconfigure it. (For a `/_sim/` path but health.)
    """
    if admin_token:
        given = bearer_token(request.headers.get("Authorization", ""))
        if given is None or not same_secret(given, admin_token):
            raise Unauthorized(
                "the control API needs Authorization: Bearer <MEDIA77_SIM_ADMIN_TOKEN>",
                headers={"WWW-Authenticate": "Bearer"},
            )
    elif not loopback:
        raise Forbidden(
            "bound to a non-loopback address: set MEDIA77_SIM_ADMIN_TOKEN to use /_sim/",
            code="control_api_closed",
        )


def request_pipeline(config: Config) -> Middleware:
    """The application's one middleware: every request's checks, in order, then its handler.

    1. Any error raised below becomes its JSON answer (`errors.answer_for`).
    2. With `--control-api off`, every `/_sim/` route but health answers as if absent:
       the simulator then stands in for the vendor's staging system, and a tool tested
       against it cannot come to depend on anything the vendor does not have.
    3. The control API's access rule (`check_control_access`).
    4. The input boundary for path and query (`boundary.check_request`).
    5. A request that may write is answered once its writes are committed (`durable`).

    One middleware calling plain functions rather than five middlewares: aiohttp runs
    each middleware as a coroutine of its own per request, a cost every call paid
    five times (issue 14, round 3). The checks and their order are unchanged.
    """
    control_api_on = config.control_api == "on"
    admin_token = config.admin_token
    loopback = is_loopback(config.host)

    @web.middleware
    async def pipeline(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            path = request.path
            if path.startswith("/_sim/") and path not in OPEN_CONTROL_PATHS:
                if not control_api_on:
                    raise NotFound(f"no route {request.method} {path}")
                check_control_access(request, admin_token, loopback)
            if answers_json(request):
                check_request(request)
            if request.method in READS:
                return await handler(request)
            return await answered_when_durable(request, handler)
        except Exception as error:
            return answer_for(request, error)

    return pipeline


def build_app(parts: Runtime) -> web.Application:
    """The application over `parts`; serving starts and stops its webhook engine."""
    config = parts.config
    app = web.Application(
        middlewares=[request_pipeline(config)],
        client_max_size=MAX_BODY_BYTES,
    )
    app[RUNTIME] = parts
    app.add_routes(control.routes)
    areas = [reports, player, webhooks, dashboard]
    for module in areas:
        module.setup(app)
    app.cleanup_ctx.append(_running(parts))
    openapi.setup(app)
    return app


def _running(parts: Runtime) -> Callable[[web.Application], AsyncIterator[None]]:
    async def running(_app: web.Application) -> AsyncIterator[None]:
        await parts.start()
        yield
        await parts.stop()

    return running
