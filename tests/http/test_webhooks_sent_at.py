"""The delivery log's `at` is when an attempt's request really left, not when it queued.

A real aiohttp session with room for one connection, a real local server holding the
first request, and the virtual clock moved while the second waits for the connection.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import web

from simulator.clock import VirtualClock
from simulator.webhooks import transport
from tests.servers import serving

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def test_an_attempt_waiting_for_a_connection_is_logged_when_it_gets_one() -> None:
    arrived, release = asyncio.Event(), asyncio.Event()

    async def handler(_request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/", handler)
    clock = VirtualClock(START)
    async with (
        serving(app) as base,
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=1), trace_configs=[transport.tracing()]
        ) as session,
    ):
        url = f"{base}/"
        first = transport.Sent(clock, clock.now())
        one = asyncio.ensure_future(transport.post(session, url, b"{}", {}, None, first))
        await arrived.wait()
        second = transport.Sent(clock, clock.now())
        two = asyncio.ensure_future(transport.post(session, url, b"{}", {}, None, second))
        await clock.advance(30)  # the second waits in the pool all this time
        release.set()
        assert (await one).status == 200 and (await two).status == 200
    assert first.at == START
    assert second.at == START + timedelta(seconds=30)
