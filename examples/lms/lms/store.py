"""The LMS's own database: one row per registration, the audit's cursor, enrollments.

Both channels (webhook and audit) write progress through `save_records`, so the
rule that matters lives in one place: a row only ever moves to a newer
`transactionId`. Bundles arriving twice or out of order, and audit pages
repeating what the webhook already brought, then change nothing.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS progress (
    registration     TEXT PRIMARY KEY,
    transaction_id   INTEGER NOT NULL,
    email            TEXT NOT NULL,
    first_name       TEXT NOT NULL,
    last_name        TEXT NOT NULL,
    member_id        TEXT NOT NULL,
    activity_id      TEXT NOT NULL,
    activity_title   TEXT NOT NULL,
    date_started     TEXT NOT NULL,
    progress         INTEGER NOT NULL,
    date_completed   TEXT NOT NULL,
    completion_code  TEXT NOT NULL,
    source           TEXT NOT NULL   -- 'webhook' or 'audit': the channel of the newest state
);
CREATE TABLE IF NOT EXISTS enrollments (
    email         TEXT NOT NULL,
    course_id     TEXT NOT NULL,
    registration  TEXT NOT NULL UNIQUE,
    PRIMARY KEY (email, course_id)
);
CREATE TABLE IF NOT EXISTS audit_cursor (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    next_start    INTEGER NOT NULL,   -- offset of the next page of the sweep under way
    paused_until  TEXT NOT NULL       -- ISO UTC; '' unless the daily quota ran out
);
"""

# The vendor's record fields and our columns, in one place.
FIELDS = {
    "transactionId": "transaction_id",
    "email": "email",
    "firstName": "first_name",
    "lastName": "last_name",
    "memberIdentifier": "member_id",
    "activityId": "activity_id",
    "activityTitle": "activity_title",
    "dateStarted": "date_started",
    "progress": "progress",
    "dateCompleted": "date_completed",
    "completionCode": "completion_code",
}
INTEGER_FIELDS = {"transactionId", "progress"}
COLUMNS = ("registration", *FIELDS.values(), "source")
UPSERT = f"""
INSERT INTO progress ({", ".join(COLUMNS)}) VALUES ({", ".join("?" for _ in COLUMNS)})
ON CONFLICT (registration) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])}
WHERE excluded.transaction_id > progress.transaction_id
"""


class BadRecord(ValueError):
    """A record without the fields the vendor documents (the webhook answers 400)."""


@dataclass(frozen=True)
class Progress:
    """One registration as the LMS knows it."""

    registration: str
    transaction_id: int
    email: str
    progress: int
    date_completed: str
    completion_code: str
    source: str

    @property
    def completed(self) -> bool:
        return bool(self.date_completed)


@dataclass(frozen=True)
class Cursor:
    """Where the audit stands: `next_start` of the sweep, and until when the quota is out."""

    next_start: int
    paused_until: datetime | None


class Store:
    """The LMS database at `path` (a file; every call opens its own connection)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    # -- progress -------------------------------------------------------------------------

    def save_records(self, records: Iterable[Mapping[str, Any]], source: str) -> int:
        """Keep each record unless a newer one is stored; how many rows changed.

        Registrations are UUIDs compared case-insensitively, so they are keyed in
        lower case. A record older than (or the same as) the stored one is ignored.
        """
        rows = [_row(record, source) for record in records]
        changed = 0
        with self._connect() as db:
            for row in rows:
                changed += db.execute(UPSERT, row).rowcount
        return changed

    def progress(self, registration: str) -> Progress | None:
        """What the LMS knows of one registration, or None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT registration, transaction_id, email, progress, date_completed,"
                " completion_code, source FROM progress WHERE registration = ?",
                (registration.lower(),),
            ).fetchone()
        return None if row is None else Progress(*row)

    def all_progress(self) -> dict[str, Progress]:
        """Every registration the LMS knows, by registration."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT registration, transaction_id, email, progress, date_completed,"
                " completion_code, source FROM progress ORDER BY registration"
            ).fetchall()
        return {row[0]: Progress(*row) for row in rows}

    # -- enrollments: one registration per learner and course, for good ---------------------

    def registration_for(self, email: str, course_id: str) -> str:
        """The learner's registration for the course, made once and reused on every launch.

        The vendor keys progress by it: a new one per launch would restart the course.
        """
        with self._connect() as db:
            db.execute(
                "INSERT OR IGNORE INTO enrollments (email, course_id, registration)"
                " VALUES (?, ?, ?)",
                (email.lower(), course_id, str(uuid.uuid4())),
            )
            (registration,) = db.execute(
                "SELECT registration FROM enrollments WHERE email = ? AND course_id = ?",
                (email.lower(), course_id),
            ).fetchone()
        return str(registration)

    # -- the audit's cursor ---------------------------------------------------------------

    def cursor(self) -> Cursor:
        with self._connect() as db:
            row = db.execute("SELECT next_start, paused_until FROM audit_cursor").fetchone()
        if row is None:
            return Cursor(0, None)
        return Cursor(row[0], datetime.fromisoformat(row[1]) if row[1] else None)

    def save_cursor(self, cursor: Cursor) -> None:
        paused = cursor.paused_until.isoformat() if cursor.paused_until else ""
        with self._connect() as db:
            db.execute(
                "INSERT INTO audit_cursor (id, next_start, paused_until) VALUES (1, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET next_start = excluded.next_start,"
                " paused_until = excluded.paused_until",
                (cursor.next_start, paused),
            )


def _row(record: Mapping[str, Any], source: str) -> tuple[Any, ...]:
    if not isinstance(record, Mapping):
        raise BadRecord("a record must be a JSON object")
    for name in ("registration", *FIELDS):
        value = record.get(name)
        expected = int if name in INTEGER_FIELDS else str
        if not isinstance(value, expected) or isinstance(value, bool):
            raise BadRecord(f"record field {name!r} must be a {expected.__name__}")
    values = [record[name] for name in FIELDS]
    return (str(record["registration"]).lower(), *values, source)
