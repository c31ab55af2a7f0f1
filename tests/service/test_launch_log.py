"""Launch log entries (`simulator.service.launch_log`): bounded, JSON, honest about the outcome."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from simulator.core.diagnostics import Code, error
from simulator.core.launch import PARAMETERS
from simulator.core.launch_reader import read_location
from simulator.service import LaunchOutcome
from simulator.service.launch_log import PageLocation, log_entry

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
