"""The control API core on a real socket (the session's simulator, reset per test)."""

import uuid
from collections.abc import Iterator

import pytest

from simulator.client import SimulatorClient, SimulatorError
from simulator.pytest_plugin import SimHelper
from simulator.server import Simulator


def test_launch_creates_then_resumes(sim: SimHelper) -> None:
    reg = str(uuid.uuid4())
    org = sim.default_organization()
    body = {
        "courseId": "workplace-safety",
        "reg": reg,
        "em": "ada@example.com",
        "fn": "Ada Lovelace",
        "dom": "localhost",
        "lmsId": org["lmsIds"]["staging"],
    }
    first = sim.request("POST", "/_sim/registrations", body)
    assert first.status == 201
    assert first.body["progress"] == 0 and first.body["organizationId"] == org["id"]
    sim.set_progress(reg, 40)
    again = sim.request("POST", "/_sim/registrations", body)
    assert again.status == 200
    assert again.body["progress"] == 40


def test_invalid_launch_lists_every_problem(sim: SimHelper) -> None:
    answer = sim.request(
        "POST",
        "/_sim/registrations",
        {"courseId": "workplace-safety", "reg": "nope", "em": "x", "fn": "Ada", "dom": "localhost"},
    )
    assert answer.status == 400
    assert answer.body["error"] == "invalid_launch"
    assert {p["field"] for p in answer.body["problems"]} == {"reg", "em", "fn", "lmsId"}


def test_progress_moves_forward_and_completion_sets_code(sim: SimHelper) -> None:
    reg = sim.start_course()["registration"]
    assert sim.set_progress(reg, 60)["progress"] == 60
    assert sim.set_progress(reg, 20)["progress"] == 60
    done = sim.complete(reg)
    assert done["progress"] == 100
    assert uuid.UUID(done["completionCode"]).version == 4
    assert done["dateCompleted"] == done["dateStarted"]  # the virtual clock did not move
    sim.advance(3600)
    assert sim.complete(reg)["dateCompleted"] == done["dateCompleted"]


def test_transaction_ids_increase_across_registrations(sim: SimHelper) -> None:
    a = sim.start_course(email="a@example.com")
    b = sim.start_course(email="b@example.com")
    after = sim.set_progress(a["registration"], 50)
    assert a["transactionId"] < b["transactionId"] < after["transactionId"]


def test_curriculum_follows_its_courses(sim: SimHelper) -> None:
    curriculum = sim.start_course("compliance-curriculum")
    for course in ("data-privacy", "cyber-hygiene"):
        sim.complete(sim.start_course(course)["registration"])
    assert sim.registration(curriculum["registration"])["progress"] == 66
    sim.complete(sim.start_course("anti-harassment")["registration"])
    earned = sim.registration(curriculum["registration"])
    assert earned["progress"] == 100 and earned["completionCode"]
    with pytest.raises(SimulatorError) as refused:
        sim.set_progress(curriculum["registration"], 10)
    assert refused.value.status == 409


def test_reset_forgets_learners_and_restarts_transaction_ids(sim: SimHelper) -> None:
    reg = sim.start_course()["registration"]
    sim.reset()
    assert sim.request("GET", f"/_sim/registrations/{reg}").status == 404
    assert sim.start_course()["transactionId"] == 1


def test_virtual_clock_moves_only_forward(sim: SimHelper) -> None:
    before = sim.clock()["now"]
    moved = sim.advance(90)
    assert moved["now"] > before
    assert sim.request("POST", "/_sim/clock", {"set": "2000-01-01T00:00:00Z"}).status == 400
    assert sim.set_clock("2030-01-01T00:00:00Z")["now"] == "2030-01-01T00:00:00.000Z"


def test_organizations_can_be_added_and_clash_clearly(sim: SimHelper) -> None:
    org = {
        "id": "initech",
        "name": "Initech",
        "domains": ["lms.initech.test"],
        "lmsIds": {"staging": "INI-STG", "production": "INI-PRD"},
    }
    created = sim.request("POST", "/_sim/organizations", org)
    assert created.status == 201 and uuid.UUID(created.body["token"])
    assert sim.request("POST", "/_sim/organizations", org).status == 409
    listed = [o["id"] for o in sim.organizations()]
    assert listed[0] == "acme-learning" and "initech" in listed


@pytest.mark.parametrize(
    ("method", "path", "raw", "status", "code"),
    [
        ("POST", "/_sim/registrations", b"{not json", 400, "invalid_json"),
        ("POST", "/_sim/registrations", b"[]", 400, "invalid_json"),
        ("POST", "/_sim/registrations", b"", 400, "invalid_json"),
        ("POST", "/_sim/clock", b'{"advance": -1}', 400, "invalid_request"),
        ("POST", "/_sim/clock", b'{"advance": "soon"}', 400, "invalid_request"),
        ("POST", "/_sim/clock", b"{}", 400, "invalid_request"),
        ("POST", "/_sim/organizations", b'{"id": "x"}', 400, "invalid_request"),
        ("POST", "/_sim/registrations/nope/progress", b'{"progress": 5}', 404, "not_found"),
        ("GET", "/_sim/registrations?limit=0", None, 400, "invalid_request"),
        ("GET", "/_sim/no-such-thing", None, 404, "not_found"),
        ("DELETE", "/_sim/health", None, 405, "method_not_allowed"),
        ("POST", "/_sim/registrations", b"[" * 100_000, 400, "too_deep"),
        (
            "POST",
            "/_sim/registrations",
            b"{" + b" " * (2 * 1024 * 1024) + b"}",
            413,
            "body_too_large",
        ),
    ],
)
def test_bad_input_gets_a_clear_json_error(sim: SimHelper, method, path, raw, status, code) -> None:
    answer = sim.request(method, path, raw=raw)
    assert answer.status == status
    assert answer.body["error"] == code
    assert answer.body["message"]


def test_bad_progress_values_are_400(sim: SimHelper) -> None:
    reg = sim.start_course()["registration"]
    for bad in (101, -5, "50", 2.5, None):
        answer = sim.request("POST", f"/_sim/registrations/{reg}/progress", {"progress": bad})
        assert answer.status == 400 and answer.body["field"] == "progress"


def test_registration_list_is_newest_first_with_total(sim: SimHelper) -> None:
    regs = [sim.start_course(email=f"l{i}@example.com")["registration"] for i in range(3)]
    answer = sim.request("GET", "/_sim/registrations", query={"limit": 2})
    assert answer.headers["X-Total-Count"] == "3"
    assert [r["registration"] for r in answer.body] == regs[::-1][:2]


async def test_simulator_takes_the_clock_by_name_or_as_an_instance() -> None:
    from datetime import UTC, datetime

    from simulator import Simulator, VirtualClock

    async with Simulator(clock="system") as by_name:
        assert not by_name.sim.clock.is_virtual
        assert by_name.config.clock == "system"
    mine = VirtualClock(datetime(2030, 1, 1, tzinfo=UTC))
    async with Simulator(clock=mine) as given:
        assert given.sim.clock is mine


# -- the admin guard, --control-api off, --public-url ---------------------------------------


@pytest.fixture(scope="module")
def guarded() -> Iterator[SimulatorClient]:
    with Simulator(admin_token="s3cret-Token") as server:
        yield SimulatorClient(server.url)


@pytest.mark.parametrize(
    "header", ["Bearer s3cret-Token", "bearer s3cret-Token", "BEARER s3cret-Token"]
)
def test_the_admin_guard_takes_the_bearer_scheme_in_any_case(
    guarded: SimulatorClient, header: str
) -> None:
    answer = guarded.request("GET", "/_sim/organizations", headers={"Authorization": header})
    assert answer.status == 200


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "s3cret-Token",  # a bare token: no scheme
        "Basic s3cret-Token",
        "Token s3cret-Token",
        "Bearer",
        "Bearer s3cret-Token extra",
        "Bearers3cret-Token",
        "Bearer s3cret-token",  # the token itself is case-sensitive
        "Bearer s3cret-Toke",
        "Bearer s3cret-Token2",
    ],
)
def test_the_admin_guard_accepts_nothing_else(guarded: SimulatorClient, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    answer = guarded.request("GET", "/_sim/organizations", headers=headers)
    assert answer.status == 401
    assert answer.body["error"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_the_admin_guard_leaves_the_vendor_surface_and_health_open(
    guarded: SimulatorClient,
) -> None:
    assert guarded.request("GET", "/_sim/health").status == 200
    token = guarded.request(
        "GET", "/_sim/organizations", headers={"Authorization": "Bearer s3cret-Token"}
    ).body[0]["token"]
    assert guarded.report(token).status == 200


def test_the_progress_api_finds_only_the_exact_token(sim: SimHelper) -> None:
    token = sim.token
    assert sim.report(token).status == 200
    for near in (token.upper(), token[:-1], token + "0", token[1:], " " + token):
        assert sim.report(near).status == 401, near


def test_control_api_off_serves_only_the_vendor_surface_and_health() -> None:
    with Simulator(control_api="off") as server:
        client = SimulatorClient(server.url)
        assert client.request("GET", "/_sim/health").status == 200
        for method, path in [
            ("GET", "/_sim/organizations"),
            ("GET", "/_sim/openapi.json"),
            ("GET", "/_sim/dashboard"),
            ("GET", "/_sim/catalog"),
            ("POST", "/_sim/reset"),
            ("POST", "/_sim/clock"),
            ("GET", "/_sim/quota"),
            ("GET", "/_sim/webhooks"),
            ("GET", "/_sim/no-such-route"),
        ]:
            answer = client.request(method, path, {} if method == "POST" else None)
            assert answer.status == 404, (method, path)
            assert answer.body["error"] == "not_found"
            assert answer.body["message"] == f"no route {method} {path}"
        token = server.runtime.organizations.default_organization().token  # type: ignore[union-attr]
        assert client.report(token).status == 200
        page = client.request("GET", "/courses/workplace-safety/")
        assert page.status == 200


def test_control_api_off_can_come_from_the_environment() -> None:
    from simulator.config import build_config

    assert build_config({}, environ={"MEDIA77_SIM_CONTROL_API": "off"}).control_api == "off"
    with pytest.raises(ValueError, match="control-api must be one of on, off"):
        build_config({}, environ={"MEDIA77_SIM_CONTROL_API": "maybe"})


def test_catalog_urls_point_at_the_simulator_itself(sim: SimHelper) -> None:
    courses = sim.call("GET", "/_sim/catalog")["courses"]
    assert courses
    for course in courses:
        expected = f"{sim.url}/courses/{course['id']}/"
        assert course["stagingUrl"] == expected
        assert course["productionUrl"] == expected
    first = courses[0]["stagingUrl"]
    assert sim.request("GET", first.removeprefix(sim.url)).status == 200


def test_public_url_sets_the_catalogs_base() -> None:
    with Simulator(public_url="https://sim.example.test/") as server:
        courses = SimulatorClient(server.url).call("GET", "/_sim/catalog")["courses"]
    assert {c["stagingUrl"] for c in courses} == {
        f"https://sim.example.test/courses/{c['id']}/" for c in courses
    }


@pytest.mark.parametrize(
    "url",
    ["sim.example.test", "ftp://sim.example.test", "https://", "https://x/?q=1", "https://x y"],
)
def test_public_url_must_be_an_absolute_http_url(url: str) -> None:
    from simulator.config import ConfigError, build_config

    with pytest.raises(ConfigError, match="public-url"):
        build_config({"public_url": url}, environ={})
