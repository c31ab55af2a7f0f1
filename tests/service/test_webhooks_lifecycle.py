"""Reset is a rebuild: `stop` leaves no task, clock timer or connection behind, and a
new engine's `start` picks up everything from the store (outbox, cursors, schedule)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from simulator import fixtures as fixture_files
from simulator.clock import VirtualClock
from simulator.config import Config
from simulator.pytest_plugin import SimHelper
from simulator.service import Simulation
from simulator.store import Store
from simulator.webhooks import WebhookEngine
from tests.servers import serving

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[str, list[Any]]]:
    """A real aiohttp endpoint on a real socket that accepts every bundle."""
    received: list[Any] = []

    async def accept(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", accept)
    async with serving(app) as base:
        yield f"{base}/hook", received


def simulation(db: Path) -> Simulation:
    loaded = fixture_files.load(None)
    store = Store.open(str(db))
    store.load_fixtures(loaded.organizations, loaded.activities)
    config = replace(Config(), allow_insecure_webhooks=True, db=str(db))
    return Simulation(config, VirtualClock(T0, settle_grace=0.3), store, loaded)


def learner(sim: Simulation, n: int) -> None:
    lms = sim.store.default_organization().lms_ids[sim.config.environment]
    params = {"reg": str(uuid.uuid4()), "em": f"l{n}@example.com", "fn": f"Learner N{n}",
              "dom": "localhost", "lmsId": lms}  # fmt: skip
    assert sim.launch("workplace-safety", params).registration is not None


def others(before: set[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
    """Tasks started since `before`, except this test's and the test endpoint's own."""
    return {
        t
        for t in asyncio.all_tasks() - before
        if t is not asyncio.current_task()
        and getattr(t.get_coro(), "__qualname__", "") != "RequestHandler.start"
    }


async def test_stop_leaves_nothing_running_and_a_new_engine_resumes_from_the_store(
    tmp_path: Path, endpoint: tuple[str, list[Any]]
) -> None:
    url, received = endpoint
    sim = simulation(tmp_path / "state.db")
    clock = sim.clock
    assert isinstance(clock, VirtualClock)
    before = set(asyncio.all_tasks())
    engine = WebhookEngine(sim)
    await engine.start()
    failing = engine.create({"url": f"http://127.0.0.1:{closed_port()}/h", "retrySchedule": [60]})
    windowed = engine.create({"url": url, "bundleWindowMs": 10_000})
    slow = engine.create({"url": url, "faults": {"delayMs": 30_000}})
    learner(sim, 1)
    await clock.advance(0.5)  # `failing` failed once (retry in 60 s); `windowed` waits
    assert clock.pending >= 3 and received == []

    await engine.stop()
    assert clock.pending == 0
    assert others(before) == set()
    assert len(engine.worker.sessions) == 0  # every connection closed

    again = WebhookEngine(sim)
    await again.start()
    await clock.advance(30)  # the flushed window and the delayed bundle are delivered
    await clock.advance(30)  # `failing` gets its second and last attempt
    log, _ = again.deliveries(limit=100)
    by_hook = {sub.id: [(d["attempt"], d["outcome"]) for d in log if d["webhookId"] == sub.id]
               for sub in (failing, windowed, slow)}  # fmt: skip
    assert by_hook == {
        failing.id: [(1, "failed"), (2, "dropped")],
        windowed.id: [(1, "delivered")],
        slow.id: [(1, "delivered")],
    }
    assert all(d["error"].startswith("refused") for d in log if d["webhookId"] == failing.id)
    assert [m["reason"] for m in again.missed(failing.id)] == ["retries exhausted"]
    assert len(received) == 2
    await again.stop()
    assert clock.pending == 0 and others(before) == set()


async def test_a_stopped_engine_takes_no_more_transactions(tmp_path: Path) -> None:
    sim = simulation(tmp_path / "state.db")
    engine = WebhookEngine(sim)
    await engine.start()
    engine.create({"url": "https://example.invalid/hook", "bundleWindowMs": 10_000})
    await engine.stop()
    learner(sim, 1)
    assert engine.db.outbox() == [] and sim.clock.pending == 0  # type: ignore[attr-defined]


def test_reset_over_http_cancels_every_timer_and_forgets_every_subscription(
    sim: SimHelper,
) -> None:
    sim.add_webhook(f"http://127.0.0.1:{closed_port()}/h", allowInsecure=True, retrySchedule=[3600])
    sim.add_webhook("https://example.invalid/h", bundleWindowMs=60_000)
    sim.start_course()
    sim.advance(0.5)
    assert sim.call("GET", "/_sim/clock")["pendingTimers"] >= 2
    sim.reset()
    assert sim.call("GET", "/_sim/clock")["pendingTimers"] == 0
    assert sim.webhooks() == [] and sim.deliveries() == [] and sim.missed() == []
    hook = sim.add_webhook("https://example.invalid/h")
    assert hook["id"] == "wh_1"  # ids count from 1 again


async def test_a_hung_endpoint_holds_only_its_own_slots_and_its_backlog_waits_in_the_outbox(
    tmp_path: Path, endpoint: tuple[str, list[Any]]
) -> None:
    url, received = endpoint
    hung_tasks: set[asyncio.Task[Any]] = set()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        hung_tasks.add(task)
        await asyncio.Event().wait()

    hung = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = hung.sockets[0].getsockname()[1]
    sim = simulation(tmp_path / "state.db")
    clock = sim.clock
    assert isinstance(clock, VirtualClock)
    engine = WebhookEngine(sim)
    await engine.start()
    try:
        stuck = engine.create(
            {"url": f"http://127.0.0.1:{port}/h", "bundleWindowMs": 0, "maxInFlight": 2,
             "timeoutS": 60, "retrySchedule": []}
        )  # fmt: skip
        healthy = engine.create({"url": url, "bundleWindowMs": 0})
        for n in range(20):
            learner(sim, n)
        await clock.advance(0.5)
        assert engine.worker.in_flight(stuck.id) == 2  # the bound, not one task per bundle
        assert engine.pending_bundles(stuck.id) == 20  # the rest wait as outbox rows
        log, _ = engine.deliveries(limit=100, webhook_id=healthy.id)
        assert [d["outcome"] for d in log] == ["delivered"] * 20
        assert len(received) == 20
        await clock.advance(60)  # two time out; the next two take their slots
        assert engine.worker.in_flight(stuck.id) == 2
        assert engine.pending_bundles(stuck.id) == 18
        dropped, _ = engine.deliveries(limit=100, webhook_id=stuck.id)
        assert [d["error"].split(":")[0] for d in dropped] == ["timeout", "timeout"]
    finally:
        await engine.stop()
        hung.close()
        for task in hung_tasks:
            task.cancel()
        await asyncio.gather(*hung_tasks, return_exceptions=True)
