"""The strict launch rules (DESIGN "Launch: read exactly as the vendor's page reads it").

Pure: given the five values as the vendor's page read them, the catalog, the
organizations and the environment played, every problem and warning at once, and
the launch as the vendor's records would carry it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from simulator.core.diagnostics import Code, Diagnostic, Severity, error, shown, warning
from simulator.core.launch_values import (
    EMAIL_PATTERN,
    MAX_LENGTH,
    PARAMETERS,
    RECORD_LENGTH,
    UUID_PATTERN,
    Launch,
    other_environment,
    wrong_environment_message,
)
from simulator.core.organizations import Organization, domain_allowed, is_host_name

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def utf16_length(value: str) -> int:
    """What JavaScript's `value.length` says (astral characters count twice): the stricter count."""
    return len(value.encode("utf-16-le", "surrogatepass")) // 2


def _shape_problem(name: str, value: str) -> Diagnostic | None:
    """What makes a value unusable whatever the parameter: absent, too long, odd characters."""
    if not value:
        return error(Code.MISSING_PARAMETER, f"{name} is required", name)
    # At most two UTF-16 units a character: a value of up to half the limit fits.
    if len(value) > MAX_LENGTH // 2 and utf16_length(value) > MAX_LENGTH:
        return error(
            Code.TOO_LONG,
            f"{name} is {utf16_length(value)} characters once decoded; at most {MAX_LENGTH} "
            "(the vendor's varchar(255))",
            name,
        )
    control = _CONTROL.search(value)
    if control:
        return error(
            Code.CONTROL_CHARACTER,
            f"{name} holds the control character U+{ord(control.group()):04X}; remove it",
            name,
        )
    if value != value.strip():
        return error(
            Code.SURROUNDING_SPACE,
            f"{name} {value!r} starts or ends with white space; trim it before encoding",
            name,
        )
    return None


def _value_problems(
    values: Mapping[str, str], names: tuple[str, str] | None, host_name: bool
) -> list[Diagnostic]:
    """The format of each value; `names` and `host_name` are `fn` split and whether `dom`
    is a host name, worked out once by the caller (the checks ask them again)."""
    found = []
    if "reg" in values and not UUID_PATTERN.match(values["reg"]):
        found.append(
            error(
                Code.INVALID_REG,
                f"reg {values['reg']!r} is not a UUID (like 80730e35-481a-4132-af54-1b8f4619abb6)",
                "reg",
            )
        )
    if "em" in values and not EMAIL_PATTERN.match(values["em"]):
        found.append(
            error(Code.INVALID_EMAIL, f"em {values['em']!r} is not an e-mail address", "em")
        )
    if "fn" in values and names is None:
        found.append(
            error(
                Code.INVALID_NAME,
                f'fn {values["fn"]!r} must be "First Last": a first name, one space, a last name '
                "(encoded First%20Last)",
                "fn",
            )
        )
    if "dom" in values and not host_name:
        found.append(error(Code.INVALID_DOM, f"dom {values['dom']!r} is not a host name", "dom"))
    return found


def strict_split_name(fn: str) -> tuple[str, str] | None:
    """ "First Last" as the vendor splits it: at the first space, nothing trimmed."""
    first, sep, last = fn.partition(" ")
    return (first, last) if sep and first and last and last == last.lstrip() else None


def _organization(
    values: Mapping[str, str],
    environment: str,
    organizations: Sequence[Organization],
    host_name: bool,
) -> tuple[Organization | None, list[Diagnostic]]:
    lms_id = values["lmsId"]
    org = None
    for candidate in organizations:
        if candidate.lms_ids.get(environment) == lms_id:
            org = candidate
            break
    if org is None:
        found = other_environment(lms_id, environment, organizations)
        if found:
            message = wrong_environment_message(lms_id, *found, environment)
            return None, [error(Code.WRONG_ENVIRONMENT_LMS_ID, message, "lmsId")]
        message = f"lmsId {lms_id!r} is not known to any organization"
        return None, [error(Code.UNKNOWN_LMS_ID, message, "lmsId")]
    dom = values.get("dom", "")
    if host_name and not domain_allowed(dom, org.domains):
        message = (
            f"dom {dom!r} is not a domain of {org.name} (allowed: {', '.join(org.domains)}); "
            "dom is the host you launch from, subdomains included"
        )
        return org, [error(Code.DOM_NOT_ALLOWED, message, "dom")]
    return org, []


def _record_warnings(email: str, first: str, last: str) -> list[Diagnostic]:
    """Values the vendor's varchar(100) record columns cut short (docs/decisions.md)."""
    if len(email) <= RECORD_LENGTH and len(first) <= RECORD_LENGTH and len(last) <= RECORD_LENGTH:
        return []
    return [
        warning(
            Code.VALUE_TRUNCATED,
            f"{what} is {len(value)} characters; the vendor's records hold {RECORD_LENGTH}: "
            f"reports and webhooks carry only {value[:RECORD_LENGTH]!r}",
            name,
        )
        for name, what, value in (
            ("em", "em", email),
            ("fn", "the first name", first),
            ("fn", "the last name", last),
        )
        if len(value) > RECORD_LENGTH
    ]


def check_launch(
    course_id: str,
    params: Mapping[str, object],
    *,
    environment: str,
    organizations: Sequence[Organization],
    course_ids: Collection[str],
) -> tuple[Launch | None, tuple[Diagnostic, ...]]:
    """The strict rules: every problem (errors) and warning, and the launch if none is an error.

    The launch carries what the vendor's records would: `reg` in lower case (identity
    is case-insensitive), e-mail and names cut to the records' 100 characters.
    """
    found: list[Diagnostic] = []
    if course_id not in course_ids:
        found.append(
            error(
                Code.UNKNOWN_COURSE, f"course {shown(course_id)} is not in the catalog", "courseId"
            )
        )
    values: dict[str, str] = {}
    for name in PARAMETERS:
        raw = params.get(name)
        value = raw if isinstance(raw, str) else ""
        problem = (
            error(Code.NOT_A_STRING, f"{name} must be a string", name)
            if raw is not None and not isinstance(raw, str)
            else _shape_problem(name, value)
        )
        if problem:
            found.append(problem)
        else:
            values[name] = value
    names = strict_split_name(values["fn"]) if "fn" in values else None
    host_name = "dom" in values and is_host_name(values["dom"])
    found.extend(_value_problems(values, names, host_name))
    if "lmsId" in values:
        organization, more = _organization(values, environment, organizations, host_name)
        found.extend(more)
    else:
        organization = None
    reg = values.get("reg", "")
    if reg != reg.lower() and UUID_PATTERN.match(reg):
        found.append(
            warning(
                Code.REG_UPPER_CASE,
                f"reg {reg!r} is in upper case: registrations are identified case-insensitively "
                "and carried in lower case, as the vendor's records show them; send lower case",
                "reg",
            )
        )
    if names:
        found.extend(_record_warnings(values.get("em", ""), *names))
    if (
        organization is None
        or names is None
        or (found and any(d.severity == Severity.ERROR for d in found))
    ):
        return None, tuple(found)
    launch = Launch(
        course_id=course_id,
        reg=reg.lower(),
        email=values["em"][:RECORD_LENGTH],
        first_name=names[0][:RECORD_LENGTH],
        last_name=names[1][:RECORD_LENGTH],
        dom=values["dom"],
        lms_id=values["lmsId"],
        organization=organization,
    )
    return launch, tuple(found)
