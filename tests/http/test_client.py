"""`SimulatorClient`: the whole control API in Python, against the real server."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from simulator.client import LaunchResult, SimulatorClient, SimulatorError
from simulator.server import Simulator

GLOBEX_TOKEN = "3c0a5b7e-9d2f-4e61-8a47-2b9c1d0e5f63"

# Every control route and the client method that calls it.
ROUTES = {
    ("get", "/_sim/health"): "health",
    ("post", "/_sim/reset"): "reset",
    ("get", "/_sim/openapi.json"): "openapi",
    ("get", "/_sim/clock"): "clock",
    ("post", "/_sim/clock"): "advance",
    ("get", "/_sim/catalog"): "catalog",
    ("get", "/_sim/organizations"): "organizations",
    ("post", "/_sim/organizations"): "add_organization",
    ("get", "/_sim/registrations"): "registrations",
    ("post", "/_sim/registrations"): "launch",
    ("get", "/_sim/registrations/{}"): "registration",
    ("post", "/_sim/registrations/{}/progress"): "set_progress",
    ("post", "/_sim/registrations/{}/complete"): "complete",
    ("post", "/_sim/registrations/{}/lessons/next"): "complete_lesson",
    ("post", "/_sim/registrations/{}/event/register"): "register_event",
    ("post", "/_sim/registrations/{}/event/attend"): "attend_event",
    ("post", "/_sim/launches/open"): "open",
    ("post", "/_sim/launches/check"): "check_url",
    ("get", "/_sim/launches"): "launches",
    ("get", "/_sim/quota"): "quota",
    ("patch", "/_sim/quota"): "set_quota",
    ("get", "/_sim/webhooks"): "webhooks",
    ("post", "/_sim/webhooks"): "add_webhook",
    ("get", "/_sim/webhooks/{}"): "webhook",
    ("patch", "/_sim/webhooks/{}"): "update_webhook",
    ("delete", "/_sim/webhooks/{}"): "delete_webhook",
    ("get", "/_sim/webhooks/{}/outages"): "outages",
    ("post", "/_sim/webhooks/{}/outages"): "outage",
    ("delete", "/_sim/webhooks/{}/outages"): "clear_outages",
    ("get", "/_sim/deliveries"): "deliveries",
    ("get", "/_sim/deliveries/wait"): "wait_for_deliveries",
    ("get", "/_sim/missed"): "missed",
}
NOT_FOR_PYTHON = {
    ("get", "/_sim/dashboard"),  # a page for people
    ("get", "/_sim/dashboard/state"),  # that page's own starting snapshot
    ("get", "/_sim/events"),  # a server-sent event stream, for the dashboard and tools
}
VERBS = {"get", "post", "put", "patch", "delete"}


def test_every_served_control_route_has_a_client_method(sim: SimulatorClient) -> None:
    served = {
        (verb, re.sub(r"\{[^}]*\}", "{}", path))
        for path, item in sim.openapi()["paths"].items()
        if path.startswith("/_sim/")
        for verb in item
        if verb in VERBS
    }
    assert served - NOT_FOR_PYTHON <= ROUTES.keys(), "control routes the client cannot call"
    assert all(callable(getattr(SimulatorClient, name)) for name in ROUTES.values())


def test_now_is_an_aware_utc_datetime_that_advance_moves(sim: SimulatorClient) -> None:
    before = sim.now()
    assert before.tzinfo is not None and before.utcoffset() == timedelta(0)
    sim.advance(90)
    assert sim.now() - before == timedelta(seconds=90)


def test_set_clock_takes_a_datetime_and_refuses_a_naive_one(sim: SimulatorClient) -> None:
    target = (sim.now() + timedelta(days=1)).replace(microsecond=0)
    assert sim.set_clock(target)["now"] == target.isoformat().replace("+00:00", ".000Z")
    assert sim.now() == target
    with pytest.raises(ValueError, match="timezone-aware"):
        sim.set_clock(datetime(2099, 1, 1))


def test_token_is_the_default_organizations_and_report_uses_it(sim: SimulatorClient) -> None:
    assert sim.token == sim.default_organization()["token"]
    assert sim.report().status == 200
    other = SimulatorClient(sim.url, token=GLOBEX_TOKEN)
    assert other.token == GLOBEX_TOKEN
    assert other.quota()["token"] == GLOBEX_TOKEN
    assert SimulatorClient(sim.url, token="nobody").report().status == 401


def test_quota_helpers_run_the_quota_out_and_reset_it(sim: SimulatorClient) -> None:
    assert sim.set_quota(limit=2)["limit"] == 2
    assert [sim.report().status for _ in range(3)] == [200, 200, 429]
    assert sim.quota()["used"] == 2
    assert sim.set_quota(used=0)["used"] == 0
    assert sim.report().status == 200
    assert sim.set_quota(used=500, token=GLOBEX_TOKEN)["used"] == 500
    assert sim.report(token=GLOBEX_TOKEN).status == 429
    assert {q["token"] for q in sim.quotas()} >= {sim.token, GLOBEX_TOKEN}
    with pytest.raises(SimulatorError) as error:
        sim.set_quota(limit=-1)
    assert (error.value.status, error.value.code, error.value.field) == (
        400,
        "invalid_request",
        "limit",
    )


def test_add_organization_with_the_launch_names(sim: SimulatorClient) -> None:
    org = sim.add_organization(
        "initech",
        "Initech",
        domains=["lms.initech.example"],
        staging_lms_id="INITECH-STG-1",
        production_lms_id="INITECH-PRD-1",
    )
    assert org["token"] and org["lmsIds"] == {
        "staging": "INITECH-STG-1",
        "production": "INITECH-PRD-1",
    }
    reg = str(uuid.uuid4())
    made = sim.launch(
        "workplace-safety",
        reg,
        "a@initech.example",
        "Ann Lee",
        "lms.initech.example",
        "INITECH-STG-1",
    )
    assert made["organizationId"] == "initech"
    assert [r["registration"] for r in sim.registrations("initech")] == [reg]
    with pytest.raises(SimulatorError) as clash:
        sim.add_organization(
            "initech", "Again", domains=["x.example"], staging_lms_id="A", production_lms_id="B"
        )
    assert clash.value.status == 409


def test_launch_url_uses_the_vendors_names(sim: SimulatorClient) -> None:
    reg = str(uuid.uuid4())
    url = sim.launch_url("data-privacy", reg=reg, em="ann+lms@example.com", fn="Ann Lee")
    parts = urlsplit(url)
    assert parts.path == "/courses/data-privacy/" and url.startswith(sim.url)
    assert parts.fragment.startswith("/?")
    assert "fn=Ann%20Lee" in parts.fragment and "em=ann%2Blms%40example.com" in parts.fragment
    params = dict(parse_qsl(parts.fragment[2:]))
    lms_id = sim.default_organization()["lmsIds"][sim.health()["environment"]]
    assert params == {
        "reg": reg,
        "em": "ann+lms@example.com",
        "fn": "Ann Lee",
        "dom": "localhost",
        "lmsId": lms_id,
    }


def test_launch_url_still_takes_email_and_name_with_a_warning(sim: SimulatorClient) -> None:
    with pytest.warns(DeprecationWarning) as warned:
        old = sim.launch_url("data-privacy", reg="r", email="a@example.com", name="A B")
    assert [str(w.message).split(" is ")[0] for w in warned] == ["email=", "name="]
    assert {w.filename for w in warned} == {__file__}  # points at the caller's line
    assert old == sim.launch_url("data-privacy", reg="r", em="a@example.com", fn="A B")


def test_start_course_takes_either_spelling(sim: SimulatorClient) -> None:
    new = sim.start_course(em="x@example.com", fn="Xa Yu")
    old = sim.start_course(email="y@example.com", name="Ya Xu")
    assert (new["email"], new["firstName"], old["email"], old["lastName"]) == (
        "x@example.com",
        "Xa",
        "y@example.com",
        "Xu",
    )
    assert sim.launches(registration=new["registration"])[0]["outcome"] == "created"
    assert len(sim.registrations(limit=1)) == 1


def test_an_invalid_launch_raises_with_every_problem(sim: SimulatorClient) -> None:
    with pytest.raises(SimulatorError) as error:
        sim.launch("workplace-safety", "not-a-uuid", "nope", "Ada", "localhost", "ACME-STG-7701")
    assert error.value.code == "invalid_launch"
    assert {p["field"] for p in error.value.body["problems"]} >= {"reg", "em", "fn"}


def test_a_client_can_be_made_from_a_running_simulator() -> None:
    with Simulator(clock_start="2026-01-05T09:00:00Z") as server:
        client = SimulatorClient(server)
        assert client.url == server.url
        assert client.token == server.token
        assert client.now() == datetime(2026, 1, 5, 9, tzinfo=UTC)


def test_the_client_needs_no_web_stack() -> None:
    code = "import sys, simulator.client; print('aiohttp' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_open_launches_a_whole_url_as_the_page_reads_it(sim: SimulatorClient) -> None:
    reg = str(uuid.uuid4())
    first = sim.open(sim.launch_url("workplace-safety", reg=reg))
    assert isinstance(first, LaunchResult) and first.ok and first.created
    assert first.registration is not None and first.registration["registration"] == reg
    assert first.problems == [] and first.fixed_url is None
    again = sim.open(sim.launch_url("workplace-safety", reg=reg))
    assert again.ok and not again.created


def test_a_broken_url_fails_with_problems_and_a_fix_and_check_changes_nothing(
    sim: SimulatorClient,
) -> None:
    good = sim.launch_url("workplace-safety")
    broken = good.replace("/#/?", "/?")  # the parameters before the hash
    checked = sim.check_url(broken)
    assert not checked.ok and checked.registration is None
    assert "parameters_before_hash" in {p["code"] for p in checked.problems}
    assert checked.fixed_url is not None and "/#/?" in checked.fixed_url
    assert sim.check_url(good).ok
    assert sim.registrations() == []
    assert not sim.open(broken).ok
    assert sim.registrations() == []


def test_lessons_complete_one_by_one_to_a_completion(sim: SimulatorClient) -> None:
    course = next(c for c in sim.catalog() if c["kind"] == "course")
    reg = sim.start_course(course["id"])["registration"]
    states = [sim.complete_lesson(reg) for _ in course["lessons"]]
    assert [s["progress"] for s in states] == sorted(s["progress"] for s in states)
    assert states[-1]["progress"] == 100 and states[-1]["completionCode"]


def test_an_event_is_registered_then_attended(sim: SimulatorClient) -> None:
    event = next(c for c in sim.catalog() if c["kind"] == "event")
    reg = sim.start_course(event["id"])["registration"]
    assert sim.register_event(reg)["progress"] == 50
    assert sim.attend_event(reg)["progress"] == 100


def test_the_package_exports_the_client_lazily() -> None:
    code = (
        "import sys, simulator; assert 'aiohttp' not in sys.modules; "
        "from simulator import SimulatorClient, SimulatorError, LaunchResult, Certificates; "
        "assert 'aiohttp' not in sys.modules; "
        "assert all(hasattr(simulator, name) for name in simulator.__all__); print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr
