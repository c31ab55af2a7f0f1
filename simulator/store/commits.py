"""Transactions, and group commit: the writes of one turn of the event loop committed once.

A commit costs what it writes to the WAL, about 20 µs per page on the project's
machine, and a launch dirties some twenty pages (the registration's indexes, the
search index, the launch log) where a bare INSERT dirties one (issue 14). Under
concurrent load most of those pages are the same for every write of a moment, so
the HTTP layer defers commits (`deferred()`, one context per request): the first
deferred write of a turn opens one SQLite transaction, every write of that turn
goes into it in its own savepoint (a failed write leaves nothing behind), and the
transaction is committed at the start of the next turn. A request is answered only
after `durable()`, so nothing acknowledged is ever lost: the crash test
(`tests/cli/test_crash_safety.py`) kills the server mid-load and finds every
answered write.

What is not deferred commits at once, as before: a write outside a request (seed,
the webhook engine, tests calling the service), and any write while a group is
open, which commits the group with it. Listeners of committed data (`after_commit`)
run only after the commit that made their data durable, in order.

One connection serves every request, so a read in the same turn sees a write of
that turn before its commit (as it always saw the process's own writes); only a
crash within that turn could take it back, and its writer had not been answered.
"""

from __future__ import annotations

import asyncio
import contextvars
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Set per request task by the HTTP layer: this task's writes may wait for a group commit.
_DEFERRED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "media77_deferred_commit", default=False
)


class Commits:
    """The connection's transactions: immediate, nested (savepoints) or grouped."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._group: asyncio.Future[None] | None = None  # the open group's commit
        self._depth = 0  # transaction() blocks entered and not left
        self._after: list[Callable[[], None]] = []
        self.on_commit: Callable[[], None] | None = None  # told of each COMMIT (checkpoints)
        self._epoch = 0  # see group_epoch()

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Writes in this context (a request's task) may join a group commit."""
        token = _DEFERRED.set(True)
        try:
            yield
        finally:
            _DEFERRED.reset(token)

    @contextmanager
    def immediate(self) -> Iterator[None]:
        """Writes in this context commit at once, even in a request (a reset: its pragmas
        work only outside a transaction)."""
        self.flush()
        token = _DEFERRED.set(False)
        try:
            yield
        finally:
            _DEFERRED.reset(token)

    def group_epoch(self) -> int | None:
        """While a group's transaction is open, a number that changes when the group ends
        or one of its writes is rolled back; None otherwise.

        What a write learns of the database inside a group (the next transaction id)
        holds for the group's next writes while this is unchanged: the group holds the
        write lock, and its writes are this connection's, one after another.
        """
        return self._epoch if self._group is not None and self.db.in_transaction else None

    async def durable(self) -> None:
        """Return once every write made so far is committed."""
        if self._group is not None:
            await asyncio.shield(self._group)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once what was written so far is committed (now, outside a
        transaction); dropped if the write that queued it is rolled back."""
        if self.db.in_transaction:
            self._after.append(callback)
        else:
            callback()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: all of it lands, or none (nothing half-recorded)."""
        db = self.db
        if not db.in_transaction and not self._open_group():
            db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield db
            except BaseException:
                self._depth -= 1
                db.execute("ROLLBACK")
                self._after.clear()
                raise
            self._depth -= 1
            db.execute("COMMIT")
            self._committed()
            return
        if self._depth:  # inside another block: its rollback undoes this one too
            yield db
            return
        name = "write"
        mark = len(self._after)
        db.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield db
        except BaseException:
            self._depth -= 1
            self._epoch += 1
            db.execute(f"ROLLBACK TO {name}")
            db.execute(f"RELEASE {name}")
            del self._after[mark:]
            raise
        self._depth -= 1
        db.execute(f"RELEASE {name}")
        if self._depth == 0 and self._group is not None and not _DEFERRED.get():
            self.flush()  # an immediate write: it, and the group, are committed now

    def _open_group(self) -> bool:
        """Open a group transaction for a deferred write, if one can be (a running loop)."""
        if not _DEFERRED.get():
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self.flush()  # a group whose transaction something else ended: settle it first
        self.db.execute("BEGIN IMMEDIATE")
        self._epoch += 1
        self._group = loop.create_future()
        # In a context of its own: the listeners it calls, and the tasks they start (the
        # webhook engine's), commit their own writes at once, as outside a request.
        loop.call_soon(self.flush, context=contextvars.Context())
        return True

    def flush(self) -> None:
        """Commit the open group (if any), then tell its listeners and its waiters."""
        group, self._group = self._group, None
        if group is None:
            return
        self._epoch += 1
        try:
            if self.db.in_transaction:
                self.db.execute("COMMIT")
        except BaseException as error:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            self._after.clear()
            _settle(group, error)
            raise
        _settle(group, None)
        self._committed()

    def _committed(self) -> None:
        if self.on_commit is not None:
            self.on_commit()
        self._run_after()

    def _run_after(self) -> None:
        callbacks, self._after = self._after, []
        for callback in callbacks:
            callback()


def _settle(group: asyncio.Future[None], error: BaseException | None) -> None:
    """Resolve a group's future, from its loop's thread or (a test calling the service
    directly while `Simulator` serves in its own thread) from another."""

    def settle() -> None:
        if error is None:
            group.set_result(None)
        else:
            group.set_exception(error)

    loop = group.get_loop()
    try:
        here = asyncio.get_running_loop() is loop
    except RuntimeError:
        here = False
    if here:
        settle()
    else:
        loop.call_soon_threadsafe(settle)
