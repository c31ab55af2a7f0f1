"""Launch log entries (`simulator.service.launch_log`): bounded, JSON, honest about the outcome."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from simulator.core.diagnostics import Code, Diagnostic, Severity, error
from simulator.core.launch import PARAMETERS
from simulator.core.launch_reader import read_location
from simulator.service import LaunchOutcome
from simulator.service.launch_log import LogRow, PageLocation, entry_of, log_entry, log_row
from tests.strategies import ORGS, a_registration

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3000),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=10,
)


@given(st.dictionaries(st.sampled_from([*PARAMETERS, "other"]), json_values), st.text())
def test_any_rejected_launch_gives_a_bounded_json_entry(params: dict, course: str) -> None:
    outcome = LaunchOutcome(None, False, (error(Code.MISSING_PARAMETER, "reg is required", "reg"),))
    entry = log_entry(course, params, outcome, "api", None)
    json.dumps(entry)
    assert entry["outcome"] == "rejected"
    assert set(entry["params"]) == set(params) - {"other"}
    assert all(len(v) <= 1024 for v in entry["params"].values())
    assert len(entry["registration"]) <= 255 and len(entry["courseId"]) <= 255
    assert [d["code"] for d in entry["diagnostics"]] == ["missing_parameter"]
    assert entry["problems"] == entry["diagnostics"]
    assert "hash" not in entry


@given(st.text(max_size=6000), st.text(max_size=6000), st.text(max_size=100))
def test_page_entries_keep_the_raw_location_and_every_code(
    hash_: str, search: str, ref: str
) -> None:
    reading = read_location(hash_, search)
    outcome = LaunchOutcome(None, False, reading.diagnostics)
    entry = log_entry("c", reading.params, outcome, "page", PageLocation(hash_, search, ref))
    json.dumps(entry)
    assert entry["hash"] == hash_[:4096] and entry["search"] == search[:4096]
    assert [d["code"] for d in entry["diagnostics"]] == [d.code for d in reading.diagnostics]


def _whole_entry(
    course_id: str,
    params: Mapping[str, object],
    outcome: LaunchOutcome,
    source: str,
    location: PageLocation | None,
    meant: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The entry as the log listed it when each row kept it whole (the contract)."""
    state = outcome.registration
    filed = {**(meant or {}), **params}

    def text(value: object, limit: int = 1024) -> str:
        return ("" if value is None else value if isinstance(value, str) else repr(value))[:limit]

    entry: dict[str, Any] = {
        "source": source,
        "courseId": text(course_id, 255),
        "outcome": outcome.outcome,
        "registration": state.registration if state else text(filed.get("reg"), 255).lower(),
        "email": state.email if state else text(filed.get("em"), 255),
        "organizationId": outcome.organization.id if outcome.organization else "",
        "params": {name: text(params[name]) for name in PARAMETERS if name in params},
        "problems": [d.to_json() for d in outcome.problems],
        "warnings": list(outcome.warnings),
        "diagnostics": [d.to_json() for d in outcome.diagnostics],
        "fixedUrl": outcome.fixed_url,
    }
    if location is not None:
        entry.update(hash=location.hash[:4096], search=location.search[:4096])
        entry["referrer"] = location.referrer[:4096]
        if location.url is not None:
            entry["url"] = location.url[:4096]
    return entry


diagnostics = st.builds(
    Diagnostic,
    st.sampled_from(list(Code)),
    st.sampled_from(list(Severity)),
    st.text(max_size=30),
    st.none() | st.sampled_from(PARAMETERS),
)
locations = st.none() | st.builds(
    PageLocation, st.text(max_size=50), st.text(max_size=50), st.text(max_size=20),
    st.none() | st.text(max_size=80),
)  # fmt: skip


@given(
    st.text(max_size=300),
    st.dictionaries(st.sampled_from([*PARAMETERS, "other"]), json_values),
    st.builds(
        LaunchOutcome,
        st.none() | st.builds(a_registration),
        st.booleans(),
        st.lists(diagnostics, max_size=4).map(tuple),
        st.none() | st.sampled_from(ORGS),
        st.just(0),
        st.none() | st.text(max_size=40),
    ),
    st.sampled_from(["api", "page", "url"]),
    locations,
    st.none() | st.dictionaries(st.sampled_from(["reg", "em"]), st.text(max_size=300)),
)
def test_a_stored_row_reads_back_as_the_whole_entry(
    course: str,
    params: dict[str, object],
    outcome: LaunchOutcome,
    source: str,
    location: PageLocation | None,
    meant: dict[str, str] | None,
) -> None:
    """Rows keep only what differs from a clean launch, yet the log lists every entry
    exactly as it did when rows were kept whole: same keys, same order, same values."""
    row = log_row(course, params, outcome, source, location, meant)
    expected = _whole_entry(course, params, outcome, source, location, meant)
    read = entry_of(LogRow(*row))
    assert list(read.items()) == list(expected.items())
    assert json.dumps(read) == json.dumps(expected)
    if not outcome.diagnostics and outcome.fixed_url is None and location is None:
        assert set(json.loads(row.details)) <= {"params"}  # a clean launch: its values alone


def test_rows_kept_whole_read_the_same() -> None:
    """Rows written before (the whole entry in `details`) read back unchanged."""
    outcome = LaunchOutcome(None, False, (error(Code.MISSING_PARAMETER, "reg is required", "reg"),))
    whole = _whole_entry("c", {"em": "a@b.c"}, outcome, "page", PageLocation("#/?em=a", "", ""))
    old = LogRow("page", "c", "", "a@b.c", "", "rejected", json.dumps(whole))
    assert list(entry_of(old).items()) == list(whole.items())
