"""The daily quota of the Activity Progress API, on the simulator's clock."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import aiohttp
import pytest

from simulator.client import SimulatorClient
from simulator.pytest_plugin import SimHelper
from simulator.server import Simulator
from tests.progress_data import GLOBEX_TOKEN


def to_midnight(sim: SimulatorClient) -> int:
    """Seconds to the next UTC midnight (the session's clock is shared by all tests)."""
    now = sim.now()
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)
    return math.ceil((midnight - now).total_seconds())


def midnight(sim: SimulatorClient) -> str:
    return (sim.now().date() + timedelta(days=1)).isoformat() + "T00:00:00.000Z"


def used(sim: SimulatorClient, token: str) -> int:
    return sim.call("GET", "/_sim/quota", query={"token": token})["used"]


def test_success_carries_the_ratelimit_headers(sim: SimHelper) -> None:
    wait = to_midnight(sim)
    first = sim.report()
    second = sim.report()
    assert first.headers["RateLimit-Policy"] == '"daily";q=500;w=86400'
    assert first.headers["RateLimit"] == f'"daily";r=499;t={wait}'
    assert second.headers["RateLimit"] == f'"daily";r=498;t={wait}'
    assert "Retry-After" not in first.headers


def test_past_the_limit_429_says_when_it_resets(sim: SimHelper) -> None:
    wait = to_midnight(sim)
    sim.call("PATCH", "/_sim/quota", {"limit": 3})
    statuses = [sim.report().status for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    refused = sim.report()
    assert refused.body["error"] == "quota_exceeded"
    assert refused.body["limit"] == 3
    assert refused.body["resetsAt"] == midnight(sim)
    assert set(refused.body) >= {"error", "message", "field"}
    assert refused.headers["Retry-After"] == str(wait)
    assert refused.headers["RateLimit"] == f'"daily";r=0;t={wait}'
    assert refused.headers["RateLimit-Policy"] == '"daily";q=3;w=86400'
    assert used(sim, sim.token) == 3


def test_the_quota_resets_at_utc_midnight_on_the_virtual_clock(sim: SimHelper) -> None:
    sim.advance(3600 * 5 + 0.25)  # a fraction of a second too: Retry-After rounds up
    wait = to_midnight(sim)
    sim.call("PATCH", "/_sim/quota", {"limit": 2})
    assert [sim.report().status for _ in range(3)] == [200, 200, 429]
    sim.advance(wait - 1)
    assert sim.report().status == 429
    assert sim.report().headers["Retry-After"] == "1"
    sim.advance(1)
    answer = sim.report()
    assert answer.status == 200
    assert answer.headers["RateLimit"] == '"daily";r=1;t=86400'
    assert used(sim, sim.token) == 1


def test_every_call_past_the_token_check_counts(sim: SimHelper) -> None:
    sim.report()
    sim.report(number=0)  # 400, still counted
    assert sim.report(order="sideways").headers["RateLimit"].startswith('"daily";r=497;')
    sim.report(token="unknown")  # 401: not counted
    sim.request("POST", "/api/reports/progress", raw=b"{nope")  # no token to count
    assert used(sim, sim.token) == 3


def test_each_token_has_its_own_quota(sim: SimHelper) -> None:
    sim.call("PATCH", "/_sim/quota", {"limit": 1})
    assert sim.report().status == 200
    assert sim.report().status == 429
    assert sim.report(token=GLOBEX_TOKEN).status == 200
    assert used(sim, GLOBEX_TOKEN) == 1


async def test_exact_under_concurrency_with_50_clients(sim: SimHelper) -> None:
    limit = 37
    sim.call("PATCH", "/_sim/quota", {"limit": limit})
    url = sim.url + "/api/reports/progress"

    async def client(session: aiohttp.ClientSession) -> list[int]:
        statuses = []
        for _ in range(3):
            async with session.post(url, json={"token": sim.token, "number": 5}) as answer:
                await answer.read()
                statuses.append(answer.status)
        return statuses

    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        results = await asyncio.gather(*(client(session) for _ in range(50)))
    statuses = [s for r in results for s in r]
    assert statuses.count(200) == limit
    assert statuses.count(429) == 150 - limit
    assert used(sim, sim.token) == limit


def test_quota_control_lists_and_sets(sim: SimHelper) -> None:
    listed = sim.call("GET", "/_sim/quota")
    assert [q["token"] for q in listed] == [sim.token, GLOBEX_TOKEN]
    assert listed[0] == {
        "organizationId": "acme-learning",
        "token": sim.token,
        "limit": 500,
        "used": 0,
        "resetsAt": midnight(sim),
    }
    changed = sim.call("PATCH", "/_sim/quota", {"token": GLOBEX_TOKEN, "used": 499})
    assert (changed["token"], changed["used"], changed["limit"]) == (GLOBEX_TOKEN, 499, 500)
    assert sim.report(token=GLOBEX_TOKEN).status == 200
    assert sim.report(token=GLOBEX_TOKEN).status == 429
    assert sim.call("PATCH", "/_sim/quota", {"token": GLOBEX_TOKEN, "limit": 600})["limit"] == 600
    assert sim.report(token=GLOBEX_TOKEN).status == 200


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "limit"),
        ({"limit": -1}, 400, "limit"),
        ({"limit": "10"}, 400, "limit"),
        ({"used": True}, 400, "used"),
        ({"token": "nobody", "limit": 5}, 404, "token"),
        ({"token": 7, "limit": 5}, 400, "token"),
    ],
)
def test_quota_control_rejects_bad_input(sim: SimHelper, body: dict, status: int, field) -> None:
    answer = sim.request("PATCH", "/_sim/quota", body)
    assert answer.status == status
    assert answer.body["field"] == field
    assert sim.request("GET", "/_sim/quota", query={"token": "nobody"}).status == 404


def test_reset_restores_the_configured_limit_and_a_fresh_count(sim: SimHelper) -> None:
    sim.call("PATCH", "/_sim/quota", {"limit": 1})
    sim.report()
    sim.reset()
    status = sim.call("GET", "/_sim/quota", query={"token": sim.token})
    assert (status["limit"], status["used"]) == (500, 0)


def test_daily_limit_flag_sets_the_default_limit() -> None:
    with Simulator(daily_limit=2, clock_start="2026-01-05T23:00:00Z") as server:
        client = SimulatorClient(server.url)
        assert [client.report(server.token).status for _ in range(3)] == [200, 200, 429]
        assert client.report(server.token).headers["Retry-After"] == "3600"


def test_counts_survive_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    options = {"db": db, "clock_start": "2026-01-05T09:00:00Z", "daily_limit": 5}
    with Simulator(**options) as server:
        client = SimulatorClient(server.url)
        for _ in range(4):
            client.report(server.token)
    with Simulator(**options) as server:
        client = SimulatorClient(server.url)
        assert [client.report(server.token).status for _ in range(2)] == [200, 429]
