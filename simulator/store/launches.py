"""SQL of the launch log (`GET /_sim/launches`): one row per launch, kept until reset.

Rows hold the filterable columns and the rest of the entry as JSON (`body`), so the
log's shape can grow without a migration; the service turns rows into entries
(`service/launch_log.py`). Ids are the table's rowids (migration 011): increasing,
from 1 after a reset, as rows are only ever removed all at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.core.launch_filter import LaunchFilter
from simulator.store import Store

# A stored launch as `list_launches` gives it: the columns of `COLUMNS`, in order.
LaunchRow = tuple[int, str, str, str, str, str, str, str, str]
COLUMNS = "id, at, source, course_id, registration, email, organization_id, outcome, body"

_INSERT = (
    "INSERT INTO launches"
    " (at, source, course_id, registration, email, organization_id, outcome, body)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def record_launch(store: Store, at: str, row: Sequence[str]) -> int:
    """Append one launch; `row` is (source, course_id, registration, email,
    organization_id, outcome, body). Returns its id."""
    with store.transaction() as db:
        cursor = db.execute(_INSERT, (at, *row))
    return int(cursor.lastrowid or 0)


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
