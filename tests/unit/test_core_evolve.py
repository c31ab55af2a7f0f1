"""`evolve`: a frozen dataclass's copy with some fields changed, exactly as `replace` makes it."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.copies import evolve
from simulator.service.outcome import LaunchOutcome
from tests.strategies import a_registration, moments, uuids

changes = st.fixed_dictionaries(
    {},
    optional={
        "progress": st.integers(0, 100),
        "last_activity_at": moments,
        "date_completed": st.none() | moments,
        "completion_code": uuids,
        "transaction_id": st.integers(1, 2**63 - 1),
        "member_identifier": st.text(max_size=9),
    },
)


@given(changes)
def test_evolve_is_replace(fields: dict[str, object]) -> None:
    state = a_registration()
    copied = evolve(state, **fields)
    assert copied == replace(state, **fields)  # type: ignore[arg-type]
    assert copied is not state
    assert state == a_registration()  # the original is untouched


def test_an_unknown_field_is_refused_as_replace_refuses_it() -> None:
    with pytest.raises(TypeError):
        evolve(a_registration(), progres=5)


@given(st.integers(0, 2**63 - 1))
def test_a_launch_outcome_takes_its_log_id_as_replace_gives_it(launch_id: int) -> None:
    outcome = LaunchOutcome(a_registration(), True)
    assert evolve(outcome, launch_id=launch_id) == replace(outcome, launch_id=launch_id)


def test_a_class_whose_init_does_more_than_assign_is_refused() -> None:
    @dataclass(frozen=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            if self.value < 0:
                raise ValueError("negative")

    with pytest.raises(TypeError):
        evolve(Checked(1), value=-1)
