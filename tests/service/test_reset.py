"""Reset: the store empties what the schema holds, and the running parts are rebuilt."""

from __future__ import annotations

import socket
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from simulator.core.progress import Registration, start
from simulator.fixtures import load
from simulator.pytest_plugin import SimHelper
from simulator.server import Simulator
from simulator.store import Store
from tests.strategies import a_registration

FIXTURES = load()
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def registration(email: str) -> Registration:
    return a_registration(
        registration=str(uuid.uuid4()), organization_id="acme-learning", email=email
    )


def counts(store: Store) -> dict[str, int]:
    """Rows per table, full-text index internals aside (they keep their own bookkeeping)."""
    names = [
        row[1]
        for row in store.db.execute("PRAGMA table_list")
        if row[0] == "main" and row[2] in ("table", "virtual") and row[1] != "sqlite_schema"
    ]
    return {n: store.db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


def test_reset_empties_every_table_even_one_it_was_never_told_about(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "sim.db")
    store.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
    fresh = counts(store)
    # A table a later migration might add, with a foreign key to one that exists.
    store.db.execute(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, learner INTEGER REFERENCES learners (id))"
    )
    for i in range(5):
        store.record(start(registration(f"k{i}@example.com")))
    store.db.execute("INSERT INTO notes (learner) SELECT id FROM learners")
    store.add_organization(
        FIXTURES.organizations[0].__class__(
            id="initech", name="Initech", token=str(uuid.uuid4()), domains=("x.test",),
            lms_ids={"staging": "I-S", "production": "I-P"},
        )
    )  # fmt: skip
    store.reset(FIXTURES.organizations, FIXTURES.activities)
    after = counts(store)
    assert after.pop("notes") == 0
    assert after == fresh  # fixtures back, the migration record kept, all else empty
    assert [o.id for o in store.organizations()] == [o.id for o in FIXTURES.organizations]
    _, transaction = store.record(start(registration("again@example.com")))
    assert transaction["transactionId"] == 1
    store.close()


def test_reset_keeps_fixture_organizations_and_their_tokens(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "sim.db")
    store.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
    before = [o.to_json() for o in store.organizations()]
    store.reset(FIXTURES.organizations, FIXTURES.activities)
    assert [o.to_json() for o in store.organizations()] == before
    store.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_reset_drops_subscriptions_and_their_open_bundles(sim: SimHelper) -> None:
    url = f"http://127.0.0.1:{closed_port()}/webhook"
    sim.add_webhook(url, allowInsecure=True, bundleWindowMs=60_000)
    sim.set_progress(sim.start_course()["registration"], 30)  # a bundle window is open
    sim.reset()
    sim.advance(3600)  # the old window would have closed and its bundle been attempted
    assert sim.webhooks() == [] and sim.deliveries() == [] and sim.missed() == []
    hook = sim.add_webhook(url, allowInsecure=True, bundleWindowMs=0, retrySchedule=[])
    sim.start_course()
    sim.advance(1)
    attempts = sim.deliveries()
    assert [a["webhookId"] for a in attempts] == [hook["id"]]  # the new engine delivers


async def test_reset_brings_back_the_configured_subscription() -> None:
    url = f"http://127.0.0.1:{closed_port()}/webhook"
    async with Simulator(webhook_url=url, allow_insecure_webhooks=True) as server:
        parts = server.parts
        before = [s.to_json() for s in parts.engine.subscriptions()]
        parts.engine.create({"url": url, "allowInsecure": True, "organizationId": "acme-learning"})
        await parts.reset()
        assert [s.to_json() for s in parts.engine.subscriptions()] == before


def test_the_search_index_forgets_reset_and_replaced_registrations(tmp_path: Path) -> None:
    """The index keeps no texts of its own: a reused `reg` and a reset must leave it exact."""
    import json

    from msgspec.structs import replace

    from simulator.core.report_query import ReportQuery
    from simulator.store.reports import ReportStore

    def found(store: Store, search: str) -> list[str]:
        query = ReportQuery(token="t", number=1000, search=search)
        _, body = ReportStore(store.db, store.transaction).page("acme-learning", query, False)
        return [record["lastName"] for record in json.loads(body)]

    store = Store.open(tmp_path / "sim.db")
    store.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
    first = replace(registration("kim@example.com"), last_name="Oldname")
    store.record(start(first))
    store.record(start(replace(first, last_name="Newname")))  # the same reg, launched again
    assert found(store, "Oldname") == []
    assert found(store, "Newname") == ["Newname"]
    store.reset(FIXTURES.organizations, FIXTURES.activities)
    assert found(store, "Newname") == []
    store.record(start(replace(registration("lee@example.com"), last_name="Afterreset")))
    assert found(store, "Afterreset") == ["Afterreset"]
    assert found(store, "Newname") == []
    store.db.execute(
        "INSERT INTO registration_search (registration_search, rank) VALUES ('integrity-check', 0)"
    )
    store.close()


def test_reset_after_launches_keeps_the_connections_secure_delete_setting(
    tmp_path: Path,
) -> None:
    """Reset leaves freed pages unzeroed while it empties, then puts the setting back."""
    store = Store.open(tmp_path / "sim.db")
    store.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
    for setting in (1, 0):
        store.db.execute(f"PRAGMA secure_delete = {setting}")
        for i in range(20):
            store.record(start(registration(f"s{setting}-{i}@example.com")))
        store.reset(FIXTURES.organizations, FIXTURES.activities)
        assert store.db.execute("PRAGMA secure_delete").fetchone()[0] == setting
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()


def test_reset_to_other_fixtures_replaces_the_stored_ones(tmp_path: Path) -> None:
    """Fixtures unchanged are kept as they are; changed ones are loaded again."""
    from msgspec.structs import replace

    store = Store.open(tmp_path / "sim.db")
    store.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
    renamed = [replace(FIXTURES.organizations[0], name="Acme Renamed"), *FIXTURES.organizations[1:]]
    fewer = FIXTURES.activities[:2]
    store.reset(renamed, fewer)
    assert store.organizations() == renamed
    assert store.activities() == tuple(fewer)
    store.close()
    again = Store.open(tmp_path / "sim.db")  # what was written, not only what was cached
    assert again.organizations() == renamed
    assert again.activities() == tuple(fewer)
    again.reset(FIXTURES.organizations, FIXTURES.activities)
    assert again.organizations() == list(FIXTURES.organizations)
    assert again.activities() == tuple(FIXTURES.activities)
    again.close()


def test_reset_follows_schema_changes_made_between_resets(tmp_path: Path) -> None:
    """What reset learnt of the schema at one reset is read again once the schema changed:
    a table added later is emptied, with its foreign key and its delete trigger, and both
    still hold afterwards."""
    store = Store.open(tmp_path / "sim.db")
    store.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
    store.record(start(registration("first@example.com")))
    store.reset(FIXTURES.organizations, FIXTURES.activities)
    store.db.execute("CREATE TABLE deleted_learners (id INTEGER PRIMARY KEY, email TEXT);")
    store.db.execute(
        "CREATE TABLE learner_notes (id INTEGER PRIMARY KEY,"
        " learner INTEGER NOT NULL REFERENCES learners (id))"
    )
    store.db.execute(
        "CREATE TRIGGER learner_gone AFTER DELETE ON learners BEGIN"
        " INSERT INTO deleted_learners (email) VALUES (OLD.email); END"
    )
    store.record(start(registration("second@example.com")))
    store.db.execute("INSERT INTO learner_notes (learner) SELECT id FROM learners")
    store.reset(FIXTURES.organizations, FIXTURES.activities)
    triggers = {
        row[0] for row in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    assert "learner_gone" in triggers
    counts_after = counts(store)
    assert counts_after["learners"] == counts_after["registrations"] == 0
    assert counts_after["learner_notes"] == 0
    assert counts_after["deleted_learners"] == 0  # emptied, not filled by the trigger
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute("INSERT INTO learner_notes (learner) VALUES (12345)")
    store.close()


def test_reset_leaves_the_schema_and_its_prepared_statements_as_they_are(tmp_path: Path) -> None:
    """Emptying the simulator's own tables changes no schema and no connection setting:
    either would make SQLite prepare every statement of the connection again, in the
    reset and in each request after it (issue 14)."""
    store = Store.open(tmp_path / "sim.db")
    store.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
    before = store.db.execute("PRAGMA schema_version").fetchone()[0]
    for i in range(30):
        store.record(start(registration(f"r{i}@example.com")))
    store.reset(FIXTURES.organizations, FIXTURES.activities)
    assert store.db.execute("PRAGMA schema_version").fetchone()[0] == before
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert counts(store)["registrations"] == 0
    store.close()


def test_a_registration_needs_a_stored_learner(tmp_path: Path) -> None:
    """What the foreign key to learners guaranteed, a trigger guarantees (migration 011)."""
    store = Store.open(tmp_path / "sim.db")
    store.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
    store.record(start(registration("known@example.com")))
    (columns,) = store.db.execute(
        "SELECT group_concat(name) FROM pragma_table_info('registrations')"
    ).fetchone()
    assert "learner_id" in columns.split(",")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        store.db.execute(
            "INSERT INTO registrations (registration, organization_id, learner_id, course_id,"
            " activity_id, activity_title, email, first_name, last_name, progress,"
            " date_started, last_activity_at, transaction_id)"
            " VALUES ('r-x', 'acme-learning', 999, 'c', 'a', 't', 'e@x.test', 'F', 'L', 0,"
            " '2026-01-05T09:00:00.000Z', '2026-01-05T09:00:00.000Z', 1)"
        )
    store.close()
