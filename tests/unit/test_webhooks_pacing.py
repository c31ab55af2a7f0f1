"""The webhook engine's pacer: waves of steps spread over turns of the event loop,
none lost, in the order they came, so a request never waits for a whole wave."""

from __future__ import annotations

import asyncio
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.webhooks.pacing import Pacer


class Turns:
    """Counts turns of the running loop: a callback that requeues itself each turn."""

    def __init__(self) -> None:
        self.now = 0
        self._loop = asyncio.get_running_loop()
        self._handle = self._loop.call_soon(self._tick)

    def _tick(self) -> None:
        self.now += 1
        self._handle = self._loop.call_soon(self._tick)

    def stop(self) -> None:
        self._handle.cancel()


async def wave(per_turn: int, size: int, cancelled: set[int]) -> tuple[list[int], Counter[int]]:
    """`size` steps asked in one turn; which passed, in order, and how many per turn."""
    pacer, turns = Pacer(per_turn), Turns()
    passed: list[int] = []
    per_turn_seen: Counter[int] = Counter()

    async def step(i: int) -> None:
        await pacer.step()
        passed.append(i)
        per_turn_seen[turns.now] += 1

    tasks = [asyncio.get_running_loop().create_task(step(i)) for i in range(size)]
    await asyncio.sleep(0)  # every task has asked
    for i in cancelled:
        tasks[i].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    turns.stop()
    return passed, per_turn_seen


@settings(max_examples=40, deadline=None)
@given(
    per_turn=st.integers(1, 6),
    size=st.integers(0, 40),
    cancel=st.sets(st.integers(0, 39), max_size=10),
)
def test_a_wave_passes_whole_in_order_a_few_per_turn(
    per_turn: int, size: int, cancel: set[int]
) -> None:
    cancelled = {i for i in cancel if i < size}
    passed, seen = asyncio.run(wave(per_turn, size, cancelled))
    # The first `per_turn` pass at once (before anything could cancel them).
    expected = [i for i in range(size) if i < per_turn or i not in cancelled]
    assert passed == expected
    assert all(count <= per_turn for count in seen.values())


def test_a_lone_step_passes_without_waiting_for_a_turn() -> None:
    async def lone() -> bool:
        pacer = Pacer(2)
        step = asyncio.get_running_loop().create_task(pacer.step())
        await asyncio.sleep(0)  # one turn: the step ran once
        return step.done()

    assert asyncio.run(lone())


def test_requests_get_turns_between_the_steps_of_a_wave() -> None:
    """What pacing is for: a callback queued while a wave waits runs before it ends."""

    async def interleaved() -> tuple[int, int]:
        pacer, turns = Pacer(2), Turns()
        done_at: list[int] = []

        async def step() -> None:
            await pacer.step()
            done_at.append(turns.now)

        tasks = [asyncio.get_running_loop().create_task(step()) for _ in range(20)]
        await asyncio.sleep(0)
        other = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_soon(other.set_result, turns.now)
        await asyncio.gather(*tasks)
        turns.stop()
        return await other, max(done_at)

    other_ran_at, wave_ended_at = asyncio.run(interleaved())
    assert other_ran_at < wave_ended_at
