"""The daily quota of the Activity Progress API, on the simulator's clock."""

from __future__ import annotations

import asyncio
import json
import math
import urllib.error
import urllib.request
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


def test_success_carries_the_simulator_only_quota_headers(sim: SimHelper) -> None:
    wait = to_midnight(sim)
    first = sim.report()
    second = sim.report()
    assert first.headers["X-Media77-Sim-Quota-Limit"] == "500"
    assert first.headers["X-Media77-Sim-Quota-Remaining"] == "499"
    assert first.headers["X-Media77-Sim-Quota-Reset"] == str(wait)
    assert second.headers["X-Media77-Sim-Quota-Remaining"] == "498"
    assert "Retry-After" not in first.headers


def test_the_vendor_route_carries_no_undocumented_standard_headers(sim: SimHelper) -> None:
    sim.call("PATCH", "/_sim/quota", {"limit": 1})
    answers = [sim.report(), sim.report(number=0), sim.report()]
    assert [a.status for a in answers] == [200, 429, 429]
    answers.append(sim.report(token="unknown"))
    for answer in answers:
        names = {name.lower() for name in answer.headers}
        assert not names & {"x-total-count", "ratelimit", "ratelimit-policy"}, answer.headers


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
    assert refused.headers["X-Media77-Sim-Quota-Remaining"] == "0"
    assert refused.headers["X-Media77-Sim-Quota-Limit"] == "3"
    assert refused.headers["X-Media77-Sim-Quota-Reset"] == str(wait)
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
    assert answer.headers["X-Media77-Sim-Quota-Remaining"] == "1"
    assert answer.headers["X-Media77-Sim-Quota-Reset"] == "86400"
    assert used(sim, sim.token) == 1


def test_every_call_past_the_token_check_counts(sim: SimHelper) -> None:
    sim.report()
    sim.report(number=0)  # 400, still counted
    assert sim.report(order="sideways").headers["X-Media77-Sim-Quota-Remaining"] == "497"
    sim.report(token="unknown")  # 401: not counted
    sim.request("POST", "/api/reports/progress", raw=b"{nope")  # no token to count
    assert used(sim, sim.token) == 3


PROGRESS = "/api/reports/progress"


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "json"],
)
def test_a_body_not_sent_as_json_is_415_and_not_counted(
    sim: SimHelper, content_type: str | None
) -> None:
    body = json.dumps({"token": sim.token}).encode()
    url = sim.url + PROGRESS
    request = urllib.request.Request(url, data=body, method="POST")
    if content_type is not None:
        request.add_header("Content-Type", content_type)
    else:  # urllib adds a form type of its own to a body without one
        request.add_header("Content-Type", "")
    try:
        urllib.request.urlopen(request, timeout=10)
        status, answer = 200, {}
    except urllib.error.HTTPError as error:
        status, answer = error.code, json.loads(error.read())
    assert status == 415
    assert answer["error"] == "unsupported_media_type"
    assert answer["field"] == "Content-Type"
    assert used(sim, sim.token) == 0


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        "APPLICATION/JSON;CHARSET=UTF-8",
    ],
)
def test_json_in_any_case_and_charset_is_served_and_counted(
    sim: SimHelper, content_type: str
) -> None:
    answer = sim.request(
        "POST",
        PROGRESS,
        raw=json.dumps({"token": sim.token}).encode(),
        headers={"Content-Type": content_type},
    )
    assert answer.status == 200
    assert used(sim, sim.token) == 1


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"token": "TOKEN", "search": "\\ud800"}', "search"),
        (b'{"token": "TOKEN", "search": "a\\u0000b"}', "search"),
        (b'{"token": "TOKEN", "start": NaN}', "start"),
        (b'{"token": "TOKEN", "number": 1e999}', "number"),
        (b'{"token": "TOKEN", "start": 99999999999999999999999}', "start"),
        (b'{"token": "TOKEN", "search": "\xff\xfe"}', None),
        (b"{nope", None),
    ],
)
def test_input_the_boundary_refuses_is_400_and_never_counted(
    sim: SimHelper, raw: bytes, field: str | None
) -> None:
    answer = sim.request("POST", PROGRESS, raw=raw.replace(b"TOKEN", sim.token.encode()))
    assert answer.status == 400
    assert answer.body["field"] == field
    assert used(sim, sim.token) == 0


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
