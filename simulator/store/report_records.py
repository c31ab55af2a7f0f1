"""Keeps the in-memory report records (`core.order_index`) in step with SQLite.

Built per (organization, member-id visibility) on first use after start, so a
restart never serves anything but what the file holds. Afterwards every write
is caught up from the `transactions` table: transaction ids only grow, so the
registrations changed since the last look are those named by a transaction
with a higher id (a rowid range scan), and only those rows are read again.

Catching up costs about 55 us per changed registration. Left to the next
read, a burst of writes with no read between made that read hold the event
loop for seconds (issue 13). So each commit is announced (`committed`) and
the writes committed so far are caught up a bounded chunk per turn of the loop
(`step`, driven by `report_catch_up`); a read catches up only what is left, the
writes of the last turn or two, and still sees every write made before it.

A reset empties `transactions` and counts ids from 1 again; it is noticed by
the highest id falling below the last one applied (and announced through
`forget`), and everything is rebuilt on next use. A commit by another
connection (`seed` on the same file) is not announced at all: it also forgets
everything rather than trust a catch-up across another writer's history.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from simulator.core.backlog import chunk_end
from simulator.core.order_index import Entry, RecordSet, make_entry
from simulator.core.record_search import ROWID, search_text
from simulator.core.report_query import TEXT_SORT_FIELDS


def _record_json(shown: str) -> str:
    """A record's wire JSON, built by SQLite; its member identifier when `shown` holds."""
    return (
        "json_object("
        "'transactionId', transaction_id, 'firstName', first_name, 'lastName', last_name, "
        "'email', email, 'memberIdentifier', "
        f"CASE WHEN {shown} THEN member_identifier ELSE '' END, "
        "'activityId', activity_id, 'activityTitle', activity_title, "
        "'registration', registration, 'dateStarted', date_started, 'progress', progress, "
        "'dateCompleted', date_completed, 'completionCode', completion_code)"
    )


RECORD_JSON = _record_json("?")

_FIELDS = (
    "rowid, registration, organization_id, transaction_id, member_identifier,"
    " first_name || ' ' || last_name, email, completion_code, date_completed != ''"
)
_ROW = f"{_FIELDS}, {RECORD_JSON}"

# The registrations named by transactions in a range, each record's JSON with its member
# identifier when its organization is in the given JSON list (its view shows them).
_CHANGED = (
    f"SELECT {_FIELDS}, {_record_json('organization_id IN (SELECT value FROM json_each(?))')}"
    " FROM registrations WHERE registration IN"
    " (SELECT registration FROM transactions WHERE transaction_id > ? AND transaction_id <= ?)"
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
        self.target = 0  # highest transaction id known committed, for `step`
        self._announced = 0  # highest transaction id `committed` saw

    def _highest(self) -> int:
        (value,) = self.db.execute(
            "SELECT COALESCE(MAX(transaction_id), 0) FROM transactions"
        ).fetchone()
        return int(value)

    def forget(self) -> None:
        """Drop everything: rebuilt from the database when next asked."""
        self.sets.clear()
        self.applied = self.target = 0
        self.stale = False

    def changed(self) -> None:
        """Registrations changed: notice a reset now, catch up on next use."""
        if self.sets and self._highest() < self.applied:
            self.forget()
        else:
            self.stale = True

    def committed(self) -> int:
        """Writes were committed: as `changed`, and `step` may catch up to them now.

        Returns how many transaction ids are new since the previous announcement.
        """
        highest = self._highest()
        arrived, self._announced = max(0, highest - self._announced), highest
        if self.sets and highest < self.applied:
            self.forget()
            return 0
        self.stale = True
        if self.sets:
            self.target = max(self.target, highest)
        return arrived

    def due(self, least: int) -> bool:
        """At least `least` committed transactions are not caught up yet."""
        return bool(self.sets) and self.target - self.applied >= least

    def step(self, per_turn: int, arrived: int, least: int) -> bool:
        """Catch up one turn's share of the committed writes (`backlog.chunk_end`): at
        most `per_turn` plus the `arrived` transactions, nothing while fewer than
        `least` are behind (a read catches those up); True while more is due."""
        if not self.due(least):
            return False
        if self._highest() < self.applied:  # a reset nobody announced
            self.forget()
            return False
        self._apply(chunk_end(self.applied, self.target, arrived, per_turn, least))
        return self.due(least)

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
        if highest > self.applied:
            self._apply(highest)

    def _apply(self, upto: int) -> None:
        """Read again the registrations named by transactions after `applied` up to `upto`.

        Each row is read as it is now, so a registration changed again later is
        already current (and read once more when that later change is applied).
        """
        views: dict[str, list[tuple[bool, RecordSet]]] = {}
        for (org, member_ids), found in self.sets.items():
            views.setdefault(org, []).append((member_ids, found))
        shown = {org for org, member_ids in self.sets if member_ids}
        changed = (self.applied, upto)
        rows = self.db.execute(_CHANGED, (json.dumps(sorted(shown)), *changed)).fetchall()
        hidden = self._hidden([org for org, view in views.items() if len(view) > 1], changed)
        for row in rows:
            registration, owner, entry = _entry(row)
            for org, view in views.items():
                for member_ids, found in view:
                    if org != owner:
                        found.remove(registration)  # a reused `reg` moves it to another
                    elif member_ids or owner not in shown:
                        found.upsert(registration, entry)
                    else:
                        found.upsert(registration, hidden[registration])
        self.applied = upto

    def _hidden(self, organizations: list[str], changed: tuple[int, int]) -> dict[str, Entry]:
        """The changed records of organizations seen both ways (by tests; one API caller
        sees an organization one way), as the view without member identifiers has them."""
        found: dict[str, Entry] = {}
        for org in organizations:
            rows = self.db.execute(
                f"SELECT {_ROW} FROM registrations WHERE organization_id = ? AND registration IN"
                " (SELECT registration FROM transactions"
                " WHERE transaction_id > ? AND transaction_id <= ?)",
                (False, org, *changed),
            )
            found.update((registration, entry) for registration, _owner, entry in map(_entry, rows))
        return found
