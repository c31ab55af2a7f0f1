"""A search answered from records in memory equals the reference (`matches_search`).

Pure functions, property-tested: the searchable text and needle, the candidates'
check, the page of matches sorted by transactionId, and the choice of trigrams
read from the index (every record the search matches must hold them, or it would
never be a candidate).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from simulator.core.order_index import Entry, RecordSet, make_entry
from simulator.core.record_search import ROWID, TEXT, needle, page_by_transaction, search_text
from simulator.core.report_query import matches_search
from simulator.store.report_search import rarest

# Text that folds oddly: ASCII case, accents, "ß" (upper "SS"), "İ" (lower "i̇"),
# the Kelvin sign (lower "k"), final sigma, and lone surrogates.
odd = st.sampled_from(
    list("aAbBkK .@-_%1\u00df\u0130\u0131\u212a\u03a3\u03c3\u03c2\u00e9\u00c9\ud800")
)
texts = st.text(odd, max_size=12) | st.text(max_size=12).filter(lambda t: "\x00" not in t)
searches = st.text(odd, max_size=6) | st.text(max_size=6)


def record(n: int, first: str, last: str, email: str, title: str, code: str) -> dict[str, Any]:
    return {
        "transactionId": n,
        "firstName": first,
        "lastName": last,
        "email": email,
        "memberIdentifier": "",
        "activityId": "a1",
        "activityTitle": title,
        "registration": f"reg-{n}",
        "dateStarted": "2026-01-01T00:00:00",
        "progress": 100 if code else 0,
        "dateCompleted": "2026-01-02T00:00:00" if code else "",
        "completionCode": code,
    }


records = st.lists(
    st.builds(record, st.integers(1, 10**6), texts, texts, texts, texts, texts),
    max_size=25,
    unique_by=lambda r: r["transactionId"],
)


def entry(wire: dict[str, Any]) -> Entry:
    n = wire["transactionId"]
    body = json.dumps(wire, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return make_entry(n, n, body, "")


def without_title(wire: dict[str, Any]) -> dict[str, Any]:
    return {**wire, "activityTitle": ""}


@given(texts, texts, texts, texts, texts, searches)
@example("A\u03a3", "\u03a3x", "b\u03a3", "\u03a3", "a\u03a3", "\u03c2")  # final sigma
@example("A\u03a3", "\u03a3x", "b\u03a3", "\u03a3", "a\u03a3", "\u03c3")
@example("\u0130", "\u212a", "x", "y", "", "i\u0307")  # "İ" lowers to two characters
def test_the_needle_is_in_the_text_exactly_when_the_reference_matches(
    first: str, last: str, email: str, registration: str, code: str, search: str
) -> None:
    wire = record(1, first, last, email, "", code)
    wire["registration"] = registration
    found = needle(search)
    if "\x00" in search:
        assert found is None
        return
    assert found is not None
    text = search_text(f"{first} {last}", email, registration, code)
    assert (found in text) == matches_search(search, wire)


@given(records, searches)
def test_candidates_are_checked_as_the_reference_checks_them(
    made: list[dict[str, Any]], search: str
) -> None:
    records_ = RecordSet()
    for wire in made:
        records_.by_rowid[wire["transactionId"]] = entry(wire)
    rows = [(wire["transactionId"],) for wire in made] + [(0,)]  # 0: not this set's
    found = records_.matching(search, rows)
    if "\x00" in search:
        assert found is None
        return
    assert found is not None
    expected = [w["transactionId"] for w in made if matches_search(search, without_title(w))]
    assert [e[ROWID] for e in found] == expected


@given(
    records,
    searches,
    st.booleans(),
    st.booleans(),
    st.integers(0, 30),
    st.integers(1, 12),
)
def test_a_page_of_matches_is_the_slice_of_the_filtered_sorted_whole(
    made: list[dict[str, Any]],
    search: str,
    completed: bool,
    descending: bool,
    start: int,
    number: int,
) -> None:
    """In-memory paging equals brute force: filter, sort by transactionId, slice."""
    found = needle(search.replace("\x00", ""))
    assert found is not None
    matches = [entry(w) for w in made if found in entry(w)[TEXT]]
    total, body = page_by_transaction(matches, completed, descending, start, number)
    expected = sorted(
        (
            w
            for w in made
            if matches_search(search.replace("\x00", ""), without_title(w))
            and (w["dateCompleted"] or not completed)
        ),
        key=lambda w: w["transactionId"],
        reverse=descending,
    )
    assert total == len(expected)
    assert json.loads(body.decode("utf-8", "surrogatepass")) == expected[start : start + number]


@given(texts, st.data())
def test_every_record_holding_the_search_holds_the_trigrams_read(text: str, data: Any) -> None:
    """The trigrams read from the index are in every text that contains the search
    (ignoring case), so no match is ever missing from the candidates."""
    lowered = text.lower()
    begin = data.draw(st.integers(0, len(lowered)))
    end = data.draw(st.integers(begin, len(lowered)))
    # as a user might type it: any ASCII letter of it in either case
    search = "".join(
        c.upper() if c.isascii() and data.draw(st.booleans()) else c for c in lowered[begin:end]
    )
    if search.lower() not in lowered:  # an odd fold ("ß", "İ"): not a match to test
        return
    counts = data.draw(st.dictionaries(st.text(odd, min_size=3, max_size=3), st.integers(0, 9)))
    chosen = rarest(search, counts)
    assert len(chosen) == len(set(chosen)) <= 2
    for gram in chosen:
        assert gram.isascii() and len(gram) == 3
        assert gram in lowered


@given(st.text("abcdefgh", min_size=3, max_size=30))
@example("baaabaa")  # "baa" is near "aaa" where it first occurs, and apart later
def test_the_trigrams_read_are_apart_where_they_can_be(search: str) -> None:
    """Overlapping trigrams mostly occur together: the second is taken three or more
    places from the first whenever the search has one there."""
    chosen = rarest(search, {})
    grams = [search[i : i + 3] for i in range(len(search) - 2)]
    assert len(chosen) == min(2, len(set(grams)))
    first = grams.index(chosen[0])
    apart = [i for i, gram in enumerate(grams) if gram != chosen[0] and abs(i - first) >= 3]
    if apart:
        assert any(grams[i] == chosen[1] for i in apart)
