"""Assembling the aiohttp application from its route modules."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from simulator.core.errors import Forbidden, NotFound, Unauthorized
from simulator.runtime import Runtime
from simulator.web import control, dashboard, openapi, player, reports, webhooks
from simulator.web.boundary import boundary_middleware
from simulator.web.durable import durable_writes
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


def control_api_gate(enabled: bool) -> web.middleware:  # type: ignore[valid-type]
    """With `--control-api off`, every `/_sim/` route but health answers as if absent.

    The simulator then stands in for the vendor's staging system: a tool tested
    against it cannot come to depend on anything the vendor does not have.
    """

    @web.middleware
    async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if enabled or not path.startswith("/_sim/") or path in OPEN_CONTROL_PATHS:
            return await handler(request)
        raise NotFound(f"no route {request.method} {path}")

    return gate


def admin_middleware(admin_token: str, loopback: bool) -> web.middleware:  # type: ignore[valid-type]
    """Guard `/_sim/` when the simulator is reachable from other machines.

    On loopback the control API is open (a developer's laptop, CI). Bound anywhere
    else it needs `Authorization: Bearer $MEDIA77_SIM_ADMIN_TOKEN` (and, with the
    token set, it needs it everywhere); with no token set it stays closed rather
    than letting anyone reset or reconfigure it.
    """

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if not path.startswith("/_sim/") or path in OPEN_CONTROL_PATHS:
            return await handler(request)
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
        return await handler(request)

    return guard


def build_app(parts: Runtime) -> web.Application:
    """The application over `parts`; serving starts and stops its webhook engine."""
    config = parts.config
    app = web.Application(
        middlewares=[
            error_middleware,
            control_api_gate(config.control_api == "on"),
            admin_middleware(config.admin_token, is_loopback(config.host)),
            boundary_middleware,
            durable_writes,
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
