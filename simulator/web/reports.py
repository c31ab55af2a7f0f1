"""The Activity Progress API (`POST /api/reports/progress`) and its quota control.

The handlers only translate HTTP: the token, quota count and query are one
synchronous service call (`simulator.service.reports`), so concurrent callers
get exactly `limit` calls through; quotas are `simulator.service.quotas`.
"""

from __future__ import annotations

from aiohttp import web

from simulator.web.errors import read_json_object
from simulator.web.keys import runtime

MAX_REPORT_BODY = 64 * 1024  # a real request is a few hundred bytes
PROGRESS_PATH = "/api/reports/progress"


async def progress(request: web.Request) -> web.Response:
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
