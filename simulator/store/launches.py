"""SQL of the launch log (`GET /_sim/launches`): one row per launch, kept until reset.

Rows hold the filterable columns and the rest of the entry as JSON (`body`), so the
log's shape can grow without a migration; the service turns rows into entries
(`service/launch_log.py`). Ids are the table's rowids (migration 009): increasing,
from 1 after a reset, as rows are only ever removed all at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.core.launch_filter import LaunchFilter
from simulator.core.progress import Registration
from simulator.store import Store
from simulator.store.rows import REGISTRATION_COLUMNS, registration_from_row

# A stored launch as `list_launches` gives it: the columns of `COLUMNS`, in order.
LaunchRow = tuple[int, str, str, str, str, str, str, str, str]
COLUMNS = "id, at, source, course_id, registration, email, organization_id, outcome, body"

_INSERT = (
    "INSERT INTO launches"
    " (at, source, course_id, registration, email, organization_id, outcome, body)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


# What a launch must know before it writes (core/launch.py `registration_conflicts`):
# the registration `reg` names, and the learner's other unfinished registrations of the
# course, oldest change first. One statement (each half on its own index: the primary
# key, reports_by_email), where asking twice cost a launch a second statement.
_CONFLICTS = (
    f"SELECT 0, {REGISTRATION_COLUMNS} FROM registrations WHERE registration = ?1"
    f" UNION ALL SELECT 1, {REGISTRATION_COLUMNS} FROM registrations"
    " WHERE organization_id = ?2 AND email = ?3 COLLATE NOCASE"
    " AND course_id = ?4 AND date_completed = '' AND registration <> ?1"
    " ORDER BY 1, transaction_id"
)


def record_launch(store: Store, at: str, row: Sequence[str]) -> int:
    """Append one launch; `row` is (source, course_id, registration, email,
    organization_id, outcome, body). Returns its id.

    One statement, so atomic alone; a launch calls it inside the transaction that
    writes its registration, so both land or neither."""
    cursor = store.db.execute(_INSERT, (at, *row))
    return int(cursor.lastrowid or 0)


def registration_and_unfinished(
    store: Store, reg: str, organization_id: str, email: str, course_id: str
) -> tuple[Registration | None, list[Registration]]:
    """The registration `reg` names (case-insensitively), and the learner's other
    registrations of `course_id` not completed, oldest change first."""
    existing, unfinished = None, []
    for row in store.db.execute(_CONFLICTS, (reg.lower(), organization_id, email, course_id)):
        if row[0] == 0:
            existing = registration_from_row(row[1:])
        else:
            unfinished.append(registration_from_row(row[1:]))
    return existing, unfinished


def list_launches(store: Store, wanted: LaunchFilter) -> tuple[list[LaunchRow], int]:
    """A page of the log, newest first, and the total matching."""
    clauses, args = [], []
    for column, value in (
        ("registration", wanted.registration),
        ("course_id", wanted.course_id),
        ("outcome", wanted.outcome),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            args.append(value)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    (total,) = store.db.execute(f"SELECT COUNT(*) FROM launches {where}", args).fetchone()
    rows = store.db.execute(
        f"SELECT {COLUMNS} FROM launches {where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*args, wanted.limit, wanted.offset],
    ).fetchall()
    return rows, int(total)
