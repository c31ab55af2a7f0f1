"""Migration 009: the launch log's ids are rowids (no AUTOINCREMENT). A database
upgraded with its log lists every entry as before, new launches continue its ids,
and after a reset the ids start from 1 again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import simulator.store as store_module
from simulator import fixtures
from simulator.clock import VirtualClock
from simulator.config import Config
from simulator.core.launch_filter import LaunchFilter
from simulator.service import Simulation
from simulator.service.launches import LaunchLog
from simulator.store import MIGRATIONS, Store

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _launch(sim: Simulation, n: int, org_index: int = 0) -> int:
    org = sim.store.organizations()[org_index]
    params = {
        "reg": f"0b6e7a52-4c1d-4f7e-9a3b-{n:012d}",
        "em": f"learner{n}@example.com",
        "fn": "Ann Example",
        "dom": org.domains[0].removeprefix("*."),
        "lmsId": org.lms_ids["staging"],
    }
    course = next(a.id for a in sim.store.activities() if a.kind == "course")
    return sim.launch(course, params).launch_id


def _open(path: Path) -> tuple[Store, Simulation]:
    loaded = fixtures.load()
    store = Store.open(path)
    store.load_fixtures(loaded.organizations, loaded.activities)
    return store, Simulation(Config(db=str(path)), VirtualClock(NOW), store, loaded)


def test_an_upgraded_log_lists_the_same_entries_and_continues_its_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    before = [m for m in MIGRATIONS if m[0] < 9]
    whole = {
        "source": "page",
        "courseId": "c",
        "outcome": "rejected",
        "registration": "R1",  # as 005 left a body: the column lower-cased, the body not
        "email": "a@b.c",
        "organizationId": "",
        "params": {"em": "a@b.c"},
        "problems": [{"code": "missing_parameter", "severity": "error", "field": "reg",
                      "message": "reg is required"}],
        "warnings": [],
        "diagnostics": [{"code": "missing_parameter", "severity": "error", "field": "reg",
                         "message": "reg is required"}],
        "fixedUrl": None,
        "hash": "#/?em=a@b.c",
        "search": "",
        "referrer": "",
    }  # fmt: skip
    with monkeypatch.context() as old_release:
        old_release.setattr(store_module, "MIGRATIONS", before)
        old_release.setattr(store_module, "SCHEMA_VERSION", before[-1][0])
        old = Store.open(path)
        for _ in range(3):
            old.db.execute(
                "INSERT INTO launches (at, source, course_id, registration, email,"
                " organization_id, outcome, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ("2026-01-05T09:00:00.000Z", "page", "c", "r1", "a@b.c", "", "rejected",
                 json.dumps(whole)),
            )  # fmt: skip
        old.close()
    store, sim = _open(path)
    try:
        assert (
            "AUTOINCREMENT"
            not in store.db.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'launches'"
            ).fetchone()[0]
        )
        log = LaunchLog(store)
        entries, total = log.page(LaunchFilter(registration="R1"))
        assert total == 3
        assert [e["id"] for e in entries] == [3, 2, 1]
        assert all(
            list(e.items()) == [("id", e["id"]), ("at", "2026-01-05T09:00:00.000Z"), *whole.items()]
            for e in entries
        )
        assert _launch(sim, 1) == 4
        newest, total = log.page(LaunchFilter(limit=1))
        assert total == 4 and newest[0]["id"] == 4 and newest[0]["outcome"] == "created"
    finally:
        store.close()


def test_ids_start_from_one_after_a_reset(tmp_path: Path) -> None:
    store, sim = _open(tmp_path / "sim.db")
    try:
        assert [_launch(sim, n) for n in range(3)] == [1, 2, 3]
        loaded = fixtures.load()
        store.reset(loaded.organizations, loaded.activities)
        assert [_launch(sim, n) for n in range(2)] == [1, 2]
    finally:
        store.close()


def test_a_launch_reads_the_reg_and_the_learners_unfinished_work_of_the_course(
    tmp_path: Path,
) -> None:
    """What the conflict rules are given: the registration `reg` names (whatever its
    case) and the learner's other unfinished registrations of that course, oldest
    first; not those completed, of another course, or of another learner."""
    from simulator.store.launches import registration_and_unfinished

    store, sim = _open(tmp_path / "sim.db")
    try:
        course = next(a.id for a in sim.store.activities() if a.kind == "course")
        org = store.organizations()[0]

        def launch(reg: str, email: str, course_id: str = course) -> None:
            params = {
                "reg": reg,
                "em": email,
                "fn": "Ann Example",
                "dom": org.domains[0].removeprefix("*."),
                "lmsId": org.lms_ids["staging"],
            }
            assert sim.launch(course_id, params).registration is not None  # fmt: skip

        regs = [f"0b6e7a52-4c1d-4f7e-9a3b-{n:012d}" for n in range(6)]
        other_course = next(
            a.id for a in sim.store.activities() if a.kind == "course" and a.id != course
        )
        launch(regs[0], "ann@example.com")
        launch(regs[1], "Ann@Example.com")
        launch(regs[2], "ann@example.com")
        sim.complete(regs[2])
        launch(regs[3], "ann@example.com", other_course)
        launch(regs[4], "bob@example.com")
        existing, unfinished = registration_and_unfinished(
            store, regs[1].upper(), org.id, "ANN@example.com", course
        )
        assert existing is not None and existing.registration == regs[1]
        assert [r.registration for r in unfinished] == [regs[0]]
        existing, unfinished = registration_and_unfinished(
            store, regs[5], org.id, "ann@example.com", course
        )
        assert existing is None and [r.registration for r in unfinished] == regs[:2]
        plan = " ; ".join(
            row[3]
            for row in store.db.execute(
                "EXPLAIN QUERY PLAN " + _conflicts_sql(), (regs[5], org.id, "a@b.c", course)
            )
        )
        assert "SCAN registrations" not in plan and plan.count("USING INDEX") == 2, plan
    finally:
        store.close()


def _conflicts_sql() -> str:
    from simulator.store import launches

    return launches._CONFLICTS
