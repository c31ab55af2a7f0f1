"""The course player page (`GET /courses/{courseId}/`), its JSON endpoints, and the catalog page.

The page is static HTML and a small JavaScript module (package data under
`static/`, nothing from a CDN). It posts the raw `location.hash`, `location.search`
and `document.referrer` to `/courses/{courseId}/api/launch`; the server reads them
with `core.fragment` and validates with the same function as
`POST /_sim/registrations`, so the browser and the control API can never disagree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from simulator.core.activities import lessons_done
from simulator.core.fragment import ParsedLocation
from simulator.core.launch import EXPECTED_FORM
from simulator.core.progress import ProgressError, Registration
from simulator.launch_log import launch_diagnostics
from simulator.service import Conflict, LaunchOutcome, NotFound, Simulation
from simulator.store import launches as launch_log
from simulator.web.errors import (
    ApiError,
    Handler,
    bad_request,
    int_query,
    invalid_launch,
    not_found,
    read_json_object,
)
from simulator.web.keys import SIMULATION
from simulator.web.openapi import operation

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


def _sim(request: web.Request) -> Simulation:
    return request.app[SIMULATION]


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


def catalog_data(sim: Simulation) -> dict[str, Any]:
    """What the catalog page's launch-URL builder needs: courses and each org's LMSID."""
    env = sim.config.environment
    return {
        "environment": env,
        "courses": [
            {
                "id": a.id,
                "kind": a.kind,
                "title": a.title,
                "description": a.description,
                "lessons": len(a.lessons),
                "courses": list(a.courses),
                "activityId": a.activity_id,
                "stagingUrl": a.staging_url,
                "productionUrl": a.production_url,
            }
            for a in sim.store.activities()
        ],
        "organizations": [
            {"id": o.id, "name": o.name, "domains": list(o.domains), "lmsId": o.lms_ids[env]}
            for o in sim.store.organizations()
        ],
    }


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
    html = _page("catalog.html").replace(
        "{{CATALOG_JSON}}", embed_json(catalog_data(_sim(request)))
    )
    return web.Response(text=html, content_type="text/html", headers=PAGE_HEADERS)


# -- the player's JSON ---------------------------------------------------------------------


def player_view(sim: Simulation, state: Registration) -> dict[str, Any]:
    """Everything the page shows for one registration."""
    activity = sim.store.activity(state.course_id)
    if activity is None:
        raise not_found(f"course {state.course_id!r} is no longer in the catalog", "courseId")
    view: dict[str, Any] = {
        "course": activity.to_json(),
        "learner": {
            "firstName": state.first_name,
            "lastName": state.last_name,
            "email": state.email,
        },
        "registration": state.to_json(),
        "progress": state.progress,
        "completed": state.completed,
        "completionCode": state.completion_code,
    }
    if activity.kind == "course":
        view["lessonsDone"] = lessons_done(state.progress, len(activity.lessons))
    elif activity.kind == "event":
        view["event"] = {"registered": state.progress > 0, "attended": state.completed}
    else:
        # A learner may hold several registrations of one course (a regenerated `reg`):
        # the curriculum counts the best of them, as its progress does.
        mine: dict[str, Registration] = {}
        for r in sim.store.learner_registrations(state.organization_id, state.email):
            best = mine.get(r.course_id)
            if best is None or (r.completed, r.progress) > (best.completed, best.progress):
                mine[r.course_id] = r
        courses = []
        for course_id in activity.courses:
            course = sim.store.activity(course_id)
            taken = mine.get(course_id)
            courses.append(
                {
                    "id": course_id,
                    "title": course.title if course else course_id,
                    "progress": taken.progress if taken else 0,
                    "completed": bool(taken and taken.completed),
                    "started": taken is not None,
                }
            )
        view["curriculum"] = courses
    return view


def expected_url(request: web.Request, course_id: str) -> str:
    base = f"{request.scheme}://{request.host}"
    return EXPECTED_FORM.replace("{base}", base).replace("{courseId}", course_id)


def _location_part(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise bad_request(f"{name} must be a string (the page's location.{name})", name)
    if len(value) > MAX_LOCATION_CHARS:
        raise bad_request(f"{name} is over {MAX_LOCATION_CHARS} characters", name)
    return value


def _same_origin(request: web.Request, referrer: str) -> bool:
    """A referrer from the simulator itself (its catalog page) says nothing about `dom`."""
    try:
        return urlsplit(referrer).netloc == request.host
    except ValueError:
        return False


@routes.post("/courses/{courseId}/api/launch")
async def launch(request: web.Request) -> web.Response:
    sim = _sim(request)
    course_id = request.match_info["courseId"]
    body = await read_json_object(request)
    hash_ = _location_part(body, "hash")
    search = _location_part(body, "search")
    referrer = _location_part(body, "referrer")
    if _same_origin(request, referrer):
        referrer = ""
    outcome, parsed = sim.launch_from_location(course_id, hash_, search, referrer)
    diagnostics = _diagnostics(outcome, parsed)
    if outcome.registration is None:
        raise invalid_launch(
            outcome.problems,
            outcome.warnings,
            diagnostics=diagnostics,
            expectedUrl=expected_url(request, course_id),
            launchId=outcome.launch_id,
        )
    view = player_view(sim, outcome.registration)
    view.update(
        launchId=outcome.launch_id,
        created=outcome.created,
        warnings=list(outcome.warnings),
        diagnostics=diagnostics,
    )
    return web.json_response(view, status=201 if outcome.created else 200)


def _diagnostics(outcome: LaunchOutcome, parsed: ParsedLocation) -> list[dict[str, Any]]:
    return [d.to_json() for d in launch_diagnostics(outcome, parsed)]


def _registration_of(request: web.Request) -> Registration:
    sim = _sim(request)
    reg = request.match_info["reg"]
    state = sim.store.registration(reg)
    if state is None or state.course_id != request.match_info["courseId"]:
        raise not_found(f"registration {reg!r} is not a registration of this course", "reg")
    return state


@routes.get("/courses/{courseId}/api/registrations/{reg}")
async def registration_view(request: web.Request) -> web.Response:
    return web.json_response(player_view(_sim(request), _registration_of(request)))


async def _step(request: web.Request, action: str) -> web.Response:
    sim = _sim(request)
    state = _registration_of(request)
    steps = {
        "complete-lesson": sim.complete_lesson,
        "register": sim.register_for_event,
        "attend": sim.attend_event,
    }
    try:
        state = steps[action](state.registration)
    except NotFound as error:
        raise not_found(str(error), "reg") from None
    except (Conflict, ProgressError) as error:
        raise ApiError(409, "conflict", str(error)) from None
    return web.json_response(player_view(sim, state))


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
    sim = _sim(request)
    course_id = request.match_info["courseId"]
    activity = sim.store.activity(course_id)
    data = sim.fixtures.faq_for(course_id)
    data["course"] = {"id": course_id, "title": activity.title if activity else ""}
    return web.json_response(data)


@web.middleware
async def player_api_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The page's JSON endpoints answer JSON errors too (404, 405), like the APIs do."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        path = request.path
        if error.status < 400 or not (path.startswith("/courses/") and "/api/" in path):
            raise
        allow = {k: v for k, v in error.headers.items() if k.lower() == "allow"}
        if error.status == 405:
            raise ApiError(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed on {path}",
                headers=allow,
            ) from None
        if error.status == 404:
            raise not_found(f"no route {request.method} {path}") from None
        raise ApiError(error.status, "http_error", error.reason) from None


# -- the launch log ---------------------------------------------------------------------


@routes.get("/_sim/launches")
async def launches(request: web.Request) -> web.Response:
    outcome = request.query.get("outcome")
    if outcome is not None and outcome not in launch_log.OUTCOMES:
        raise bad_request(f"outcome must be one of {', '.join(launch_log.OUTCOMES)}", "outcome")
    entries, total = launch_log.list_launches(
        _sim(request).store,
        registration=request.query.get("registration"),
        course_id=request.query.get("courseId"),
        outcome=outcome,
        limit=int_query(request, "limit", 100, 1, 1000),
        offset=int_query(request, "offset", 0, 0, 10**9),
    )
    return web.json_response(entries, headers={"X-Total-Count": str(total)})


def setup(app: web.Application) -> None:
    """Add the player, catalog page, launch log and the page's static files."""
    app.add_routes(routes)
    app.middlewares.append(player_api_errors)
    app.router.add_static(STATIC_PREFIX, STATIC, append_version=False)


# -- OpenAPI -------------------------------------------------------------------------------


_REG = {"404": "not a registration of this course", "409": "not possible in this state"}

OPENAPI_PATHS: dict[str, Any] = {
    "/": {"get": operation("the catalog page with a launch-URL builder", html=True)},
    "/courses": {"get": operation("the catalog page (same as /)", html=True)},
    "/courses/{courseId}/": {
        "get": operation(
            "the course player page; launch with /courses/{courseId}/#/?reg=&em=&fn=&dom=&lmsId=",
            html=True,
        )
    },
    "/courses/{courseId}/api/launch": {
        "post": operation(
            "the page's launch: {hash, search, referrer} as the browser has them; 201 new, "
            "200 resumed, 400 {problems, diagnostics, expectedUrl}",
            body=True,
            **{"201": "created", "400": "invalid launch"},
        )
    },
    "/courses/{courseId}/api/registrations/{reg}": {
        "get": operation("what the page shows for a registration", **_REG)
    },
    "/courses/{courseId}/api/registrations/{reg}/complete-lesson": {
        "post": operation("complete the next lesson of a course", **_REG)
    },
    "/courses/{courseId}/api/registrations/{reg}/register": {
        "post": operation("register for an event (progress 50, progressed)", **_REG)
    },
    "/courses/{courseId}/api/registrations/{reg}/attend": {
        "post": operation("attend a registered event (completion)", **_REG)
    },
    "/courses/{courseId}/api/faq": {"get": operation("the course FAQ and the help-desk contact")},
    "/_sim/launches": {
        "get": operation(
            "the launch log, newest first (X-Total-Count); filters registration, courseId, "
            "outcome (created|resumed|rejected), limit, offset",
            **{"400": "bad filter"},
        )
    },
}
