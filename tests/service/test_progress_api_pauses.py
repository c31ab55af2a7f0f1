"""What could hold the event loop during progress calls, and does not (issue 14).

Every call counts against the token's quota, a one-row write: those commits must be
counted by the WAL checkpointer like every other write, or SQLite's own checkpoint
runs inside a call once the WAL reaches 10,000 pages. And the records the API keeps
in memory must be out of the cyclic garbage collector's way, or every full collection
walks all of them again, on the loop, whenever they were built after start.
"""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from simulator.config import Config
from simulator.core.progress import start
from simulator.runtime import Runtime
from tests.strategies import a_registration

TOKEN = "f7e1379c-35ad-45f9-b0fa-6ef011e73938"  # the default fixture organization's
ORG = "acme-learning"
GUARD_S = 30.0  # a guard against a hang, not a timing assertion


def _runtime(tmp_path: Path) -> Runtime:
    config = Config(db=str(tmp_path / "state.db"), clock="virtual", daily_limit=10**6)
    return Runtime.open(config)


def test_progress_calls_quota_writes_are_checkpointed_off_the_calling_thread(
    tmp_path: Path,
) -> None:
    runtime = _runtime(tmp_path)
    try:
        checkpointer = runtime.store._checkpointer
        assert checkpointer is not None
        for _ in range(300):  # 300 counted calls: more than two checkpoints' worth
            runtime.progress.progress({"token": TOKEN})
        assert checkpointer.checkpointed.wait(GUARD_S)
    finally:
        runtime.close()


def test_the_records_kept_for_the_progress_api_are_not_tracked_by_the_collector(
    tmp_path: Path,
) -> None:
    runtime = _runtime(tmp_path)
    try:
        asyncio.run(runtime.start())  # built at start, then caught up on new launches
        asyncio.run(runtime.stop())
        before = len(gc.get_objects())
        for n in range(2000):
            runtime.store.record(
                start(
                    a_registration(
                        registration=f"00000000-0000-4000-8000-{n:012d}", organization_id=ORG
                    )
                )
            )
        for sort in ("transactionId", "lastName"):
            page = runtime.progress.progress({"token": TOKEN, "sort": sort, "search": ""})
            assert page.total == 2000
        gc.collect()
        # 2,000 records (and their orderings) kept: the collector sees a few lists, not them.
        assert len(gc.get_objects()) - before < 200
    finally:
        runtime.close()
