"""Learners, registrations and their transactions: the write path of every launch and step.

A mixin of `Store` (it uses the store's connection and transactions), kept apart
as the one concept the hot write path touches: one read of the registration, then
one transaction writing the change.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from msgspec.structs import replace

from simulator.core.dates import to_wire
from simulator.core.progress import Registration, Step
from simulator.core.records import EventKind, Transaction
from simulator.store.commits import Commits
from simulator.store.report_search import index_pending
from simulator.store.rows import REGISTRATION_COLUMNS, insert_registration, registration_from_row


class RegistrationRecords:
    """Learners, registrations and transactions over `db` (mixed into `Store`)."""

    db: sqlite3.Connection
    commits: Commits
    # (Commits.group_epoch() at the last write, the next transaction id it left)
    _next_id: tuple[int | None, int] = (None, 0)

    # -- learners ---------------------------------------------------------------------

    def learner(self, organization_id: str, email: str, member_identifier: str) -> tuple[int, str]:
        """The learner's id and member identifier, created on first sight.

        Inserted first: a launch's learner is most often new, and then one statement
        does (the unique index finds one already there as a SELECT would)."""
        cursor = self.db.execute(
            "INSERT INTO learners (organization_id, email, member_identifier) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (organization_id, email, member_identifier),
        )
        if cursor.rowcount == 1:
            return int(cursor.lastrowid or 0), member_identifier
        row = self.db.execute(
            "SELECT id, member_identifier FROM learners WHERE organization_id = ? AND email = ?",
            (organization_id, email),
        ).fetchone()
        return int(row[0]), str(row[1])

    # -- registrations and transactions -------------------------------------------------

    def registration(self, reg: str) -> Registration | None:
        """The registration `reg` names, case-insensitively (they are kept in lower case)."""
        row = self.db.execute(
            f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE registration = ?",
            (reg.lower(),),
        ).fetchone()
        return registration_from_row(row) if row else None

    def learner_registrations(self, organization_id: str, email: str) -> list[Registration]:
        rows = self.db.execute(
            f"SELECT {REGISTRATION_COLUMNS} FROM registrations"
            " WHERE organization_id = ? AND email = ? COLLATE NOCASE"
            # `+`: sort the learner's few rows rather than walk reports_by_transaction
            # (which the planner would pick to skip the sort: 30 ms at 100,000).
            " ORDER BY +transaction_id",
            (organization_id, email),
        )
        return [registration_from_row(row) for row in rows]

    def list_registrations(
        self, *, organization_id: str | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[list[Registration], int]:
        """A page of registrations, newest change first, and the total count."""
        where, args = (
            ("WHERE organization_id = ?", [organization_id]) if organization_id else ("", [])
        )
        (total,) = self.db.execute(f"SELECT COUNT(*) FROM registrations {where}", args).fetchone()
        rows = self.db.execute(
            f"SELECT {REGISTRATION_COLUMNS} FROM registrations {where}"
            " ORDER BY transaction_id DESC LIMIT ? OFFSET ?",
            [*args, limit, offset],
        )
        return [registration_from_row(row) for row in rows], int(total)

    def record(
        self, step: Step, *, learner_member_identifier: str = ""
    ) -> tuple[Registration, Transaction]:
        """Write one change: a transaction and the registration's new current state."""
        with self.commits.transaction():
            return self._record(step, learner_member_identifier)

    def record_many(self, steps: Iterable[Step]) -> int:
        """Bulk form for `seed`: many changes in one SQLite transaction.

        The new registrations are put in the search index in the same transaction
        (one statement for all): a search after a seed does not pay for them.
        """
        count = 0
        with self.commits.transaction():
            for step in steps:
                self._record(step, step.state.member_identifier)
                count += 1
            index_pending(self.db)
        return count

    def _record(self, step: Step, member_identifier: str) -> tuple[Registration, Transaction]:
        state = step.state
        started = step.kind == EventKind.STARTED
        member, learner_id = state.member_identifier, 0
        if started:
            learner_id, member = self.learner(
                state.organization_id, state.email, member_identifier or member
            )
        state = replace(state, member_identifier=member, transaction_id=self._next_transaction_id())
        record = state.to_wire()
        at = to_wire(state.last_activity_at)  # each date formatted once per write
        self.db.execute(
            "INSERT INTO transactions (transaction_id, registration, organization_id, kind, at,"
            " record) VALUES (?, ?, ?, ?, ?, ?)",
            (
                state.transaction_id,
                state.registration,
                state.organization_id,
                step.kind,
                at,
                json.dumps(record),
            ),
        )
        self._next_id = (self.commits.group_epoch(), state.transaction_id + 1)
        if started:
            insert_registration(self.db, state, learner_id, record, at)
        elif step.kind == EventKind.COMPLETIONS:
            # Only the columns this step changes: SQLite rewrites the index of every column
            # named in SET, and the search index follows the completion code.
            self.db.execute(
                "UPDATE registrations SET progress = ?, last_activity_at = ?, transaction_id = ?,"
                " date_completed = ?, completion_code = ? WHERE registration = ?",
                (
                    state.progress,
                    at,
                    state.transaction_id,
                    record["dateCompleted"],
                    state.completion_code,
                    state.registration,
                ),
            )
        else:
            self.db.execute(
                "UPDATE registrations SET progress = ?, last_activity_at = ?, transaction_id = ?"
                " WHERE registration = ?",
                (state.progress, at, state.transaction_id, state.registration),
            )
        return state, Transaction(
            transactionId=state.transaction_id,
            organizationId=state.organization_id,
            registration=state.registration,
            kind=step.kind,
            at=at,
            record=record,
        )

    def _next_transaction_id(self) -> int:
        """The id the next transaction gets (the write lock is held: nobody else writes).

        Known before the insert, so the record goes in with it (one statement, not
        insert-then-update). Read from `sqlite_sequence`, but for the second and later
        writes of a group commit, which count on from the write before (`group_epoch`).
        """
        epoch, next_id = self._next_id
        if epoch is not None and epoch == self.commits.group_epoch():
            return next_id
        row = self.db.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'transactions'"
        ).fetchone()
        return (int(row[0]) if row else 0) + 1

    def transactions(
        self, *, after: int = 0, limit: int = 1000, registration: str | None = None
    ) -> list[Transaction]:
        """Transactions in id order (the history behind the current state)."""
        sql = (
            "SELECT transaction_id, organization_id, registration, kind, at, record"
            " FROM transactions WHERE transaction_id > ?"
        )
        args: list[object] = [after]
        if registration:
            sql += " AND registration = ?"
            args.append(registration)
        sql += " ORDER BY transaction_id LIMIT ?"
        args.append(limit)
        return [
            Transaction(
                transactionId=row[0],
                organizationId=row[1],
                registration=row[2],
                kind=row[3],
                at=row[4],
                record=json.loads(row[5]),
            )
            for row in self.db.execute(sql, args)
        ]

    def last_transaction_id(self) -> int:
        (value,) = self.db.execute(
            "SELECT COALESCE(MAX(transaction_id), 0) FROM transactions"
        ).fetchone()
        return int(value)
