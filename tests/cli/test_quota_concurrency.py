"""The daily quota is exact when 50 clients call at once (a real `media77-sim serve`).

Each client has its own connection and fires its calls together with the others:
valid queries (200), invalid ones (400, which count) and calls with an unknown
token (401, which never count). Exactly `LIMIT` counted calls may pass; every
other counted call must be refused with 429, and `GET /_sim/quota` must agree.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import aiohttp

from tests.processes import served

TOKEN = "f7e1379c-35ad-45f9-b0fa-6ef011e73938"  # the demo fixtures' default organization
CLIENTS = 50
CALLS_EACH = 4  # 2 valid, 1 invalid (400), 1 unknown token (401)
LIMIT = 73


def bodies(client: int) -> list[tuple[str, dict[str, object]]]:
    return [
        ("valid", {"token": TOKEN, "number": 10}),
        ("invalid", {"token": TOKEN, "number": 0}),
        ("unknown", {"token": "00000000-0000-4000-8000-000000000000"}),
        ("valid", {"token": TOKEN, "start": client}),
    ]


async def one_client(url: str, client: int, go: asyncio.Event) -> list[tuple[str, int, bool]]:
    answers = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
        await go.wait()
        for kind, body in bodies(client):
            async with session.post(f"{url}/api/reports/progress", json=body) as answer:
                await answer.read()
                answers.append((kind, answer.status, "Retry-After" in answer.headers))
    return answers


async def hammer(url: str) -> list[tuple[str, int, bool]]:
    go = asyncio.Event()
    tasks = [asyncio.create_task(one_client(url, c, go)) for c in range(CLIENTS)]
    await asyncio.sleep(0)  # every client waiting at the gate
    go.set()
    return [a for answers in await asyncio.gather(*tasks) for a in answers]


def test_quota_is_exact_under_50_concurrent_clients(tmp_path: Path) -> None:
    with served(
        "--db", str(tmp_path / "sim.db"), "--clock", "virtual",
        "--clock-start", "2026-03-02T12:00:00Z",
        "--daily-limit", str(LIMIT),
    ) as (client, _):  # fmt: skip
        answers = asyncio.run(hammer(client.url))
        quota = client.call("GET", f"/_sim/quota?token={TOKEN}")

    by_kind = Counter((kind, status) for kind, status, _ in answers)
    counted = [(kind, status) for kind, status, _ in answers if kind != "unknown"]
    passed = [a for a in counted if a[1] in (200, 400)]
    refused = [a for a in counted if a[1] == 429]
    assert len(answers) == CLIENTS * CALLS_EACH
    assert by_kind[("unknown", 401)] == CLIENTS, by_kind
    assert len(passed) == LIMIT, by_kind
    assert len(refused) == len(counted) - LIMIT, by_kind
    assert {status for kind, status in passed if kind == "invalid"} <= {400}, by_kind
    assert {status for kind, status in passed if kind == "valid"} <= {200}, by_kind
    assert all(has_retry for _, status, has_retry in answers if status == 429)
    assert quota["used"] == LIMIT
    assert quota["limit"] == LIMIT
