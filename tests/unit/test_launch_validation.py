"""Launch validation (`core/launch_rules.py`, `core/launch.py`): the rules of DESIGN
"Launch" on the five values, and the registration conflicts.

The first half states each rule by its field and message (`check`: the errors only);
the second ("strict") by its code and severity, warnings included.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.diagnostics import Diagnostic
from simulator.core.launch import (
    MAX_LENGTH,
    PARAMETERS,
    Launch,
    check_launch,
    registration_conflicts,
    strict_split_name,
)
from simulator.core.launch_reader import read_location
from simulator.core.organizations import domain_allowed, is_host_name
from tests.strategies import (
    ORGS,
    emails,
    host_names,
    name_parts,
    uuids,
    valid_launches,
)
from tests.strategies import (
    SAMPLE_REGISTRATION as BASE,
)

COURSES = {"c1", "c2"}

# -- each rule names its field ------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    launch: Launch | None
    problems: list[Diagnostic]  # the errors

    @property
    def ok(self) -> bool:
        return self.launch is not None and not self.problems


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
    launch, diagnostics = check_launch(
        course, params, environment=environment, organizations=ORGS, course_ids=COURSES
    )
    return Verdict(launch, [d for d in diagnostics if d.severity == "error"])


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
    assert strict_split_name(f"{first} {second} {third}") == (first, f"{second} {third}")


@given(host_names)
def test_wildcards_admit_subdomains_only(host: str) -> None:
    assert is_host_name(host)
    assert domain_allowed(f"{host}.example.com", ["*.example.com"])
    assert not domain_allowed("example.com", ["*.example.com"])
    assert not domain_allowed(f"{host}.example.com.evil", ["*.example.com"])


@given(st.text(alphabet="aZ09-.\n\u212a\u0130", max_size=80) | st.text(max_size=20))
def test_a_host_name_is_labels_of_letters_digits_and_inner_hyphens(value: str) -> None:
    """RFC 1123, label by label, after lower-casing and trailing dots dropped."""
    labels = value.lower().rstrip(".").split(".")
    expected = 0 < len(value) <= 253 and all(
        re.match(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", label) for label in labels
    )
    assert is_host_name(value) == expected


def test_reusing_a_reg_for_another_learner_or_course_is_an_error() -> None:
    launch = check(valid(reg=BASE.registration, em="other@example.com")).launch
    errors, _ = registration_conflicts(launch, BASE, [])
    assert errors and "another learner" in errors[0].message
    same_learner = check(valid(reg=BASE.registration, em=BASE.email), course="c2").launch
    errors, _ = registration_conflicts(same_learner, BASE, [])
    assert errors and "already belongs to course" in errors[0].message


def test_a_new_reg_for_an_unfinished_course_warns_of_lost_progress() -> None:
    launch = check(valid(em=BASE.email)).launch
    errors, warnings = registration_conflicts(launch, None, [BASE])
    assert not errors
    assert warnings and warnings[0].startswith(
        "registration regenerated: the learner loses progress"
    )


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
    return check(params, environment=environment)


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
        "lmsId": "ACME-STG",
    }
    result = validate(read_location(url_of(params)).params)
    assert result.ok, result.problems
    launch = result.launch
    assert launch is not None
    assert (launch.first_name, launch.last_name) == (first, " ".join(last))
    assert launch.email == params["em"]
    assert launch.reg == str(reg)
    assert launch.organization.id == "acme"


VALID = {
    "reg": "0d6f3f3c-3f7b-4a43-9a53-2a1f8a4b5c6d",
    "em": "ada@example.com",
    "fn": "Ada Lovelace",
    "dom": "localhost",
    "lmsId": "ACME-STG",
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
        is_uuid = str(uuid.UUID(reg)) == reg.lower()
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
    globex = validate({**VALID, "dom": "lms.globex.test", "lmsId": "GLX-STG"})
    assert globex.launch is not None and globex.launch.organization.id == "globex"
    wrong = validate({**VALID, "dom": "lms.globex.test"})
    assert [p.field for p in wrong.problems] == ["dom"]
    assert "not a domain of Acme" in wrong.problems[0].message


# -- the strict rules (DESIGN "Launch: read exactly as the vendor's page reads it") --------


def strict(params: dict[str, str], environment: str = "staging", course: str = "c1"):
    return check_launch(
        course, params, environment=environment, organizations=ORGS, course_ids=COURSES
    )


def codes(diagnostics) -> list[tuple[str, str, str | None]]:
    return [(d.code, d.severity, d.field) for d in diagnostics]


@given(valid_launches())
def test_strict_any_valid_launch_passes_silently(params: dict[str, str]) -> None:
    launch, diagnostics = strict(params)
    assert diagnostics == ()
    assert launch is not None and launch.organization.id == "acme"
    assert (launch.reg, launch.email, launch.dom) == (params["reg"], params["em"], params["dom"])
    first, _, last = params["fn"].partition(" ")
    assert (launch.first_name, launch.last_name) == (first, last)


@given(
    valid_launches(), st.sets(st.sampled_from(PARAMETERS), min_size=1), st.sampled_from(["", None])
)
def test_strict_every_missing_parameter_is_named(
    params: dict[str, str], missing: set[str], empty: str | None
) -> None:
    given_params = {k: (empty if k in missing else v) for k, v in params.items()}
    launch, diagnostics = strict({k: v for k, v in given_params.items() if v is not None})
    assert launch is None
    assert {d.field for d in diagnostics if d.code == "missing_parameter"} == missing
    assert all(d.severity == "error" for d in diagnostics if d.code == "missing_parameter")


@given(valid_launches(), st.sampled_from(PARAMETERS), st.integers(1, 40))
def test_strict_255_counts_utf16_units_as_javascript_does(
    params: dict[str, str], name: str, extra: int
) -> None:
    """128 astral characters are 256 UTF-16 units: over the vendor's varchar(255)."""
    launch, diagnostics = strict({**params, name: "\U0001f600" * (127 + extra)})
    assert launch is None
    assert ("too_long", "error", name) in codes(diagnostics)
    assert "255" in next(d.message for d in diagnostics if d.code == "too_long")


@given(
    valid_launches(),
    st.sampled_from(PARAMETERS),
    st.lists(st.sampled_from(["a", "\u00e9", "\U0001f600"]), min_size=100, max_size=300),
)
def test_strict_too_long_is_exactly_over_255_utf16_units(
    params: dict[str, str], name: str, characters: list[str]
) -> None:
    """Whatever mix of one- and two-unit characters: too long exactly when JavaScript's
    `length` is over 255, however few characters that takes."""
    value = "".join(characters)
    units = sum(2 if c == "\U0001f600" else 1 for c in characters)
    _launch, diagnostics = strict({**params, name: value})
    assert (("too_long", "error", name) in codes(diagnostics)) == (units > MAX_LENGTH)


@given(
    valid_launches(), st.sampled_from(PARAMETERS), st.sampled_from(["\x00", "\n", "\x7f", "\x85"])
)
def test_strict_control_characters_are_rejected(params: dict[str, str], name: str, c: str) -> None:
    launch, diagnostics = strict({**params, name: params[name][:3] + c + params[name][3:]})
    assert launch is None
    assert ("control_character", "error", name) in codes(diagnostics)


@given(valid_launches(), st.sampled_from(PARAMETERS), st.sampled_from([" ", "\u00a0", "\u2003"]))
def test_strict_values_are_not_trimmed(params: dict[str, str], name: str, space: str) -> None:
    """The vendor's page reads " ada@example.com" as it is: no silent repair."""
    launch, diagnostics = strict({**params, name: params[name] + space})
    assert launch is None
    assert ("surrounding_space", "error", name) in codes(diagnostics)


@given(valid_launches())
def test_strict_reg_is_case_insensitive_carried_in_lower_case_with_a_warning(
    params: dict[str, str],
) -> None:
    launch, diagnostics = strict({**params, "reg": params["reg"].upper()})
    assert launch is not None and launch.reg == params["reg"]
    assert codes(diagnostics) == [("reg_upper_case", "warning", "reg")]


@given(valid_launches(), st.integers(101, 255 - 12), st.integers(101, 120))
def test_strict_values_over_100_characters_warn_and_are_cut_as_records_hold_them(
    params: dict[str, str], em_length: int, name_length: int
) -> None:
    """Vendor doc (Activity Progress API): email, firstName, lastName are varchar(100)."""
    email = "a" * (em_length - len("@example.com")) + "@example.com"
    last = "L" * name_length
    launch, diagnostics = strict({**params, "em": email, "fn": f"Ada {last}"})
    assert launch is not None
    assert (launch.email, launch.last_name) == (email[:100], last[:100])
    assert codes(diagnostics) == [
        ("value_truncated", "warning", "em"),
        ("value_truncated", "warning", "fn"),
    ]
    assert all(repr(v[:100]) in d.message for v, d in zip((email, last), diagnostics, strict=True))


@pytest.mark.parametrize(
    ("fn", "ok"),
    [
        ("Ada Lovelace", True),
        ("Ada Byron Lovelace", True),
        ("Ada  Lovelace", False),
        ("Ada", False),
        (" Ada Lovelace", False),
        ("Ada\u00a0Lovelace", False),
        ("Ada ", False),
    ],
)
def test_strict_fn_is_first_space_last(fn: str, ok: bool) -> None:
    params = {
        "reg": str(uuid.uuid4()),
        "em": "ada@example.com",
        "fn": fn,
        "dom": "localhost",
        "lmsId": "ACME-STG",
    }
    launch, _ = strict(params)
    assert (launch is not None) == ok


@given(valid_launches(), st.sampled_from(["staging", "production"]), st.sampled_from(ORGS))
def test_strict_the_other_environments_lmsid_says_so(
    params: dict[str, str], environment: str, org
) -> None:
    other = "production" if environment == "staging" else "staging"
    launch, diagnostics = strict(
        {**params, "dom": org.domains[0], "lmsId": org.lms_ids[other]}, environment
    )
    assert launch is None
    (problem,) = diagnostics
    assert (problem.code, problem.field) == ("wrong_environment_lms_id", "lmsId")
    assert f"the {other} LMSID of {org.name}" in problem.message
    assert f"plays {environment}" in problem.message


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"reg": "44590u89-111a-6859-b899-3940dhbkww91"}, "invalid_reg"),
        ({"reg": "{0d6f3f3c-3f7b-4a43-9a53-2a1f8a4b5c6d}"}, "invalid_reg"),
        ({"em": "ada.example.com"}, "invalid_email"),
        ({"dom": "exa_mple.com"}, "invalid_dom"),
        ({"dom": "evil.test"}, "dom_not_allowed"),
        ({"lmsId": "NOPE"}, "unknown_lms_id"),
    ],
)
def test_strict_each_rule_has_its_code(override: dict[str, str], code: str) -> None:
    params = {
        "reg": str(uuid.uuid4()),
        "em": "ada@example.com",
        "fn": "Ada Lovelace",
        "dom": "localhost",
        "lmsId": "ACME-STG",
        **override,
    }
    launch, diagnostics = strict(params)
    assert launch is None and [d.code for d in diagnostics] == [code]
    assert diagnostics[0].field == next(iter(override))


@given(valid_launches(), st.sampled_from(PARAMETERS), st.one_of(st.integers(), st.lists(st.text())))
def test_strict_values_must_be_strings(params: dict[str, str], name: str, value: object) -> None:
    """JSON callers (`POST /_sim/registrations`) can send anything: it is named, not raised."""
    launch, diagnostics = strict({**params, name: value})
    assert launch is None and codes(diagnostics) == [("not_a_string", "error", name)]
