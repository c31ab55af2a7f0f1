"""WAL checkpoints happen on their own thread: committed launches reach the database
file itself (not only the WAL) without the writer ever running a checkpoint."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from simulator.core.progress import start
from simulator.fixtures import load
from simulator.store import Store
from tests.strategies import a_registration

FIXTURES = load()
GUARD_S = 30.0  # a guard against a hang, not a timing assertion


def test_committed_writes_reach_the_database_file_through_the_checkpoint_thread(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "state.db")
    store.load_fixtures(FIXTURES.organizations, FIXTURES.activities)
    regs = [f"00000000-0000-4000-8000-{n:012d}" for n in range(300)]
    for reg in regs:  # 300 commits: more than two checkpoints' worth
        store.record(start(a_registration(registration=reg)))
    checkpointer = store._checkpointer
    assert checkpointer is not None
    assert checkpointer.checkpointed.wait(GUARD_S)
    # The main file alone, as a copy without its WAL: what checkpoints moved into it.
    shutil.copy(tmp_path / "state.db", tmp_path / "main-file-only.db")
    copy = sqlite3.connect(tmp_path / "main-file-only.db")
    try:
        (count,) = copy.execute("SELECT COUNT(*) FROM registrations").fetchone()
    finally:
        copy.close()
    assert count >= 100  # at least the launches before the first checkpoint are in the file
    store.close()
    assert not checkpointer._thread.is_alive()


def test_an_in_memory_store_has_no_checkpoint_thread() -> None:
    store = Store.open(":memory:")
    assert store._checkpointer is None
    store.close()
