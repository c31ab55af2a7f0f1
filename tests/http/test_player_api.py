"""The player page's server side over HTTP: launch, lessons, events, curricula, launch log."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.client import SimulatorClient
from simulator.pytest_plugin import SimHelper
from simulator.server import Simulator

STAGING = "ACME-STG-7701"


def fragment(**params: str) -> str:
    return "#/?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())


def params(**overrides: str) -> dict[str, str]:
    base = {
        "reg": str(uuid.uuid4()),
        "em": "ada.lovelace@example.com",
        "fn": "Ada Lovelace",
        "dom": "localhost",
        "lmsId": STAGING,
    }
    return {**base, **overrides}


def page_launch(
    sim: SimulatorClient,
    course: str = "workplace-safety",
    *,
    hash_: str | None = None,
    search: str = "",
    referrer: str = "",
    **overrides: str,
) -> Any:
    body = {
        "hash": fragment(**params(**overrides)) if hash_ is None else hash_,
        "search": search,
        "referrer": referrer,
    }
    return sim.request("POST", f"/courses/{quote(course)}/api/launch", body)


def step(sim: SimulatorClient, course: str, reg: str, action: str) -> Any:
    return sim.request("POST", f"/courses/{course}/api/registrations/{reg}/{action}")


# -- launch ----------------------------------------------------------------------------------


def test_a_valid_launch_starts_and_the_same_reg_resumes(sim: SimHelper) -> None:
    reg = str(uuid.uuid4())
    first = page_launch(sim, reg=reg)
    assert first.status == 201
    view = first.body
    assert view["course"]["title"] == "Workplace Safety Essentials"
    assert view["learner"] == {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada.lovelace@example.com",
    }
    assert (view["progress"], view["lessonsDone"], view["created"]) == (0, 0, True)
    assert step(sim, "workplace-safety", reg, "complete-lesson").body["progress"] == 20
    again = page_launch(sim, reg=reg)
    assert again.status == 200
    assert (again.body["progress"], again.body["lessonsDone"], again.body["created"]) == (
        20,
        1,
        False,
    )
    assert sim.registration(reg)["progress"] == 20


def test_lessons_complete_in_order_to_a_completion_code(sim: SimHelper) -> None:
    reg = page_launch(sim, reg=str(uuid.uuid4())).body["registration"]["registration"]
    seen = [step(sim, "workplace-safety", reg, "complete-lesson").body for _ in range(5)]
    assert [v["progress"] for v in seen] == [20, 40, 60, 80, 100]
    done = seen[-1]
    assert done["completed"] and uuid.UUID(done["completionCode"])
    state = sim.registration(reg)
    assert state["completionCode"] == done["completionCode"]
    assert state["transactionId"] == 6  # started + five lessons, one transaction each
    extra = step(sim, "workplace-safety", reg, "complete-lesson").body
    assert extra["completionCode"] == done["completionCode"]
    assert sim.registration(reg)["transactionId"] == 6


def test_an_event_is_registered_then_attended(sim: SimHelper) -> None:
    reg = str(uuid.uuid4())
    view = page_launch(sim, "safety-webinar-live", reg=reg).body
    assert view["event"] == {"registered": False, "attended": False}
    assert view["course"]["startsAt"] == "2026-12-10T15:00:00"
    early = step(sim, "safety-webinar-live", reg, "attend")
    assert early.status == 409 and "register" in early.body["message"]
    registered = step(sim, "safety-webinar-live", reg, "register").body
    assert (registered["progress"], registered["event"]["registered"]) == (50, True)
    attended = step(sim, "safety-webinar-live", reg, "attend").body
    assert attended["progress"] == 100 and attended["completionCode"]
    lesson = step(sim, "safety-webinar-live", reg, "complete-lesson")
    assert lesson.status == 409


def test_a_curriculum_follows_its_courses_and_is_earned_with_the_last(sim: SimHelper) -> None:
    curriculum_reg = str(uuid.uuid4())
    view = page_launch(sim, "compliance-curriculum", reg=curriculum_reg).body
    assert [c["id"] for c in view["curriculum"]] == [
        "data-privacy",
        "cyber-hygiene",
        "anti-harassment",
    ]
    assert view["progress"] == 0
    lessons = {"data-privacy": 4, "cyber-hygiene": 6, "anti-harassment": 4}
    expected = [33, 66, 100]
    for (course, count), progress in zip(lessons.items(), expected, strict=True):
        reg = page_launch(sim, course, reg=str(uuid.uuid4())).body["registration"]["registration"]
        for _ in range(count):
            step(sim, course, reg, "complete-lesson")
        view = sim.call("GET", f"/courses/compliance-curriculum/api/registrations/{curriculum_reg}")
        assert view["progress"] == progress
        assert next(c for c in view["curriculum"] if c["id"] == course)["completed"]
    assert view["completed"] and view["completionCode"]


def test_steps_need_a_registration_of_that_course(sim: SimHelper) -> None:
    reg = page_launch(sim, reg=str(uuid.uuid4())).body["registration"]["registration"]
    assert step(sim, "data-privacy", reg, "complete-lesson").status == 404
    assert step(sim, "workplace-safety", str(uuid.uuid4()), "complete-lesson").status == 404
    missing = sim.request("GET", "/courses/workplace-safety/api/nothing-here")
    assert missing.status == 404 and missing.body["error"] == "not_found"
    wrong = sim.request("GET", "/courses/workplace-safety/api/launch")
    assert wrong.status == 405 and wrong.body["error"] == "method_not_allowed"
    assert wrong.headers["Allow"] == "POST"


# -- invalid launches ------------------------------------------------------------------------

INVALID = [
    ({"reg": "registration"}, "reg", "not a UUID"),
    ({"em": "ada.example.com"}, "em", "not an e-mail"),
    ({"fn": "Ada"}, "fn", "First Last"),
    ({"dom": "not a host"}, "dom", "not a host name"),
    ({"dom": "lms.globex.example"}, "dom", "not a domain of Acme Learning"),
    ({"lmsId": "NOPE-1"}, "lmsId", "not known"),
    ({"lmsId": "ACME-PRD-7701"}, "lmsId", "production LMSID of Acme Learning"),
    ({"em": "a" * 250 + "@example.com"}, "em", "at most 255"),
]


@pytest.mark.parametrize(("overrides", "field", "text"), INVALID)
def test_each_invalid_launch_names_its_problem(
    sim: SimHelper, overrides: dict[str, str], field: str, text: str
) -> None:
    answer = page_launch(sim, **overrides)
    assert answer.status == 400
    assert answer.body["error"] == "invalid_launch"
    assert [p["field"] for p in answer.body["problems"]] == [field]
    assert text in answer.body["problems"][0]["message"]
    assert answer.body["expectedUrl"].endswith(
        "/courses/workplace-safety/#/?reg=<UUID>&em=<email>&fn=First%20Last"
        "&dom=<your domain>&lmsId=<LMSID>"
    )


def test_an_empty_launch_names_all_five_parameters(sim: SimHelper) -> None:
    answer = page_launch(sim, hash_="")
    assert {p["field"] for p in answer.body["problems"]} == {"reg", "em", "fn", "dom", "lmsId"}


def test_an_unknown_course_is_an_error_not_a_blank_page(sim: SimHelper) -> None:
    answer = page_launch(sim, "no-such-course")
    assert answer.status == 400
    assert answer.body["problems"][0]["field"] == "courseId"
    page = sim.request("GET", "/courses/no-such-course/")
    assert page.status == 200 and 'data-testid="launch-error"' in page.body


def test_a_reused_reg_is_an_error_in_the_log(sim: SimHelper) -> None:
    reg = str(uuid.uuid4())
    assert page_launch(sim, reg=reg).status == 201
    other_learner = page_launch(sim, reg=reg, em="grace@example.com")
    other_course = page_launch(sim, "data-privacy", reg=reg)
    assert other_learner.status == other_course.status == 400
    assert "another learner" in other_learner.body["message"]
    assert "already belongs to course 'workplace-safety'" in other_course.body["message"]
    log = sim.launches(registration=reg)
    assert [e["outcome"] for e in log] == ["rejected", "rejected", "created"]
    for entry in log[:2]:
        assert [d["code"] for d in entry["diagnostics"]] == ["registration_reused"]
        assert entry["diagnostics"][0]["severity"] == "error"


def test_a_regenerated_reg_warns_that_progress_is_lost(sim: SimHelper) -> None:
    first = page_launch(sim).body["registration"]["registration"]
    step(sim, "workplace-safety", first, "complete-lesson")
    second = page_launch(sim)
    assert second.status == 201
    (warning,) = second.body["warnings"]
    assert warning.startswith("registration regenerated: the learner loses progress")
    assert first in warning and "20%" in warning
    assert [d["code"] for d in second.body["diagnostics"]] == ["registration_regenerated"]
    assert second.body["registration"]["warnings"] == [warning]


# -- the launch log --------------------------------------------------------------------------


def faulty_launch_parts(p: dict[str, str]) -> dict[str, str]:
    """`#?` for `#/?`, `&amp;` separators, `+` for the space in fn, reg also before the `#`."""
    query = "&amp;".join(
        f"{k}={quote(v, safe='').replace('%20', '+') if k == 'fn' else quote(v, safe='')}"
        for k, v in p.items()
    )
    return {"hash_": "#?" + query, "search": "?lang=en&reg=" + p["reg"]}


URL_FAULTS = {"missing_hash_slash", "html_escaped_ampersand", "parameters_before_hash"}


def test_url_faults_fail_with_every_cause_in_the_answer_and_the_log(sim: SimHelper) -> None:
    p = params(fn="Zoë O'Brien")
    answer = page_launch(sim, **faulty_launch_parts(p), referrer="https://evil.test/")
    assert answer.status == 400, answer.body
    assert answer.body["error"] == "invalid_launch"
    codes = {d["code"] for d in answer.body["problems"]}
    assert codes >= URL_FAULTS
    assert all(d["severity"] == "error" for d in answer.body["problems"])
    fixed = answer.body["fixedUrl"]
    assert "/courses/workplace-safety/#/?reg=" + p["reg"] in fixed and "Zo%C3%AB%20O" in fixed
    assert sim.request("GET", f"/_sim/registrations/{p['reg']}").status == 404
    assert sim.registrations() == []  # no registration, so no transaction and no webhook
    (entry,) = sim.launches(registration=p["reg"])
    assert (entry["source"], entry["outcome"]) == ("page", "rejected")
    assert {d["code"] for d in entry["diagnostics"]} >= URL_FAULTS
    assert entry["hash"].startswith("#?reg=")
    assert entry["search"] == "?lang=en&reg=" + p["reg"]
    assert entry["referrer"] == "https://evil.test/"
    assert entry["fixedUrl"] == fixed


def test_lenient_launch_repairs_the_faults_with_warnings() -> None:
    """`--lenient-launch`: the pre-2026-11 behaviour, the faults repaired and reported."""
    with Simulator(lenient_launch=True) as server:
        client = SimulatorClient(server.url)
        p = params(fn="Zoë O'Brien")
        answer = page_launch(client, **faulty_launch_parts(p))
        assert answer.status == 201, answer.body
        assert answer.body["learner"]["firstName"] == "Zoë"
        warned = {d["code"] for d in answer.body["diagnostics"] if d["severity"] == "warning"}
        assert warned >= URL_FAULTS
        assert client.registration(p["reg"])["warnings"] == answer.body["warnings"]


def test_parameters_only_before_the_hash_fail_and_say_why(sim: SimHelper) -> None:
    p = params()
    search = "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in p.items())
    answer = page_launch(sim, hash_="#/", search=search)
    assert answer.status == 400
    assert answer.body["problems"][0]["code"] == "parameters_before_hash"
    assert "only after '#/?'" in answer.body["problems"][0]["message"]
    assert sim.open(answer.body["fixedUrl"]).created
    entry = sim.launches()[1]
    assert entry["outcome"] == "rejected"
    assert [d["code"] for d in entry["diagnostics"]] == ["parameters_before_hash"]


def test_double_encoded_fn_fails_with_a_fix(sim: SimHelper) -> None:
    answer = page_launch(sim, hash_=fragment(**params(fn="Ada%20Lovelace")))
    assert answer.status == 400
    assert [d["code"] for d in answer.body["problems"]] == ["double_encoded"]
    assert "fn=Ada%20Lovelace&" in answer.body["fixedUrl"]


def test_an_upper_case_reg_is_carried_in_lower_case_and_resumes(sim: SimHelper) -> None:
    reg = str(uuid.uuid4())
    first = page_launch(sim, reg=reg.upper())
    assert first.status == 201
    assert first.body["registration"]["registration"] == reg
    assert [d["code"] for d in first.body["diagnostics"]] == ["reg_upper_case"]
    step(sim, "workplace-safety", reg.upper(), "complete-lesson")
    again = page_launch(sim, reg=reg)
    assert (again.status, again.body["progress"]) == (200, 20)
    assert sim.registration(reg.upper())["registration"] == reg
    assert [r["registration"] for r in sim.registrations()] == [reg]


def test_a_value_over_100_characters_warns_and_records_carry_100(sim: SimHelper) -> None:
    email = "a" * 95 + "@example.com"
    reg = str(uuid.uuid4())
    answer = page_launch(sim, reg=reg, em=email)
    assert answer.status == 201
    assert [d["code"] for d in answer.body["diagnostics"]] == ["value_truncated"]
    assert sim.registration(reg)["email"] == email[:100]
    assert sim.launches(registration=reg)[0]["params"]["em"] == email  # the log keeps it whole


def test_open_launches_a_whole_url_and_check_changes_nothing(sim: SimHelper) -> None:
    reg = str(uuid.uuid4())
    url = sim.url + "/courses/workplace-safety/" + fragment(**params(reg=reg))
    checked = sim.request("POST", "/_sim/launches/check", {"url": url})
    assert checked.status == 200
    assert checked.body["ok"] and checked.body["courseId"] == "workplace-safety"
    assert checked.body["params"]["reg"] == reg and checked.body["problems"] == []
    assert sim.registrations() == [] and sim.launches() == []
    opened = sim.request("POST", "/_sim/launches/open", {"url": url})
    assert opened.status == 201 and opened.body["registration"] == reg
    made = sim.request("POST", "/_sim/registrations", {"courseId": "workplace-safety", **params()})
    assert set(opened.body) == set(made.body)
    again = sim.request("POST", "/_sim/launches/open", {"url": url, "referrer": url})
    assert again.status == 200
    assert [e["source"] for e in sim.launches(registration=reg)] == ["url", "url"]


def test_open_refuses_what_the_vendor_could_not_read(sim: SimHelper) -> None:
    p = params()
    url = sim.url + "/courses/workplace-safety/" + fragment(**p).replace("#/?", "#?")
    for action in ("check", "open"):
        answer = sim.request("POST", f"/_sim/launches/{action}", {"url": url})
        assert answer.status == 400 and answer.body["error"] == "invalid_launch"
        assert [d["code"] for d in answer.body["problems"]] == ["missing_hash_slash"]
        assert answer.body["fixedUrl"].startswith(sim.url + "/courses/workplace-safety/#/?")
        assert set(answer.body) >= {"message", "field", "diagnostics"}
    assert sim.registrations() == []
    assert (
        sim.request("POST", "/_sim/launches/open", {"url": answer.body["fixedUrl"]}).status == 201
    )


@pytest.mark.parametrize(
    "url", ["https://example.com/elsewhere/#/?reg=x", "not a url", "/courses/workplace-safety/"]
)
def test_a_url_not_on_a_course_path_is_a_400_naming_url(sim: SimHelper, url: str) -> None:
    answer = sim.request("POST", "/_sim/launches/open", {"url": url})
    assert answer.status == 400 and answer.body["field"] == "url"
    assert answer.body["problems"][0]["code"] == "not_a_launch_url"


@pytest.mark.parametrize("body", [b"{}", b'{"url": 5}', b'{"url": "x", "referrer": 1}', b"[]"])
def test_bad_open_bodies_get_a_clear_400(sim: SimHelper, body: bytes) -> None:
    answer = sim.request("POST", "/_sim/launches/check", raw=body)
    assert answer.status == 400 and answer.body["field"] in ("url", "referrer", None)


def test_control_api_launches_are_logged_too(sim: SimHelper) -> None:
    reg = str(uuid.uuid4())
    sim.start_course(reg=reg)
    sim.request("POST", "/_sim/registrations", {"courseId": "workplace-safety", "reg": "x"})
    entries = sim.launches()
    assert [(e["source"], e["outcome"]) for e in entries] == [
        ("api", "rejected"),
        ("api", "created"),
    ]
    assert entries[1]["registration"] == reg
    assert entries[1]["organizationId"] == "acme-learning"
    assert "hash" not in entries[1]


def test_the_log_filters_pages_and_resets(sim: SimHelper) -> None:
    reg = str(uuid.uuid4())
    page_launch(sim, reg=reg)
    page_launch(sim, reg=reg)
    page_launch(sim, "data-privacy", reg="bad")
    answer = sim.request("GET", "/_sim/launches", query={"limit": 1})
    assert answer.headers["X-Total-Count"] == "3" and len(answer.body) == 1
    assert [e["outcome"] for e in sim.launches(registration=reg)] == ["resumed", "created"]
    assert len(sim.launches(courseId="data-privacy", outcome="rejected")) == 1
    ids = [e["id"] for e in sim.launches()]
    assert ids == sorted(ids, reverse=True)
    bad = sim.request("GET", "/_sim/launches", query={"outcome": "won"})
    assert bad.status == 400 and bad.body["field"] == "outcome"
    assert sim.request("GET", "/_sim/launches", query={"limit": "x"}).status == 400
    sim.reset()
    assert sim.launches() == []


# -- pages and robustness --------------------------------------------------------------------


def test_the_player_page_and_its_assets_are_served_locally(sim: SimHelper) -> None:
    page = sim.request("GET", "/courses/workplace-safety/")
    assert page.status == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    for testid in ("launch-error", "course-title", "learner-name", "progress", "help"):
        assert f'data-testid="{testid}"' in page.body
    assert "http" not in page.body.split("<body>")[0]  # nothing from a CDN
    for asset in ("player.js", "player.css", "catalog.js"):
        assert sim.request("GET", f"/static/player/{asset}").status == 200


def test_a_course_url_without_the_slash_redirects_keeping_the_query(sim: SimHelper) -> None:
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(sim.url + "/courses/workplace-safety?x=1")
        raise AssertionError("expected a redirect")
    except urllib.error.HTTPError as answer:
        assert answer.code == 301
        assert answer.headers["Location"].endswith("/courses/workplace-safety/?x=1")


def test_the_catalog_page_embeds_data_that_cannot_break_out(sim: SimHelper) -> None:
    hostile = "</script><script>alert(1)</script>"
    sim.call(
        "POST",
        "/_sim/organizations",
        {
            "id": "hostile",
            "name": hostile,
            "domains": ["hostile.test"],
            "lmsIds": {"staging": "H-STG", "production": "H-PRD"},
        },
    )
    for path in ("/", "/courses"):
        page = sim.request("GET", path)
        assert page.status == 200
        assert 'data-testid="launch-builder"' in page.body
        assert hostile not in page.body
        assert "Workplace Safety Essentials" in page.body


def test_the_faq_has_course_questions_general_fallback_and_help_desk(sim: SimHelper) -> None:
    own = sim.call("GET", "/courses/workplace-safety/api/faq")
    general = sim.call("GET", "/courses/data-privacy/api/faq")
    assert own["questions"][0]["question"] == "Do I get a certificate?"
    assert general["questions"][0]["question"] == "How do I resume a course?"
    assert own["helpDesk"]["email"] == "helpdesk@77media.example"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"hash": 5}',
        b'{"search": ["x"]}',
        b'{"hash": "' + b"x" * 20000 + b'"}',
    ],
)
def test_bad_launch_bodies_get_a_clear_400(sim: SimHelper, body: bytes) -> None:
    answer = sim.request("POST", "/courses/workplace-safety/api/launch", raw=body)
    assert answer.status == 400
    assert set(answer.body) >= {"error", "message", "field"}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300), st.text(max_size=100), st.text(max_size=100))
def test_any_location_gets_an_answer_never_a_500(
    sim: SimHelper, hash_: str, search: str, referrer: str
) -> None:
    answer = page_launch(sim, hash_=hash_, search=search, referrer=referrer)
    assert answer.status in (201, 400)
    assert "error" in answer.body or "registration" in answer.body


def test_a_production_simulator_rejects_staging_lmsids_saying_so() -> None:
    with Simulator(environment="production") as server:
        client = SimulatorClient(server.url)
        staging = page_launch(client)
        assert staging.status == 400
        assert (
            "is the staging LMSID of Acme Learning, but this simulator plays production"
            in (staging.body["message"])
        )
        assert page_launch(client, lmsId="ACME-PRD-7701").status == 201


name_part = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="%"),
    min_size=1,
    max_size=20,
).filter(lambda s: s.split() == [s])


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name_part, name_part, name_part)
def test_unicode_names_and_emails_round_trip_from_url_to_registration(
    sim: SimHelper, first: str, last: str, local: str
) -> None:
    """What the LMS %-encodes arrives in the registration (and the progress record) unchanged."""
    sim.reset()  # each example is a first launch
    local = local.replace("@", "").replace(".", "") or "x"
    email = f"{local}@lms.example.com"
    reg = str(uuid.uuid4())
    answer = page_launch(sim, reg=reg, em=email, fn=f"{first} {last}")
    assert answer.status == 201, answer.body
    state = sim.registration(reg)
    assert (state["firstName"], state["lastName"], state["email"]) == (first, last, email)
    assert answer.body["diagnostics"] == []


def test_a_curriculum_counts_the_best_registration_of_each_course(sim: SimHelper) -> None:
    curriculum = page_launch(sim, "compliance-curriculum").body["registration"]["registration"]
    done = page_launch(sim, "data-privacy").body["registration"]["registration"]
    for _ in range(4):
        step(sim, "data-privacy", done, "complete-lesson")
    assert page_launch(sim, "data-privacy").status == 201  # a later, unfinished registration
    view = sim.call("GET", f"/courses/compliance-curriculum/api/registrations/{curriculum}")
    privacy = next(c for c in view["curriculum"] if c["id"] == "data-privacy")
    assert privacy["completed"] and privacy["progress"] == 100
    assert view["progress"] == 33
