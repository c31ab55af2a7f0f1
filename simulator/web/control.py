"""The core of the control API under `/_sim/`: health, reset, clock, catalog,
organizations and registrations (a launch without a browser)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from simulator._version import __version__
from simulator.clock import VirtualClock
from simulator.core.dates import parse_utc, to_iso_ms
from simulator.core.organizations import OrganizationError
from simulator.core.progress import ProgressError
from simulator.service import Conflict, NotFound, Simulation
from simulator.store import StoreConflict
from simulator.web.errors import (
    ApiError,
    bad_request,
    int_query,
    invalid_launch,
    not_found,
    read_json_object,
)
from simulator.web.keys import SIMULATION
from simulator.web.openapi import operation

routes = web.RouteTableDef()


def simulation(request: web.Request) -> Simulation:
    return request.app[SIMULATION]


@routes.get("/_sim/health")
async def health(request: web.Request) -> web.Response:
    sim = simulation(request)
    return web.json_response(
        {
            "status": "ok",
            "version": __version__,
            "environment": sim.config.environment,
            "clock": "virtual" if sim.clock.is_virtual else "system",
            "now": to_iso_ms(sim.clock.now()),
        }
    )


@routes.post("/_sim/reset")
async def reset(request: web.Request) -> web.Response:
    simulation(request).reset()
    return web.json_response({"status": "reset"})


def _clock_json(sim: Simulation) -> dict[str, Any]:
    clock = sim.clock
    data: dict[str, Any] = {"now": to_iso_ms(clock.now()), "virtual": clock.is_virtual}
    if isinstance(clock, VirtualClock):
        due = clock.next_due()
        data["pendingTimers"] = clock.pending
        data["nextTimer"] = to_iso_ms(due) if due else None
    return data


@routes.get("/_sim/clock")
async def get_clock(request: web.Request) -> web.Response:
    return web.json_response(_clock_json(simulation(request)))


@routes.post("/_sim/clock")
async def move_clock(request: web.Request) -> web.Response:
    sim = simulation(request)
    body = await read_json_object(request)
    clock = sim.clock
    if not isinstance(clock, VirtualClock):
        raise ApiError(
            409, "clock_not_virtual", "the clock is the system clock: start with --clock virtual"
        )
    if ("advance" in body) == ("set" in body):
        raise bad_request('give exactly one of {"advance": seconds} or {"set": iso}')
    if "advance" in body:
        seconds = body["advance"]
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise bad_request("advance must be a number of seconds, 0 or more", "advance")
        if seconds > 10 * 365 * 86400:
            raise bad_request("advance is limited to ten years at a time", "advance")
        fired = await clock.advance(float(seconds))
    else:
        if not isinstance(body["set"], str):
            raise bad_request("set must be an ISO-8601 UTC date/time", "set")
        try:
            target = parse_utc(body["set"])
        except ValueError as error:
            raise bad_request(str(error), "set") from None
        if target < clock.now():
            raise bad_request("the clock only moves forward (timers and quotas rely on it)", "set")
        fired = await clock.advance_to(target)
    return web.json_response({**_clock_json(sim), "timersRun": fired})


@routes.get("/_sim/catalog")
async def catalog(request: web.Request) -> web.Response:
    activities = simulation(request).store.activities()
    return web.json_response({"courses": [a.to_json() for a in activities]})


@routes.get("/_sim/organizations")
async def list_organizations(request: web.Request) -> web.Response:
    orgs = simulation(request).store.organizations()
    return web.json_response([o.to_json() for o in orgs])


@routes.post("/_sim/organizations")
async def create_organization(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    try:
        org = simulation(request).add_organization(body)
    except OrganizationError as error:
        raise bad_request(str(error).removeprefix("organization."), "organization") from None
    except StoreConflict as error:
        raise ApiError(409, "conflict", str(error)) from None
    return web.json_response(org.to_json(), status=201)


@routes.get("/_sim/registrations")
async def list_registrations(request: web.Request) -> web.Response:
    sim = simulation(request)
    org_id = request.query.get("organizationId")
    if org_id is not None and sim.store.organization(org_id) is None:
        raise not_found(f"organization {org_id!r} does not exist", "organizationId")
    limit = int_query(request, "limit", 100, 1, 1000)
    offset = int_query(request, "offset", 0, 0, 10**9)
    states, total = sim.store.list_registrations(organization_id=org_id, limit=limit, offset=offset)
    return web.json_response([s.to_json() for s in states], headers={"X-Total-Count": str(total)})


LAUNCH_FIELDS = ("courseId", "reg", "em", "fn", "dom", "lmsId")


@routes.post("/_sim/registrations")
async def launch(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    course_id = body.get("courseId")
    if not isinstance(course_id, str) or not course_id:
        raise bad_request("courseId is required (a course id from /_sim/catalog)", "courseId")
    outcome = simulation(request).launch(course_id, body)
    if outcome.registration is None:
        raise invalid_launch(outcome.problems, outcome.warnings)
    data = outcome.registration.to_json()
    data["warnings"] = list(outcome.warnings)
    return web.json_response(data, status=201 if outcome.created else 200)


@routes.get("/_sim/registrations/{reg}")
async def get_registration(request: web.Request) -> web.Response:
    try:
        state = simulation(request).registration(request.match_info["reg"])
    except NotFound as error:
        raise not_found(str(error), "registration") from None
    return web.json_response(state.to_json())


async def _change(
    request: web.Request, progress: object, *, complete: bool = False
) -> web.Response:
    sim = simulation(request)
    reg = request.match_info["reg"]
    try:
        state = sim.complete(reg) if complete else sim.set_progress(reg, progress)
    except NotFound as error:
        raise not_found(str(error), "registration") from None
    except ProgressError as error:
        raise bad_request(str(error), "progress") from None
    except Conflict as error:
        raise ApiError(409, "conflict", str(error)) from None
    return web.json_response(state.to_json())


@routes.post("/_sim/registrations/{reg}/progress")
async def set_progress(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    if "progress" not in body:
        raise bad_request('body must be {"progress": 0-100}', "progress")
    return await _change(request, body["progress"])


@routes.post("/_sim/registrations/{reg}/complete")
async def complete(request: web.Request) -> web.Response:
    return await _change(request, 100, complete=True)


OPENAPI_PATHS: dict[str, Any] = {
    "/_sim/health": {"get": operation("ready check (200 when serving)")},
    "/_sim/reset": {"post": operation("back to the fixtures: all learner state gone")},
    "/_sim/clock": {
        "get": operation("the simulator's time"),
        "post": operation('move the virtual clock: {"advance": s} or {"set": iso}', body=True),
    },
    "/_sim/catalog": {"get": operation("the course list with staging and production URLs")},
    "/_sim/organizations": {
        "get": operation("organizations; the first is the default"),
        "post": operation("add an organization", body=True, ok="201"),
    },
    "/_sim/registrations": {
        "get": operation("registrations, newest change first (X-Total-Count)"),
        "post": operation(
            "launch without a browser: {courseId, reg, em, fn, dom, lmsId}", body=True, ok="201"
        ),
    },
    "/_sim/registrations/{reg}": {"get": operation("one registration")},
    "/_sim/registrations/{reg}/progress": {
        "post": operation('set progress forward: {"progress": 0-100}', body=True)
    },
    "/_sim/registrations/{reg}/complete": {"post": operation("complete the activity")},
}
