"""Launch validation: the one function both the player page and `POST /_sim/registrations` use.

The vendor's launch URL carries five parameters after `/#/`. Integrators get them
wrong in a handful of recurring ways; each problem is reported with the field it
concerns, so the page and the API can name every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from simulator.core.organizations import ENVIRONMENTS, Organization, domain_allowed, is_host_name
from simulator.core.progress import Registration

PARAMETERS = ("reg", "em", "fn", "dom", "lmsId")
MAX_LENGTH = 255
UUID_PATTERN = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
EXPECTED_FORM = (
    "{base}/courses/{courseId}/#/?reg=<UUID>&em=<email>&fn=First%20Last&dom=<your domain>"
    "&lmsId=<LMSID>"
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a launch; `field` is the parameter it concerns."""

    field: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass(frozen=True)
class Launch:
    """A launch that passed validation."""

    course_id: str
    reg: str
    email: str
    first_name: str
    last_name: str
    dom: str
    lms_id: str
    organization: Organization


@dataclass(frozen=True)
class LaunchResult:
    launch: Launch | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.launch is not None


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
    for org in organizations:
        for other in ENVIRONMENTS:
            if other != environment and org.lms_ids.get(other) == lms_id:
                return None, Problem(
                    "lmsId",
                    f"lmsId {lms_id!r} is the {other} LMSID of {org.name}, but this simulator "
                    f"plays {environment}: use the {environment} LMSID "
                    f"{org.lms_ids.get(environment, '')!r} with the {environment} course URL",
                )
    return None, Problem("lmsId", f"lmsId {lms_id!r} is not known to any organization")


def validate_launch(
    course_id: str,
    params: Mapping[str, object],
    *,
    environment: str,
    organizations: Sequence[Organization],
    course_ids: Collection[str],
) -> LaunchResult:
    """Check every rule and return all problems, or the launch."""
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
