"""The progress API's memory caught up with committed writes a bounded step per turn.

Two things fall behind SQLite with every write and were caught up in one go by
the next reader: the in-memory records (`report_records`, 20-55 us per changed
registration) and the search index's pending rows (`report_search.index_pending`,
22-30 us a row in one big batch). After a burst of writes with no read between
(issue 13's load run: 76,000 launches), that one read held the event loop for
seconds and every request waited behind it.

Now every commit that announces writes wakes a step (`TurnSteps`) that runs in
the loop's next turn and catches up a chunk of the records (`backlog.chunk_end`):
`PER_TURN` transactions of what is behind plus those committed since its previous
look, so the records keep up with the writes and what is behind shrinks every
turn; fewer than `LEAST` behind wait for a read. A read still catches up whatever
is left first, so it sees every write made before it; it pays for a turn or two
of writes, not for all of them. Only committed writes are caught up here (up to
the highest transaction id the last commit announced).

The search index is caught up only once the loop is quiet (`QUIET_TURNS` steps
with no write committed), `INDEX_PER_TURN` rows a turn: FTS5 writes a segment per
batch and small batches cost it 40-140 us a row, more than the write that made
the row, so while writes keep coming the rows wait (a search indexes them, as
before). The index rows join the open group commit, so they land, or are rolled
back, with what they index.

A commit by another connection (`seed` on the same file) stops the steps: the
next read forgets everything rather than trust a catch-up across another writer's
history (`reports._check_fresh`). `close` cancels the step due (reset, shutdown).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager

from simulator.core.backlog import chunk_end
from simulator.store.report_records import ReportRecords
from simulator.store.report_search import index_pending, pending
from simulator.store.turns import TurnSteps

# Measured on the project's 2-core machine (docs/decisions.md): records cost 20-40 us per
# transaction caught up (48: 1-2 ms a turn), index rows 40-60 us each in small batches.
PER_TURN = 48
LEAST = 16  # fewer transactions behind wait for a read (0.3-0.6 ms) or for more
# Steps in a row with no write committed before the index is caught up: a loop that only
# runs these steps turns in microseconds, one still serving writes rarely goes 8 without.
QUIET_TURNS = 8
INDEX_PER_TURN = 32
INDEX_LEAST = 32  # fewer rows than this wait for a search: a batch has a fixed cost


class ReportCatchUp:
    """Wakes on commits; each turn, one bounded chunk of records and of index rows."""

    def __init__(
        self,
        db: sqlite3.Connection,
        records: ReportRecords,
        write: Callable[[Callable[[sqlite3.Connection], None]], None],
        trusted: Callable[[], bool],
        deferred: Callable[[], AbstractContextManager[None]],
    ) -> None:
        """`write(fn)` runs `fn(db)` as a write that changes no answer, in `deferred()`
        (`Store.deferred_commits`: joining the turn's group commit); `trusted()` is
        False once another connection has written since the last read."""
        self.db = db
        self.records = records
        self._write = write
        self._trusted = trusted
        self._deferred = deferred
        self._arrived = 0  # transactions committed while a step was due
        self._unindexed = True  # rows may wait for the search index (False: fewer than least)
        self._quiet = 0  # steps in a row with no write committed since the previous one
        self.turns = TurnSteps(self._step)

    def committed(self) -> None:
        """Writes were committed: catch them up in the coming turns.

        Only what commits while steps run counts as arrived (caught up on top of
        the chunk): writes made with no loop running are backlog like any other.
        """
        arrived = self.records.committed()
        self._unindexed = True
        if self.turns.wake():
            self._arrived += arrived

    def close(self) -> None:
        self.turns.close()

    def cancel(self) -> None:
        self.turns.cancel()

    def _step(self) -> bool:
        """One turn's share; the checks that need no SQL first (a step runs every turn
        that commits: its fixed cost is paid that often)."""
        arrived, self._arrived = self._arrived, 0
        self._quiet = 0 if arrived else self._quiet + 1
        quiet = self._quiet >= QUIET_TURNS
        if not self.records.due(LEAST) and not (quiet and self._unindexed):
            return self._unindexed  # the index waits for quiet turns
        if not self._trusted():
            return False
        more = self.records.step(PER_TURN, arrived, LEAST)
        return self._index_step(quiet) or more

    def _index_step(self, quiet: bool) -> bool:
        """Only once the loop is quiet (`QUIET_TURNS` steps with no write committed):
        FTS5 takes 40-140 us a row in small batches (a segment each), more than a
        write's own catch-up; while writes keep coming the rows wait (a search indexes
        them), and then a pause in the writes catches them up a bounded batch a turn."""
        if not quiet:
            return self._unindexed  # look again next turn
        found = pending(self.db)
        if found is None or found[1] - found[0] < INDEX_LEAST:
            self._unindexed = False  # a search indexes these few
            return False
        upto, top = found
        end = chunk_end(upto, top, 0, INDEX_PER_TURN, INDEX_LEAST)
        with self._deferred():
            self._write(lambda db: index_pending(db, end))
        return end < top
