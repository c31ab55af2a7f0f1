"""The progress API's memory catches up with writes a bounded piece per turn of the loop.

Issue 13's load run: 76,000 launches with no report read between, then the first
page caught every one of them up at once, holding the event loop for seconds. Here
writes commit through the real service and store, the real event loop turns, and
the records and the search index must (a) catch up in small pieces between turns
with no read asking, (b) keep up turn by turn with writes arriving, and (c) still
answer every read with exactly what SQLite holds (read-your-writes), across other
connections' commits, resets and shutdown.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.config import Config
from simulator.core.progress import start
from simulator.core.report_query import ReportQuery
from simulator.runtime import Runtime
from simulator.store import Store, report_catch_up
from simulator.store.report_catch_up import INDEX_LEAST, INDEX_PER_TURN, LEAST, PER_TURN
from simulator.store.report_search import pending
from tests.store.test_report_index import reference
from tests.strategies import a_registration

ACME, GLOBEX = "acme-learning", "globex-academy"
LMS = {ACME: ("localhost", "ACME-STG-7701"), GLOBEX: ("lms.globex.example", "GLOBEX-STG-4410")}
MEMBER_IDS = {ACME: False, GLOBEX: True}  # each organization's user verification


def _runtime(db: str) -> Runtime:
    return Runtime.open(Config(db=db, clock="virtual", daily_limit=10**6))


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    """Started and stopped once, as `serve` starts: the records are built (warmed)."""
    made = _runtime(str(tmp_path / "state.db"))
    asyncio.run(made.start())
    asyncio.run(made.stop())
    try:
        yield made
    finally:
        made.close()


def launch(runtime: Runtime, n: int, org: str = ACME) -> str:
    reg = str(uuid.uuid4())
    domain, lms = LMS[org]
    params = {"reg": reg, "em": f"l{n}@example.com", "fn": f"Learner {n}", "dom": domain}
    runtime.simulation.launch("workplace-safety", {**params, "lmsId": lms})
    return reg


def highest(runtime: Runtime) -> int:
    (value,) = runtime.store.db.execute("SELECT MAX(transaction_id) FROM transactions").fetchone()
    return int(value)


def assert_reads_equal_sqlite(runtime: Runtime, search: str = "") -> None:
    """Every record of both organizations (and a search's), as SQLite holds them."""
    for org, member_ids in MEMBER_IDS.items():
        for query in (ReportQuery(token="t", number=10**6), ReportQuery(token="t", number=10**6,
                      search=search or "learner 1", sort="email", order="DESC")):  # fmt: skip
            total, body = runtime.reports.page(org, query, member_ids)
            assert (total, json.loads(body)) == reference(runtime.store, org, query, member_ids)


def test_writes_with_no_read_between_are_caught_up_in_bounded_pieces(runtime: Runtime) -> None:
    for n in range(1500):  # no loop running: each commit is announced, nothing catches up
        launch(runtime, n, GLOBEX if n % 5 == 0 else ACME)
    records, db = runtime.reports.records, runtime.store.db
    indexed_from = pending(db)
    assert indexed_from is not None
    behind_at_start = highest(runtime) - records.applied
    assert behind_at_start >= 1500  # what the old code caught up in one go, on the next read

    async def serve_a_while() -> tuple[list[int], list[int], int]:
        before = highest(runtime)
        launch(runtime, 1500)  # a commit with the loop running: the catch-up starts
        arrived = highest(runtime) - before
        behind, unindexed = [], []
        while runtime.reports.catch_up.turns.scheduled:
            behind.append(highest(runtime) - records.applied)
            found = pending(db)
            unindexed.append(0 if found is None else found[1] - found[0])
            await asyncio.sleep(0)  # one turn of the loop, no read
        behind.append(highest(runtime) - records.applied)
        found = pending(db)
        unindexed.append(0 if found is None else found[1] - found[0])
        return behind, unindexed, arrived

    behind, unindexed, arrived = asyncio.run(serve_a_while())
    pieces = [a - b for a, b in itertools.pairwise(behind)]
    assert behind[-1] < LEAST  # caught up before any read asked (a read takes the rest)
    assert all(0 < piece <= PER_TURN for piece in pieces[1:] if piece)  # bounded, and shrinking
    assert pieces[0] <= PER_TURN + arrived
    assert sum(1 for piece in pieces if piece) >= (behind_at_start - LEAST) // (PER_TURN + arrived)
    index_pieces = [a - b for a, b in itertools.pairwise(unindexed) if a != b]
    assert unindexed[-1] < INDEX_LEAST  # the rest waits for a search
    assert index_pieces and all(0 < p <= INDEX_PER_TURN + arrived for p in index_pieces)
    assert len(index_pieces) >= 1500 // (INDEX_PER_TURN + arrived)
    assert_reads_equal_sqlite(runtime)
    assert pending(db) is None  # the search indexed what was left


# Per turn: (launches, progress steps on earlier launches, read at the end of the turn)
turns = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 15), st.booleans()), min_size=1, max_size=10
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(turns, st.randoms(use_true_random=False))
def test_the_catch_up_keeps_up_with_writes_turn_by_turn(
    plan: list[tuple[int, int, bool]], rnd: Any
) -> None:
    """Writes in a request's group commit, as served: every step is bounded by its
    chunk plus one group, the records are never behind by more than the last turn's
    writes, and a read at any point (even in the turn that wrote) sees everything.

    With a chunk of 4 (not PER_TURN): turns that write more than a chunk are common."""
    with (
        mock.patch.object(report_catch_up, "PER_TURN", 4),
        mock.patch.object(report_catch_up, "LEAST", 3),
    ):
        keeps_up(plan, rnd)


def keeps_up(plan: list[tuple[int, int, bool]], rnd: Any) -> None:
    runtime = _runtime(":memory:")
    records = runtime.reports.records

    async def serve() -> None:
        await runtime.start()
        regs: list[str] = []
        written = [highest_or_0(runtime)]
        steps: list[int] = []
        step = runtime.reports.catch_up.turns._step

        def measured() -> bool:
            before = records.applied
            more = step()
            steps.append(records.applied - before)
            return more

        runtime.reports.catch_up.turns._step = measured
        for launches, progress, read in [*plan, (0, 0, False), (0, 0, False)]:
            if len(written) >= 3 and records.applied < written[-3] - 2:  # LEAST - 1 may wait
                pytest.fail(f"behind the writes of two turns ago: {records.applied}, {written}")
            with runtime.simulation.deferred_commits():  # as a request's writes are
                for _ in range(launches):
                    regs.append(launch(runtime, len(regs), rnd.choice([ACME, GLOBEX])))
                for _ in range(progress if regs else 0):
                    reg = rnd.choice(regs)
                    runtime.simulation.set_progress(reg, rnd.choice([20, 50, 100]))
                if read:
                    assert_reads_equal_sqlite(runtime)
            written.append(highest_or_0(runtime))
            await asyncio.sleep(0)
        group = max((b - a for a, b in itertools.pairwise(written)), default=0)
        assert all(piece <= 4 + group for piece in steps)
        await runtime.stop()

    try:
        asyncio.run(serve())
        assert_reads_equal_sqlite(runtime)
    finally:
        runtime.close()


def highest_or_0(runtime: Runtime) -> int:
    (value,) = runtime.store.db.execute(
        "SELECT COALESCE(MAX(transaction_id), 0) FROM transactions"
    ).fetchone()
    return int(value)


def test_another_connections_commit_stops_the_catch_up_and_the_read_sees_it(
    runtime: Runtime, tmp_path: Path
) -> None:
    """`seed` on the same file: the records are not caught up across another writer's
    history; the next read rebuilds them and shows both writers' records."""
    for n in range(300):
        launch(runtime, n)
    assert_reads_equal_sqlite(runtime)  # a read: what it saw is the mark for other writers
    other = Store.open(tmp_path / "state.db")
    try:
        other.record(start(a_registration(registration=str(uuid.uuid4()), organization_id=ACME)))
    finally:
        other.close()

    async def serve_a_while() -> int:
        for n in range(300, 400):
            launch(runtime, n)
        applied = runtime.reports.records.applied
        for _ in range(10):
            await asyncio.sleep(0)
        return runtime.reports.records.applied - applied

    assert asyncio.run(serve_a_while()) == 0  # stopped: another writer committed
    assert_reads_equal_sqlite(runtime)


def test_no_step_runs_after_a_reset_or_on_a_closed_store(tmp_path: Path) -> None:
    runtime = _runtime(str(tmp_path / "state.db"))
    asyncio.run(runtime.start())
    asyncio.run(runtime.stop())
    for n in range(1000):
        launch(runtime, n)  # a backlog: many turns of steps
    failures: list[dict[str, Any]] = []

    async def serve() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: failures.append(ctx))
        launch(runtime, 1000)  # steps start
        for _ in range(3):
            await asyncio.sleep(0)
        before = runtime.reports
        assert before.catch_up.turns.scheduled  # still behind
        await runtime.reset()
        ran = before.catch_up.turns.steps
        for n in range(200):
            launch(runtime, n)  # the new parts' steps due
        for _ in range(5):
            await asyncio.sleep(0)
        assert before.catch_up.turns.steps == ran  # the old parts' steps never ran again
        assert runtime.reports.catch_up.turns.steps > 0
        launch(runtime, 999)
        assert runtime.reports.catch_up.turns.scheduled
        runtime.close()  # with a step due, inside the running loop
        for _ in range(5):
            await asyncio.sleep(0)

    asyncio.run(serve())
    assert failures == []


def test_search_index_rows_wait_while_writes_come_and_catch_up_when_quiet(
    runtime: Runtime,
) -> None:
    """Indexing costs FTS5 40-140 us a row in small batches: never added to a turn that
    wrote, done in bounded pieces in the turns after, and a search sees every row."""
    db = runtime.store.db

    def unindexed() -> int:
        found = pending(db)
        return 0 if found is None else found[1] - found[0]

    async def serve_a_while() -> tuple[list[int], list[int]]:
        busy, quiet = [], []
        for turn in range(30):
            for n in range(8):
                launch(runtime, turn * 8 + n)  # each commit announced: not a quiet turn
            busy.append(unindexed())
            await asyncio.sleep(0)
        while runtime.reports.catch_up.turns.scheduled:
            quiet.append(unindexed())
            await asyncio.sleep(0)
        quiet.append(unindexed())
        return busy, quiet

    busy, quiet = asyncio.run(serve_a_while())
    assert busy == sorted(busy) and busy[-1] == 240  # nothing indexed while writing
    pieces = [a - b for a, b in itertools.pairwise(quiet) if a != b]
    assert pieces and all(0 < piece <= INDEX_PER_TURN for piece in pieces)
    assert quiet[-1] < INDEX_LEAST
    assert_reads_equal_sqlite(runtime, search="learner 2")
    assert pending(db) is None
