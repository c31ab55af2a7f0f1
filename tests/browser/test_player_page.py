"""The course player in headless Chromium: what a learner (and an integrator's e2e test) sees."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from simulator.pytest_plugin import SimHelper

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the `browser` fixture reports the missing package
    Page = Any  # type: ignore[misc,assignment]
    expect = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs"


def by(page: Page, testid: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id(testid)


def progress_api_record(sim: SimHelper, reg: str) -> dict[str, Any] | None:
    """The registration's record from the Activity Progress API, or None when not served."""
    answer = sim.request(
        "POST", "/api/reports/progress", {"token": sim.token, "search": reg, "number": 10}
    )
    if answer.status == 404:
        return None
    assert answer.status == 200, answer.body
    (record,) = [r for r in answer.body if r["registration"] == reg]
    return record


def complete_lessons(page: Page, count: int, start: int = 0, total: int = 0) -> None:
    for done in range(start + 1, start + count + 1):
        by(page, "complete-lesson").click()
        if total:
            expected = 100 if done == total else (100 * done) // total
            expect(by(page, "progress")).to_have_text(str(expected))


def test_a_valid_launch_shows_title_learner_and_zero(page: Page, sim: SimHelper) -> None:
    page.goto(sim.launch_url("workplace-safety", fn="Zoë Ångström-Núñez"))
    expect(by(page, "course-title")).to_have_text("Workplace Safety Essentials")
    expect(by(page, "learner-name")).to_have_text("Zoë Ångström-Núñez")
    expect(by(page, "progress")).to_have_text("0")
    expect(by(page, "launch-error")).to_be_hidden()
    expect(by(page, "lesson")).to_have_count(5)
    expect(by(page, "lesson").first).to_have_attribute("data-state", "current")
    expect(by(page, "completion-code")).to_be_hidden()
    expect(by(page, "launch-warnings")).to_be_hidden()


def test_completing_lessons_moves_progress_and_the_apis_agree(page: Page, sim: SimHelper) -> None:
    reg = str(uuid.uuid4())
    page.goto(sim.launch_url("workplace-safety", reg=reg))
    expect(by(page, "progress")).to_have_text("0")
    complete_lessons(page, 2, total=5)
    assert sim.registration(reg)["progress"] == 40
    record = progress_api_record(sim, reg)
    assert record is None or record["progress"] == 40
    complete_lessons(page, 3, start=2, total=5)
    state = sim.registration(reg)
    expect(by(page, "completion-code")).to_have_text(state["completionCode"])
    expect(by(page, "complete-lesson")).to_be_hidden()
    assert state["progress"] == 100 and state["dateCompleted"]
    record = progress_api_record(sim, reg)
    assert record is None or record["completionCode"] == state["completionCode"]


def test_relaunching_the_same_reg_resumes_where_the_learner_left_off(
    page: Page, sim: SimHelper
) -> None:
    url = sim.launch_url("data-privacy", reg=str(uuid.uuid4()))
    page.goto(url)
    complete_lessons(page, 3, total=4)
    page.goto(sim.url + "/")
    page.goto(url)
    expect(by(page, "progress")).to_have_text("75")
    expect(by(page, "lesson").nth(3)).to_have_attribute("data-state", "current")
    complete_lessons(page, 1, start=3, total=4)
    expect(by(page, "completion-code")).to_be_visible()
    outcomes = [e["outcome"] for e in sim.launches(courseId="data-privacy")]
    assert outcomes == ["resumed", "created"]


INVALID = {
    "no parameters": (lambda sim: f"{sim.url}/courses/workplace-safety/", "reg is required"),
    "reg not a UUID": (lambda sim: sim.launch_url(reg="registration"), "is not a UUID"),
    "production LMSID": (
        lambda sim: sim.launch_url(lms_id="ACME-PRD-7701"),
        "is the production LMSID of Acme Learning, but this simulator plays staging",
    ),
    "unknown LMSID": (lambda sim: sim.launch_url(lms_id="WHO-1"), "not known to any"),
    "unknown course": (lambda sim: sim.launch_url("no-such-course"), "is not in the catalog"),
    "fn one word": (lambda sim: sim.launch_url(fn="Ada"), '"First Last"'),
    "e-mail": (lambda sim: sim.launch_url(em="ada.example.com"), "not an e-mail address"),
    "foreign dom": (lambda sim: sim.launch_url(dom="evil.test"), "not a domain of Acme"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_each_invalid_launch_shows_the_error_panel(page: Page, sim: SimHelper, case: str) -> None:
    url_of, text = INVALID[case]
    page.goto(url_of(sim))
    panel = by(page, "launch-error")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(text)
    expect(by(page, "expected-url")).to_contain_text("/#/?reg=<UUID>&em=<email>&fn=First%20Last")
    expect(by(page, "player")).to_be_hidden()


def test_a_reg_reused_for_another_learner_shows_the_error_panel(page: Page, sim: SimHelper) -> None:
    reg = str(uuid.uuid4())
    sim.start_course("workplace-safety", reg=reg, email="grace.hopper@example.com")
    page.goto(sim.launch_url("workplace-safety", reg=reg))
    expect(by(page, "launch-error")).to_contain_text("already belongs to another learner")


def test_a_hostile_fn_is_shown_as_text_and_never_runs(page: Page, sim: SimHelper) -> None:
    hostile = '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>'
    page.goto(sim.launch_url(fn=hostile))
    expect(by(page, "learner-name")).to_have_text(hostile)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img").count() == 0
    assert page.locator("body script").count() == 0
    page.goto(sim.launch_url(em='<img src=x onerror="window.__pwned=3">@x'))
    expect(by(page, "launch-error")).to_contain_text("<img src=x")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img").count() == 0


def test_the_help_icon_opens_the_faq_and_the_help_desk(page: Page, sim: SimHelper) -> None:
    page.goto(sim.launch_url("workplace-safety"))
    expect(by(page, "course-title")).to_be_visible()
    by(page, "help").click()
    dialog = by(page, "help-dialog")
    expect(dialog).to_be_visible()
    expect(by(page, "faq")).to_contain_text("Do I get a certificate?")
    expect(by(page, "help-desk")).to_contain_text("helpdesk@77media.example")
    by(page, "help-close").click()
    expect(dialog).to_be_hidden()


def test_help_is_there_on_an_invalid_launch_too(page: Page, sim: SimHelper) -> None:
    page.goto(f"{sim.url}/courses/data-privacy/")
    expect(by(page, "launch-error")).to_be_visible()
    by(page, "help").click()
    expect(by(page, "faq")).to_contain_text("How do I resume a course?")


def test_an_event_is_registered_then_attended(page: Page, sim: SimHelper) -> None:
    reg = str(uuid.uuid4())
    page.goto(sim.launch_url("safety-webinar-live", reg=reg))
    expect(by(page, "course-title")).to_have_text("Live Webinar: Safety Culture Q&A")
    expect(by(page, "event-details")).to_contain_text("2026-12-10T15:00:00")
    expect(by(page, "attend-event")).to_be_hidden()
    by(page, "register-event").click()
    expect(by(page, "progress")).to_have_text("50")
    expect(by(page, "event-status")).to_contain_text("registered")
    assert sim.registration(reg)["progress"] == 50
    by(page, "attend-event").click()
    expect(by(page, "progress")).to_have_text("100")
    expect(by(page, "completion-code")).to_have_text(sim.registration(reg)["completionCode"])


def test_a_curriculum_is_earned_when_its_courses_are_complete(page: Page, sim: SimHelper) -> None:
    curriculum = sim.launch_url("compliance-curriculum", reg=str(uuid.uuid4()))
    page.goto(curriculum)
    items = by(page, "curriculum-course")
    expect(items).to_have_count(3)
    expect(by(page, "progress")).to_have_text("0")
    for course, lessons, progress in (
        ("data-privacy", 4, "33"),
        ("cyber-hygiene", 6, "66"),
        ("anti-harassment", 4, "100"),
    ):
        page.goto(sim.launch_url(course, reg=str(uuid.uuid4())))
        complete_lessons(page, lessons, total=lessons)
        page.goto(sim.url + "/")
        page.goto(curriculum)
        expect(by(page, "progress")).to_have_text(progress)
        expect(page.locator(f'[data-course-id="{course}"]')).to_have_attribute(
            "data-state", "completed"
        )
    expect(by(page, "completion-code")).to_be_visible()


def test_the_catalog_builds_a_launch_url_that_works(page: Page, sim: SimHelper) -> None:
    page.goto(sim.url + "/")
    reg = by(page, "builder-reg").input_value()
    assert uuid.UUID(reg)
    by(page, "builder-course").select_option("inclusive-leadership")
    assert by(page, "builder-reg").input_value() != reg  # a new activity gets a new reg
    expect(by(page, "launch-url")).to_contain_text("/courses/inclusive-leadership/#/?reg=")
    by(page, "open-launch").click()
    expect(by(page, "course-title")).to_have_text("Inclusive Leadership")
    expect(by(page, "progress")).to_have_text("0")
    expect(by(page, "launch-warnings")).to_be_hidden()


def test_launch_warnings_are_shown_not_folded_away(page: Page, sim: SimHelper) -> None:
    """Warnings do not stop a launch, but they are in plain view (issue 11)."""
    reg = str(uuid.uuid4())
    url = sim.launch_url("workplace-safety", reg=reg.upper(), fn="Ada Lovelace")
    page.goto(url.replace("fn=Ada%20Lovelace", "fn=Ada+Lovelace"))
    expect(by(page, "learner-name")).to_have_text("Ada Lovelace")
    warnings = by(page, "launch-warnings")
    expect(warnings).to_be_visible()
    expect(by(page, "warning-count")).to_have_text("2")
    expect(warnings.locator("li").first).to_be_visible()
    expect(warnings).to_contain_text("plus_in_fn")
    expect(warnings).to_contain_text("reg_upper_case")
    assert sim.registration(reg)["registration"] == reg  # carried in lower case


def _broken(sim: SimHelper, cause: str, reg: str) -> str:
    """A launch URL with one of the mistakes LMSs make, which the vendor's page cannot read."""
    if cause == "plus_in_value":
        good = sim.launch_url("workplace-safety", reg=reg, em="ada+lms@example.com")
        return good.replace("ada%2Blms", "ada+lms")
    good = sim.launch_url("workplace-safety", reg=reg, fn="Ada Lovelace")
    if cause == "parameters_before_hash":
        base, query = good.split("#/?")
        return f"{base}?{query}#/"
    return {
        "missing_hash_slash": lambda: good.replace("#/?", "#?"),
        "html_escaped_ampersand": lambda: good.replace("&em=", "&amp;em="),
        "double_encoded": lambda: good.replace("fn=Ada%20Lovelace", "fn=Ada%2520Lovelace"),
        "bad_percent_encoding": lambda: good.replace("fn=Ada%20Lovelace", "fn=Ada%20Love%lace"),
        "misnamed_parameter": lambda: good.replace("&lmsId=", "&lmsid="),
    }[cause]()


CAUSES = [
    "parameters_before_hash",
    "missing_hash_slash",
    "html_escaped_ampersand",
    "plus_in_value",
    "double_encoded",
    "bad_percent_encoding",
    "misnamed_parameter",
]


@pytest.mark.parametrize("cause", CAUSES)
def test_each_unreadable_url_fails_with_its_cause_and_a_fix_that_launches(
    page: Page, sim: SimHelper, cause: str
) -> None:
    """DESIGN: a launch the vendor could not read fails, names its cause, offers the fix."""
    reg = str(uuid.uuid4())
    page.goto(_broken(sim, cause, reg))
    panel = by(page, "launch-error")
    expect(panel).to_be_visible()
    expect(by(page, "launch-problems").locator(f'li[data-code="{cause}"]')).to_be_visible()
    expect(by(page, "player")).to_be_hidden()
    assert sim.request("GET", f"/_sim/registrations/{reg}").status == 404
    fix = by(page, "launch-fix")
    expect(fix).to_be_visible()
    fixed = fix.get_attribute("href")
    assert fixed and fixed.startswith(sim.url + "/courses/workplace-safety/#/?reg=" + reg)
    fix.click()
    expect(by(page, "course-title")).to_have_text("Workplace Safety Essentials")
    expect(by(page, "progress")).to_have_text("0")
    expect(by(page, "launch-error")).to_be_hidden()
    assert sim.registration(reg)["courseId"] == "workplace-safety"
    assert [e["outcome"] for e in sim.launches(registration=reg)] == ["created", "rejected"]


def test_screenshots_of_the_player_and_an_error_panel(
    page: Page, sim: SimHelper, tmp_path: Path
) -> None:
    """Writes docs/player.png and docs/launch-error.png when MEDIA77_SCREENSHOTS=1."""
    page.goto(sim.launch_url("workplace-safety", fn="Ada Lovelace"))
    complete_lessons(page, 2, total=5)
    player = tmp_path / "player.png"
    page.screenshot(path=str(player))
    bad = sim.launch_url("workplace-safety", fn="Ada Lovelace", lms_id="ACME-PRD-7701")
    page.goto(bad.replace("&dom=", "&amp;dom="))
    expect(by(page, "launch-error")).to_contain_text("html_escaped_ampersand")
    expect(by(page, "launch-fix")).to_contain_text("lmsId=ACME-STG-7701")
    error = tmp_path / "launch-error.png"
    page.screenshot(path=str(error))
    for shot in (player, error):
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if os.environ.get("MEDIA77_SCREENSHOTS") == "1":
            shutil.copyfile(shot, DOCS / shot.name)


def test_a_course_url_without_the_trailing_slash_still_launches(page: Page, sim: SimHelper) -> None:
    """`/courses/x#/?...` redirects to `/courses/x/` and the browser keeps the fragment."""
    reg = str(uuid.uuid4())
    page.goto(f"{sim.url}/courses/workplace-safety#/?" + sim.launch_url(reg=reg).split("#/?")[1])
    expect(by(page, "course-title")).to_have_text("Workplace Safety Essentials")
    assert sim.registration(reg)["courseId"] == "workplace-safety"


@pytest.mark.parametrize("course", ["%E0%A4%A", "%3Cscript%3Ealert(1)%3C%2Fscript%3E"])
def test_a_strange_course_path_shows_the_error_panel(
    page: Page, sim: SimHelper, course: str
) -> None:
    page.goto(f"{sim.url}/courses/{course}/#/?reg=x")
    expect(by(page, "launch-error")).to_contain_text("is not in the catalog")


def test_the_dashboard_renders_without_errors(page: Page, sim: SimHelper) -> None:
    """A launch from the page shows in the dashboard's registrations and launch log."""
    reg = str(uuid.uuid4())
    page.goto(sim.launch_url("workplace-safety", reg=reg))
    expect(by(page, "progress")).to_have_text("0")
    page.goto(sim.url + "/_sim/dashboard")
    expect(by(page, "table-registrations").locator(f'td[title="{reg}"]')).to_have_count(1)
    expect(by(page, "table-launches")).to_contain_text("created")
    expect(by(page, "table-deliveries")).to_be_visible()
