"""Launch rules that need the store's view, and the names the launch modules share.

Reading a launch URL is `core/launch_url.py` (what the vendor's page reads, with
every fault diagnosed); the rules on the five values are `core/launch_rules.py`
(`check_launch`, also used by `POST /_sim/registrations`). What remains here is
what only the stored registrations can tell: a `reg` reused for another learner,
course or organization (D-L6), and a `reg` regenerated for unfinished work.
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.core.launch_rules import check_launch, strict_split_name, utf16_length
from simulator.core.launch_values import (
    EMAIL_PATTERN,
    EXPECTED_FORM,
    MAX_LENGTH,
    PARAMETERS,
    RECORD_LENGTH,
    UUID_PATTERN,
    Launch,
    Problem,
)
from simulator.core.progress import Registration

__all__ = [
    "EMAIL_PATTERN",
    "EXPECTED_FORM",
    "MAX_LENGTH",
    "PARAMETERS",
    "RECORD_LENGTH",
    "UUID_PATTERN",
    "Launch",
    "Problem",
    "check_launch",
    "registration_conflicts",
    "strict_split_name",
    "utf16_length",
]


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
