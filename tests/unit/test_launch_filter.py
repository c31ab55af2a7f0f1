"""The launch log's filter: what `GET /_sim/launches` accepts, as a pure value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.errors import BadRequest
from simulator.core.launch_filter import LaunchFilter

KNOWN = ["created", "resumed", "rejected"]


@given(reg=st.none() | st.text(max_size=40), outcome=st.none() | st.sampled_from(KNOWN))
def test_a_known_filter_passes_with_the_reg_in_lower_case(
    reg: str | None, outcome: str | None
) -> None:
    checked = LaunchFilter(reg, "c", outcome, 10, 5).checked()
    assert checked.registration == (None if reg is None else reg.lower())
    assert (checked.course_id, checked.outcome, checked.limit, checked.offset) == (
        "c",
        outcome,
        10,
        5,
    )


@given(outcome=st.text().filter(lambda o: o not in KNOWN))
def test_an_unknown_outcome_is_refused_naming_the_field(outcome: str) -> None:
    with pytest.raises(BadRequest) as refused:
        LaunchFilter(outcome=outcome).checked()
    assert refused.value.field == "outcome"
