"""Group commit on a real SQLite file: a request's writes wait for one shared commit,
a failed write leaves nothing behind, and listeners hear only of committed data."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.core.progress import start
from simulator.fixtures import load
from simulator.store import Store
from tests.strategies import a_registration

FIXTURES = load()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "state.db")
    opened.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
    yield opened
    opened.close()


def committed_registrations(store: Store) -> set[str]:
    """What another connection (another process, or the file after a crash) sees."""
    other = sqlite3.connect(store.path)
    try:
        return {reg for (reg,) in other.execute("SELECT registration FROM registrations")}
    finally:
        other.close()


def launch(store: Store, n: int) -> str:
    state = a_registration(registration=f"00000000-0000-4000-8000-{n:012d}")
    store.record(start(state))
    return state.registration


async def test_writes_in_requests_share_one_commit_and_wait_for_it(store: Store) -> None:
    async def request(n: int) -> tuple[str, bool]:
        with store.deferred_commits():
            reg = launch(store, n)
        visible_before = reg in committed_registrations(store)
        await store.durable()
        return reg, visible_before

    results = await asyncio.gather(*(request(n) for n in range(5)))
    assert not any(seen for _, seen in results)  # nothing committed before the group
    assert {reg for reg, _ in results} <= committed_registrations(store)
    ids = [t["transactionId"] for t in store.transactions()]
    assert ids == sorted(ids) and len(set(ids)) == 5


async def test_a_failed_write_in_a_group_leaves_the_others(store: Store) -> None:
    with store.deferred_commits():
        kept = launch(store, 1)
        with pytest.raises(RuntimeError), store.transaction() as db:
            db.execute(
                "INSERT INTO learners (organization_id, email) VALUES ('acme-learning', 'x@y.z')"
            )
            raise RuntimeError("the write fails half-way")
        also_kept = launch(store, 2)
    await store.durable()
    assert committed_registrations(store) == {kept, also_kept}
    assert store.db.execute("SELECT COUNT(*) FROM learners WHERE email = 'x@y.z'").fetchone() == (
        0,
    )


async def test_a_write_outside_requests_commits_the_open_group_with_it(store: Store) -> None:
    with store.deferred_commits():
        grouped = launch(store, 1)
    at_once = launch(store, 2)  # seed, the webhook engine, a test calling the service
    assert committed_registrations(store) == {grouped, at_once}


async def test_listeners_hear_of_a_write_only_once_it_is_committed(store: Store) -> None:
    heard: list[set[str]] = []
    with store.deferred_commits():
        reg = launch(store, 1)
        store.after_commit(lambda: heard.append(committed_registrations(store)))
        with pytest.raises(RuntimeError), store.transaction():
            store.after_commit(lambda: heard.append({"rolled back"}))
            raise RuntimeError
    assert heard == []
    await store.durable()
    assert heard == [{reg}]


def test_without_a_running_loop_every_write_commits_at_once(store: Store) -> None:
    with store.deferred_commits():
        reg = launch(store, 1)
    assert committed_registrations(store) == {reg}


async def test_transaction_ids_count_on_across_a_group_and_a_failed_write() -> None:
    """The writes of a group count their ids on from one another; one that fails after
    its insert gives its id back, as SQLite's own counter does; the next group goes on."""
    store = Store.open(":memory:")
    store.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
    try:
        with store.deferred_commits():
            launch(store, 1)
            launch(store, 2)
            with pytest.raises(RuntimeError), store.transaction():
                launch(store, 3)
                raise RuntimeError("the write fails after its insert")
            launch(store, 4)
        await store.durable()
        launch(store, 5)  # outside a request: committed at once
        with store.deferred_commits():
            launch(store, 6)
        await store.durable()
        ids = {t["registration"][-1]: t["transactionId"] for t in store.transactions()}
        assert ids == {"1": 1, "2": 2, "4": 3, "5": 4, "6": 5}
    finally:
        store.close()
