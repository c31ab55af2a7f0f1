"""Migration 011: registrations without a delete trigger or a foreign key (so reset
truncates them), their rowid a column. A database upgraded with its data keeps every
row under the same rowid, and its searches, pages and new launches answer as before,
records indexed for search and records not yet indexed alike; so after a VACUUM."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import simulator.store as store_module
from simulator import fixtures
from simulator.core.progress import Step
from simulator.core.report_query import ReportQuery
from simulator.seed import generate
from simulator.store import MIGRATIONS, Store
from simulator.store.reports import ReportStore

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
ORGANIZATION = "acme-learning"
LOADED = fixtures.load()


def _steps(count: int, seed: int) -> list[Step]:
    return list(
        generate(
            count,
            seed=seed,
            now=NOW,
            organization=LOADED.organizations[0],
            activities=LOADED.activities,
        )
    )


def _answers(store: Store) -> list[tuple[int, object]]:
    reports = ReportStore(store.db, store.transaction)
    _total, body = reports.page(ORGANIZATION, ReportQuery(token="t", number=1000), False)
    whole = json.loads(body)
    queries = [ReportQuery(token="t", number=1000)]
    for record in whole[::17]:
        for search in (record["email"], record["registration"][:13], record["lastName"][:3]):
            queries.append(ReportQuery(token="t", number=1000, search=search))
    queries.append(ReportQuery(token="t", number=50, start=20, sort="lastName", order="DESC"))
    answers: list[tuple[int, object]] = []
    for query in queries:
        total, page = reports.page(ORGANIZATION, query, False)
        answers.append((total, json.loads(page)))
    return answers


def _rows(store: Store) -> list[tuple[Any, ...]]:
    return store.db.execute(
        "SELECT rowid, registration, learner_id, email, completion_code, transaction_id"
        " FROM registrations ORDER BY rowid"
    ).fetchall()


def test_an_upgraded_database_keeps_its_rowids_and_answers_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows the search index holds and rows it does not hold yet (left to the next
    search to index) alike: the first search after the upgrade indexes the latter
    under their unchanged rowids, exactly once. The answers expected are the old
    release's own, from a twin database (reading the upgraded one first would index
    what the upgrade must copy unindexed)."""
    path, twin = tmp_path / "old.db", tmp_path / "twin.db"
    before_011 = [m for m in MIGRATIONS if m[0] < 11]
    with monkeypatch.context() as old_release:
        old_release.setattr(store_module, "MIGRATIONS", before_011)
        old_release.setattr(store_module, "SCHEMA_VERSION", before_011[-1][0])
        for target in (path, twin):
            old = Store.open(target)
            old.load_fixtures(LOADED.organizations, LOADED.activities)
            first = _steps(120, seed=21)
            old.record_many(first)
            for step in _steps(80, seed=22):
                old.record(step)
            old.record(first[0])  # a reg launched again: a new rowid, a gap
            old.close()
        old = Store.open(path)
        rows = _rows(old)
        assert old.db.execute("PRAGMA foreign_key_list(registrations)").fetchall()
        old.close()
        old = Store.open(twin)
        expected = _answers(old)
        old.close()
    upgraded = Store.open(path)
    try:
        assert _rows(upgraded) == rows
        assert upgraded.db.execute("PRAGMA foreign_key_list(registrations)").fetchall() == []
        assert upgraded.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (pending,) = upgraded.db.execute(
            "SELECT COUNT(*) FROM registrations"
            " WHERE rowid > (SELECT COALESCE(MAX(upto), 0) FROM registration_search_upto)"
        ).fetchone()
        assert pending == 81
        assert _answers(upgraded) == expected
        (indexed,) = upgraded.db.execute("SELECT COUNT(*) FROM registration_search").fetchone()
        assert indexed == 200
        step = _steps(1, seed=23)[0]  # its start
        registration, _transaction = upgraded.record(step)
        (rowid,) = upgraded.db.execute(
            "SELECT rowid FROM registrations WHERE registration = ?", (registration.registration,)
        ).fetchone()
        assert rowid == rows[-1][0] + 1
        reports = ReportStore(upgraded.db, upgraded.transaction)
        query = ReportQuery(token="t", search=registration.email)
        found = json.loads(reports.page(ORGANIZATION, query, False)[1])
        assert registration.registration in [r["registration"] for r in found]
    finally:
        upgraded.close()


def test_vacuum_keeps_every_registration_where_search_finds_it(tmp_path: Path) -> None:
    """The rowid the search index and the in-memory records point at is a column now:
    VACUUM may renumber an implicit rowid, never this one."""
    path = tmp_path / "sim.db"
    store = Store.open(path)
    store.load_fixtures(LOADED.organizations, LOADED.activities)
    steps = _steps(200, seed=31)
    store.record_many(steps[:100])
    for step in steps[100:]:
        store.record(step)
    expected = _answers(store)
    store.close()
    with sqlite3.connect(path) as db:
        db.execute("VACUUM")
    db.close()
    again = Store.open(path)
    try:
        assert _answers(again) == expected
    finally:
        again.close()
