"""Assembling the aiohttp application from its route modules."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from simulator.core.errors import Forbidden, Unauthorized
from simulator.runtime import Runtime
from simulator.web import control, dashboard, openapi, player, reports, webhooks
from simulator.web.errors import MAX_BODY_BYTES, Handler, error_middleware
from simulator.web.keys import RUNTIME

OPEN_CONTROL_PATHS = ("/_sim/health",)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def admin_middleware(admin_token: str, loopback: bool) -> Middleware:
    """Guard `/_sim/` when the simulator is reachable from other machines.

    On loopback the control API is open (a developer's laptop, CI). Bound anywhere
    else it needs `Authorization: Bearer $MEDIA77_SIM_ADMIN_TOKEN`; with no token
    set it stays closed rather than letting anyone reset or reconfigure it.
    """

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if not path.startswith("/_sim/") or path in OPEN_CONTROL_PATHS:
            return await handler(request)
        if admin_token:
            given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if not secrets.compare_digest(given.encode(), admin_token.encode()):
                raise Unauthorized(
                    "the control API needs Authorization: Bearer <MEDIA77_SIM_ADMIN_TOKEN>",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        elif not loopback:
            raise Forbidden(
                "bound to a non-loopback address: set MEDIA77_SIM_ADMIN_TOKEN to use /_sim/",
                code="control_api_closed",
            )
        return await handler(request)

    return guard


def build_app(parts: Runtime) -> web.Application:
    """The application over `parts`; serving starts and stops its webhook engine."""
    config = parts.config
    app = web.Application(
        middlewares=[
            error_middleware,
            admin_middleware(config.admin_token, is_loopback(config.host)),
        ],
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
