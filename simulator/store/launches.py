"""SQL of the launch log (`GET /_sim/launches`): one row per launch, kept until reset.

Rows hold the filterable columns and the whole entry as JSON, so the log's shape
can grow without a migration.
"""

from __future__ import annotations

import json
from typing import Any

from simulator.core.launch_filter import LaunchFilter
from simulator.store import Store


def record_launch(store: Store, at: str, entry: dict[str, Any]) -> int:
    """Append one launch log entry; returns its id (increasing, from 1 after a reset)."""
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO launches"
            " (at, source, course_id, registration, email, organization_id, outcome, body)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                at,
                entry["source"],
                entry["courseId"],
                entry["registration"],
                entry["email"],
                entry["organizationId"],
                entry["outcome"],
                json.dumps(entry),
            ),
        )
    return int(cursor.lastrowid or 0)


def list_launches(store: Store, wanted: LaunchFilter) -> tuple[list[dict[str, Any]], int]:
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
        f"SELECT id, at, body FROM launches {where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*args, wanted.limit, wanted.offset],
    )
    return [{"id": row[0], "at": row[1], **json.loads(row[2])} for row in rows], int(total)
