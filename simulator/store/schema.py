"""What `Store.reset` empties, read from the schema itself rather than from a list.

Every table in `sqlite_master` is state to forget, except the migration record,
SQLite's own tables (but `sqlite_sequence`, so AUTOINCREMENT ids count from 1 again)
and the shadow tables behind a full-text index (emptied through their index).
Tables holding rows are emptied the way SQLite does it cheaply (`empty`): what the
tables hold in pages, not in rows times indexes.
They are listed children before parents. A migration that adds a table needs no
other change.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

KEPT = frozenset({"schema_migrations"})


class ResetPlan(NamedTuple):
    """What emptying needs to know of a schema: read once per schema, not at every reset.

    Reading `sqlite_master` and the pragmas afresh cost about 0.15 ms of a 1.5 ms reset
    (issue 14). The plan names the `PRAGMA schema_version` it describes, so any change
    to the schema (a migration, a table added by hand between resets) is seen.
    """

    version: int
    tables: tuple[str, ...]  # to empty, each after every table whose foreign keys point at it
    linked: bool  # some of them take part in a foreign key: emptied with the keys off
    delete_triggers: tuple[tuple[str, str, str], ...]  # (table, trigger, SQL), as created
    virtual: frozenset[str]


def reset_plan(
    db: sqlite3.Connection, kept: frozenset[str] = KEPT, known: ResetPlan | None = None
) -> ResetPlan:
    """The plan for `db`'s schema as it is: `known` when it still describes it."""
    version = schema_version(db)
    if known is not None and known.version == version:
        return known
    listed = [  # (name, type): shadow tables behind a full-text index are emptied through it
        (name, kind)
        for schema, name, kind, *_ in db.execute("PRAGMA table_list")
        if schema == "main"
        and kind in ("table", "virtual")
        and (name == "sqlite_sequence" or not name.startswith("sqlite_"))
    ]  # `sqlite_sequence` too: AUTOINCREMENT ids count from 1 again after a reset
    names = sorted(name for name, _kind in listed)
    parents = {
        name: {row[2] for row in db.execute(f"PRAGMA foreign_key_list({quote(name)})")}
        for name in names
    }
    tables = _children_first([name for name in names if name not in kept], parents)
    linked = any(
        child in tables or parent in tables
        for child, its_parents in parents.items()
        for parent in its_parents
    )
    triggers = tuple(
        (table, name, sql)
        for table, name, sql in db.execute(
            "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid"
        )
        if _DELETE_TRIGGER.search(sql.split("BEGIN", 1)[0])
    )
    virtual = frozenset(name for name, kind in listed if kind == "virtual")
    return ResetPlan(version, tuple(tables), linked, triggers, virtual)


def _children_first(names: list[str], parents: dict[str, set[str]]) -> list[str]:
    ordered: list[str] = []
    placed: set[str] = set()

    def place(name: str, path: frozenset[str]) -> None:
        if name in placed or name in path:
            return
        for child in (c for c in names if name in parents[c] and c != name):
            place(child, path | {name})
        placed.add(name)
        ordered.append(name)

    for name in names:
        place(name, frozenset())
    return ordered


def schema_version(db: sqlite3.Connection) -> int:
    (version,) = db.execute("PRAGMA schema_version").fetchone()
    return int(version)


def quote(name: str) -> str:
    """An identifier as SQL text (table names come from the schema, never from input)."""
    return '"' + name.replace('"', '""') + '"'


def nonempty(db: sqlite3.Connection, tables: Sequence[str]) -> list[str]:
    """Which of `tables` hold at least one row, asked in one statement."""
    if not tables:
        return []
    probes = ", ".join(f"EXISTS (SELECT 1 FROM {quote(t)})" for t in tables)
    flags = db.execute(f"SELECT {probes}").fetchone()
    return [table for table, flag in zip(tables, flags, strict=True) if flag]


def empty(db: sqlite3.Connection, plan: ResetPlan, tables: list[str]) -> ResetPlan:
    """Empty `tables` at the cost of their pages, not of their rows times their indexes;
    the plan for the schema as this leaves it.

    A plain `DELETE FROM t` visits every row in every index of `t` and fires its
    delete triggers (the search index's, per row), unless SQLite can truncate the
    table: no WHERE, no delete trigger, no foreign key to check. The schema has
    neither on the tables reset empties (migration 011), so nothing else is done. For
    a schema that has them: the caller turns foreign keys off (`plan.linked`), and each
    table's delete triggers are dropped for the moment and created again from their
    own SQL (a schema change, so every statement is prepared again afterwards). A
    full-text index is emptied by FTS5's 'delete-all' (or, where it refuses, dropped
    and created again). Run inside one transaction: every table holding rows is
    emptied, parents and children alike.

    SQLite as Debian and others build it overwrites every freed page with zeros
    (`secure_delete` on), so emptying wrote the whole of every table to the WAL again
    (226 pages after 300 launches, 7 times the pages that change). While emptying,
    freed pages are left as they are (`FAST`: deleted rows are still zeroed on the
    pages that stay in use), then the connection's setting is put back (issue 14).
    """
    if not tables:
        return plan
    (secure,) = db.execute("PRAGMA secure_delete").fetchone()
    db.execute("PRAGMA secure_delete = FAST")
    try:
        return _empty(db, plan, tables)
    finally:
        db.execute(f"PRAGMA secure_delete = {int(secure)}")


def _empty(db: sqlite3.Connection, plan: ResetPlan, tables: list[str]) -> ResetPlan:
    triggers = [(name, sql) for table, name, sql in plan.delete_triggers if table in tables]
    changed = bool(triggers)  # the schema, by this emptying
    for name, _sql in triggers:
        db.execute(f"DROP TRIGGER {quote(name)}")
    for table in tables:
        if table not in plan.virtual:
            db.execute(f"DELETE FROM {quote(table)}")
            continue
        try:
            db.execute(f"INSERT INTO {quote(table)} ({quote(table)}) VALUES ('delete-all')")
        except sqlite3.OperationalError:  # not FTS5, or one keeping its own texts
            _recreate(db, table)
            changed = True
    for _name, sql in triggers:
        db.execute(sql)
    if not changed:
        return plan
    # Its own changes (the triggers as they were) are known: the rest still holds.
    return plan._replace(version=schema_version(db))


_DELETE_TRIGGER = re.compile(r"\bDELETE\s+ON\b", re.IGNORECASE)


def _recreate(db: sqlite3.Connection, table: str) -> None:
    """Drop `table` and create it again, with its indexes and triggers, from its own SQL."""
    rows = db.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
        " ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid",
        (table,),
    ).fetchall()
    db.execute(f"DROP TABLE {quote(table)}")
    for (sql,) in rows:
        db.execute(sql)


def load_migrations() -> list[tuple[int, str, str]]:
    """The numbered scripts in `migrations/`, in order: (number, file name, SQL); not
    `schema.sql`, the snapshot of what they build (`snapshot.py`).

    Read beside this file, as `simulator.fixtures` finds the bundled fixtures:
    `importlib.resources` (and the zipfile it brings) cost every start a few
    milliseconds for a package that is always installed as files (issue 14)."""
    folder = Path(__file__).resolve().parent / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql") and entry.name != "schema.sql":  # snapshot.py's
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)
