"""The core of the control API under `/_sim/`: health, reset, clock, catalog,
organizations and registrations (a launch without a browser, and the steps a
learner takes). Each handler parses, makes one service call and shapes the answer."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from simulator._version import __version__
from simulator.core.dates import to_iso_ms
from simulator.core.errors import BadRequest
from simulator.core.progress import Registration
from simulator.service import Simulation
from simulator.web.errors import Handler, int_query, read_json_object
from simulator.web.keys import runtime
from simulator.web.launches import registration_answer, rejected

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
            "loopLagMs": parts.loop_lag.summary(),
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
        raise rejected(outcome, launchId=outcome.launch_id)
    return registration_answer(outcome)


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


# The learner's steps without a browser: each names its registration and nothing else.
LEARNER_STEPS: dict[str, Callable[[Simulation, str], Registration]] = {
    "complete": Simulation.complete,
    "lessons/next": Simulation.complete_lesson,
    "event/register": Simulation.register_for_event,
    "event/attend": Simulation.attend_event,
}


def _learner_step(step: Callable[[Simulation, str], Registration]) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return _answer(step(runtime(request).simulation, request.match_info["reg"]))

    return handler


for _path, _step in LEARNER_STEPS.items():
    routes.post(f"/_sim/registrations/{{reg}}/{_path}")(_learner_step(_step))
