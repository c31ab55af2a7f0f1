"""The core of the control API under `/_sim/`: health, reset, clock, catalog,
organizations and registrations (a launch without a browser, and the steps a
learner takes). Each handler parses, makes one service call and shapes the answer."""

from __future__ import annotations

from aiohttp import web

from simulator._version import __version__
from simulator.core.dates import to_iso_ms
from simulator.core.errors import BadRequest
from simulator.core.progress import Registration
from simulator.web.errors import int_query, invalid_launch, read_json_object
from simulator.web.keys import runtime

routes = web.RouteTableDef()


@routes.get("/_sim/health")
async def health(request: web.Request) -> web.Response:
    parts = runtime(request)
    return web.json_response(
        {
            "status": "ok",
            "version": __version__,
            "environment": parts.config.environment,
            "clock": "virtual" if parts.clock.is_virtual else "system",
            "now": to_iso_ms(parts.clock.now()),
        }
    )


@routes.post("/_sim/reset")
async def reset(request: web.Request) -> web.Response:
    await runtime(request).reset()
    return web.json_response({"status": "reset"})


@routes.get("/_sim/clock")
async def get_clock(request: web.Request) -> web.Response:
    return web.json_response(runtime(request).clock_control.status())


@routes.post("/_sim/clock")
async def move_clock(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    return web.json_response(await runtime(request).clock_control.move(body))


@routes.get("/_sim/catalog")
async def catalog(request: web.Request) -> web.Response:
    activities = runtime(request).simulation.catalog()
    return web.json_response({"courses": [a.to_json() for a in activities]})


@routes.get("/_sim/organizations")
async def list_organizations(request: web.Request) -> web.Response:
    orgs = runtime(request).organizations.all()
    return web.json_response([o.to_json() for o in orgs])


@routes.post("/_sim/organizations")
async def create_organization(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    org = runtime(request).organizations.add(body)
    return web.json_response(org.to_json(), status=201)


@routes.get("/_sim/registrations")
async def list_registrations(request: web.Request) -> web.Response:
    states, total = runtime(request).simulation.list_registrations(
        request.query.get("organizationId"),
        limit=int_query(request, "limit", 100, 1, 1000),
        offset=int_query(request, "offset", 0, 0, 10**9),
    )
    return web.json_response([s.to_json() for s in states], headers={"X-Total-Count": str(total)})


LAUNCH_FIELDS = ("courseId", "reg", "em", "fn", "dom", "lmsId")


@routes.post("/_sim/registrations")
async def launch(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    course_id = body.get("courseId")
    if not isinstance(course_id, str) or not course_id:
        raise BadRequest("courseId is required (a course id from /_sim/catalog)", "courseId")
    outcome = runtime(request).simulation.launch(course_id, body)
    if outcome.registration is None:
        raise invalid_launch(outcome.problems, outcome.warnings)
    data = outcome.registration.to_json()
    data["warnings"] = list(outcome.warnings)
    return web.json_response(data, status=201 if outcome.created else 200)


def _answer(state: Registration) -> web.Response:
    return web.json_response(state.to_json())


@routes.get("/_sim/registrations/{reg}")
async def get_registration(request: web.Request) -> web.Response:
    return _answer(runtime(request).simulation.registration(request.match_info["reg"]))


@routes.post("/_sim/registrations/{reg}/progress")
async def set_progress(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    if "progress" not in body:
        raise BadRequest('body must be {"progress": 0-100}', "progress")
    sim = runtime(request).simulation
    return _answer(sim.set_progress(request.match_info["reg"], body["progress"]))


@routes.post("/_sim/registrations/{reg}/complete")
async def complete(request: web.Request) -> web.Response:
    return _answer(runtime(request).simulation.complete(request.match_info["reg"]))


@routes.post("/_sim/registrations/{reg}/lessons/next")
async def complete_lesson(request: web.Request) -> web.Response:
    return _answer(runtime(request).simulation.complete_lesson(request.match_info["reg"]))


@routes.post("/_sim/registrations/{reg}/event/register")
async def register_for_event(request: web.Request) -> web.Response:
    return _answer(runtime(request).simulation.register_for_event(request.match_info["reg"]))


@routes.post("/_sim/registrations/{reg}/event/attend")
async def attend_event(request: web.Request) -> web.Response:
    return _answer(runtime(request).simulation.attend_event(request.match_info["reg"]))
