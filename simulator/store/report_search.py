"""A selective search read through its two rarest trigrams, then checked in memory.

FTS5's trigram index answers a phrase by reading the document list of each of
its trigrams, and an e-mail's trigrams include ".co", "com" and digits that
every UUID holds: one learner's e-mail read most of the index (10 ms at 20,000
registrations). Reading only the two rarest trigrams (`"n.d" AND "s-1"`, 0.3 ms)
gives a few candidates, and each candidate's searchable text, in memory,
decides the match. Rarity is estimated from a sample of the records
(`RecordSet.gram_counts`).

Only the search's all-ASCII trigrams are read ("a M", "ler" of "Anna Müller"),
where Python's and FTS5's case folding agree, so every record containing the
search is among the candidates; the check is `matches_search`'s own (Python's
`lower`). A search with no ASCII trigram, or whose rarest ones are common (more
candidates than `cap`), returns None: the caller asks for the whole phrase.
"""

from __future__ import annotations

import sqlite3

from simulator.core.order_index import RecordSet, grams


def _quoted(gram: str) -> str:
    return '"' + gram.replace('"', '""') + '"'


def rare_gram_matches(
    db: sqlite3.Connection, records: RecordSet, search: str, cap: int
) -> list[int] | None:
    """Rowids of `records` whose name, e-mail, registration or completion code contain
    `search` (ignoring case), or None when this way cannot answer it cheaply."""
    # From the search as typed: `lower` may turn a non-ASCII letter into ASCII ones.
    found = {gram.lower() for gram in grams(search) if gram.isascii()}
    if not found:
        return None
    counts = records.gram_counts()
    rarest = sorted(found, key=lambda gram: (counts.get(gram, 0), gram))[:2]
    rows = db.execute(
        "SELECT rowid FROM registration_search WHERE registration_search MATCH ? LIMIT ?",
        (" AND ".join(_quoted(gram) for gram in rarest), cap + 1),
    ).fetchall()
    if len(rows) > cap:
        return None
    return records.containing(search.lower(), (rowid for (rowid,) in rows))
