"""Contract: the course launch, as the Courses API page (courses-api.txt) defines it.

Every launch here is a whole launch URL opened as the vendor's page reads it
(`POST /_sim/launches/open`), so what passes here is what a learner's browser would get.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from contract_target import Mode, Target

req = pytest.mark.requirement


def codes(answer: Any) -> list[str]:
    return [p["code"] for p in answer.body.get("problems", [])]


def reopened(target: Target, answer: Any) -> Any:
    """The corrected URL a failing launch offered, opened in its turn."""
    fixed = answer.body["fixedUrl"]
    assert fixed, answer.body
    return target.open(fixed)


@req("LAUNCH-001")
def test_parameters_before_the_hash_are_not_read(target: Target) -> None:
    """ "When appending query string data to the course URL, it must come after /#/"."""
    good = target.launch_url()
    base, query = good.split("#/?")
    answer = target.open(f"{base}?{query}#/")
    assert answer.status == 400
    assert "parameters_before_hash" in codes(answer)
    assert reopened(target, answer).status == 201


@req("LAUNCH-002")
@pytest.mark.parametrize("missing", ["reg", "em", "fn", "dom", "lmsId"])
def test_every_parameter_is_required(target: Target, missing: str) -> None:
    """The parameter table marks reg, em, fn, dom and lmsId "required"."""
    params = target.launch_params()
    url = target.launch_url(**params).replace(f"{missing}=", "x_gone=", 1)
    answer = target.open(url)
    assert answer.status == 400
    assert missing in [p["field"] for p in answer.body["problems"]]


@req("LAUNCH-003")
def test_each_parameter_is_at_most_255_characters(target: Target) -> None:
    """Parameter table: varchar(255)."""
    assert target.open(target.launch_url(fn="Ada " + "L" * 251)).status == 201
    answer = target.open(target.launch_url(fn="Ada " + "L" * 252))
    assert answer.status == 400
    assert answer.body["field"] == "fn"


@req("LAUNCH-004")
def test_reg_is_a_uuid(target: Target) -> None:
    """reg "Uniquely identifies a user's instance of an activity" (a UUID)."""
    answer = target.open(target.launch_url(reg="44590u89-111a-6859-b899-3940dhbkww91"))
    assert answer.status == 400
    assert answer.body["field"] == "reg"


@req("LAUNCH-005")
def test_the_same_reg_resumes_where_the_learner_left_off(target: Target) -> None:
    """Typical Use Case: "your system should reuse the same UUID ... User is able to resume
    the course from where they left off earlier." """
    url = target.launch_url("data-privacy")
    first = target.open(url)
    assert first.status == 201
    target.set_progress(first.body["registration"], 50)
    again = target.open(url)
    assert again.status == 200
    assert again.body["registration"] == first.body["registration"]
    assert again.body["progress"] == 50


@req("LAUNCH-006")
@req("LAUNCH-019")
def test_fn_is_first_name_space_last_name(target: Target) -> None:
    """Example: fn=firstName%20lastName; the first space splits (D-L8)."""
    answer = target.open(target.launch_url(fn="Mary Ann Smith"))
    assert answer.status == 201
    assert (answer.body["firstName"], answer.body["lastName"]) == ("Mary", "Ann Smith")
    single = target.open(target.launch_url(fn="Cher"))
    assert single.status == 400 and single.body["field"] == "fn"


@req("LAUNCH-007")
def test_dom_must_be_a_domain_of_the_organization(target: Target) -> None:
    """dom: "the domain that you are launching the activity from"."""
    answer = target.open(target.launch_url(dom="elsewhere.invalid"))
    assert answer.status == 400
    assert answer.body["field"] == "dom"


@req("LAUNCH-008")
@req("LAUNCH-018")
def test_the_environment_takes_its_own_lmsid(target: Target) -> None:
    """Checklists: "Make sure you are using the staging LMSID when you are testing"."""
    assert target.environment == "staging"
    assert target.open(target.launch_url()).status == 201
    production = target.org.lms_ids["production"]
    answer = target.open(target.launch_url(lmsId=production))
    assert answer.status == 400
    assert answer.body["field"] == "lmsId"
    assert "production" in answer.body["message"]


@req("LAUNCH-009")
def test_the_help_icon_gives_faqs_and_the_help_desk(target: Target) -> None:
    """End User Support: "Review the course FAQs by clicking on the help icon", then
    "contact the course help desk"."""
    faq = target.client.call("GET", "/courses/workplace-safety/api/faq")
    assert faq["questions"] and all(q["question"] and q["answer"] for q in faq["questions"])
    assert faq["helpDesk"]["email"]
    page = target.client.request("GET", "/courses/workplace-safety/")
    assert 'data-testid="help"' in page.body


@req("LAUNCH-010")
def test_the_course_list_gives_staging_and_production_urls(target: Target) -> None:
    """Overview: "You will be provided with a list of courses including their URLs"."""
    courses = target.client.call("GET", "/_sim/catalog")["courses"]
    assert courses
    for course in courses:
        for url in (course["stagingUrl"], course["productionUrl"]):
            assert url.startswith(("http://", "https://"))
    if target.mode is not Mode.READ_ONLY and target.client.url in courses[0]["stagingUrl"]:
        page = target.client.request("GET", courses[0]["stagingUrl"].split(target.client.url)[1])
        assert 'data-testid="help"' in page.body  # an LMS set up from the list lands here


@req("LAUNCH-011")
def test_a_plus_in_a_value_is_a_space(target: Target) -> None:
    """D-L1: decoded as URLSearchParams does, `em=ada+tag%40x` is "ada tag@x"."""
    email = f"ada+tag@{target.org.domain}"
    url = target.launch_url().replace("em=", "x_em=", 1) + f"&em={email.replace('@', '%40')}"
    answer = target.open(url)
    assert answer.status == 400
    assert "plus_in_value" in codes(answer)
    fixed = reopened(target, answer)
    assert fixed.status == 201
    assert fixed.body["email"] == email


@req("LAUNCH-012")
def test_a_malformed_escape_fails(target: Target) -> None:
    """D-L2: a stray `%` leaves the parameter unreadable."""
    url = target.launch_url().replace("fn=Ada%20Lovelace", "fn=Ada%2Lovelace")
    answer = target.open(url)
    assert answer.status == 400
    assert "bad_percent_encoding" in codes(answer)


@req("LAUNCH-013")
def test_a_failed_launch_leaves_nothing_behind(target: Target) -> None:
    """D-L3: no registration, no transaction: the progress API shows nothing."""
    reg = str(uuid.uuid4())
    good = target.launch_url(reg=reg)
    base, query = good.split("#/?")
    answer = target.open(f"{base}?{query}#/")
    assert answer.status == 400
    assert answer.body["error"] == "invalid_launch"
    assert target.client.request("GET", f"/_sim/registrations/{reg}").status == 404
    assert target.report().body == []


@req("LAUNCH-014")
@pytest.mark.parametrize(
    ("cause", "code"),
    [
        (lambda url: url.replace("#/?", "#?"), "missing_hash_slash"),
        (lambda url: url.replace("#/?", "#"), "missing_hash_slash"),
        (lambda url: url.replace("&", "&amp;"), "html_escaped_ampersand"),
        (lambda url: url.replace("%20", "%2520"), "double_encoded"),
        (lambda url: url.replace("lmsId=", "lmsid="), "misnamed_parameter"),
        (lambda url: url.replace("em=", "email=", 1), "misnamed_parameter"),
    ],
    ids=["hash-question", "hash-reg", "amp", "double-encoded", "lmsid-case", "email"],
)
def test_each_unreadable_form_fails_with_its_cause_and_a_fix(
    target: Target, cause: Any, code: str
) -> None:
    """D-L3: what the vendor's page could not read fails, named, with a corrected URL."""
    answer = target.open(cause(target.launch_url()))
    assert answer.status == 400
    assert code in codes(answer)
    assert reopened(target, answer).status == 201


@req("LAUNCH-015")
def test_reg_is_case_insensitive_and_carried_in_lower_case(target: Target) -> None:
    """D-L4: the same UUID in upper case is the same registration."""
    reg = str(uuid.uuid4())
    params = target.launch_params(reg=reg.upper())
    check = target.client.request(
        "POST", "/_sim/launches/check", {"url": target.launch_url(**params)}
    )
    assert check.status == 200
    assert any(
        d["severity"] == "warning" and d["field"] == "reg" for d in check.body["diagnostics"]
    )
    first = target.open(target.launch_url(**params))
    assert first.status == 201
    assert first.body["registration"] == reg
    params["reg"] = reg
    assert target.open(target.launch_url(**params)).status == 200


@req("LAUNCH-016")
def test_values_over_100_characters_are_a_warning(target: Target) -> None:
    """D-L5: the vendor's records hold 100 characters; the wire carries the first 100."""
    last = "L" * 120
    answer = target.open(target.launch_url(fn=f"Ada {last}"))
    assert answer.status == 201
    assert answer.body["warnings"]
    (record,) = target.report().body
    assert record["lastName"] == last[:100]


@req("LAUNCH-017")
def test_a_reg_belongs_to_one_learner_and_course(target: Target) -> None:
    """D-L6: reg is "unique to the user and the activity"."""
    reg = str(uuid.uuid4())
    assert target.open(target.launch_url(reg=reg)).status == 201
    other_learner = target.open(target.launch_url(reg=reg, em=f"jane@{target.org.domain}"))
    other_course = target.open(target.launch_url("data-privacy", reg=reg))
    assert other_learner.status == other_course.status == 400


@req("LAUNCH-020")
@pytest.mark.parametrize("opening", ["#//?", "#!/?"])
def test_only_hash_slash_question_opens_the_query(target: Target, opening: str) -> None:
    """D-L9: the vendor's router serves `/`; its query follows `#/?`."""
    answer = target.open(target.launch_url().replace("#/?", opening))
    assert answer.status == 400
    assert "missing_hash_slash" in codes(answer)


@req("LAUNCH-021")
def test_a_repeated_parameter_fails(target: Target) -> None:
    """D-L10: routers disagree on repeated names; the LMS must send each once."""
    url = target.launch_url()
    answer = target.open(url + "&fn=Grace%20Hopper")
    assert answer.status == 400
    assert "fn" in [p["field"] for p in answer.body["problems"]]
    assert reopened(target, answer).body["firstName"] == "Ada"


@req("LAUNCH-022")
def test_unknown_extra_names_are_ignored(target: Target) -> None:
    """D-L11: the page reads its five names and nothing else."""
    assert target.open(target.launch_url() + "&utm_source=lms&theme=dark").status == 201


@req("LAUNCH-023")
def test_lengths_count_utf16_units(target: Target) -> None:
    """D-L12: an emoji is two units of JavaScript's `.length`."""
    assert target.open(target.launch_url(fn="Ada " + "\U0001f600" * 125)).status == 201
    answer = target.open(target.launch_url(fn="Ada " + "\U0001f600" * 126))
    assert answer.status == 400
    assert answer.body["field"] == "fn"


@req("LAUNCH-024")
@pytest.mark.parametrize(
    ("field", "value"),
    [("fn", " Ada Lovelace"), ("em", "ada@example.com "), ("reg", "{REG}")],
    ids=["leading-space", "trailing-space", "braced-reg"],
)
def test_values_are_not_trimmed(target: Target, field: str, value: str) -> None:
    """D-L13: what the LMS sends is what the vendor stores; nothing is repaired."""
    if value == "{REG}":
        value = "{" + str(uuid.uuid4()) + "}"
    answer = target.open(target.launch_url(**{field: value}))
    assert answer.status == 400
    assert field in [p["field"] for p in answer.body["problems"]]


@req("LAUNCH-025")
def test_the_corrected_url_has_the_vendors_form(target: Target) -> None:
    """D-L14: `/courses/{id}/#/?reg=…&em=…&fn=First%20Last&dom=…&lmsId=…`."""
    good = target.launch_url("data-privacy")
    answer = target.open(good.replace("#/?", "#?"))
    fixed = answer.body["fixedUrl"]
    assert fixed.startswith(good.split("#")[0] + "#/?reg=")
    assert "fn=Ada%20Lovelace" in fixed
    names = [part.split("=")[0] for part in fixed.split("#/?")[1].split("&")]
    assert names == ["reg", "em", "fn", "dom", "lmsId"]


@req("LAUNCH-026")
def test_a_foreign_referrer_is_only_a_warning(target: Target) -> None:
    """D-L15: the page launches; the warning says the referrer is not `dom`."""
    answer = target.open(target.launch_url(), referrer="https://elsewhere.invalid/course-list")
    assert answer.status == 201
    assert answer.body["warnings"]


@req("LAUNCH-027")
def test_a_whole_url_is_read_as_the_browser_reads_it(target: Target) -> None:
    """D-L16: surrounding spaces trimmed; `/courses/x#/?…` works as `/courses/x/#/?…`."""
    assert target.open("  " + target.launch_url() + "\n").status == 201
    assert target.open(target.launch_url().replace("/#/?", "#/?")).status == 201
