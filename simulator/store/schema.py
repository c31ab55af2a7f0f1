"""What `Store.reset` empties, read from the schema itself rather than from a list.

Every table in `sqlite_master` is state to forget, except the migration record,
SQLite's own tables and the shadow tables behind a full-text index (emptied
through their index). Children come before parents, so foreign keys hold at
every step. A migration that adds a table needs no other change.
"""

from __future__ import annotations

import sqlite3
from importlib import resources

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


def load_migrations() -> list[tuple[int, str, str]]:
    """The numbered scripts in `migrations/`, in order: (number, file name, SQL)."""
    folder = resources.files("simulator.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)
