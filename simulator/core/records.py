"""The vendor's progress record: exactly twelve fields, in the documented order."""

from __future__ import annotations

from typing import TypedDict

WIRE_FIELDS: tuple[str, ...] = (
    "transactionId",
    "firstName",
    "lastName",
    "email",
    "memberIdentifier",
    "activityId",
    "activityTitle",
    "registration",
    "dateStarted",
    "progress",
    "dateCompleted",
    "completionCode",
)


class WireRecord(TypedDict):
    transactionId: int
    firstName: str
    lastName: str
    email: str
    memberIdentifier: str
    activityId: str
    activityTitle: str
    registration: str
    dateStarted: str
    progress: int
    dateCompleted: str
    completionCode: str


class EventKind:
    """Webhook bundle keys; also the kind of each transaction."""

    STARTED = "started"
    PROGRESSED = "progressed"
    COMPLETIONS = "completions"
    ALL: tuple[str, ...] = (STARTED, PROGRESSED, COMPLETIONS)


class Transaction(TypedDict):
    """One change, as the store keeps it and the webhook engine bundles it."""

    transactionId: int
    organizationId: str
    registration: str
    kind: str
    at: str
    record: WireRecord
