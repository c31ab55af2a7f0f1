"""The progress API's quota counters, and the writes that change no report answer.

Part of `ReportStore` (its base): a quota write is a write to the database like
any other, yet it changes no page, so the pages and totals remembered since the
last read stay (`_quiet_write` moves the mark of what the last read saw past it).
The background catch-up's search-index rows are written the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date

Transaction = Callable[[], AbstractContextManager[sqlite3.Connection]]


class QuotaRows:
    """Quota counters over the store's connection (`ReportStore` sets the attributes)."""

    db: sqlite3.Connection
    _transaction: Transaction  # `Store.transaction`
    _seen: tuple[int, int] | None  # (total_changes, data_version) the last read saw

    def quota(self, token: str) -> tuple[date | None, int, int | None]:
        """(day counted, calls that day, limit set for this token or None)."""
        row = self.db.execute(
            "SELECT day, used, daily_limit FROM quotas WHERE token = ?", (token,)
        ).fetchone()
        if row is None:
            return None, 0, None
        day = date.fromisoformat(row[0]) if row[0] else None
        return day, int(row[1]), None if row[2] is None else int(row[2])

    def save_usage(self, token: str, day: date, used: int) -> None:
        self._own_write(
            "INSERT INTO quotas (token, day, used) VALUES (?, ?, ?)"
            " ON CONFLICT (token) DO UPDATE SET day = excluded.day, used = excluded.used",
            (token, day.isoformat(), used),
        )

    def save_limit(self, token: str, limit: int) -> None:
        self._own_write(
            "INSERT INTO quotas (token, daily_limit) VALUES (?, ?)"
            " ON CONFLICT (token) DO UPDATE SET daily_limit = excluded.daily_limit",
            (token, limit),
        )

    def _own_write(self, sql: str, args: tuple[object, ...]) -> None:
        """A quota write: not a change to registrations, so remembered answers stay.

        Through `Store.transaction` (one per progress call): a commit the WAL
        checkpointer is not told of grew the WAL until SQLite's own checkpoint ran
        on the event loop, 100-150 ms once every 10,000 calls (issue 14)."""
        self._quiet_write(lambda db: db.execute(sql, args))

    def _quiet_write(self, write: Callable[[sqlite3.Connection], object]) -> None:
        """`write(db)` in a transaction, remembered answers kept (unless something else
        was written since the last read looked: that read's successor will notice)."""
        before = self.db.total_changes
        with self._transaction() as db:
            write(db)
        if self._seen is not None and self._seen[0] == before:
            self._seen = (self.db.total_changes, self._seen[1])
