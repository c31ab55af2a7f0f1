"""The values of a launch and their limits, shared by the launch modules."""

from __future__ import annotations

import re
from collections.abc import Sequence

from msgspec import Struct

from simulator.core.organizations import ENVIRONMENTS, Organization

PARAMETERS = ("reg", "em", "fn", "dom", "lmsId")
MAX_LENGTH = 255  # vendor doc: every launch parameter is varchar(255)
RECORD_LENGTH = 100  # vendor doc: firstName, lastName and email are varchar(100) in records
UUID_PATTERN = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
EXPECTED_FORM = (
    "{base}/courses/{courseId}/#/?reg=<UUID>&em=<email>&fn=First%20Last&dom=<your domain>"
    "&lmsId=<LMSID>"
)


class Problem(Struct, frozen=True):
    """One thing wrong with a launch; `field` is the parameter it concerns."""

    field: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class Launch(Struct, frozen=True):
    """A launch that passed validation."""

    course_id: str
    reg: str
    email: str
    first_name: str
    last_name: str
    dom: str
    lms_id: str
    organization: Organization


def other_environment(
    lms_id: str, environment: str, organizations: Sequence[Organization]
) -> tuple[Organization, str] | None:
    """The organization and environment owning `lms_id`, when that is not `environment`."""
    for org in organizations:
        for other in ENVIRONMENTS:
            if other != environment and org.lms_ids.get(other) == lms_id:
                return org, other
    return None


def wrong_environment_message(lms_id: str, org: Organization, other: str, environment: str) -> str:
    return (
        f"lmsId {lms_id!r} is the {other} LMSID of {org.name}, but this simulator "
        f"plays {environment}: use the {environment} LMSID "
        f"{org.lms_ids.get(environment, '')!r} with the {environment} course URL"
    )
