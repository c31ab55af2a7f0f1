"""Registrations as rows: the column list and the mapping both ways."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from simulator.core.progress import Registration
from simulator.core.records import WireRecord

REGISTRATION_COLUMNS = (
    "registration, organization_id, course_id, activity_id, activity_title, email, first_name, "
    "last_name, member_identifier, progress, date_started, date_completed, completion_code, "
    "last_activity_at, transaction_id, warnings"
)


def _moment(text: str) -> datetime:
    """A stored date: always `to_wire`'s form, read without `parse_utc`'s general regex."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def registration_from_row(row: Sequence[Any]) -> Registration:
    """A registration from its row; the schema keeps the columns' types (NOT NULL dates)."""
    completed, warnings = str(row[11]), str(row[15])
    return Registration(
        registration=str(row[0]),
        organization_id=str(row[1]),
        course_id=str(row[2]),
        activity_id=str(row[3]),
        activity_title=str(row[4]),
        email=str(row[5]),
        first_name=str(row[6]),
        last_name=str(row[7]),
        member_identifier=str(row[8]),
        progress=int(row[9]),
        date_started=_moment(str(row[10])),
        date_completed=_moment(completed) if completed else None,
        completion_code=str(row[12]),
        last_activity_at=_moment(str(row[13])),
        transaction_id=int(row[14]),
        warnings=tuple(json.loads(warnings)) if warnings != "[]" else (),
    )


def insert_registration(
    db: sqlite3.Connection, state: Registration, learner_id: int, record: WireRecord, at: str
) -> None:
    """A registration's first row (or its replacement when `reg` is reused); `record` and
    `at` are its wire record and last activity, already formatted."""
    db.execute(
        f"INSERT OR REPLACE INTO registrations ({REGISTRATION_COLUMNS}, learner_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            state.registration,
            state.organization_id,
            state.course_id,
            state.activity_id,
            state.activity_title,
            state.email,
            state.first_name,
            state.last_name,
            state.member_identifier,
            state.progress,
            record["dateStarted"],
            record["dateCompleted"],
            state.completion_code,
            at,
            state.transaction_id,
            json.dumps(list(state.warnings)) if state.warnings else "[]",
            learner_id,
        ),
    )
