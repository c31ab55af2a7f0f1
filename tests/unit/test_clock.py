import asyncio
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.clock import VirtualClock

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@settings(max_examples=50)
@given(st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=20))
def test_timers_fire_in_time_order_and_at_their_time(delays_ms: list[int]) -> None:
    delays = [ms / 1000 for ms in delays_ms]

    async def scenario() -> list[tuple[float, datetime]]:
        clock = VirtualClock(T0)
        fired: list[tuple[float, datetime]] = []

        async def sleeper(delay: float) -> None:
            await clock.sleep(delay)
            fired.append((delay, clock.now()))

        tasks = [asyncio.create_task(sleeper(d)) for d in delays]
        await asyncio.sleep(0)
        await clock.advance(max(delays) + 1)
        await asyncio.gather(*tasks)
        return fired

    fired = asyncio.run(scenario())
    assert sorted(delays) == [d for d, _ in fired]
    for delay, at in fired:
        assert at == T0 + timedelta(seconds=delay)


async def test_advance_waits_for_the_work_a_timer_woke() -> None:
    clock = VirtualClock(T0)
    log: list[str] = []
    gate = asyncio.Event()

    async def retrying_worker() -> None:
        for attempt in range(3):
            await clock.sleep(10)
            # real (non-clock) work after waking, like an HTTP attempt
            for _ in range(5):
                await asyncio.sleep(0)
            log.append(f"attempt {attempt} at +{(clock.now() - T0).seconds}s")
        gate.set()

    task = asyncio.create_task(retrying_worker())
    await asyncio.sleep(0)
    await clock.advance(25)
    assert log == ["attempt 0 at +10s", "attempt 1 at +20s"]
    assert clock.now() == T0 + timedelta(seconds=25)
    await clock.advance(5)
    assert gate.is_set()
    await task


async def test_tracked_spawned_tasks_are_waited_for() -> None:
    clock = VirtualClock(T0)
    done: list[str] = []

    async def child() -> None:
        for _ in range(10):
            await asyncio.sleep(0)
        done.append("child")

    async def parent() -> None:
        await clock.sleep(1)
        clock.track(asyncio.create_task(child()))

    task = asyncio.create_task(parent())
    await asyncio.sleep(0)
    await clock.advance(1)
    assert done == ["child"]
    await task


async def test_a_stuck_task_does_not_hang_advance() -> None:
    clock = VirtualClock(T0, settle_grace=0.05)
    never = asyncio.Event()

    async def stuck() -> None:
        await clock.sleep(1)
        await never.wait()

    task = asyncio.create_task(stuck())
    await asyncio.sleep(0)
    assert await clock.advance(2) == 1
    assert clock.now() == T0 + timedelta(seconds=2)
    task.cancel()


async def test_sleeping_into_the_past_returns_at_once() -> None:
    clock = VirtualClock(T0)
    await clock.sleep_until(T0 - timedelta(days=1))
    assert clock.pending == 0
