"""Progress rules: a registration starts once, only moves forward, and completes once.

Pure: the caller passes the time and a fresh completion code, the functions return
the next state and the event it makes (or `None` when nothing changes, so no
transaction is written for a repeated or backward step).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from msgspec import Struct
from msgspec.structs import replace

from simulator.core.dates import to_wire
from simulator.core.errors import BadRequest
from simulator.core.records import EventKind, WireRecord


class ProgressError(BadRequest):
    """A progress value outside the documented 0-100 integers (400, field `progress`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "progress")


class Registration(Struct, frozen=True):
    """One learner's instance of one activity, as the vendor keeps it."""

    registration: str
    organization_id: str
    course_id: str
    activity_id: str
    activity_title: str
    email: str
    first_name: str
    last_name: str
    member_identifier: str
    progress: int
    date_started: datetime
    last_activity_at: datetime
    date_completed: datetime | None = None
    completion_code: str = ""
    transaction_id: int = 0
    warnings: tuple[str, ...] = ()

    @property
    def completed(self) -> bool:
        return self.date_completed is not None

    def to_wire(self) -> WireRecord:
        """The twelve documented fields, with this state's latest transaction id."""
        return WireRecord(
            transactionId=self.transaction_id,
            firstName=self.first_name,
            lastName=self.last_name,
            email=self.email,
            memberIdentifier=self.member_identifier,
            activityId=self.activity_id,
            activityTitle=self.activity_title,
            registration=self.registration,
            dateStarted=to_wire(self.date_started),
            progress=self.progress,
            dateCompleted=to_wire(self.date_completed),
            completionCode=self.completion_code,
        )

    def to_json(self) -> dict[str, Any]:
        """The control API's registration shape (DESIGN.md)."""
        return {
            "registration": self.registration,
            "courseId": self.course_id,
            "activityId": self.activity_id,
            "organizationId": self.organization_id,
            "email": self.email,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "progress": self.progress,
            "dateStarted": to_wire(self.date_started),
            "dateCompleted": to_wire(self.date_completed),
            "completionCode": self.completion_code,
            "transactionId": self.transaction_id,
            "warnings": list(self.warnings),
        }


class Step(Struct, frozen=True):
    """A change worth a transaction: the new state and its event kind."""

    kind: str
    state: Registration


def check_progress(value: object) -> int:
    """Accept only whole numbers 0-100 (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProgressError("progress must be a whole number from 0 to 100")
    if isinstance(value, float) and not value.is_integer():
        raise ProgressError("progress must be a whole number from 0 to 100")
    number = int(value)
    if not 0 <= number <= 100:
        raise ProgressError("progress must be a whole number from 0 to 100")
    return number


def start(state: Registration) -> Step:
    """The first launch: progress 0, a `started` event."""
    return Step(EventKind.STARTED, replace(state, progress=0, date_completed=None))


def advance(state: Registration, requested: int, now: datetime, new_code: str) -> Step | None:
    """Move progress to `requested` if that is forward; 100 completes once.

    Backward or equal steps, and anything after completion, change nothing: the
    vendor never un-completes an activity and never reports progress going down.
    """
    requested = check_progress(requested)
    if state.completed or requested <= state.progress:
        return None
    if requested == 100:
        return Step(
            EventKind.COMPLETIONS,
            replace(
                state,
                progress=100,
                date_completed=now,
                completion_code=new_code,
                last_activity_at=now,
            ),
        )
    return Step(EventKind.PROGRESSED, replace(state, progress=requested, last_activity_at=now))
