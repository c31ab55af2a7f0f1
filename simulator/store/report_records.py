"""Keeps the in-memory report records (`core.order_index`) in step with SQLite.

Built per (organization, member-id visibility) on first use after start, so a
restart never serves anything but what the file holds. Afterwards every write
is caught up: transaction ids only grow, and each write sets its registration's
`transaction_id` to its own, so the registrations changed since the last look are
those with a higher one (a range of `reports_by_transaction`), and only those rows
are read again.

A reset empties `transactions` and counts ids from 1 again; it is noticed by
the highest id falling below the last one applied (and announced through
`forget`), and everything is rebuilt on next use. A commit by another
connection (`seed` on the same file) is not announced at all: it also forgets
everything rather than trust a catch-up across another writer's history.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from simulator.core.order_index import Entry, RecordSet, make_entry
from simulator.core.record_search import ROWID, search_text
from simulator.core.report_query import TEXT_SORT_FIELDS

RECORD_JSON = (
    "json_object("
    "'transactionId', transaction_id, 'firstName', first_name, 'lastName', last_name, "
    "'email', email, 'memberIdentifier', CASE WHEN ? THEN member_identifier ELSE '' END, "
    "'activityId', activity_id, 'activityTitle', activity_title, "
    "'registration', registration, 'dateStarted', date_started, 'progress', progress, "
    "'dateCompleted', date_completed, 'completionCode', completion_code)"
)

_ROW = (
    "rowid, registration, organization_id, transaction_id, member_identifier,"
    " first_name || ' ' || last_name, email, completion_code, date_completed != '',"
    f" {RECORD_JSON}"
)


def _entry(row: sqlite3.Row | tuple[Any, ...]) -> tuple[str, str, Entry]:
    """A row of `_ROW` as (registration, organization id, in-memory record)."""
    rowid, registration, owner, tid, member, name, email, code, completed, body = row
    text = search_text(name, email, registration, code)
    return registration, owner, make_entry(rowid, tid, body.encode(), member, text, bool(completed))


COLUMNS = {
    "transactionId": "transaction_id",
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "memberIdentifier": "member_identifier",
    "activityId": "activity_id",
    "activityTitle": "activity_title",
    "registration": "registration",
    "dateStarted": "date_started",
    "progress": "progress",
    "dateCompleted": "date_completed",
    "completionCode": "completion_code",
}

SetKey = tuple[str, bool]  # (organization id, member identifiers shown)


class ReportRecords:
    """Every built `RecordSet`, and the last transaction id they reflect."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.sets: dict[SetKey, RecordSet] = {}
        self.applied = 0  # highest transaction id the sets reflect
        self.stale = False  # a write may have happened since `applied`

    def _highest(self) -> int:
        (value,) = self.db.execute(
            "SELECT COALESCE(MAX(transaction_id), 0) FROM transactions"
        ).fetchone()
        return int(value)

    def forget(self) -> None:
        """Drop everything: rebuilt from the database when next asked."""
        self.sets.clear()
        self.applied = 0
        self.stale = False

    def changed(self) -> None:
        """Registrations changed: notice a reset now, catch up on next use."""
        if self.sets and self._highest() < self.applied:
            self.forget()
        else:
            self.stale = True

    def records(self, organization_id: str, member_ids: bool) -> RecordSet:
        """The organization's records, current as of the last committed write."""
        if self.stale:
            self._catch_up()
        key = (organization_id, member_ids)
        found = self.sets.get(key)
        if found is None:
            if not self.sets:
                self.applied = self._highest()
            found = self.sets[key] = RecordSet()
            rows = self.db.execute(
                f"SELECT {_ROW} FROM registrations WHERE organization_id = ?",
                (member_ids, organization_id),
            )
            for row in rows:
                registration, _owner, entry = _entry(row)
                found.entries[registration] = entry
                found.by_rowid[entry[ROWID]] = entry
        return found

    def any_set(self, organization_id: str) -> RecordSet:
        """The organization's records as any caller sees them (for what both views share)."""
        for shown in (False, True):
            found = self.sets.get((organization_id, shown))
            if found is not None:
                return self.records(organization_id, shown)
        return self.records(organization_id, False)

    def ordered(
        self, organization_id: str, member_ids: bool, field: str, completed_only: bool
    ) -> RecordSet:
        """The organization's records with the ordering by `field` built.

        A new ordering is built from one column read by SQLite rather than from
        each record's JSON (ten times slower).
        """
        records = self.records(organization_id, member_ids)
        if (field, completed_only) not in records.orderings:
            where = " AND date_completed != ''" if completed_only else ""
            # In the ordering's own order (SQLite walks its sort index): sorting
            # sorted input is linear, three times faster than from random order.
            collate = " COLLATE NOCASE" if field in TEXT_SORT_FIELDS else ""
            rows = self.db.execute(
                f"SELECT registration, {COLUMNS[field]} FROM registrations"
                f" WHERE organization_id = ?{where}"
                f" ORDER BY {COLUMNS[field]}{collate}, transaction_id",
                (organization_id,),
            )
            records.ordering(field, completed_only, rows)
        return records

    def _catch_up(self) -> None:
        self.stale = False
        if not self.sets:
            return
        highest = self._highest()
        if highest < self.applied:
            self.forget()
            return
        if highest == self.applied:
            return
        # Each registration's organization as of its last transaction (a rowid range of
        # `transactions`, in order: the last one wins), to see one that moved (a `reg`
        # launched again by another organization: a launch refuses it, the store need not).
        owners = dict(
            self.db.execute(
                "SELECT registration, organization_id FROM transactions WHERE transaction_id > ?",
                (self.applied,),
            )
        ).items()
        for (org, _shown), records in self.sets.items():  # moved to another organization
            for registration, owner in owners:
                if owner != org and registration in records.entries:
                    records.remove(registration)
        for shown in {member_ids for _org, member_ids in self.sets}:
            # Every write sets its registration's `transaction_id` to the new transaction's,
            # so the rows changed since `applied` are one range of `reports_by_transaction`
            # per organization with a set for this view: read in index order, not looked up
            # one by one through `transactions` (18 against 45 us a row, issue 14).
            wanted = sorted(org for org, member_ids in self.sets if member_ids == shown)
            marks = ", ".join("?" * len(wanted))
            rows = self.db.execute(
                f"SELECT {_ROW} FROM registrations WHERE organization_id IN ({marks})"
                " AND transaction_id > ?",
                (shown, *wanted, self.applied),
            ).fetchall()
            for row in rows:
                registration, owner, entry = _entry(row)
                self.sets[(owner, shown)].upsert(registration, entry)
        self.applied = highest
