"""A new database is created from `migrations/schema.sql`, the snapshot of what the
migrations build, in one step (issue 14: running all of them was half of a cold
start). It must be that schema exactly: the same tables, indexes, triggers and
full-text index, the same record of applied migrations, and the same behaviour."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import pytest

import simulator.store as store_module
from simulator import fixtures
from simulator.clock import VirtualClock
from simulator.config import Config
from simulator.core.progress import start
from simulator.core.report_query import ReportQuery
from simulator.service import Simulation
from simulator.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreOpenError
from simulator.store import snapshot as snapshot_module
from simulator.store.connection import connect
from simulator.store.reports import ReportStore
from simulator.store.snapshot import REGENERATE, SNAPSHOT, build, render, schema_for
from tests.strategies import a_registration

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
STALE = f"the schema snapshot {SNAPSHOT.name} is not what the migrations build: run {REGENERATE}"


def _migrated(path: Path) -> None:
    """A database made the long way: every migration run in turn."""
    store = Store(connect(str(path)), str(path))
    assert store.migrate(snapshot=False) == SCHEMA_VERSION
    store.close()


class Described(NamedTuple):
    schema: list[tuple[str, str, str, str | None]]  # (type, name, tbl_name, sql)
    rows: dict[str, list[tuple[object, ...]]]
    user_version: int
    integrity: str


def _describe(path: Path) -> Described:
    """What a database is, schema and contents: sqlite_master in the order SQLite made
    its objects (FTS5 shadow tables and automatic indexes included), every table's rows
    (the shadow tables', `sqlite_sequence` and `schema_migrations` included), and the
    version recorded in the file."""
    with sqlite3.connect(path) as db:
        schema = db.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid"
        ).fetchall()
        tables = [name for kind, name, _, sql in schema if kind == "table" and sql]
        rows = {
            name: sorted(db.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in tables
            if not db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = ? AND sql LIKE 'CREATE VIRTUAL%'",
                (name,),
            ).fetchone()
        }
        (version,) = db.execute("PRAGMA user_version").fetchone()
        (check,) = db.execute("PRAGMA integrity_check").fetchone()
    db.close()
    return Described(schema, rows, version, check)


def test_the_snapshot_is_made_from_the_migrations_there_are() -> None:
    assert schema_for(MIGRATIONS) is not None, STALE
    assert SNAPSHOT.read_text(encoding="utf-8") == build(), STALE


def test_a_database_from_the_snapshot_is_the_one_the_migrations_build(tmp_path: Path) -> None:
    _migrated(tmp_path / "migrated.db")
    Store.open(tmp_path / "new.db").close()
    migrated, new = _describe(tmp_path / "migrated.db"), _describe(tmp_path / "new.db")
    assert new == migrated, STALE
    # What the comparison covers is really there.
    names = {name for _kind, name, _table, _sql in migrated.schema}
    assert {"registration_search", "registration_search_data", "sqlite_sequence"} <= names
    assert {"registration_search_update", "launches_course"} <= names
    assert sorted(migrated.rows["schema_migrations"]) == [(n, name) for n, name, _ in MIGRATIONS]
    assert migrated.user_version == SCHEMA_VERSION and migrated.integrity == "ok"


def test_the_snapshot_is_used_only_for_a_new_database(tmp_path: Path) -> None:
    """Fewer free pages tell the two paths apart: the migrations drop what they rebuilt."""
    _migrated(tmp_path / "migrated.db")
    Store.open(tmp_path / "new.db").close()
    Store.open(tmp_path / "migrated.db").close()  # not new: nothing to do
    free = {}
    for name in ("migrated.db", "new.db"):
        with sqlite3.connect(tmp_path / name) as db:
            free[name] = db.execute("PRAGMA freelist_count").fetchone()[0]
        db.close()
    assert free["new.db"] == 0 < free["migrated.db"]


def test_a_snapshot_not_made_from_these_migrations_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration added (or edited) without making the snapshot again still reaches a
    new database: the snapshot is then passed over, never half right."""
    later = (SCHEMA_VERSION + 1, f"{SCHEMA_VERSION + 1:03d}_notes.sql", "CREATE TABLE notes (x);")
    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, later])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", later[0])
    store = Store.open(tmp_path / "new.db")
    try:
        assert store.db.execute("SELECT COUNT(*) FROM notes").fetchone() == (0,)
        assert store.db.execute("PRAGMA user_version").fetchone() == (later[0],)
        names = [name for (name,) in store.db.execute("SELECT name FROM schema_migrations")]
        assert names == [name for _, name, _ in [*MIGRATIONS, later]]
    finally:
        store.close()


def test_a_snapshot_that_fails_leaves_the_file_new_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "schema.sql"
    broken.write_text(render(MIGRATIONS, ["CREATE TABLE t (x)", "CREATE TABLE t (x)"]))
    monkeypatch.setattr(snapshot_module, "SNAPSHOT", broken)
    path = tmp_path / "new.db"
    with pytest.raises(StoreOpenError, match=r"new\.db: creating the schema .*already exists"):
        Store.open(path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone() == (0,)
        assert db.execute("PRAGMA user_version").fetchone() == (0,)
    db.close()
    monkeypatch.undo()
    Store.open(path).close()  # the next start, with a sound snapshot, creates it
    assert _describe(path).user_version == SCHEMA_VERSION


def test_a_new_file_another_process_creates_first_is_opened_as_it_left_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two simulators starting on the same new file: the second to write finds the
    schema made (its CREATE fails) and opens the file as any existing one."""
    path = tmp_path / "new.db"
    sound = schema_for(MIGRATIONS)

    def raced(migrations: object) -> str | None:
        monkeypatch.undo()  # the other process, between the look and the write:
        Store.open(path).close()
        return sound

    monkeypatch.setattr(snapshot_module, "schema_for", raced)
    store = Store.open(path)
    try:
        assert store.migrate() == SCHEMA_VERSION
    finally:
        store.close()
    _migrated(tmp_path / "migrated.db")
    new, migrated = _describe(path), _describe(tmp_path / "migrated.db")
    assert (new.user_version, new.rows) == (migrated.user_version, migrated.rows)


def _story(path: Path) -> list[object]:
    """What a user sees of launches, progress, completions, a reused `reg`, searches and
    a reset: every answer that depends on the schema's triggers and search index."""
    loaded = fixtures.load()
    store = Store.open(path)
    store.load_fixtures(loaded.organizations, loaded.activities)
    sim = Simulation(Config(db=str(path)), VirtualClock(NOW), store, loaded)
    org = loaded.organizations[0]
    course = next(a.id for a in loaded.activities if a.kind == "course")
    reports = ReportStore(store.db, store.transaction)
    seen: list[object] = []

    def launch(n: int, name: str) -> str:
        reg = f"0b6e7a52-4c1d-4f7e-9a3b-{n:012d}"
        params = {
            "reg": reg,
            "em": f"{name.lower()}{n}@example.com",
            "fn": f"{name} Example",
            "dom": org.domains[0].removeprefix("*."),
            "lmsId": org.lms_ids["staging"],
        }
        assert sim.launch(course, params).registration is not None
        return reg

    def search(text: str, shown: str = "") -> list[str]:
        _total, body = reports.page(org.id, ReportQuery(token="t", search=text), False)
        found = [str(r["registration"]) for r in json.loads(body)]
        seen.append((shown or text, found))
        return found

    try:
        for _round in range(2):
            ann, bob = launch(1, "Annika"), launch(2, "Bobby")
            assert search("annika") == [ann]  # indexes both
            sim.set_progress(ann, 40)
            code = sim.complete(bob).completion_code
            assert code and search(code, "bob's code") == [bob]  # the completion re-indexed bob
            cid = launch(3, "Cidney")
            assert search("cidney") == [cid]  # a launch after the index was read
            again = a_registration(
                registration=ann, organization_id=org.id, first_name="Dorothea", email="d@ex.com"
            )
            store.record(start(again))
            assert search("annika") == [] and search("dorothea") == [ann]  # `reg` reused
            seen.append(sorted(t for (t,) in store.db.execute("SELECT title FROM report_titles")))
            store.db.execute(
                "INSERT INTO registration_search (registration_search, rank)"
                " VALUES ('integrity-check', 0)"
            )
            store.reset(loaded.organizations, loaded.activities)
            reports.reset()
            assert search("example") == []
    finally:
        store.close()
    return seen


def test_a_database_from_the_snapshot_behaves_as_a_migrated_one(tmp_path: Path) -> None:
    _migrated(tmp_path / "migrated.db")
    assert _story(tmp_path / "new.db") == _story(tmp_path / "migrated.db")
