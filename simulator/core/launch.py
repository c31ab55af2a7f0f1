"""Launch validation: the one function both the player page and `POST /_sim/registrations` use.

The vendor's launch URL carries five parameters after `/#/`. Integrators get them
wrong in a handful of recurring ways; each problem is reported with the field it
concerns, so the page and the API can name every problem at once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from simulator.core.diagnostics import Severity
from simulator.core.launch_rules import check_launch, strict_split_name, utf16_length
from simulator.core.launch_values import (
    EMAIL_PATTERN,
    EXPECTED_FORM,
    MAX_LENGTH,
    PARAMETERS,
    RECORD_LENGTH,
    UUID_PATTERN,
    Launch,
    LaunchResult,
    Problem,
    other_environment,
    wrong_environment_message,
)
from simulator.core.organizations import Organization, domain_allowed, is_host_name
from simulator.core.progress import Registration

__all__ = [
    "EMAIL_PATTERN",
    "EXPECTED_FORM",
    "MAX_LENGTH",
    "PARAMETERS",
    "RECORD_LENGTH",
    "UUID_PATTERN",
    "Launch",
    "LaunchResult",
    "Problem",
    "check_launch",
    "find_organization",
    "registration_conflicts",
    "split_name",
    "strict_split_name",
    "utf16_length",
    "validate_launch",
]


def split_name(fn: str) -> tuple[str, str] | None:
    """ "First Last": the first space splits; both parts must be non-empty."""
    first, sep, last = fn.strip().partition(" ")
    last = last.strip()
    return (first, last) if sep and first and last else None


def find_organization(
    lms_id: str, environment: str, organizations: Sequence[Organization]
) -> tuple[Organization | None, Problem | None]:
    """The organization owning `lms_id` in the environment the simulator plays."""
    for org in organizations:
        if org.lms_ids.get(environment) == lms_id:
            return org, None
    found = other_environment(lms_id, environment, organizations)
    if found:
        return None, Problem("lmsId", wrong_environment_message(lms_id, *found, environment))
    return None, Problem("lmsId", f"lmsId {lms_id!r} is not known to any organization")


def validate_launch(
    course_id: str,
    params: Mapping[str, object],
    *,
    environment: str,
    organizations: Sequence[Organization],
    course_ids: Collection[str],
    lenient: bool = True,
) -> LaunchResult:
    """Check every rule and return all problems, or the launch.

    `lenient=True` is the pre-2026-11 reading (values trimmed, `reg` kept as given);
    `lenient=False` is DESIGN's strict one (`check_launch`), problems only.
    """
    if not lenient:
        launch, diagnostics = check_launch(
            course_id,
            params,
            environment=environment,
            organizations=organizations,
            course_ids=course_ids,
        )
        return LaunchResult(
            launch,
            tuple(
                Problem(d.field or "", d.message)
                for d in diagnostics
                if d.severity == Severity.ERROR
            ),
        )
    problems: list[Problem] = []
    if course_id not in course_ids:
        problems.append(Problem("courseId", f"course {course_id!r} is not in the catalog"))
    values: dict[str, str] = {}
    for name in PARAMETERS:
        raw = params.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            problems.append(Problem(name, f"{name} is required"))
        elif not isinstance(raw, str):
            problems.append(Problem(name, f"{name} must be a string"))
        elif len(raw) > MAX_LENGTH:
            problems.append(
                Problem(name, f"{name} is {len(raw)} characters; at most {MAX_LENGTH} allowed")
            )
        else:
            values[name] = raw.strip()

    if "reg" in values and not UUID_PATTERN.match(values["reg"]):
        problems.append(
            Problem("reg", f"reg {values['reg']!r} is not a UUID (like 80730e35-481a-4132-...)")
        )
    if "em" in values and not EMAIL_PATTERN.match(values["em"]):
        problems.append(Problem("em", f"em {values['em']!r} is not an e-mail address"))
    names = split_name(values["fn"]) if "fn" in values else None
    if "fn" in values and names is None:
        problems.append(
            Problem("fn", f'fn {values["fn"]!r} must be "First Last" (encoded First%20Last)')
        )
    if "dom" in values and not is_host_name(values["dom"]):
        problems.append(Problem("dom", f"dom {values['dom']!r} is not a host name"))

    organization: Organization | None = None
    if "lmsId" in values:
        organization, problem = find_organization(values["lmsId"], environment, organizations)
        if problem:
            problems.append(problem)
    dom = values.get("dom", "")
    if organization and is_host_name(dom) and not domain_allowed(dom, organization.domains):
        problems.append(
            Problem(
                "dom",
                f"dom {dom!r} is not a domain of {organization.name} "
                f"(allowed: {', '.join(organization.domains)})",
            )
        )

    if problems or organization is None or names is None:
        return LaunchResult(None, tuple(problems))
    return LaunchResult(
        Launch(
            course_id=course_id,
            reg=values["reg"],
            email=values["em"],
            first_name=names[0],
            last_name=names[1],
            dom=values["dom"],
            lms_id=values["lmsId"],
            organization=organization,
        ),
        (),
    )


def registration_conflicts(
    launch: Launch, existing: Registration | None, unfinished: Sequence[Registration]
) -> tuple[list[Problem], list[str]]:
    """Rules that need the store's view: reuse of a `reg`, and regenerated `reg`s.

    `existing` is the registration already under `launch.reg`; `unfinished` are the
    learner's other unfinished registrations of the same course and organization.
    Returns (errors, warnings).
    """
    if existing is not None:
        if existing.organization_id != launch.organization.id:
            return [Problem("reg", "reg already belongs to another organization")], []
        if existing.email.lower() != launch.email.lower():
            return [
                Problem(
                    "reg",
                    f"reg {launch.reg} already belongs to another learner "
                    f"({existing.email}); a registration is unique to one user and activity",
                )
            ], []
        if existing.course_id != launch.course_id:
            return [
                Problem(
                    "reg",
                    f"reg {launch.reg} already belongs to course {existing.course_id!r}; "
                    "generate a new registration for each activity",
                )
            ], []
        return [], []
    warnings = [
        f"registration regenerated: the learner loses progress ({launch.email} already has "
        f"unfinished registration {other.registration} for this course at {other.progress}%; "
        "reuse it instead of generating a new one)"
        for other in unfinished
        if other.registration != launch.reg
    ]
    return [], warnings
