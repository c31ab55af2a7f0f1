"""Which records a selective search selects: read from the trigram index, checked in memory.

FTS5's trigram index answers a phrase by reading the document list of each of
its trigrams, and an e-mail's trigrams include ".co", "com" and digits that
every UUID holds: one learner's e-mail read most of the index (70 ms at 100,000
registrations). Reading only the search's rarest trigrams (`"n.d" AND "s-1" AND
"4a7"`, 0.3 ms) gives a few candidates, and each candidate's searchable text,
kept in memory (`record_search.search_text`), decides the match. Rarity is
estimated from a sample of the records (`RecordSet.gram_sample`).

Only the search's all-ASCII trigrams are read ("a M", "ler" of "Anna Müller"),
where Python's and FTS5's case folding agree, so every record containing the
search is among the candidates; the check is `matches_search`'s own (Python's
`lower`). A search with no ASCII trigram, or whose rarest ones are common (more
than `CANDIDATES_PER_MATCH` candidates per match the list may hold), is read as
the whole phrase.

A search that matches much of the data ("gmail", a course title, one or two
letters) has no list here (None): the caller walks the sort index instead, which
stops once the page is full.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Iterable

from simulator.core.record_search import ROWID
from simulator.store.report_records import ReportRecords

MIN_TRIGRAM = 3  # FTS5's trigram tokenizer cannot match shorter strings: LIKE does
MATCH_CACHE_SIZE = 256
MOST_GRAMS = 3  # see `rarest`
ENOUGH = 4  # sampled records (of 2,000) two trigrams may leave: about 200 candidates at 100,000
MATCHES = 5000
CANDIDATES_PER_MATCH = 4  # a candidate costs 0.4 us to read, the whole phrase up to 70 ms


def _quoted(gram: str) -> str:
    return '"' + gram.replace('"', '""') + '"'


def fts_phrase(text: str) -> str:
    """The search as one FTS5 phrase: a substring match under the trigram tokenizer."""
    return _quoted(text)


def like_pattern(text: str) -> str:
    """`%text%` for LIKE ... ESCAPE '\\': a search too short for the trigram index."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def drive_limit(records: int) -> int:
    """How many matches a search may have and still be answered from its list of matches.

    The list costs about 0.5 us a match (read from FTS5 and checked in memory) and
    0.2 us more to sort it by `transactionId` (SQLite sorts it by another field in
    about 1 us a match). Walking the sort index instead costs about 0.2 us per row
    and needs about `100 * records / matches` rows for a page, but the total
    (`X-Media77-Sim-Total-Count`) then needs the whole phrase from FTS5, which reads
    every trigram's list: 20-400 ms for "anna", "4a7" or "mail3" at 100,000
    registrations, where their lists take 1.5-8 ms. So lists up to `MATCHES` (or
    the old sqrt(13 * records) crossing, in larger organizations).
    """
    return max(MATCHES, int((13 * records) ** 0.5))


def title_matches(search: str, titles: Iterable[str]) -> list[str]:
    """The activity titles containing `search`, ignoring case."""
    needle = search.lower()
    return [title for title in titles if needle in title.lower()]


def rarest(search: str, sample: dict[str, int]) -> list[str]:
    """Two or three of the search's ASCII trigrams (lower-cased) that together are rare.

    `sample` tells which records of a sample hold each trigram (`RecordSet.gram_sample`).
    The rarest first; then each next one is the one fewest sampled records hold along
    with those taken (preferring one apart from them), because trigrams of one word
    occur together: "oli" and "via" of "Olivia" narrow no more than one of them, while
    "eau" of "Moreau" cuts them to a twentieth. A third is read only when two leave
    more than `ENOUGH` sampled records (each read costs a trigram's list).
    """
    # From the search as typed: `lower` may turn a non-ASCII letter into ASCII ones.
    at: dict[str, list[int]] = {}
    for i in range(len(search) - 2):
        gram = search[i : i + 3].lower()
        if gram.isascii():
            at.setdefault(gram, []).append(i)
    if not at:
        return []
    ranked = [
        (mask.bit_count(), gram, places, mask)
        for gram, places in at.items()
        for mask in (sample.get(gram, 0),)
    ]
    _count, first, places, held = min(ranked)
    chosen = [first]
    near = set(range(places[0] - 2, places[0] + 3))
    while len(chosen) < min(MOST_GRAMS, len(ranked)):
        if len(chosen) >= 2 and held.bit_count() <= ENOUGH:
            break
        # Near only if every place it occurs is near ("baa" of "baaabaa" is also apart).
        _both, _near, _count, gram, places, mask = min(
            ((held & mask).bit_count(), near.issuperset(places), count, gram, places, mask)
            for count, gram, places, mask in ranked
            if gram not in chosen
        )
        chosen.append(gram)
        near.update(j for i in places for j in range(i - 2, i + 3))
        held &= mask
    return chosen


def _pending(db: sqlite3.Connection) -> tuple[int, int] | None:
    """(highest rowid indexed, highest rowid) when some registrations are not indexed.

    None too on a schema from before migration 008 (a store opened by an older
    release's migrations, as the upgrade tests do): its triggers index every row.
    """
    try:
        (upto,) = db.execute(
            "SELECT COALESCE(MAX(upto), 0) FROM registration_search_upto"
        ).fetchone()
    except sqlite3.OperationalError as error:
        if "no such table" not in str(error):
            raise
        return None
    (top,) = db.execute("SELECT COALESCE(MAX(rowid), 0) FROM registrations").fetchone()
    return (int(upto), int(top)) if top > upto else None


def index_pending(db: sqlite3.Connection) -> None:
    """Put the registrations written since the index was last read into it (migration 008).

    A launch does not index its texts (120 us of its 145 us INSERT): the first reader
    after it indexes every new row in one statement, so a search still finds every
    record written before it. In one savepoint: the rows and the mark move together
    (a contentless index must never hold a row twice), inside an open group commit or
    as a transaction of its own.
    """
    if _pending(db) is None:
        return
    db.execute("SAVEPOINT index_pending")
    try:
        # Again, within the transaction that writes: should another connection commit
        # in between, SQLite refuses this write (busy) rather than index a row twice.
        pending = _pending(db)
        if pending is None:
            db.execute("RELEASE index_pending")
            return
        upto, top = pending
        db.execute(
            "INSERT INTO registration_search (rowid, name, email, registration, completion_code)"
            " SELECT rowid, first_name || ' ' || last_name, email, registration, completion_code"
            " FROM registrations WHERE rowid > ? AND rowid <= ?",
            (upto, top),
        )
        db.execute("DELETE FROM registration_search_upto")
        db.execute("INSERT INTO registration_search_upto (upto) VALUES (?)", (top,))
    except BaseException:
        db.execute("ROLLBACK TO index_pending")
        db.execute("RELEASE index_pending")
        raise
    db.execute("RELEASE index_pending")


def _read(db: sqlite3.Connection, match: str, cap: int) -> list[tuple[int]] | None:
    """The rowids FTS5 gives for `match`, or None when there are more than `cap`."""
    rows: list[tuple[int]] = db.execute(
        "SELECT rowid FROM registration_search WHERE registration_search MATCH ? LIMIT ?",
        (match, cap + 1),
    ).fetchall()
    return None if len(rows) > cap else rows


class ReportSearch:
    """The matches of selective searches, remembered until the data changes."""

    def __init__(self, db: sqlite3.Connection, records: ReportRecords) -> None:
        self.db = db
        self.records = records
        self._matches: OrderedDict[tuple[str, str], list[int] | None] = OrderedDict()

    def forget(self) -> None:
        self._matches.clear()

    def matches(self, organization_id: str, search: str, titles: list[str]) -> list[int] | None:
        """Rowids of the organization's records `search` selects, in no order, or None to walk.

        `titles` are the organization's activity titles: a search naming one
        matches every record of that activity, so it is walked. The list is
        remembered (until the data changes) so the total and the page of one
        request read the trigram index once.
        """
        if len(search) < MIN_TRIGRAM or title_matches(search, titles):
            return None
        key = (organization_id, search)
        if key in self._matches:
            self._matches.move_to_end(key)
            return self._matches[key]
        # The organization's size: a magnitude is all `drive_limit` needs.
        limit = drive_limit(len(self.records.any_set(organization_id)))
        found = self._read(organization_id, search, limit)
        self._matches[key] = found
        if len(self._matches) > MATCH_CACHE_SIZE:
            self._matches.popitem(last=False)
        return found

    def _read(self, organization_id: str, search: str, limit: int) -> list[int] | None:
        records = self.records.any_set(organization_id)
        chosen = rarest(search, records.gram_sample())
        rows = None
        if chosen:
            match = " AND ".join(map(_quoted, chosen))
            rows = _read(self.db, match, CANDIDATES_PER_MATCH * limit)
        if rows is None:
            rows = _read(self.db, fts_phrase(search), limit)
            if rows is None:
                return None
        entries = records.matching(search, rows)
        if entries is None:  # a NUL in the search: FTS5's own answer
            rowids = [rowid for (rowid,) in rows if rowid in records.by_rowid]
        else:
            rowids = [entry[ROWID] for entry in entries]
        return rowids if len(rowids) <= limit else None
