"""The course player page (`GET /courses/{courseId}/`), its JSON endpoints, and the catalog page.

The page is static HTML and a small JavaScript module (package data under
`static/`, nothing from a CDN). It posts the raw `location.hash`, `location.search`
and `document.referrer` to `/courses/{courseId}/api/launch`; the server reads them
with the strict core (`core/launch_url.py`, as `POST /_sim/launches/open` reads a
whole URL) and validates with the same rules as `POST /_sim/registrations`, so the
browser and the control API can never disagree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from simulator.core.errors import BadRequest
from simulator.core.launch import EXPECTED_FORM
from simulator.core.launch_filter import LaunchFilter
from simulator.web import launches as by_url
from simulator.web.errors import int_query, read_json_object
from simulator.web.keys import runtime

STATIC = Path(__file__).parent / "static"
STATIC_PREFIX = "/static/player/"
MAX_LOCATION_CHARS = 16 * 1024
# The page runs only its own script: a hostile value from the URL can never execute.
# Framing stays open, as LMSs embed course URLs in iframes.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

routes = web.RouteTableDef()


def _page(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


# -- pages -------------------------------------------------------------------------------


@routes.get("/courses/{courseId}")
async def course_without_slash(request: web.Request) -> web.Response:
    """`/courses/x#/?...` works as `/courses/x/#/?...` (browsers keep the fragment)."""
    query = request.rel_url.raw_query_string
    raise web.HTTPMovedPermanently(request.rel_url.raw_path + "/" + (f"?{query}" if query else ""))


@routes.get("/courses/{courseId}/")
async def player_page(request: web.Request) -> web.Response:
    return web.Response(text=_page("player.html"), content_type="text/html", headers=PAGE_HEADERS)


def embed_json(data: object) -> str:
    """JSON safe inside `<script type="application/json">` (no `</script>` can close it)."""
    return (
        json.dumps(data)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@routes.get("/")
@routes.get("/courses")
@routes.get("/courses/")
async def catalog_page(request: web.Request) -> web.Response:
    data = runtime(request).player.catalog()
    html = _page("catalog.html").replace("{{CATALOG_JSON}}", embed_json(data))
    return web.Response(text=html, content_type="text/html", headers=PAGE_HEADERS)


# -- the player's JSON ---------------------------------------------------------------------


def expected_url(request: web.Request, course_id: str) -> str:
    base = f"{request.scheme}://{request.host}"
    return EXPECTED_FORM.replace("{base}", base).replace("{courseId}", course_id)


def _location_part(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string (the page's location.{name})", name)
    if len(value) > MAX_LOCATION_CHARS:
        raise BadRequest(f"{name} is over {MAX_LOCATION_CHARS} characters", name)
    return value


def _same_origin(request: web.Request, referrer: str) -> bool:
    """A referrer from the simulator itself (its catalog page) says nothing about `dom`."""
    try:
        return urlsplit(referrer).netloc == request.host
    except ValueError:
        return False


@routes.post("/courses/{courseId}/api/launch")
async def launch(request: web.Request) -> web.Response:
    course_id = request.match_info["courseId"]
    body = await read_json_object(request)
    hash_ = _location_part(body, "hash")
    search = _location_part(body, "search")
    referrer = _location_part(body, "referrer")
    if _same_origin(request, referrer):
        referrer = ""
    outcome, view = runtime(request).player.launch(course_id, hash_, search, referrer)
    if view is None:
        raise by_url.rejected(
            outcome,
            expectedUrl=expected_url(request, course_id),
            launchId=outcome.launch_id,
        )
    view.update(
        launchId=outcome.launch_id,
        created=outcome.created,
        warnings=list(outcome.warnings),
        diagnostics=[d.to_json() for d in outcome.diagnostics],
        fixedUrl=outcome.fixed_url,
    )
    return web.json_response(view, status=201 if outcome.created else 200)


@routes.get("/courses/{courseId}/api/registrations/{reg}")
async def registration_view(request: web.Request) -> web.Response:
    course_id, reg = request.match_info["courseId"], request.match_info["reg"]
    return web.json_response(runtime(request).player.registration_view(course_id, reg))


async def _step(request: web.Request, action: str) -> web.Response:
    course_id, reg = request.match_info["courseId"], request.match_info["reg"]
    return web.json_response(runtime(request).player.step(course_id, reg, action))


@routes.post("/courses/{courseId}/api/registrations/{reg}/complete-lesson")
async def complete_lesson(request: web.Request) -> web.Response:
    return await _step(request, "complete-lesson")


@routes.post("/courses/{courseId}/api/registrations/{reg}/register")
async def register_for_event(request: web.Request) -> web.Response:
    return await _step(request, "register")


@routes.post("/courses/{courseId}/api/registrations/{reg}/attend")
async def attend_event(request: web.Request) -> web.Response:
    return await _step(request, "attend")


@routes.get("/courses/{courseId}/api/faq")
async def faq(request: web.Request) -> web.Response:
    return web.json_response(runtime(request).player.faq(request.match_info["courseId"]))


# -- the launch log ---------------------------------------------------------------------


@routes.get("/_sim/launches")
async def launches(request: web.Request) -> web.Response:
    wanted = LaunchFilter(
        request.query.get("registration"),
        request.query.get("courseId"),
        request.query.get("outcome"),
        int_query(request, "limit", 100, 1, 1000),
        int_query(request, "offset", 0, 0, 10**9),
    )
    entries, total = runtime(request).launch_log.page(wanted)
    return web.json_response(entries, headers={"X-Total-Count": str(total)})


def setup(app: web.Application) -> None:
    """Add the player, catalog page, launch log, launches by URL and the page's static files."""
    app.add_routes(routes)
    app.add_routes(by_url.routes)
    app.router.add_static(STATIC_PREFIX, STATIC, append_version=False)
