"""Background steps, one per turn of the event loop: the loop's own unit, no sleeping."""

from __future__ import annotations

import asyncio

from simulator.store.turns import TurnSteps


class Work:
    """A step that has `left` pieces to do, one per call, and counts the turns it ran in."""

    def __init__(self, left: int) -> None:
        self.left = left
        self.calls: list[int] = []
        self.turn = 0

    def step(self) -> bool:
        self.calls.append(self.turn)
        self.left -= 1
        return self.left > 0


async def turns(work: Work, count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)  # one turn of the loop
        work.turn += 1


async def test_one_step_per_turn_until_the_work_is_done() -> None:
    work = Work(5)
    steps = TurnSteps(work.step)
    assert steps.wake() and steps.wake()  # due once, however often woken
    await turns(work, 10)
    assert work.calls == [0, 1, 2, 3, 4]  # one per turn, then no more
    assert not steps.scheduled and steps.steps == 5
    work.left = 2
    steps.wake()  # new work: steps again
    await turns(work, 5)
    assert work.calls[5:] == [10, 11]


async def test_cancel_drops_the_due_step_and_close_refuses_more() -> None:
    work = Work(5)
    steps = TurnSteps(work.step)
    steps.wake()
    steps.cancel()
    await turns(work, 3)
    assert work.calls == []
    assert steps.wake()  # cancelled, not closed: a later wake schedules again
    await turns(work, 1)
    steps.close()
    assert not steps.wake()
    await turns(work, 5)
    assert work.calls == [3]


def test_without_a_running_loop_nothing_is_scheduled() -> None:
    work = Work(5)
    steps = TurnSteps(work.step)
    assert not steps.wake()
    assert not steps.scheduled


def test_a_step_left_on_a_stopped_loop_does_not_block_the_next_loop() -> None:
    work = Work(10)
    steps = TurnSteps(work.step)

    async def woken_then_stopped() -> None:
        steps.wake()  # due next turn, but this loop ends first

    loop = asyncio.new_event_loop()
    loop.run_until_complete(woken_then_stopped())
    loop.close()
    assert steps.scheduled  # on a closed loop: it will never run there
    ran = len(work.calls)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(turns_after_wake(steps, work))
    loop.close()
    assert len(work.calls) >= ran + 3  # stepping on the new loop, one per turn


async def turns_after_wake(steps: TurnSteps, work: Work) -> None:
    assert steps.wake()
    await turns(work, 3)
