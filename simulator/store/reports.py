"""SQL of the Activity Progress API: the report page, its total, titles and quotas.

Records' JSON and their orderings live in memory (`report_records`, issue 14): a
page without search or date bounds is sliced from its ordering in O(log n) at any
`start`. A search matching up to a few thousand records has its list of matches
(`report_search`), checked in memory: its total is the list's length and its
page is sorted from the list (in memory by transactionId, by SQLite otherwise).
With date bounds, or a search matching much of the data, SQLite picks the page's
rows (an index walk reading only rowids) and their JSON still comes from memory.
`page_json` is the all-SQL answer, kept as the reference and the fallback.

Totals and finished pages are remembered until the data changes (a bounded
LRU, emptied by any write to the database but the API's own quota counting),
so audit jobs that read the same pages again are answered from memory.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date

from simulator.core.order_index import RecordSet
from simulator.core.record_search import COMPLETED, ROWID, page_by_transaction
from simulator.core.report_query import TEXT_SORT_FIELDS, ReportQuery
from simulator.store.report_records import COLUMNS, RECORD_JSON, ReportRecords
from simulator.store.report_search import (
    MIN_TRIGRAM,
    ReportSearch,
    fts_phrase,
    index_pending,
    like_pattern,
    title_matches,
)

COUNT_CACHE_SIZE = 4096
DEEP_START = 5000  # from here, a page is located by rowid first (30% faster at 90,000)
PAGE_CACHE_BYTES = 64 * 1024 * 1024

# ORDER BY text: text fields compare as SQLite's NOCASE (`report_query.sort_key`).
_SORT_COLUMNS = {
    field: column + (" COLLATE NOCASE" if field in TEXT_SORT_FIELDS else "")
    for field, column in COLUMNS.items()
}

_PAGE_COLUMNS = (
    "transaction_id, first_name, last_name, email, member_identifier, activity_id, "
    "activity_title, registration, date_started, progress, date_completed, completion_code"
)


def indexed(query: ReportQuery) -> bool:
    """Whether the in-memory orderings answer this query alone (no search, no dates)."""
    return not query.search and query.start_bound is None and query.end_bound is None


Transaction = Callable[[], AbstractContextManager[sqlite3.Connection]]


class ReportStore:
    """Report queries and quota counters over the store's connection."""

    def __init__(self, db: sqlite3.Connection, transaction: Transaction) -> None:
        """`transaction` is `Store.transaction`, for quota writes (`_own_write`)."""
        self.db = db
        self._transaction = transaction
        self._generation = 0
        self._seen: tuple[int, int] | None = None
        self._counts: OrderedDict[tuple[object, ...], int] = OrderedDict()
        self._titles: dict[str, list[str]] = {}
        self._owners: set[str] | None = None
        self._pages: OrderedDict[tuple[object, ...], tuple[int, bytes]] = OrderedDict()
        self._page_bytes = 0
        self.records = ReportRecords(db)
        self.search = ReportSearch(db, self.records)

    # -- cache validity -----------------------------------------------------------------

    def changed(self) -> None:
        """Registrations changed: forget remembered totals and titles."""
        self.records.changed()
        self._forget_answers()

    def reset(self) -> None:
        """Everything was deleted (`POST /_sim/reset`): rebuild the records on next use."""
        self.records.forget()
        self._forget_answers()

    def warm(self, organizations: list[tuple[str, bool]]) -> None:
        """Build each (organization id, member ids shown)'s records and default ordering now.

        For start-up: otherwise the first request after start builds them (about a
        second at 100,000 registrations), holding up every request behind it.
        """
        index_pending(self.db)  # rows another writer left unindexed (`seed`, raw SQL)
        for organization_id, member_ids in organizations:
            records = self.records.ordered(organization_id, member_ids, "transactionId", False)
            records.gram_sample()  # what a search's first call would otherwise wait for

    def _forget_answers(self) -> None:
        self._generation += 1
        self._counts.clear()
        self._titles.clear()
        self._owners = None
        self.search.forget()
        self._pages.clear()
        self._page_bytes = 0

    def _check_fresh(self) -> None:
        """Forget what any write since the last look may have changed.

        `total_changes` counts writes on this connection (whoever made them),
        `data_version` commits by other connections (a `seed` run on the same file).
        """
        (version,) = self.db.execute("PRAGMA data_version").fetchone()
        seen = (self.db.total_changes, int(version))
        if seen != self._seen:
            if self._seen is not None and self._seen[1] != seen[1]:
                self.records.forget()  # another connection wrote: trust no catch-up
            self._seen = seen
            self.changed()

    def _own_write(self, sql: str, args: tuple[object, ...]) -> None:
        """A quota write: not a change to registrations, so remembered answers stay.

        Through `Store.transaction` (one per progress call): a commit the WAL
        checkpointer is not told of grew the WAL until SQLite's own checkpoint ran
        on the event loop, 100-150 ms once every 10,000 calls (issue 14)."""
        before = self.db.total_changes
        with self._transaction() as db:
            db.execute(sql, args)
        if self._seen is not None and self._seen[0] == before:
            self._seen = (self.db.total_changes, self._seen[1])

    # -- the query ----------------------------------------------------------------------

    def titles(self, organization_id: str) -> list[str]:
        found = self._titles.get(organization_id)
        if found is None:
            rows = self.db.execute(
                "SELECT title FROM report_titles WHERE organization_id = ?", (organization_id,)
            )
            found = self._titles[organization_id] = [title for (title,) in rows]
        return found

    def _filters(self, query: ReportQuery, prefix: str = "") -> tuple[list[str], list[object]]:
        clauses: list[str] = []
        args: list[object] = []
        if query.completed:
            clauses.append(f"{prefix}date_completed != ''")
        if query.start_bound is not None:
            clauses.append(f"{prefix}last_activity_at >= ?")
            args.append(query.start_bound)
        if query.end_bound is not None:
            clauses.append(f"{prefix}last_activity_at < ?")
            args.append(query.end_bound)
        return clauses, args

    def _search_rowids(self, organization_id: str, search: str) -> list[int] | None:
        """The rowids a selective search matches, or None to walk the sort index instead."""
        return self.search.matches(organization_id, search, self.titles(organization_id))

    def _from_where(self, organization_id: str, query: ReportQuery) -> tuple[str, list[object]]:
        """`FROM ... WHERE ...` selecting the records the filters keep."""
        rowids = self._search_rowids(organization_id, query.search) if query.search else None
        if rowids is not None:
            clauses, args = self._filters(query)
            where = " AND ".join(["organization_id = ?", *clauses])
            return (
                "json_each(?) AS matches"
                " CROSS JOIN registrations ON registrations.rowid = matches.value"
                f" WHERE {where}",
                [json.dumps(rowids), organization_id, *args],
            )
        clauses, args = self._filters(query)
        clauses.insert(0, "organization_id = ?")
        args.insert(0, organization_id)
        if query.search:
            alternatives: list[str] = []
            titles = title_matches(query.search, self.titles(organization_id))
            if titles:
                alternatives.append(f"activity_title IN ({', '.join('?' * len(titles))})")
                args.extend(titles)
            if len(query.search) >= MIN_TRIGRAM:
                alternatives.append(
                    "rowid IN (SELECT rowid FROM registration_search"
                    " WHERE registration_search MATCH ?)"
                )
                args.append(fts_phrase(query.search))
            else:
                pattern = like_pattern(query.search)
                alternatives.extend(
                    f"{column} LIKE ? ESCAPE '\\'"
                    for column in (
                        "first_name || ' ' || last_name",
                        "email",
                        "registration",
                        "completion_code",
                    )
                )
                args.extend([pattern] * 4)
            clauses.append("(" + " OR ".join(alternatives) + ")")
        return "registrations WHERE " + " AND ".join(clauses), args

    def _only_organization(self, organization_id: str) -> bool:
        """Whether every stored registration is this organization's (the usual case)."""
        if self._owners is None:
            rows = self.db.execute("SELECT DISTINCT organization_id FROM report_titles")
            self._owners = {owner for (owner,) in rows}
        return self._owners <= {organization_id}

    def _search_total(self, organization_id: str, query: ReportQuery) -> int | None:
        """The total of a plain trigram search, straight from the index, when it can be.

        With no other filter and one organization owning every registration, the
        records selected are exactly the index's matches: no row need be read.
        """
        if (
            len(query.search) < MIN_TRIGRAM
            or query.completed
            or query.start_bound is not None
            or query.end_bound is not None
            or title_matches(query.search, self.titles(organization_id))
            or not self._only_organization(organization_id)
        ):
            return None
        rowids = self._search_rowids(organization_id, query.search)
        if rowids is not None:
            return len(rowids)
        (count,) = self.db.execute(
            "SELECT COUNT(*) FROM registration_search WHERE registration_search MATCH ?",
            (fts_phrase(query.search),),
        ).fetchone()
        return int(count)

    def total(self, organization_id: str, query: ReportQuery) -> int:
        """How many records the filters select (`X-Total-Count`)."""
        if query.search:
            index_pending(self.db)  # before the look: what it writes is a change too
        self._check_fresh()
        key = (organization_id, *query.filter_key)
        cached = self._counts.get(key)
        if cached is not None:
            self._counts.move_to_end(key)
            return cached
        count = self._search_total(organization_id, query) if query.search else None
        if count is None:
            source, args = self._from_where(organization_id, query)
            (count,) = self.db.execute(f"SELECT COUNT(*) FROM {source}", args).fetchone()
        self._counts[key] = int(count)
        if len(self._counts) > COUNT_CACHE_SIZE:
            self._counts.popitem(last=False)
        return int(count)

    def page(self, organization_id: str, query: ReportQuery, member_ids: bool) -> tuple[int, bytes]:
        """The total and the page's JSON (UTF-8), from memory when the data has not changed.

        Without a search or date bounds the page is sliced from the in-memory
        ordering (O(log n) at any `start`); a selective search's page is made from
        its matches; otherwise SQLite finds the page's rows and their JSON still
        comes from memory.
        """
        if query.search:
            index_pending(self.db)  # before the look: what it writes is a change too
        self._check_fresh()  # also notices other connections' writes
        # Plain values, not the query object: the collector stops tracking such a key,
        # and the page memory holds up to tens of thousands of small search pages.
        key = (organization_id, member_ids, *query.filter_key)
        key += (query.sort, query.order, query.start, query.number)
        cached = self._pages.get(key)
        if cached is not None:
            self._pages.move_to_end(key)
            return cached
        if indexed(query):
            records = self.records.ordered(organization_id, member_ids, query.sort, query.completed)
            total = records.count(query.sort, query.completed)
            body = records.page(
                query.sort, query.order == "DESC", query.completed, query.start, query.number
            )
        elif (matched := self._matched_page(organization_id, query, member_ids)) is not None:
            total, body = matched
        else:
            records = self.records.records(organization_id, member_ids)
            total = self.total(organization_id, query)
            body = self._located_page(organization_id, query, member_ids, records)
        self._pages[key] = (total, body)
        self._page_bytes += len(body)
        while self._page_bytes > PAGE_CACHE_BYTES:
            _key, (_total, dropped) = self._pages.popitem(last=False)
            self._page_bytes -= len(dropped)
        return total, body

    def _order_by(self, query: ReportQuery) -> str:
        order_by = f"{_SORT_COLUMNS[query.sort]} {query.order}"
        if query.sort != "transactionId":
            order_by += f", transaction_id {query.order}"
        return order_by

    def _matched_page(
        self, organization_id: str, query: ReportQuery, member_ids: bool
    ) -> tuple[int, bytes] | None:
        """A selective search's total and page from its matches in memory, or None when
        SQL answers it (date bounds, or a search matching much of the data).

        Sorted by `transactionId` (the default) the few matches are sorted here;
        by another field SQLite sorts their rowids (one index probe each).
        """
        if query.start_bound is not None or query.end_bound is not None:
            return None
        rowids = self._search_rowids(organization_id, query.search)
        if rowids is None:
            return None
        records = self.records.records(organization_id, member_ids)
        matches = [records.by_rowid[rowid] for rowid in rowids if rowid in records.by_rowid]
        if len(matches) != len(rowids):  # not expected: both views are caught up alike
            return None
        if query.sort == "transactionId":
            descending = query.order == "DESC"
            return page_by_transaction(
                matches, query.completed, descending, query.start, query.number
            )
        kept = [entry[ROWID] for entry in matches if entry[COMPLETED] or not query.completed]
        rows = self.db.execute(
            "SELECT registrations.rowid FROM json_each(?) AS matches"
            " CROSS JOIN registrations ON registrations.rowid = matches.value"
            f" ORDER BY {self._order_by(query)} LIMIT ? OFFSET ?",
            [json.dumps(kept), query.number, query.start],
        )
        body = records.bodies(rowid for (rowid,) in rows)
        return None if body is None else (len(kept), body)

    def _located_page(
        self, organization_id: str, query: ReportQuery, member_ids: bool, records: RecordSet
    ) -> bytes:
        """A filtered page: SQLite picks the rows (an index-only walk), memory has their JSON."""
        source, args = self._from_where(organization_id, query)
        rows = self.db.execute(
            f"SELECT registrations.rowid FROM {source} ORDER BY {self._order_by(query)}"
            " LIMIT ? OFFSET ?",
            [*args, query.number, query.start],
        )
        body = records.bodies(rowid for (rowid,) in rows)
        if body is None:  # not expected: the records were caught up just now
            body = self.page_json(organization_id, query, member_ids).encode()
        return body

    def page_json(self, organization_id: str, query: ReportQuery, member_ids: bool) -> str:
        """The requested page as a JSON array of wire records, in order, all in SQL."""
        source, args = self._from_where(organization_id, query)
        order_by = self._order_by(query)
        if query.start < DEEP_START:
            sql = (
                f"SELECT json_group_array({RECORD_JSON}) FROM ("
                f"SELECT {_PAGE_COLUMNS} FROM {source} ORDER BY {order_by} LIMIT ? OFFSET ?)"
            )
        else:
            # Deep page: find its rowids first (an index-only walk past `start` entries),
            # then read only those rows, instead of reading every row it skips.
            sql = (
                f"SELECT json_group_array({RECORD_JSON}) FROM ("
                f"SELECT {_PAGE_COLUMNS} FROM registrations WHERE rowid IN ("
                f"SELECT registrations.rowid FROM {source} ORDER BY {order_by} LIMIT ? OFFSET ?)"
                f" ORDER BY {order_by})"
            )
        (text,) = self.db.execute(sql, [member_ids, *args, query.number, query.start]).fetchone()
        return str(text)

    # -- quotas -------------------------------------------------------------------------

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
