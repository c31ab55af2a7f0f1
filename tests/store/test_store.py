"""The store on real SQLite files: migrations, restarts, atomic writes."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.core.progress import Registration, start
from simulator.fixtures import load
from simulator.store import MIGRATIONS, SCHEMA_VERSION, Store
from tests.strategies import a_registration

FIXTURES = load()


def registration(reg: str = "80730e35-481a-4132-af54-1b8f4619abb6") -> Registration:
    return a_registration(registration=reg, organization_id="acme-learning")


def test_a_database_from_the_first_release_is_upgraded_with_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulator.store as store_module

    path = tmp_path / "old.db"
    with monkeypatch.context() as old_release:  # a simulator that knew only the first schema
        old_release.setattr(store_module, "MIGRATIONS", MIGRATIONS[:1])
        old_release.setattr(store_module, "SCHEMA_VERSION", MIGRATIONS[0][0])
        old = Store.open(path)
        old.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
        state, _ = old.record(start(registration()))
        old.close()
    upgraded = Store.open(path)
    assert upgraded.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert upgraded.registration(state.registration) == state
    upgraded.close()


def test_reopening_keeps_everything_and_migrates_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    store = Store.open(path)
    store.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
    state, transaction = store.record(start(registration()))
    store.close()
    again = Store.open(path)
    assert again.migrate() == SCHEMA_VERSION
    assert again.registration(state.registration) == state
    assert again.transactions() == [transaction]
    assert again.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_newer_database_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="newer than this simulator"):
        Store.open(path)


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "sim.db")
    store.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
    with pytest.raises(ZeroDivisionError), store.transaction():
        store.record(start(registration()))
        raise ZeroDivisionError
    assert store.registration(registration().registration) is None
    assert store.transactions() == []


def test_serve_does_not_import_faker() -> None:
    """faker costs a third of a second to import: only seed and learners may load it."""
    code = "import sys, simulator.commands.serve, simulator.server; print('faker' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_migration_merged_after_a_higher_one_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Branches add migrations in parallel: 004 may reach a database before 003.

    (003, the webhooks' tables, is one only webhook migrations build on, held back
    with it: 006 rebuilds 002's search index, so 002 cannot come after it.)"""
    import simulator.store as store_module

    if len(MIGRATIONS) < 4:
        pytest.skip("needs four migrations")
    path = tmp_path / "hole.db"
    without_third = [m for m in MIGRATIONS if m[0] != 3 and "webhook_" not in m[2]]
    with monkeypatch.context() as earlier:
        earlier.setattr(store_module, "MIGRATIONS", without_third)
        Store.open(path).close()
    store = Store.open(path)
    names = [name for (name,) in store.db.execute("SELECT name FROM schema_migrations")]
    assert sorted(names) == sorted(name for _, name, _ in MIGRATIONS)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    store.close()
