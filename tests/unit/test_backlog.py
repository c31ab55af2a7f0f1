"""A backlog caught up a turn at a time: bounded turns, never falling further behind,
done within a bounded number of turns once writes stop."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from simulator.core.backlog import chunk_end

ids = st.integers(0, 10**6)
per_turns = st.integers(1, 500)


@given(ids, st.integers(0, 10**5), st.integers(0, 10**5), per_turns, st.integers(1, 200))
def test_a_turn_takes_what_arrived_and_at_most_per_turn_of_the_rest(
    done: int, behind: int, arrived: int, per_turn: int, least: int
) -> None:
    arrived = min(arrived, behind)
    known = done + behind
    end = chunk_end(done, known, arrived, per_turn, least)
    assert done <= end <= known
    assert end - done <= per_turn + arrived
    if behind >= least:
        # What was behind before the arrivals shrinks by `per_turn` (or to nothing).
        assert known - end <= max(0, behind - arrived - per_turn)
    else:
        assert end == done  # too small a batch: left for a reader or for more


@given(ids, st.integers(-(10**5), 0), st.integers(0, 10**5), per_turns)
def test_nothing_behind_means_nothing_to_do(
    done: int, ahead: int, arrived: int, per_turn: int
) -> None:
    """Caught up already (a reader did it), or ids fell (a reset): this turn does nothing."""
    assert chunk_end(done, done + ahead, arrived, per_turn) == done


@given(
    st.lists(st.integers(0, 300), max_size=40),  # ids arriving before each turn
    st.integers(0, 5000),  # the backlog already there
    per_turns,
)
def test_turns_keep_up_with_arrivals_and_then_finish(
    arrivals: list[int], backlog: int, per_turn: int
) -> None:
    done, known = 0, backlog
    for arrived in arrivals:
        before = known - done
        known += arrived
        done = chunk_end(done, known, arrived, per_turn)
        assert known - done <= max(0, before - per_turn)  # never further behind
    left = known - done
    quiet = 0
    while done < known:
        done = chunk_end(done, known, 0, per_turn)
        quiet += 1
    assert quiet == -(-left // per_turn)  # ceil: per_turn a turn once writes stop
