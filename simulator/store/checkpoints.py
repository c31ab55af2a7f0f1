"""WAL checkpoints on a thread of their own, so the event loop never waits for the disk.

SQLite runs its automatic checkpoint inside the commit that crosses
`wal_autocheckpoint`, on the committing connection: here, the event loop's. Under the
hostile benchmark (issue 13) retried outbox rows wrote about 40 MB of WAL every 13 s,
and each automatic checkpoint held the loop for 76-168 ms of disk I/O with 7-12 ms of
CPU: those were the progress API's slowest answers. So every `EVERY_COMMITS` commits the
store wakes this thread, which checkpoints PASSIVE from its own connection: it copies
what no reader still needs and never waits for, nor blocks, the writer. Python's sqlite3
lets go of the GIL while SQLite works, so the loop runs meanwhile. The automatic
checkpoint stays as a backstop for writes that do not pass through `Commits` (it fires
only if this thread falls 10,000 pages behind). Durability is SQLite's either way: a
checkpoint only moves committed pages from the WAL into the database file.
"""

from __future__ import annotations

import sqlite3
import threading

EVERY_COMMITS = 128


class Checkpointer:
    """One daemon thread checkpointing `path`'s WAL when told that enough was committed."""

    def __init__(self, path: str, every: int = EVERY_COMMITS) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._every = every
        self._since = 0
        self._wake = threading.Event()
        self._closing = False
        self.checkpoints = 0
        self.checkpointed = threading.Event()  # set after each checkpoint (for tests)
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """Count one commit (called on the writer's thread; costs an increment)."""
        self._since += 1
        if self._since >= self._every:
            self._since = 0
            self._wake.set()

    def close(self) -> None:
        self._closing = True
        self._wake.set()
        self._thread.join()
        self._db.close()

    def _run(self) -> None:
        while True:
            self._wake.wait()  # a signal, not a timer: no clock is read here
            self._wake.clear()
            if self._closing:
                return
            try:
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error:
                continue  # locked or busy: the next wake tries again (the backstop remains)
            self.checkpoints += 1
            self.checkpointed.set()
