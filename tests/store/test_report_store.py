"""The report SQL on a real SQLite store: search index upkeep and remembered answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import islice

import pytest

from simulator import fixtures
from simulator.core.report_query import ReportQuery, matches_search
from simulator.seed import generate
from simulator.store import Store
from simulator.store.reports import ReportStore

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):  # type: ignore[no-untyped-def]
    loaded = fixtures.load()
    store = Store.open(tmp_path / "reports.db")
    store.load_fixtures(loaded.organizations, loaded.activities)
    store.steps = generate(  # type: ignore[attr-defined]
        400, seed=5, now=NOW, organization=loaded.organizations[0], activities=loaded.activities
    )
    yield store
    store.close()


def query(**fields: object) -> ReportQuery:
    return ReportQuery(token="t", number=1000, **fields)  # type: ignore[arg-type]


def page(reports: ReportStore, **fields: object) -> tuple[int, list[dict]]:
    total, body = reports.page("acme-learning", query(**fields), False)
    return total, json.loads(body)


def test_the_search_index_follows_every_write(store: Store) -> None:
    store.record_many(islice(store.steps, 300))  # type: ignore[attr-defined]
    reports = ReportStore(store.db, store.transaction)
    total, records = page(reports)
    assert total == len(records) > 100
    for record in records[::7]:
        for search in (record["email"][2:9], record["registration"][-10:], "ab", "x"):
            expected = [r for r in records if matches_search(search, r)]
            assert page(reports, search=search)[1] == expected, search
        if record["completionCode"]:
            assert page(reports, search=record["completionCode"])[1] == [record]
    # the index holds one row per registration, however often each was rewritten
    (indexed,) = store.db.execute("SELECT COUNT(*) FROM registration_search").fetchone()
    assert indexed == total


def test_a_write_on_the_connection_forgets_remembered_pages(store: Store) -> None:
    store.record_many(islice(store.steps, 100))  # type: ignore[attr-defined]
    reports = ReportStore(store.db, store.transaction)
    first = reports.page("acme-learning", query(), False)
    assert reports.page("acme-learning", query(), False)[1] is first[1]
    reports.save_usage("t", NOW.date(), 3)  # a quota count is not a data change
    assert reports.page("acme-learning", query(), False)[1] is first[1]
    store.record_many(islice(store.steps, 50))  # type: ignore[attr-defined]
    total, body = reports.page("acme-learning", query(), False)
    assert total > first[0] and len(json.loads(body)) == total


def test_a_write_by_another_connection_is_noticed(store: Store, tmp_path) -> None:
    store.record_many(islice(store.steps, 100))  # type: ignore[attr-defined]
    reports = ReportStore(store.db, store.transaction)
    before, _ = page(reports)
    other = Store.open(tmp_path / "reports.db")
    try:
        other.record_many(islice(store.steps, 60))  # type: ignore[attr-defined]
    finally:
        other.close()
    after, records = page(reports)
    assert after > before and len(records) == after


def test_reset_empties_titles_search_and_quotas(store: Store) -> None:
    store.record_many(islice(store.steps, 50))  # type: ignore[attr-defined]
    reports = ReportStore(store.db, store.transaction)
    reports.save_limit("t", 9)
    loaded = fixtures.load()
    store.reset(loaded.organizations, loaded.activities)
    for table in ("registration_search", "report_titles", "quotas"):
        assert store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)


def test_deep_pages_are_the_same_slice_of_the_same_order(store: Store, monkeypatch) -> None:
    """Past DEEP_START a page is located by rowid first; it must be the very same page."""
    from simulator.core.records import WIRE_FIELDS
    from simulator.core.report_query import sort_key
    from simulator.store import reports as report_sql

    store.record_many(islice(store.steps, 200))  # type: ignore[attr-defined]
    monkeypatch.setattr(report_sql, "DEEP_START", 10)
    reports = ReportStore(store.db, store.transaction)
    _total, whole = page(reports)
    for field in WIRE_FIELDS:
        for order in ("ASC", "DESC"):
            expected = sorted(whole, key=lambda r, f=field: sort_key(f, r))
            if order == "DESC":
                expected.reverse()
            for start in (0, 10, 37, len(whole) - 5):
                got = page(reports, sort=field, order=order, start=start)[1][:25]
                assert got == expected[start : start + 25], (field, order, start)
            searched = page(reports, sort=field, order=order, start=12, search="e")[1]
            assert searched == [r for r in expected if matches_search("e", r)][12:]


@pytest.mark.parametrize("limit", [0, 10_000])
def test_walking_and_index_driven_searches_agree(store: Store, monkeypatch, limit: int) -> None:
    """A search is read from the trigram index or checked along the sort index
    depending on how many records it matches; both must give the same answer."""
    from simulator.core.report_query import sort_key
    from simulator.store import report_search

    store.record_many(islice(store.steps, 300))  # type: ignore[attr-defined]
    monkeypatch.setattr(report_search, "drive_limit", lambda records: limit)
    reports = ReportStore(store.db, store.transaction)
    _total, whole = page(reports)
    for search in ("gmx", "son", "mann", ".de", "a", "er"):
        expected = sorted(
            (r for r in whole if matches_search(search, r)), key=lambda r: sort_key("email", r)
        )
        total, found = page(reports, search=search, sort="email", start=3)
        assert total == len(expected) and found == expected[3:], search
        assert page(reports, search=search, completed=True)[0] == sum(
            1 for r in expected if r["dateCompleted"]
        )


def test_a_database_from_before_the_progress_api_is_upgraded(tmp_path, monkeypatch) -> None:
    """Registrations written by a simulator without migration 002 become searchable."""
    import simulator.store as store_module

    loaded = fixtures.load()
    path = tmp_path / "old.db"
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:1])
        patch.setattr(store_module, "SCHEMA_VERSION", 1)
        old = Store.open(path)
        old.load_fixtures(loaded.organizations, loaded.activities)
        steps = generate(
            40, seed=9, now=NOW, organization=loaded.organizations[0], activities=loaded.activities
        )
        old.record_many(steps)
        old.close()
    upgraded = Store.open(path)
    try:
        reports = ReportStore(upgraded.db, upgraded.transaction)
        total, records = page(reports)
        assert total == 40
        for record in records[::5]:
            assert page(reports, search=record["email"])[1] == [record]
            title = record["activityTitle"][3:12]
            assert record in page(reports, search=title)[1]
    finally:
        upgraded.close()
