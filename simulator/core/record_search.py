"""A search's answer from records kept in memory: the text it looks in, and its pages.

The Activity Progress API's `search` is a case-insensitive substring of a record's
full name, e-mail, activity title, registration or completion code
(`report_query.matches_search`, the reference). Checking a candidate by parsing
its JSON cost 10 us, and a never-asked search checks a few hundred candidates
(issue 14: 90% of the call). So each record keeps its searchable text ready:
every field lower-cased on its own (as `matches_search` lowers them), joined by
NUL, as UTF-8. A search that holds no NUL cannot straddle two fields, and UTF-8
keeps substrings substrings, so `needle in text` is `matches_search` bar the
activity title, which the caller matches against the organization's few titles.

A selective search's matches are few, so their page is sorted here, in memory,
by `transactionId` (the default sort) instead of asking SQLite.

Pure: no SQL, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Final

SEPARATOR = "\x00"  # the input boundary refuses NUL: no field or search holds one
_ENCODING = "utf-8"
_ERRORS = "surrogatepass"  # whatever a caller passes encodes, and substrings stay substrings


# A record in memory (`order_index.Entry`): (rowid, transactionId, wire JSON, member
# identifier, searchable text, completed), a plain tuple (why: `order_index`).
Entry = tuple[int, int, bytes, str, bytes, bool]
ROWID: Final = 0
TRANSACTION_ID: Final = 1
BODY: Final = 2
MEMBER: Final = 3
TEXT: Final = 4
COMPLETED: Final = 5


def search_text(name: str, email: str, registration: str, completion_code: str) -> bytes:
    """What a search looks in, bar the activity title (`name` is "first last")."""
    # One `lower` of the whole is each field's own: its only context rule (a final
    # sigma) looks no further than a NUL, which is neither cased nor case-ignorable.
    text = SEPARATOR.join((name, email, registration, completion_code)).lower()
    return text.encode(_ENCODING, _ERRORS)


def needle(search: str) -> bytes | None:
    """`search` as looked for in `search_text`, or None when it holds a NUL (which
    could match across two fields: the caller asks the reference instead)."""
    if SEPARATOR in search:
        return None
    return search.lower().encode(_ENCODING, _ERRORS)


def fields(text: bytes) -> list[str]:
    """The lower-cased fields of a `search_text`, back again."""
    return text.decode(_ENCODING, _ERRORS).split(SEPARATOR)


def containing(found: bytes, records: Iterable[Entry]) -> list[Entry]:
    """Those of `records` whose searchable text holds `found` (a `needle`)."""
    return [record for record in records if found in record[TEXT]]


_BY_TRANSACTION = itemgetter(TRANSACTION_ID)


def page_by_transaction(
    matches: Sequence[Entry],
    completed_only: bool,
    descending: bool,
    start: int,
    number: int,
) -> tuple[int, bytes]:
    """(how many `matches` the filter keeps, the JSON array of the page), sorted by
    `transactionId` as `ORDER BY transaction_id` does (ids are unique: no ties)."""
    kept = [m for m in matches if m[COMPLETED]] if completed_only else list(matches)
    kept.sort(key=_BY_TRANSACTION, reverse=descending)
    return len(kept), b"[" + b",".join([m[BODY] for m in kept[start : start + number]]) + b"]"
