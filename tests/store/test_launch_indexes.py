"""Migration 008 drops the registration indexes no query needs (a launch writes fewer
b-trees): a database upgraded with its data answers every report as before, and the
store's keyed lookups still find their rows without reading the whole table."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import simulator.store as store_module
from simulator import fixtures
from simulator.core.records import WIRE_FIELDS
from simulator.core.report_query import ReportQuery
from simulator.seed import generate
from simulator.store import MIGRATIONS, Store
from simulator.store import report_search as search_module
from simulator.store.reports import ReportStore

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
ORGANIZATION = "acme-learning"
DROPPED = {
    "registrations_learner",
    "reports_by_first_name",
    "reports_by_last_name",
    "reports_by_member",
    "reports_by_activity_id",
    "reports_by_activity_title",
    "reports_by_registration",
    "reports_by_date_started",
    "reports_by_date_completed",
    "reports_by_completion_code",
    "reports_by_title_exact",
}


def _queries(records: list[dict[str, object]]) -> list[ReportQuery]:
    """Every kind of report request whose plan an index could have served."""
    title = str(records[0]["activityTitle"])
    email = str(records[3]["email"])
    searches = ["", "a", "er", "son", "example", title[2:9], email, str(records[5]["registration"])]
    bounds: list[tuple[datetime | None, datetime | None]] = [
        (None, None),
        (NOW - timedelta(days=20), NOW - timedelta(days=5)),
    ]
    made = []
    for field in WIRE_FIELDS:
        for order in ("ASC", "DESC"):
            for search in searches:
                for start_date, end_date in bounds:
                    for completed in (False, True):
                        made.append(
                            ReportQuery(
                                token="t",
                                start=3,
                                number=40,
                                search=search,
                                completed=completed,
                                start_date=start_date,
                                end_date=end_date,
                                sort=field,
                                order=order,
                            )
                        )
    return made


def _answers(path: Path) -> list[tuple[int, list[dict[str, object]]]]:
    store = Store.open(path)
    try:
        reports = ReportStore(store.db, store.transaction)
        _total, body = reports.page(ORGANIZATION, ReportQuery(token="t", number=1000), False)
        answers = []
        for query in _queries(json.loads(body)):
            total, page = reports.page(ORGANIZATION, query, False)
            answers.append((total, json.loads(page)))
        return answers
    finally:
        store.close()


def _indexes(path: Path) -> set[str]:
    store = Store.open(path)
    try:
        rows = store.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'registrations'"
        )
        return {name for (name,) in rows}
    finally:
        store.close()


@pytest.mark.parametrize("walk", [False, True], ids=["lists", "walks"])
def test_an_upgraded_database_answers_every_report_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, walk: bool
) -> None:
    """Searches answered from their list of matches and those walked (every search
    matching "much" of the data, the plans that used the dropped indexes) alike."""
    if walk:
        monkeypatch.setattr(search_module, "drive_limit", lambda records: 0)
    loaded = fixtures.load()
    path = tmp_path / "old.db"
    before_008 = [m for m in MIGRATIONS if m[0] < 8]
    with monkeypatch.context() as old_release:
        old_release.setattr(store_module, "MIGRATIONS", before_008)
        old_release.setattr(store_module, "SCHEMA_VERSION", before_008[-1][0])
        old = Store.open(path)
        old.load_fixtures(loaded.organizations, loaded.activities)
        old.record_many(
            generate(
                300,
                seed=8,
                now=NOW,
                organization=loaded.organizations[0],
                activities=loaded.activities,
            )
        )
        old.close()
        assert _indexes(path) >= DROPPED
        expected = _answers(path)
    assert not DROPPED & _indexes(path)  # reopened by this release: 008 applied
    assert _answers(path) == expected
    assert any(total > 40 for total, _page in expected)  # the queries select something


def _plan(store: Store, sql: str, args: tuple[object, ...]) -> str:
    return " ; ".join(row[3] for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}", args))


@pytest.mark.parametrize(
    ("sql", "args"),
    [
        ("SELECT * FROM registrations WHERE registration = ?", ("r",)),
        (
            "SELECT * FROM registrations WHERE organization_id = ? AND email = ? COLLATE NOCASE",
            (ORGANIZATION, "Ann@Example.com"),
        ),
        (
            "SELECT * FROM registrations WHERE organization_id = ?"
            " ORDER BY transaction_id DESC LIMIT 100",
            (ORGANIZATION,),
        ),
        (
            "SELECT COUNT(*) FROM registrations WHERE organization_id = ?"
            " AND last_activity_at >= ? AND last_activity_at < ?",
            (ORGANIZATION, "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
        ),
    ],
    ids=["by reg", "a learner's", "newest change first", "date range"],
)
def test_keyed_lookups_still_use_an_index(
    tmp_path: Path, sql: str, args: tuple[object, ...]
) -> None:
    """A launch reads the registration and the learner's others; `/_sim/registrations`
    and date-bounded reports read a range: none may become a scan of every row."""
    store = Store.open(tmp_path / "sim.db")
    try:
        plan = _plan(store, sql, args)
        assert "SCAN registrations" not in plan and "USING" in plan, plan
    finally:
        store.close()


def test_a_record_written_one_at_a_time_is_found_by_the_next_search(tmp_path: Path) -> None:
    """Launches leave indexing their texts to the next reader of the search index:
    every record is still found at once, exactly once, through completions (which
    change the completion code searched) and a reset."""
    from simulator.core.report_query import matches_search

    loaded = fixtures.load()
    store = Store.open(tmp_path / "sim.db")
    store.load_fixtures(loaded.organizations, loaded.activities)
    steps = list(
        generate(
            240, seed=3, now=NOW, organization=loaded.organizations[0], activities=loaded.activities
        )
    )
    reports = ReportStore(store.db, store.transaction)
    try:
        for rounds in range(2):
            for chunk in (steps[:80], steps[80:160], steps[160:]):
                for step in chunk:
                    store.record(step)
                _total, body = reports.page(
                    ORGANIZATION, ReportQuery(token="t", number=1000), False
                )
                whole = json.loads(body)
                for record in whole[::9]:
                    for search in (record["email"], record["registration"][:13], "son"):
                        expected = [r for r in whole if matches_search(search, r)]
                        query = ReportQuery(token="t", number=1000, search=search)
                        total, found = reports.page(ORGANIZATION, query, False)
                        assert (total, json.loads(found)) == (len(expected), expected), search
                    if record["completionCode"]:
                        query = ReportQuery(token="t", search=record["completionCode"])
                        assert json.loads(reports.page(ORGANIZATION, query, False)[1]) == [record]
                (indexed,) = store.db.execute("SELECT COUNT(*) FROM registration_search").fetchone()
                assert indexed == len(whole)
                store.db.execute(
                    "INSERT INTO registration_search (registration_search, rank)"
                    " VALUES ('integrity-check', 0)"
                )
            if rounds == 0:
                store.reset(loaded.organizations, loaded.activities)
                reports.reset()
    finally:
        store.close()
