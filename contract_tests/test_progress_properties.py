"""Properties of the Activity Progress API that hold on any target, whatever its data.

Hypothesis draws the queries; the data is what the target holds (in control mode the
test first makes a few learners of its own). Against a read-only target each example
spends at most two calls, and the examples are few enough to fit the budget.
"""

from __future__ import annotations

from typing import Any

import contract_target as ct
import pytest
from contract_target import Target
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

req = pytest.mark.requirement
# every field but memberIdentifier, which is "" unless the organization verifies users
SORT_FIELDS = [f for f in ct.documented_fields() if f != "memberIdentifier"]
READ_ONLY = ct.CURRENT_MODE is ct.Mode.READ_ONLY
EXAMPLES = 1 if READ_ONLY else 12
property_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def data(target: Target) -> Target:
    """Some learners of the test's own, where the target lets the suite make them."""
    if target.organization is not None:
        names = ["Zoe Adams", "adam Zane", "Émile Brontë", "Ada Lovelace", "Bob Stone"]
        for i, name in enumerate(names * 2):
            reg = target.start(
                ("workplace-safety", "data-privacy")[i % 2],
                fn=name,
                em=f"l{i}.{name.split()[0].lower()}@{target.org.domain}",
            )["registration"]
            if i % 3 == 0:
                target.complete(reg)
            elif i % 3 == 1:
                target.set_progress(reg, 10 * i)
    return target


def sort_key(field: str, record: dict[str, Any]) -> Any:
    """The order D-P5 promises: numbers as numbers, text ignoring ASCII case."""
    value = record[field]
    if isinstance(value, int):
        return value
    return "".join(c.lower() if c.isascii() else c for c in str(value))


@req("PROG-015")
@req("PROG-009")
@pytest.mark.calls(2 * EXAMPLES)
@property_settings
@given(
    sort=st.sampled_from(SORT_FIELDS),
    order=st.sampled_from(["ASC", "DESC"]),
    start=st.integers(0, 12),
    number=st.integers(1, 6),
)
def test_a_page_is_the_slice_of_the_whole(
    data: Target, sort: str, order: str, start: int, number: int
) -> None:
    """Pages partition the result: page(start, number) == whole[start:start+number]."""
    whole = data.report(sort=sort, order=order, number=1000).body
    page = data.report(sort=sort, order=order, start=start, number=number).body
    assert page == whole[start : start + number]


@req("PROG-019")
@req("PROG-011")
@pytest.mark.calls(EXAMPLES)
@property_settings
@given(sort=st.sampled_from(SORT_FIELDS), order=st.sampled_from(["ASC", "DESC"]))
def test_order_is_monotone_with_ties_on_transaction_id(data: Target, sort: str, order: str) -> None:
    """D-P5: sorted by the field, ties by transactionId in the same direction."""
    records = data.report(sort=sort, order=order, number=1000).body
    keys = [(sort_key(sort, r), r["transactionId"]) for r in records]
    assert keys == sorted(keys, reverse=order == "DESC")


@req("PROG-012")
@pytest.mark.calls(2 * EXAMPLES)
@property_settings
@given(pick=st.integers(0, 10**6), length=st.integers(3, 8), upper=st.booleans())
def test_search_results_contain_the_term(data: Target, pick: int, length: int, upper: bool) -> None:
    """Every record found holds the term (any case) in a searchable field."""
    records = data.report(number=50).body
    if not records:
        return
    record = records[pick % len(records)]
    text = record["email"]
    at = pick % max(1, len(text) - length)
    term = text[at : at + length]
    term = term.upper() if upper else term
    found = data.report(search=term, number=1000).body
    assert record["registration"] in [r["registration"] for r in found] or len(found) == 1000
    for hit in found:
        fields = [
            f"{hit['firstName']} {hit['lastName']}",
            hit["email"],
            hit["activityTitle"],
            hit["registration"],
            hit["completionCode"],
        ]
        assert any(term.lower() in f.lower() for f in fields), (term, hit)


@req("PROG-023")
@pytest.mark.calls(2 * EXAMPLES)
@property_settings
@given(sort=st.sampled_from(SORT_FIELDS), completed=st.booleans())
def test_repeated_reads_agree(data: Target, sort: str, completed: bool) -> None:
    """D-P9: nothing changed, nothing differs."""
    first = data.report(sort=sort, completed=completed, number=100)
    second = data.report(sort=sort, completed=completed, number=100)
    assert first.status == second.status == 200
    assert first.body == second.body
