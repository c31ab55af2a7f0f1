"""The store: the only place SQL lives.

One SQLite file (WAL) per simulator, or `:memory:`. The schema is a numbered list
of migrations in `migrations/`, applied in order and recorded in `user_version`,
so a database written by an older simulator is upgraded on start and a restart
keeps every organization, registration and transaction.

All methods are synchronous and run on the event loop's thread: each is a few
indexed statements, cheaper than a hop to a worker thread.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from simulator.core.activities import Activity
from simulator.core.dates import to_wire
from simulator.core.errors import Conflict
from simulator.core.organizations import Organization, parse_organization
from simulator.core.progress import Registration, Step
from simulator.core.records import EventKind, Transaction
from simulator.store.connection import StoreOpenError as StoreOpenError
from simulator.store.connection import connect
from simulator.store.rows import REGISTRATION_COLUMNS, insert_registration, registration_from_row
from simulator.store.schema import KEPT, empty, load_migrations, nonempty, resettable_tables


class StoreConflict(Conflict):
    """A write that would break a uniqueness rule (duplicate id, token or LMSID): 409."""


MIGRATIONS = load_migrations()
SCHEMA_VERSION = MIGRATIONS[-1][0] if MIGRATIONS else 0

# Reloaded from the fixtures by `reset` rather than emptied.
FIXTURE_TABLES = frozenset({"organizations", "activities"})


class Store:
    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self.db = connection
        self.path = path
        self._organizations: list[Organization] | None = None
        self._activities: tuple[Activity, ...] | None = None
        self._reset_tables: list[str] | None = None

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (creating and migrating) the database at `path`."""
        path = str(path)
        connection = connect(path)
        # A progress step rewrites an entry in each of the report's sort indexes (they end
        # in transaction_id): a commit appends about 14 pages to the WAL, and at SQLite's
        # default (a checkpoint every 1,000 pages) one commit in 70 pays for one. Every
        # 10,000 pages (a WAL of up to 40 MB) the hot index pages are copied once for many
        # commits (in-process progress calls 35-44% faster in two of three trials, no better in
        # the third: issue 14, docs/benchmarks.md).
        connection.execute("PRAGMA wal_autocheckpoint = 10000")
        store = cls(connection, path)
        try:
            store.migrate()
        except BaseException:
            connection.close()
            raise
        return store

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: all of it lands, or none (nothing half-recorded)."""
        if self.db.in_transaction:
            yield self.db
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def migrate(self) -> int:
        """Apply every migration this file has not had; returns the schema version.

        Applied migrations are recorded one by one, not only as the highest number in
        `user_version`, so a migration merged after a higher-numbered one still runs.
        """
        (version,) = self.db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise StoreOpenError(
                f"{self.path} has schema version {version}, newer than this simulator's "
                f"{SCHEMA_VERSION}: upgrade media77-simulator or use another --db"
            )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (number INTEGER PRIMARY KEY, name TEXT NOT NULL)"
        )
        applied = {n for (n,) in self.db.execute("SELECT number FROM schema_migrations")}
        if not applied and version:  # written before migrations were recorded one by one
            applied = {number for number, _, _ in MIGRATIONS if number <= version}
            self.db.executemany(
                "INSERT INTO schema_migrations (number, name) VALUES (?, ?)",
                [(number, name) for number, name, _ in MIGRATIONS if number in applied],
            )
        for number, name, script in MIGRATIONS:
            if number in applied:
                continue
            version = max(version, number)
            try:
                self.db.executescript(
                    f"BEGIN;\n{script}\n"
                    f"INSERT INTO schema_migrations (number, name) VALUES ({number}, '{name}');\n"
                    f"PRAGMA user_version = {version};\nCOMMIT;"
                )
            except sqlite3.Error as error:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise StoreOpenError(f"{self.path}: migration {name} failed: {error}") from error
        return int(version)

    # -- fixtures and reset -------------------------------------------------------------

    def load_fixtures(
        self, organizations: Sequence[Organization], activities: Sequence[Activity]
    ) -> None:
        """Replace the catalog and add any fixture organization not yet stored.

        Organizations created at run time (and their tokens) are kept across
        restarts; the catalog always follows the fixtures given at start.
        """
        catalog = [(a.id, i, json.dumps(a.to_json())) for i, a in enumerate(activities)]
        with self.transaction() as db:
            if (
                db.execute("SELECT id, position, body FROM activities ORDER BY position").fetchall()
                != catalog
            ):
                db.execute("DELETE FROM activities")
                db.executemany(
                    "INSERT INTO activities (id, position, body) VALUES (?, ?, ?)", catalog
                )
            known = {row[0] for row in db.execute("SELECT id FROM organizations")}
            for org in organizations:
                if org.id not in known:
                    self._insert_organization(db, org)
        self._organizations = None
        self._activities = None

    def reset(self, organizations: Sequence[Organization], activities: Sequence[Activity]) -> None:
        """Back to the fixtures: every learner, registration and transaction gone,
        run-time organizations dropped, and `transactionId` counting from 1 again.

        Every table of the schema that holds rows is emptied (`schema.empty`: truncated
        as SQLite can, without visiting rows), so a reset costs what changed since the
        last one, in pages rather than rows times indexes.
        """
        if self._reset_tables is None:
            self._reset_tables = resettable_tables(self.db, KEPT | FIXTURE_TABLES)
        # Foreign keys off (a pragma that only works outside a transaction): with them on,
        # SQLite deletes a parent's rows one by one to check them.
        outer = self.db.in_transaction
        if not outer:
            self.db.execute("PRAGMA foreign_keys = OFF")
        try:
            self._reset(organizations, activities)
        finally:
            if not outer:
                self.db.execute("PRAGMA foreign_keys = ON")

    def _reset(self, organizations: Sequence[Organization], activities: Sequence[Activity]) -> None:
        assert self._reset_tables is not None
        with self.transaction() as db:
            empty(db, nonempty(db, self._reset_tables))
            if nonempty(db, ["sqlite_sequence"]):
                db.execute("DELETE FROM sqlite_sequence")
            if self.organizations() == list(organizations) and self.activities() == tuple(
                activities
            ):  # the fixtures as they are (read from the cache): nothing to load again
                return
            stored = db.execute("SELECT id, position, body FROM organizations ORDER BY position")
            wanted = [(o.id, i, json.dumps(o.to_json())) for i, o in enumerate(organizations)]
            if stored.fetchall() != wanted:  # run-time ones to drop: start again from the fixtures
                db.execute("DELETE FROM organizations")
            self.load_fixtures(organizations, activities)

    # -- organizations ------------------------------------------------------------------

    def _insert_organization(self, db: sqlite3.Connection, org: Organization) -> None:
        (position,) = db.execute(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM organizations"
        ).fetchone()
        try:
            db.execute(
                "INSERT INTO organizations (id, position, body, token, lms_staging, lms_production)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    org.id,
                    position,
                    json.dumps(org.to_json()),
                    org.token,
                    org.lms_ids["staging"],
                    org.lms_ids["production"],
                ),
            )
        except sqlite3.IntegrityError as error:
            raise StoreConflict(
                f"organization {org.id!r} clashes with an existing id, token or LMSID"
            ) from error

    def add_organization(self, org: Organization) -> Organization:
        # An LMSID may not be one environment's id in one org and another's in another.
        lms_values = set(org.lms_ids.values())
        for other in self.organizations():
            if lms_values & set(other.lms_ids.values()):
                raise StoreConflict(f"an LMSID of {org.id!r} already belongs to {other.id!r}")
        with self.transaction() as db:
            self._insert_organization(db, org)
        self._organizations = None
        return org

    def organizations(self) -> list[Organization]:
        """All organizations, the default (first) one first."""
        if self._organizations is None:
            rows = self.db.execute("SELECT body FROM organizations ORDER BY position")
            self._organizations = [parse_organization(json.loads(body)) for (body,) in rows]
        return list(self._organizations)

    def default_organization(self) -> Organization:
        return self.organizations()[0]

    def organization(self, org_id: str) -> Organization | None:
        return next((o for o in self.organizations() if o.id == org_id), None)

    def organization_by_token(self, token: str) -> Organization | None:
        return next((o for o in self.organizations() if o.token == token), None)

    # -- catalog ------------------------------------------------------------------------

    def activities(self) -> tuple[Activity, ...]:
        if self._activities is None:
            from simulator.core.activities import parse_catalog

            rows = self.db.execute("SELECT body FROM activities ORDER BY position").fetchall()
            self._activities = (
                parse_catalog({"courses": [json.loads(body) for (body,) in rows]}) if rows else ()
            )
        return self._activities

    def activity(self, course_id: str) -> Activity | None:
        return next((a for a in self.activities() if a.id == course_id), None)

    # -- learners -----------------------------------------------------------------------

    def learner(self, organization_id: str, email: str, member_identifier: str) -> tuple[int, str]:
        """The learner's id and member identifier, created on first sight."""
        row = self.db.execute(
            "SELECT id, member_identifier FROM learners WHERE organization_id = ? AND email = ?",
            (organization_id, email),
        ).fetchone()
        if row:
            return int(row[0]), str(row[1])
        cursor = self.db.execute(
            "INSERT INTO learners (organization_id, email, member_identifier) VALUES (?, ?, ?)",
            (organization_id, email, member_identifier),
        )
        return int(cursor.lastrowid or 0), member_identifier

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
        with self.transaction():
            return self._record(step, learner_member_identifier)

    def record_many(self, steps: Iterable[Step]) -> int:
        """Bulk form for `seed`: many changes in one SQLite transaction."""
        count = 0
        with self.transaction():
            for step in steps:
                self._record(step, step.state.member_identifier)
                count += 1
        return count

    def _record(self, step: Step, member_identifier: str) -> tuple[Registration, Transaction]:
        state = step.state
        if step.kind == EventKind.STARTED:
            learner_id, member = self.learner(
                state.organization_id, state.email, member_identifier or state.member_identifier
            )
            state = replace(state, member_identifier=member)
        # Inside BEGIN IMMEDIATE nobody else writes, so the next id is known before the
        # insert and the record goes in with it (one statement, not insert-then-update).
        row = self.db.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'transactions'"
        ).fetchone()
        state = replace(state, transaction_id=(int(row[0]) if row else 0) + 1)
        record = state.to_wire()
        self.db.execute(
            "INSERT INTO transactions (transaction_id, registration, organization_id, kind, at,"
            " record) VALUES (?, ?, ?, ?, ?, ?)",
            (
                state.transaction_id,
                state.registration,
                state.organization_id,
                step.kind,
                to_wire(state.last_activity_at),
                json.dumps(record),
            ),
        )
        if step.kind == EventKind.STARTED:
            insert_registration(self.db, state, learner_id)
        else:
            # Only the columns this step changes: SQLite rewrites the index of every column
            # named in SET, and the search index follows the completion code.
            changed: dict[str, object] = {
                "progress": state.progress,
                "last_activity_at": to_wire(state.last_activity_at),
                "transaction_id": state.transaction_id,
            }
            if step.kind == EventKind.COMPLETIONS:
                changed["date_completed"] = to_wire(state.date_completed)
                changed["completion_code"] = state.completion_code
            assignments = ", ".join(f"{column} = ?" for column in changed)
            self.db.execute(
                f"UPDATE registrations SET {assignments} WHERE registration = ?",
                (*changed.values(), state.registration),
            )
        return state, Transaction(
            transactionId=state.transaction_id,
            organizationId=state.organization_id,
            registration=state.registration,
            kind=step.kind,
            at=to_wire(state.last_activity_at),
            record=record,
        )

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
