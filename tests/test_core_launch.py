import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.launch import (
    MAX_LENGTH,
    registration_conflicts,
    split_name,
    validate_launch,
)
from simulator.core.organizations import domain_allowed, is_host_name
from tests.strategies import ORGS, emails, host_names, name_parts, uuids

COURSES = {"c1", "c2"}


def valid(**overrides: object) -> dict[str, object]:
    params: dict[str, object] = {
        "reg": str(uuid.uuid4()),
        "em": "ada@example.com",
        "fn": "Ada Lovelace",
        "dom": "localhost",
        "lmsId": "ACME-STG",
    }
    params.update(overrides)
    return params


def check(params: dict[str, object], course: str = "c1", environment: str = "staging"):
    return validate_launch(
        course, params, environment=environment, organizations=ORGS, course_ids=COURSES
    )


@given(uuids, emails, name_parts, name_parts)
def test_any_well_formed_launch_passes(reg: str, email: str, first: str, last: str) -> None:
    result = check(valid(reg=reg, em=email, fn=f"{first} {last}"))
    assert result.ok, result.problems
    assert (result.launch.first_name, result.launch.last_name) == (first, last)
    assert result.launch.organization.id == "acme"


@given(st.sampled_from(["reg", "em", "fn", "dom", "lmsId"]), st.sampled_from([None, "", "   "]))
def test_each_parameter_is_required(name: str, value: object) -> None:
    params = valid()
    if value is None:
        del params[name]
    else:
        params[name] = value
    result = check(params)
    assert not result.ok
    assert [p.field for p in result.problems] == [name]


@given(st.sampled_from(["em", "fn", "dom"]), st.integers(min_value=MAX_LENGTH + 1, max_value=600))
def test_values_over_255_characters_are_rejected(name: str, length: int) -> None:
    result = check(valid(**{name: "a" * length}))
    assert any(p.field == name and "255" in p.message for p in result.problems)


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ({"reg": "44590u89-111a-6859-b899-3940dhbkww91"}, "reg", "UUID"),
        ({"em": "not-an-email"}, "em", "e-mail"),
        ({"fn": "Madonna"}, "fn", "First Last"),
        ({"dom": "bad_host!"}, "dom", "host name"),
        ({"dom": "evil.test"}, "dom", "not a domain of Acme"),
        ({"lmsId": "NOPE"}, "lmsId", "not known"),
        (
            {"lmsId": "ACME-PRD"},
            "lmsId",
            "production LMSID of Acme, but this simulator plays staging",
        ),
    ],
)
def test_each_rule_names_its_field(override: dict, field: str, words: str) -> None:
    result = check(valid(**override))
    assert not result.ok
    assert [p.field for p in result.problems] == [field]
    assert words in result.problems[0].message


def test_production_simulator_rejects_staging_lmsid() -> None:
    result = check(valid(lmsId="ACME-STG"), environment="production")
    assert (
        "staging LMSID" in result.problems[0].message
        and "plays production" in result.problems[0].message
    )


def test_unknown_course_is_reported_with_the_rest() -> None:
    result = check(valid(em="x"), course="nope")
    assert {p.field for p in result.problems} == {"courseId", "em"}


def test_the_organization_is_found_from_lmsid_and_dom() -> None:
    result = check(valid(lmsId="GLX-STG", dom="lms.globex.test"))
    assert result.launch.organization.id == "globex"


@given(name_parts, name_parts, name_parts)
def test_first_space_splits_the_name(first: str, second: str, third: str) -> None:
    assert split_name(f"{first} {second} {third}") == (first, f"{second} {third}")


@given(host_names)
def test_wildcards_admit_subdomains_only(host: str) -> None:
    assert is_host_name(host)
    assert domain_allowed(f"{host}.example.com", ["*.example.com"])
    assert not domain_allowed("example.com", ["*.example.com"])
    assert not domain_allowed(f"{host}.example.com.evil", ["*.example.com"])


def test_reusing_a_reg_for_another_learner_or_course_is_an_error() -> None:
    from tests.test_core_progress import BASE

    launch = check(valid(reg=BASE.registration, em="other@example.com")).launch
    errors, _ = registration_conflicts(launch, BASE, [])
    assert errors and "another learner" in errors[0].message
    same_learner = check(valid(reg=BASE.registration, em=BASE.email), course="c2").launch
    errors, _ = registration_conflicts(same_learner, BASE, [])
    assert errors and "already belongs to course" in errors[0].message


def test_a_new_reg_for_an_unfinished_course_warns_of_lost_progress() -> None:
    from tests.test_core_progress import BASE

    launch = check(valid(em=BASE.email)).launch
    errors, warnings = registration_conflicts(launch, None, [BASE])
    assert not errors
    assert warnings and warnings[0].startswith(
        "registration regenerated: the learner loses progress"
    )
