"""The Activity Progress API (`POST /api/reports/progress`) and its quota control.

The handlers only translate HTTP: the token, quota count and query are one
synchronous service call (`simulator.service.reports`), so concurrent callers
get exactly `limit` calls through; quotas are `simulator.service.quotas`.
"""

from __future__ import annotations

from aiohttp import web

from simulator.core.errors import UnsupportedMediaType
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
