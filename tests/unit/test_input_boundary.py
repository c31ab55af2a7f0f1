"""The input boundary's pure rules (simulator/core/input_boundary.py), property-tested."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.errors import BadRequest
from simulator.core.input_boundary import parse_json, text_problem
from simulator.web.boundary import check_path, check_query

INT64 = st.integers(-(2**63), 2**63 - 1)
SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
storable = st.recursive(
    st.none()
    | st.booleans()
    | INT64
    | st.floats(allow_nan=False, allow_infinity=False)
    | SAFE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(SAFE_TEXT, inner, max_size=4),
    max_leaves=12,
)


def _stores(text: str) -> bool:
    """What SQLite makes of it: stored whole, or refused."""
    db = sqlite3.connect(":memory:")
    try:
        return db.execute("SELECT length(?)", (text,)).fetchone()[0] == len(text)
    except UnicodeEncodeError:
        return False
    finally:
        db.close()


@given(st.text())
def test_text_is_refused_exactly_when_sqlite_cannot_store_it_whole(text: str) -> None:
    assert (text_problem(text) is None) == _stores(text)


@given(storable)
def test_whatever_storable_json_holds_passes_unchanged(value: Any) -> None:
    assert parse_json(json.dumps(value).encode()) == value


@given(st.lists(SAFE_TEXT, min_size=1, max_size=4), st.sampled_from(["\ud800", "\udfff", "\x00"]))
def test_unstorable_text_anywhere_is_a_400_naming_its_path(keys: list[str], bad: str) -> None:
    value: Any = f"x{bad}y"
    for key in reversed(keys):
        value = {key: [value]}
    with pytest.raises(BadRequest) as refused:
        parse_json(json.dumps(value).encode())
    assert refused.value.code == "invalid_text"
    assert refused.value.field is not None and refused.value.field.endswith("[0]")


@given(st.integers(2**63, 10**4000) | st.integers(-(10**4000), -(2**63) - 1))
def test_integers_past_64_bits_are_refused(number: int) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_json(f'{{"start": {number}}}'.encode())
    assert (refused.value.code, refused.value.field) == ("invalid_number", "start")


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_non_finite_numbers_are_refused_naming_the_field(text: str) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_json(f'{{"advance": [{text}]}}'.encode())
    assert (refused.value.code, refused.value.field) == ("invalid_number", "advance[0]")


@given(st.integers(33, 20_000))
def test_nesting_past_32_levels_is_refused_without_recursion(depth: int) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_json(b"[" * depth + b"]" * depth)
    assert refused.value.code == "too_deep"


@given(st.binary())
def test_bytes_are_either_parsed_or_refused_never_an_other_error(raw: bytes) -> None:
    with contextlib.suppress(BadRequest):
        parse_json(raw)


@given(SAFE_TEXT, SAFE_TEXT)
def test_storable_query_values_pass(name: str, value: str) -> None:
    check_query(f"{quote(name, safe='')}={quote(value, safe='')}")
    check_path("/x/" + quote(value, safe=""), "/x/{reg}")


@given(st.sampled_from(["%00", "%FF", "%ED%A0%80", "%C0%AF", "a%00"]))
def test_unstorable_path_and_query_values_are_refused_naming_them(bad: str) -> None:
    with pytest.raises(BadRequest) as refused:
        check_query(f"ok=1&token={bad}")
    assert refused.value.field == "token"
    with pytest.raises(BadRequest) as refused:
        check_path(f"/x/{bad}/y", "/x/{reg}/y")
    assert refused.value.field == "reg"
