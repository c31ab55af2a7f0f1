"""What `Store.reset` empties, read from the schema itself rather than from a list.

Every table in `sqlite_master` is state to forget, except the migration record,
SQLite's own tables and the shadow tables behind a full-text index (emptied
through their index). Tables holding rows are emptied the way SQLite does it
cheaply (`empty`): what the tables hold in pages, not in rows times indexes.
They are listed children before parents. A migration that adds a table needs no
other change.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import NamedTuple

KEPT = frozenset({"schema_migrations"})


def resettable_tables(db: sqlite3.Connection, kept: frozenset[str] = KEPT) -> list[str]:
    """Tables `reset` empties, each after every table whose foreign keys point at it."""
    rows = db.execute("PRAGMA table_list").fetchall()  # (schema, name, type, ...)
    names = sorted(
        name
        for schema, name, kind, *_ in rows
        if schema == "main"
        and kind in ("table", "virtual")
        and not name.startswith("sqlite_")
        and name not in kept
    )
    parents = {
        name: {row[2] for row in db.execute(f"PRAGMA foreign_key_list({quote(name)})")}
        for name in names
    }
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


def quote(name: str) -> str:
    """An identifier as SQL text (table names come from the schema, never from input)."""
    return '"' + name.replace('"', '""') + '"'


def nonempty(db: sqlite3.Connection, tables: list[str]) -> list[str]:
    """Which of `tables` hold at least one row, asked in one statement."""
    if not tables:
        return []
    probes = ", ".join(f"EXISTS (SELECT 1 FROM {quote(t)})" for t in tables)
    flags = db.execute(f"SELECT {probes}").fetchone()
    return [table for table, flag in zip(tables, flags, strict=True) if flag]


def empty(db: sqlite3.Connection, tables: list[str]) -> None:
    """Empty `tables` at the cost of their pages, not of their rows times their indexes.

    A plain `DELETE FROM t` visits every row in every index of `t` and fires its
    delete triggers (the search index's, per row), unless SQLite can truncate the
    table: no WHERE, no delete trigger, no foreign key to check. So each table's
    delete triggers are dropped for the moment and created again from their own SQL
    in `sqlite_master`, and a full-text index is emptied by FTS5's 'delete-all' (or,
    where it refuses, dropped and created again). Run inside one transaction, with
    foreign keys off: every table holding rows is emptied, parents and children alike.

    SQLite as Debian and others build it overwrites every freed page with zeros
    (`secure_delete` on), so emptying wrote the whole of every table to the WAL again
    (226 pages after 300 launches, 7 times the pages that change). While emptying,
    freed pages are left as they are (`FAST`: deleted rows are still zeroed on the
    pages that stay in use), then the connection's setting is put back (issue 14).
    """
    if not tables:
        return
    (secure,) = db.execute("PRAGMA secure_delete").fetchone()
    db.execute("PRAGMA secure_delete = FAST")
    try:
        _empty(db, tables)
    finally:
        db.execute(f"PRAGMA secure_delete = {int(secure)}")


def _empty(db: sqlite3.Connection, tables: list[str]) -> None:
    layout = _layout(db)
    triggers = [(name, sql) for table, name, sql in layout.delete_triggers if table in tables]
    for name, _sql in triggers:
        db.execute(f"DROP TRIGGER {quote(name)}")
    for table in tables:
        if table not in layout.virtual:
            db.execute(f"DELETE FROM {quote(table)}")
            continue
        try:
            db.execute(f"INSERT INTO {quote(table)} ({quote(table)}) VALUES ('delete-all')")
        except sqlite3.OperationalError:  # not FTS5, or one keeping its own texts
            _recreate(db, table)
    for _name, sql in triggers:
        db.execute(sql)
    _remember(db, layout)


class _Layout(NamedTuple):
    """What emptying needs to know of a schema, read once rather than at every reset:
    a reset changes the schema (the triggers), so every statement is prepared again at
    the next one, and reading `sqlite_master` and `pragma_table_list` afresh cost about
    0.15 ms of a 1.5 ms reset (issue 14)."""

    db: sqlite3.Connection  # held, so that no other connection can come to have its id
    version: int  # `PRAGMA schema_version` this describes: any other schema change differs
    delete_triggers: tuple[tuple[str, str, str], ...]  # (table, trigger, SQL), as created
    virtual: frozenset[str]


_LAYOUTS: dict[int, _Layout] = {}  # by id() of the connection: the few most recent
_LAYOUTS_KEPT = 4


def _layout(db: sqlite3.Connection) -> _Layout:
    (version,) = db.execute("PRAGMA schema_version").fetchone()
    known = _LAYOUTS.get(id(db))
    if known is not None and known.db is db and known.version == version:
        return known
    triggers = tuple(
        (table, name, sql)
        for table, name, sql in db.execute(
            "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid"
        )
        if _DELETE_TRIGGER.search(sql.split("BEGIN", 1)[0])
    )
    virtual = frozenset(
        name for (name,) in db.execute("SELECT name FROM pragma_table_list WHERE type = 'virtual'")
    )
    return _Layout(db, int(version), triggers, virtual)


def _remember(db: sqlite3.Connection, layout: _Layout) -> None:
    """Keep `layout` for the schema as emptying left it (its own changes are known)."""
    (version,) = db.execute("PRAGMA schema_version").fetchone()
    _LAYOUTS.pop(id(db), None)
    _LAYOUTS[id(db)] = layout._replace(version=int(version))
    while len(_LAYOUTS) > _LAYOUTS_KEPT:
        del _LAYOUTS[next(iter(_LAYOUTS))]


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
