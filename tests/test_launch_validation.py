"""Launch validation (`simulator.core.launch`), fed through the fragment reader: properties."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from simulator.core.fragment import parse_location
from simulator.core.launch import MAX_LENGTH, PARAMETERS, validate_launch
from simulator.core.organizations import parse_organization

ACME = parse_organization(
    {
        "id": "acme-learning",
        "name": "Acme Learning",
        "token": "f7e1379c-35ad-45f9-b0fa-6ef011e73938",
        "domains": ["localhost", "*.example.com"],
        "lmsIds": {"staging": "ACME-STG-7701", "production": "ACME-PRD-7701"},
    }
)
GLOBEX = parse_organization(
    {
        "id": "globex-academy",
        "name": "Globex Academy",
        "domains": ["lms.globex.example"],
        "lmsIds": {"staging": "GLOBEX-STG-4410", "production": "GLOBEX-PRD-4410"},
    }
)
ORGS = (ACME, GLOBEX)
COURSES = {"workplace-safety"}

# Name parts: any printable Unicode without whitespace or percent escapes.
name_part = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="%"),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() == s and s.split() == [s])
local_part = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="@%."),
    min_size=1,
    max_size=30,
).filter(lambda s: s.split() == [s])
label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)


def url_of(params: dict[str, str]) -> str:
    return "#/?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())


def validate(params, environment="staging"):
    return validate_launch(
        "workplace-safety",
        params,
        environment=environment,
        organizations=ORGS,
        course_ids=COURSES,
    )


@given(name_part, st.lists(name_part, min_size=1, max_size=3), local_part, label, st.uuids())
def test_any_name_and_email_survive_the_url_and_validate(
    first: str, last: list[str], local: str, sub: str, reg: uuid.UUID
) -> None:
    """Unicode names and e-mails, %-encoded by the LMS, arrive exactly as sent."""
    params = {
        "reg": str(reg),
        "em": f"{local}@{sub}.example.com",
        "fn": f"{first} {' '.join(last)}",
        "dom": f"{sub}.example.com",
        "lmsId": "ACME-STG-7701",
    }
    result = validate(parse_location(url_of(params)).params)
    assert result.ok, result.problems
    launch = result.launch
    assert launch is not None
    assert (launch.first_name, launch.last_name) == (first, " ".join(last))
    assert launch.email == params["em"]
    assert launch.reg == str(reg)
    assert launch.organization.id == "acme-learning"


VALID = {
    "reg": "0d6f3f3c-3f7b-4a43-9a53-2a1f8a4b5c6d",
    "em": "ada@example.com",
    "fn": "Ada Lovelace",
    "dom": "localhost",
    "lmsId": "ACME-STG-7701",
}


@given(st.sets(st.sampled_from(PARAMETERS), min_size=1))
def test_every_missing_parameter_is_named_at_once(missing: set[str]) -> None:
    result = validate({k: v for k, v in VALID.items() if k not in missing})
    assert not result.ok
    assert {p.field for p in result.problems if "required" in p.message} == missing


@given(st.sampled_from(PARAMETERS), st.integers(MAX_LENGTH + 1, MAX_LENGTH + 300))
def test_values_over_255_characters_are_rejected(name: str, length: int) -> None:
    """Vendor doc: each parameter is varchar(255)."""
    result = validate({**VALID, name: "x" * length})
    assert [p.field for p in result.problems] == [name]
    assert f"at most {MAX_LENGTH}" in result.problems[0].message


@given(
    st.one_of(
        st.text(max_size=60),
        st.uuids().map(str),
        st.uuids().map(lambda u: str(u).upper()),
        st.uuids().map(lambda u: u.hex),
        st.uuids().map(lambda u: f"{{{u}}}"),
    )
)
def test_reg_must_be_a_uuid(reg: str) -> None:
    """Vendor doc: reg uniquely identifies a user's activity instance (a UUID)."""
    result = validate({**VALID, "reg": reg})
    try:
        is_uuid = str(uuid.UUID(reg.strip())) == reg.strip().lower()
    except ValueError:
        is_uuid = False
    assert result.ok == is_uuid


@given(st.sampled_from(["staging", "production"]), st.sampled_from(ORGS))
def test_the_other_environments_lmsid_is_rejected_saying_so(environment: str, org) -> None:
    """Vendor doc: use the staging LMSID for testing and the production one in production."""
    other = "production" if environment == "staging" else "staging"
    dom = org.domains[0]
    result = validate({**VALID, "dom": dom, "lmsId": org.lms_ids[other]}, environment)
    (problem,) = result.problems
    assert problem.field == "lmsId"
    assert f"the {other} LMSID of {org.name}" in problem.message
    assert f"plays {environment}" in problem.message
    assert org.lms_ids[environment] in problem.message
    assert validate({**VALID, "dom": dom, "lmsId": org.lms_ids[environment]}, environment).ok


@given(st.sampled_from(["Ada", "  Ada  ", "Ada%20Lovelace", "", "Ada+Lovelace"]))
def test_fn_must_be_first_space_last(fn: str) -> None:
    """Vendor doc: fn=firstName%20lastName."""
    assert not validate({**VALID, "fn": fn}).ok


@given(st.sampled_from(["not a host", "-bad.example.com", "a..b", "exa_mple.com", "x" * 64]))
def test_dom_must_be_a_host_name(dom: str) -> None:
    result = validate({**VALID, "dom": dom})
    assert [p.field for p in result.problems] == ["dom"]


def test_the_organization_is_found_from_lmsid_and_must_own_dom() -> None:
    globex = validate({**VALID, "dom": "lms.globex.example", "lmsId": "GLOBEX-STG-4410"})
    assert globex.launch is not None and globex.launch.organization.id == "globex-academy"
    wrong = validate({**VALID, "dom": "lms.globex.example"})
    assert [p.field for p in wrong.problems] == ["dom"]
    assert "not a domain of Acme Learning" in wrong.problems[0].message
