"""Report records in memory, with an order-statistic index per sort ordering.

The vendor's API pages by offset, so a page deep in the data was as costly as
walking SQLite's sort index past every record before it (OFFSET is linear).
Here each ordering is a `SortedList` of `(key, transactionId, JSON)`: it finds
the record at any position in O(log n), so a page costs the same at start 0 as
at start 99,900, and each record's wire JSON is kept ready so a page is one
`b",".join` instead of SQLite building a hundred JSON objects.

Each record also keeps its searchable text, lower-cased (`record_search`), so a
search's candidates are checked without parsing JSON: about 157 bytes more per
registration (804 instead of 647 at 100,000, `benchmarks/report_index.py`).

Orderings are built on first use (a sort field nobody asks for costs nothing)
from the records' JSON, and kept in step by `upsert`/`remove`. The keys are
exactly `sort_key` (the reference semantics of the SQL: ASCII-case-folded text,
ties broken by `transactionId`), and a DESC page is the ASC ordering read
backwards, as `ORDER BY field DESC, transaction_id DESC` is.

Pure: no SQL, no I/O; the store feeds it rows and asks it for pages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from msgspec.json import decode as _decode
from sortedcontainers import SortedList

from simulator.core.record_search import (
    BODY,
    COMPLETED,
    MEMBER,
    ROWID,
    TEXT,
    TRANSACTION_ID,
    containing,
    fields,
    needle,
    search_text,
)
from simulator.core.record_search import Entry as Entry  # the store's name for a record
from simulator.core.report_query import sort_key, sort_value

Ordering = tuple[str, bool]
SAMPLE = 2000
_JSON = itemgetter(2)  # (sort field, completed records only)


# One registration's current record: (rowid, transactionId, wire JSON ready to send,
# member identifier, searchable text, completed). A plain tuple of str, bytes, int and
# bool, not an object: CPython's cyclic collector stops tracking such a tuple at its
# first collection, and a dict holding only such tuples, so 100,000 records cost a
# full collection nothing, where 100,000 `__slots__` objects cost it 30-50 ms on the
# event loop, each time, whenever they were built after `serve` froze its heap (data
# seeded while serving, a reset, another writer: issue 14).
# (`Entry` and its field positions are `record_search`'s, which searches them.)


def make_entry(
    rowid: int,
    transaction_id: int,
    body: bytes,
    member: str,
    text: bytes | None = None,
    completed: bool | None = None,
) -> Entry:
    """A record from its wire JSON.

    `member` keeps the real `memberIdentifier` when the served JSON blanks it
    (organizations without user verification): sorting still uses the real value,
    as the SQL does. `text` is what a search looks in (`record_search.search_text`)
    and `completed` whether `completed: true` keeps it: both ready, so a search's
    candidates are checked without parsing their JSON. Left out, they are read
    from the JSON.
    """
    if text is None or completed is None:
        record = json.loads(body)
        text = search_text(*searchable(record)) if text is None else text
        completed = bool(record["dateCompleted"]) if completed is None else completed
    return (rowid, transaction_id, body, member, text, completed)


def record_of(entry: Entry) -> dict[str, Any]:
    """The wire record, with the real member identifier (for sort keys)."""
    found: dict[str, Any] = _decode(entry[BODY])
    found["memberIdentifier"] = entry[MEMBER]
    return found


def _item(field: str, record: dict[str, Any], entry: Entry) -> tuple[Any, int, bytes]:
    """An ordering's item; the JSON is the entry's own object, so `remove` finds it by
    identity (transaction ids are unique, so two items never compare their JSON)."""
    key, transaction_id = sort_key(field, record)
    return (key, transaction_id, entry[BODY])


class RecordSet:
    """One organization's records (as one caller sees them) and their orderings."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.by_rowid: dict[int, Entry] = {}
        self.orderings: dict[Ordering, SortedList] = {}
        self._grams: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.entries)

    def upsert(self, registration: str, entry: Entry) -> None:
        """Make `entry` the registration's current record, in every built ordering."""
        old = self.entries.get(registration)
        old_record = record_of(old) if old is not None and self.orderings else None
        if old is not None:
            self.by_rowid.pop(old[ROWID], None)
        self.entries[registration] = entry
        self.by_rowid[entry[ROWID]] = entry
        if not self.orderings:
            return
        record = record_of(entry)
        for (field, completed_only), ordering in self.orderings.items():
            if (
                old is not None
                and old_record is not None
                and (not completed_only or old_record["dateCompleted"])
            ):
                ordering.remove(_item(field, old_record, old))
            if not completed_only or record["dateCompleted"]:
                ordering.add(_item(field, record, entry))

    def remove(self, registration: str) -> None:
        old = self.entries.pop(registration, None)
        if old is None:
            return
        self.by_rowid.pop(old[ROWID], None)
        if not self.orderings:
            return
        record = record_of(old)
        for (field, completed_only), ordering in self.orderings.items():
            if not completed_only or record["dateCompleted"]:
                ordering.remove(_item(field, record, old))

    def ordering(
        self,
        field: str,
        completed_only: bool,
        values: Iterable[tuple[str, Any]] | None = None,
    ) -> SortedList:
        """The ordering by `field`, built now if this is its first use.

        `values` are (registration, field value) of every record it holds, when the
        caller can read them faster than parsing each record's JSON (the store
        reads one column); without them each record's JSON is read.
        """
        found = self.orderings.get((field, completed_only))
        if found is not None:
            return found
        if values is None:
            values = (
                (registration, record_of(entry)[field])
                for registration, entry in self.entries.items()
                if not completed_only or entry[COMPLETED]
            )
        entries = self.entries
        items = []
        for registration, value in values:
            entry = entries[registration]
            items.append((sort_value(field, value), entry[TRANSACTION_ID], entry[BODY]))
        found = self.orderings[(field, completed_only)] = SortedList(items)
        return found

    def count(self, field: str, completed_only: bool) -> int:
        if not completed_only:
            return len(self.entries)
        return len(self.ordering(field, True))

    def page(
        self, field: str, descending: bool, completed_only: bool, start: int, number: int
    ) -> bytes:
        """The JSON array of records `start`..`start + number` in this ordering."""
        ordering = self.ordering(field, completed_only)
        if descending:
            stop = max(0, len(ordering) - start)
            items = ordering.islice(max(0, stop - number), stop, reverse=True)
        else:
            items = ordering.islice(start, start + number)
        return b"[" + b",".join(map(_JSON, items)) + b"]"

    def gram_sample(self) -> dict[str, int]:
        """Which records of a sample of up to 2,000 hold each trigram of their searchable
        text: bit i set for the sample's i-th record.

        An estimate, made once per build: enough to tell a rare trigram ("n.d" of
        "ben.dubois") from one every record has (".co", digits of UUIDs), and how
        rare two are together ("oli" and "via" of "Olivia" are no rarer than one).
        """
        if self._grams is None:
            step = max(1, len(self.entries) // SAMPLE)
            holders: dict[str, list[int]] = {}
            for bit, entry in enumerate(list(self.entries.values())[::step]):
                for gram in {gram for text in fields(entry[TEXT]) for gram in grams(text)}:
                    holders.setdefault(gram, []).append(bit)
            self._grams = {
                gram: int.from_bytes(_bitmap(bits), "little") for gram, bits in holders.items()
            }
        return self._grams

    def matching(self, search: str, rows: Iterable[tuple[int]]) -> list[Entry] | None:
        """The records here, of those whose rowids `rows` name, whose searchable text (bar
        the activity title, which the caller matches on its own) contains `search`
        (ignoring case); None when the search holds a NUL (`record_search.needle`)."""
        found = needle(search)
        if found is None:
            return None
        get = self.by_rowid.get
        return containing(found, [entry for (rowid,) in rows if (entry := get(rowid)) is not None])

    def bodies(self, rowids: Iterable[int]) -> bytes | None:
        """The JSON array of these rows' records, or None if one is not known here."""
        entries = []
        for rowid in rowids:
            entry = self.by_rowid.get(rowid)
            if entry is None:
                return None
            entries.append(entry)
        return page_json(entries)


def searchable(record: dict[str, Any]) -> tuple[str, str, str, str]:
    """What the trigram index holds of a record: full name, e-mail, registration, code."""
    return (
        f"{record['firstName']} {record['lastName']}",
        record["email"],
        record["registration"],
        record["completionCode"],
    )


def _bitmap(bits: list[int]) -> bytearray:
    found = bytearray(bits[-1] // 8 + 1)
    for bit in bits:
        found[bit >> 3] |= 1 << (bit & 7)
    return found


def grams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


def page_json(entries: Iterable[Entry]) -> bytes:
    return b"[" + b",".join([entry[BODY] for entry in entries]) + b"]"
