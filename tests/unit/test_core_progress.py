from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from msgspec.structs import replace

from simulator.core.progress import ProgressError, Registration, advance, check_progress, start
from simulator.core.records import WIRE_FIELDS, EventKind
from tests.strategies import SAMPLE_REGISTRATION, T0

BASE = SAMPLE_REGISTRATION
progress_values = st.integers(min_value=0, max_value=100)


def run(requests: list[int]) -> tuple[Registration, list[str]]:
    step = start(BASE)
    state, kinds = step.state, [step.kind]
    for i, value in enumerate(requests):
        nxt = advance(state, value, T0 + timedelta(minutes=i + 1), f"code-{i}")
        if nxt:
            state, kinds = nxt.state, [*kinds, nxt.kind]
    return state, kinds


@given(progress_values, st.booleans())
def test_a_start_is_at_zero_and_not_completed_whatever_it_is_given(
    progress: int, completed: bool
) -> None:
    given_state = replace(BASE, progress=progress, date_completed=T0 if completed else None)
    step = start(given_state)
    assert step.kind == EventKind.STARTED
    assert step.state == replace(given_state, progress=0, date_completed=None)


@given(st.lists(progress_values, max_size=30))
def test_progress_never_goes_backwards_and_completes_once(requests: list[int]) -> None:
    state, kinds = run(requests)
    assert kinds[0] == EventKind.STARTED
    assert kinds.count(EventKind.COMPLETIONS) <= 1
    if EventKind.COMPLETIONS in kinds:
        assert kinds[-1] == EventKind.COMPLETIONS
        assert state.progress == 100 and state.completion_code and state.date_completed
    else:
        assert state.date_completed is None and state.completion_code == ""
    assert state.progress == max([0, *requests])


@given(st.lists(progress_values, max_size=30))
def test_each_event_is_a_real_forward_step(requests: list[int]) -> None:
    step = start(BASE)
    state = step.state
    for value in requests:
        nxt = advance(state, value, T0, "code")
        if nxt is None:
            assert value <= state.progress or state.completed
        else:
            assert nxt.state.progress > state.progress
            assert (nxt.kind == EventKind.COMPLETIONS) == (value == 100)
            state = nxt.state


def test_completion_keeps_its_first_date_and_code() -> None:
    done = advance(BASE, 100, T0 + timedelta(hours=1), "first-code")
    assert done is not None
    assert advance(done.state, 100, T0 + timedelta(hours=2), "second-code") is None
    assert done.state.to_wire()["dateCompleted"] == "2026-01-05T10:00:00"


@pytest.mark.parametrize("bad", [-1, 101, 50.5, "50", None, True, [50]])
def test_progress_must_be_a_whole_number_0_to_100(bad: object) -> None:
    with pytest.raises(ProgressError):
        check_progress(bad)


def test_whole_floats_are_accepted() -> None:
    assert check_progress(50.0) == 50


def test_wire_record_has_exactly_the_twelve_documented_fields_in_order() -> None:
    record = replace(BASE, transaction_id=7).to_wire()
    assert tuple(record) == WIRE_FIELDS
    assert record["dateCompleted"] == "" and record["completionCode"] == ""
    assert record["memberIdentifier"] == ""
    assert record["dateStarted"] == "2026-01-05T09:00:00"
