"""The store: the only place SQL lives.

One SQLite file (WAL) per simulator, or `:memory:`. The schema is a numbered list
of migrations in `migrations/`, applied in order and recorded in `user_version`,
so a database written by an older simulator is upgraded on start and a restart
keeps every organization, registration and transaction. A new database is created
from the snapshot of what they build (`snapshot.py`), in one step.

All methods are synchronous and run on the event loop's thread: each is a few
indexed statements, cheaper than a hop to a worker thread.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from simulator.core.activities import Activity
from simulator.core.errors import Conflict
from simulator.core.organizations import Organization, parse_organization
from simulator.store.checkpoints import Checkpointer
from simulator.store.commits import Commits
from simulator.store.connection import StoreOpenError as StoreOpenError
from simulator.store.connection import connect
from simulator.store.registrations import RegistrationRecords
from simulator.store.schema import KEPT, ResetPlan, empty, load_migrations, nonempty, reset_plan


class StoreConflict(Conflict):
    """A write that would break a uniqueness rule (duplicate id, token or LMSID): 409."""


MIGRATIONS = load_migrations()
SCHEMA_VERSION = MIGRATIONS[-1][0] if MIGRATIONS else 0

# Reloaded from the fixtures by `reset` rather than emptied.
FIXTURE_TABLES = frozenset({"organizations", "activities"})


def _text(value: str) -> str:
    """A string as an SQL literal (for a script, which takes no parameters)."""
    return "'" + value.replace("'", "''") + "'"


class Store(RegistrationRecords):
    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self.db = connection
        self.path = path
        self.commits = Commits(connection)
        self._organizations: list[Organization] | None = None
        self._activities: tuple[Activity, ...] | None = None
        self._reset_plan: ResetPlan | None = None
        self._checkpointer: Checkpointer | None = None

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (creating and migrating) the database at `path`."""
        path = str(path)
        connection = connect(path)
        # Checkpoints run on a thread of their own (`checkpoints.py`); SQLite's automatic
        # one, on this connection and so on the event loop, is only a backstop at 10,000
        # pages (a WAL of up to 40 MB).
        connection.execute("PRAGMA wal_autocheckpoint = 10000")
        store = cls(connection, path)
        try:
            store.migrate()
        except BaseException:
            connection.close()
            raise
        if path != ":memory:":
            store._checkpointer = Checkpointer(path)
            store.commits.on_commit = store._checkpointer.committed
        return store

    def close(self) -> None:
        self.commits.flush()
        if self._checkpointer is not None:
            self._checkpointer.close()
        self.db.close()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One atomic write: all of it lands, or none (nothing half-recorded); nested in
        another it is a savepoint, in a request it may join a group commit (`commits`)."""
        return self.commits.transaction()

    def deferred_commits(self) -> AbstractContextManager[None]:
        """Writes in this context (one request's task) may wait for a group commit."""
        return self.commits.deferred()

    async def durable(self) -> None:
        """Return once every write made so far is committed."""
        await self.commits.durable()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once what was written so far is committed."""
        self.commits.after_commit(callback)

    def migrate(self, *, snapshot: bool = True) -> int:
        """Apply every migration this file has not had; returns the schema version.

        Applied migrations are recorded one by one, not only as the highest number in
        `user_version`, so a migration merged after a higher-numbered one still runs.

        A new database (version 0, no tables) is given in one transaction what they
        would build, from the snapshot of it (`snapshot.py`), and recorded as having had
        every one: running them did the same work several times (later ones rebuild what
        earlier ones made). `snapshot=False` runs them even then (the snapshot is made so).
        """
        (version,) = self.db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise StoreOpenError(
                f"{self.path} has schema version {version}, newer than this simulator's "
                f"{SCHEMA_VERSION}: upgrade media77-simulator or use another --db"
            )
        if snapshot and not version and self._create_from_snapshot():
            return SCHEMA_VERSION
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
                self._run_schema_script("BEGIN", script, [(number, name)], version)
            except sqlite3.Error as error:
                raise StoreOpenError(f"{self.path}: migration {name} failed: {error}") from error
        return int(version)

    def _run_schema_script(
        self, begin: str, script: str, recorded: Sequence[tuple[int, str]], version: int
    ) -> None:
        """`script` in one transaction with the migrations it stands for recorded and
        `user_version` set: all of it lands or none (the error is raised on)."""
        rows = ", ".join(f"({number}, {_text(name)})" for number, name in recorded)
        try:
            self.db.executescript(
                f"{begin};\n{script}\n"
                f"INSERT INTO schema_migrations (number, name) VALUES {rows};\n"
                f"PRAGMA user_version = {version};\nCOMMIT;"
            )
        except sqlite3.Error:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def _create_from_snapshot(self) -> bool:
        """Create the whole schema on a new database; False where this does not apply
        (tables already there, or no snapshot made from exactly these migrations), or no
        longer does (another process opening the same new file created them first)."""
        if not self._is_new():
            return False
        # Imported here, so that `python -m simulator.store.snapshot` runs it fresh.
        from simulator.store.snapshot import schema_for

        schema = schema_for(MIGRATIONS)
        if schema is None:
            return False
        every = [(number, name) for number, name, _ in MIGRATIONS]
        try:
            self._run_schema_script("BEGIN IMMEDIATE", schema, every, SCHEMA_VERSION)
        except sqlite3.Error as error:
            if not self._is_new():
                return False
            raise StoreOpenError(
                f"{self.path}: creating the schema (migrations/schema.sql) failed: {error}"
            ) from error
        return True

    def _is_new(self) -> bool:
        return self.db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is None

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
        with self.commits.immediate():  # what requests wrote is committed first
            self._reset_all(organizations, activities)

    def _reset_all(
        self, organizations: Sequence[Organization], activities: Sequence[Activity]
    ) -> None:
        plan = self._reset_plan = reset_plan(self.db, KEPT | FIXTURE_TABLES, self._reset_plan)
        # With foreign keys on, SQLite deletes the rows of a table that takes part in a
        # foreign key one by one, to check them. The schema has none (migration 011):
        # turning them off and on (a pragma that only works outside a transaction) would
        # expire every prepared statement of the connection, so it is done only for a
        # schema that has one.
        toggle = plan.linked and not self.db.in_transaction
        if toggle:
            self.db.execute("PRAGMA foreign_keys = OFF")
        try:
            self._reset(plan, organizations, activities)
        finally:
            if toggle:
                self.db.execute("PRAGMA foreign_keys = ON")

    def _reset(
        self,
        plan: ResetPlan,
        organizations: Sequence[Organization],
        activities: Sequence[Activity],
    ) -> None:
        with self.transaction() as db:
            self._reset_plan = empty(db, plan, nonempty(db, plan.tables))
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
