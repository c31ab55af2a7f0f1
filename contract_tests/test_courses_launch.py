"""Courses API (vendor doc `courses-api.txt`): the course launch query string and its rules.

Each test drives the player page's own launch call (what the page posts from the
browser's location), so it checks what a learner's browser would get.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

STAGING_LMSID = "ACME-STG-7701"
PRODUCTION_LMSID = "ACME-PRD-7701"


def query(**overrides: str) -> str:
    params = {
        "reg": str(uuid.uuid4()),
        "em": "john.doe@example.com",
        "fn": "John Doe",
        "dom": "lms.example.com",
        "lmsId": STAGING_LMSID,
        **overrides,
    }
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())


def launch(sim: Any, hash_: str, search: str = "", course: str = "workplace-safety") -> Any:
    body = {"hash": hash_, "search": search, "referrer": ""}
    return sim.request("POST", f"/courses/{course}/api/launch", body)


def test_query_string_after_hash_slash_launches(sim: Any) -> None:
    """Course Launch Query String: "it must come after /#/" (…/#/?reg=…&em=…&fn=…&dom=…&lmsId=…)."""
    answer = launch(sim, "#/?" + query())
    assert answer.status == 201
    assert answer.body["learner"]["firstName"] == "John"
    assert answer.body["progress"] == 0


def test_query_string_before_the_hash_fails(sim: Any) -> None:
    """Course Launch Query String: "it must come after /#/". The vendor's page reads
    nothing before the `#`, so the launch fails, saying why and how to fix it."""
    answer = launch(sim, "#/", "?" + query())
    assert answer.status == 400
    assert "parameters_before_hash" in [p["code"] for p in answer.body["problems"]]
    assert "/#/?" in answer.body["fixedUrl"]


def test_same_registration_resumes_where_the_user_left_off(sim: Any) -> None:
    """Typical Use Case: reuse the same UUID and "the user is able to resume the course"."""
    reg = str(uuid.uuid4())
    first = launch(sim, "#/?" + query(reg=reg))
    sim.request("POST", f"/courses/workplace-safety/api/registrations/{reg}/complete-lesson")
    again = launch(sim, "#/?" + query(reg=reg))
    assert (first.status, again.status) == (201, 200)
    assert again.body["progress"] == 20


def test_registration_is_unique_to_the_user_and_the_activity(sim: Any) -> None:
    """reg: "unique to the user and the activity"; another user or activity is rejected."""
    reg = str(uuid.uuid4())
    assert launch(sim, "#/?" + query(reg=reg)).status == 201
    other_user = launch(sim, "#/?" + query(reg=reg, em="jane.roe@example.com"))
    other_activity = launch(sim, "#/?" + query(reg=reg), course="data-privacy")
    assert other_user.status == other_activity.status == 400


def test_each_parameter_is_at_most_255_characters(sim: Any) -> None:
    """Parameter table: varchar(255)."""
    answer = launch(sim, "#/?" + query(fn="John " + "D" * 251))
    assert answer.status == 400
    assert answer.body["problems"][0]["field"] == "fn"


def test_fn_is_first_name_space_last_name(sim: Any) -> None:
    """Example URL: fn=firstName%20lastName."""
    answer = launch(sim, "#/?" + query(fn="Mary Ann Smith"))
    assert (answer.body["learner"]["firstName"], answer.body["learner"]["lastName"]) == (
        "Mary",
        "Ann Smith",
    )


def test_staging_uses_the_staging_lmsid(sim: Any) -> None:
    """Important Checklists, Testing: "Make sure you are using the staging LMSID"."""
    answer = launch(sim, "#/?" + query(lmsId=PRODUCTION_LMSID))
    assert answer.status == 400
    assert "production LMSID" in answer.body["message"]
    assert STAGING_LMSID in answer.body["message"]


def test_help_icon_gives_faqs_and_the_course_help_desk(sim: Any) -> None:
    """End User Support: "Review the course FAQs by clicking on the help icon" then "contact
    the course help desk"."""
    faq = sim.call("GET", "/courses/workplace-safety/api/faq")
    assert faq["questions"] and all(q["question"] and q["answer"] for q in faq["questions"])
    assert faq["helpDesk"]["email"]
    page = sim.request("GET", "/courses/workplace-safety/")
    assert 'data-testid="help"' in page.body
