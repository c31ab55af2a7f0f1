"""The schema snapshot: what a new database is created from, in one step.

Migrations are history: 008 and 009 drop and build again what 002 to 004 made, so
running all nine on a new file did the same work several times (14 of a 27 ms
`serve` start, issue 14). `migrations/schema.sql` is the schema they leave, as
SQLite itself records it in `sqlite_master`, written by `python -m
simulator.store.snapshot` (`make schema`) from a database that ran every one.

The file names the digest of the migrations it was made from; one whose digest is
not that of the migrations in use (one added or edited since) is never used, so a
stale snapshot costs speed, never correctness. tests/store/test_schema_snapshot.py
fails until it is made again.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parent / "migrations" / "schema.sql"
_DIGEST_LINE = "-- sha256 of the migrations: "
REGENERATE = "make schema  (or: python -m simulator.store.snapshot)"

Migration = tuple[int, str, str]  # (number, file name, SQL), as `schema.load_migrations`


def digest(migrations: Sequence[Migration]) -> str:
    """What identifies a list of migrations: their numbers, names and texts."""
    hashed = hashlib.sha256()
    for number, name, script in migrations:
        hashed.update(f"{number}\0{name}\0{script}\0".encode())
    return hashed.hexdigest()


def schema_for(migrations: Sequence[Migration]) -> str | None:
    """The snapshot's SQL if it was made from exactly `migrations`, else None."""
    try:
        text = SNAPSHOT.read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(_DIGEST_LINE):
            return text if line.removeprefix(_DIGEST_LINE).strip() == digest(migrations) else None
    return None


def schema_statements(db: sqlite3.Connection) -> list[str]:
    """The CREATE statements of `db`'s schema in the order SQLite made its objects.

    Left out is what SQLite makes by itself: automatic indexes (no SQL),
    `sqlite_sequence`, and the shadow tables behind a full-text index."""
    made_by_sqlite = {
        name
        for _schema, name, kind, *_ in db.execute("PRAGMA main.table_list")
        if kind == "shadow" or name.startswith("sqlite_")
    }
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")
    return [sql for name, sql in rows if name not in made_by_sqlite]


def render(migrations: Sequence[Migration], statements: Sequence[str]) -> str:
    names = ", ".join(name for _number, name, _script in migrations)
    header = (
        "-- GENERATED: do not edit. The schema the migrations in this folder build, as\n"
        "-- SQLite records it; a new database is created from it in one transaction\n"
        "-- (Store.migrate, simulator/store/snapshot.py). After adding or changing a\n"
        f"-- migration, run: {REGENERATE}\n"
        f"-- Made from: {names}\n"
        f"{_DIGEST_LINE}{digest(migrations)}\n"
    )
    return header + "".join(f"\n{sql};\n" for sql in statements)


def build() -> str:
    """The snapshot as it should be: every migration run on a new in-memory database."""
    from simulator.store import MIGRATIONS, Store
    from simulator.store.connection import connect

    store = Store(connect(":memory:"), ":memory:")
    try:
        store.migrate(snapshot=False)
        return render(MIGRATIONS, schema_statements(store.db))
    finally:
        store.close()


def main() -> None:
    SNAPSHOT.write_text(build(), encoding="utf-8")
    print(f"wrote {SNAPSHOT}")


if __name__ == "__main__":
    main()
