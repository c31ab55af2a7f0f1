"""The launch answer's JSON (`core/registration_json.py`): the very bytes `json.dumps`
gives for the registration's shape, its warnings and diagnostics, whatever they hold."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from simulator.core.progress import Registration
from simulator.core.registration_json import registration_json

texts = st.text(max_size=40)  # any character: quotes, control, astral, lone surrogates
dates = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
)
registrations = st.builds(
    Registration,
    registration=texts,
    organization_id=texts,
    course_id=texts,
    activity_id=texts,
    activity_title=texts,
    email=texts,
    first_name=texts,
    last_name=texts,
    member_identifier=texts,
    progress=st.integers(0, 100),
    date_started=dates,
    last_activity_at=dates,
    date_completed=st.none() | dates,
    completion_code=texts,
    transaction_id=st.integers(0, 2**63),
    warnings=st.lists(texts, max_size=3).map(tuple),
)
diagnostics = st.lists(
    st.fixed_dictionaries(
        {"code": texts, "severity": st.sampled_from(["error", "warning"]),
         "field": st.none() | texts, "message": texts}
    ),
    max_size=3,
)  # fmt: skip


@given(registrations, st.lists(texts, max_size=3), diagnostics)
def test_the_answer_is_what_json_dumps_gives(
    state: Registration, warnings: list[str], found: list[dict[str, object]]
) -> None:
    expected = json.dumps({**state.to_json(), "warnings": warnings, "diagnostics": found})
    assert registration_json(state, tuple(warnings), found) == expected
