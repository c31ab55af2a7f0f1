"""Event-loop lag: the measure behind "a hostile endpoint never blocks the loop".

The histogram is a pure function of the delays it was given (properties); the
monitor is checked on a real event loop held on purpose, and the figure is read
where a user reads it, `GET /_sim/health` of a real server.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import subprocess
import sys

import aiohttp
from hypothesis import given
from hypothesis import strategies as st

from simulator.clock import SystemClock
from simulator.core.lag_histogram import FLOOR_MS, GROWTH, LagHistogram
from simulator.server import Simulator
from simulator.service.loop_lag import LoopLagMonitor

delays = st.lists(
    st.floats(min_value=0.0, max_value=120_000.0, allow_nan=False), min_size=1, max_size=300
)


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@given(delays, st.floats(min_value=0.0, max_value=1.0))
def test_a_quantile_is_the_true_one_within_five_percent(values: list[float], q: float) -> None:
    histogram = LagHistogram()
    for value in values:
        histogram.record(value)
    true = nearest_rank(values, q)
    found = histogram.quantile(q)
    assert true / GROWTH - FLOOR_MS <= found <= true * GROWTH + FLOOR_MS
    assert found <= max(values)


@given(delays)
def test_max_and_count_are_exact_and_memory_stays_small(values: list[float]) -> None:
    histogram = LagHistogram()
    for value in values * 3:
        histogram.record(value)
    assert histogram.max_ms == max(values)
    assert histogram.samples == 3 * len(values)
    assert len(histogram.counts) <= 400  # 1 µs .. 2 min in 5 % steps, whatever the count
    summary = histogram.summary()
    assert summary["p50"] <= summary["p99"] <= summary["max"]


@given(st.just(math.nan) | st.floats(max_value=0.0))
def test_a_negative_or_nan_delay_counts_as_none(value: float) -> None:
    histogram = LagHistogram()
    histogram.record(value)
    assert histogram.summary() == {"p50": 0.0, "p99": 0.0, "max": 0.0, "samples": 1}


def test_an_empty_histogram_says_zero() -> None:
    assert LagHistogram().summary() == {"p50": 0.0, "p99": 0.0, "max": 0.0, "samples": 0}


def hold_the_loop(clock: SystemClock, seconds: float) -> None:
    """Keep the loop's thread busy without yielding, as a blocking call would."""
    until = clock.monotonic() + seconds
    data = b"x" * 4096
    while clock.monotonic() < until:
        data = hashlib.sha256(data).digest() * 128


async def until_sampled(monitor: LoopLagMonitor, more_than: int) -> None:
    for _ in range(10_000):
        if monitor.histogram.samples > more_than:
            return
        await asyncio.sleep(monitor.interval_s)


async def test_a_held_loop_shows_up_as_lag() -> None:
    clock = SystemClock()
    monitor = LoopLagMonitor(clock, interval_s=0.01)
    monitor.start()
    try:
        await asyncio.wait_for(until_sampled(monitor, 0), 10)
        hold_the_loop(clock, 0.3)
        before = monitor.histogram.samples
        await asyncio.wait_for(until_sampled(monitor, before), 10)
    finally:
        await monitor.stop()
    # The sample that spanned the hold woke at least ~0.29 s late, however busy the machine.
    assert monitor.summary()["max"] >= 250.0


async def test_stopping_leaves_no_task_behind() -> None:
    monitor = LoopLagMonitor(SystemClock(), interval_s=0.01)
    monitor.start()
    await asyncio.wait_for(until_sampled(monitor, 0), 10)
    await monitor.stop()
    samples = monitor.histogram.samples
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "loop-lag"]
    await asyncio.sleep(0.05)
    assert monitor.histogram.samples == samples


async def test_health_reports_the_loop_lag_since_start_and_across_a_reset() -> None:
    async with Simulator(clock="virtual") as sim, aiohttp.ClientSession() as session:
        base = f"http://127.0.0.1:{sim.port}"

        async def lag() -> dict[str, float]:
            async with session.get(f"{base}/_sim/health") as answer:
                assert answer.status == 200
                return dict((await answer.json())["loopLagMs"])

        first = await lag()
        assert set(first) == {"p50", "p99", "max", "samples", "intervalMs"}
        for _ in range(1000):
            if first["samples"] >= 5:
                break
            await asyncio.sleep(0.05)
            first = await lag()
        assert 0 <= first["p50"] <= first["p99"] <= first["max"]
        async with session.post(f"{base}/_sim/reset") as answer:
            assert answer.status == 200
        later = await lag()
        # A reset keeps the figures since start: it rebuilds the simulation, not the monitor.
        assert later["samples"] >= first["samples"] >= 5
        assert later["max"] >= first["max"]


def test_serve_takes_its_start_up_heap_out_of_every_full_collection() -> None:
    """A full collection runs on the loop and walks every tracked object: after
    `settle_heap`, what start-up built is no longer among them. In a process of its
    own, as `serve` is (it would freeze this test run's heap)."""
    script = (
        "import asyncio, gc, json, tempfile\n"
        "from simulator.runtime import settle_heap\n"
        "from simulator.server import Simulator\n"
        "async def main():\n"
        "    with tempfile.TemporaryDirectory() as folder:\n"
        "        async with Simulator(clock='virtual', db=folder + '/sim.db'):\n"
        "            before = len(gc.get_objects())\n"
        "            settle_heap()\n"
        "            print(json.dumps([before, len(gc.get_objects())]))\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    before, after = json.loads(done.stdout.splitlines()[-1])
    assert before > 10_000
    assert after < before / 20
