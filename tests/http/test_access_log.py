"""The access log `serve` writes: one line per request when on, none when off."""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from dataclasses import replace

import aiohttp
import pytest

from simulator.access_log import ACCESS_LOGGER, LeanAccessLog, LineBuffer
from simulator.config import Config
from simulator.server import IN_PROCESS_DEFAULTS, Simulator


async def two_requests(sim: Simulator) -> None:
    """The first request's line is out once the second is answered: it is written at the
    end of the loop turn that answered the first, before the second is read."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{sim.url}/_sim/health?probe=1") as answer:
            assert answer.status == 200
        async with session.get(f"{sim.url}/_sim/no-such-page") as answer:
            assert answer.status == 404


async def test_on_logs_each_request_with_its_status(capsys: pytest.CaptureFixture[str]) -> None:
    async with Simulator(access_log=True) as sim:  # access_log defaults to "on"
        await two_requests(sim)
    err = capsys.readouterr().err
    assert "GET /_sim/health?probe=1 200" in err
    assert "GET /_sim/no-such-page 404" in err


async def test_json_log_format_gives_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    async with Simulator(access_log=True, log_format="json") as sim:
        await two_requests(sim)
    line = next(x for x in capsys.readouterr().err.splitlines() if "/_sim/health" in x)
    assert line.startswith('{"level": "info", "logger": "simulator.access"')


async def test_off_logs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    config = replace(Config(), **IN_PROCESS_DEFAULTS, access_log="off")
    async with Simulator(config, access_log=True) as sim:
        await two_requests(sim)
    assert "/_sim/health" not in capsys.readouterr().err


class CountingStream(io.StringIO):
    """A stream that counts its writes: one write per loop turn is what is promised."""

    writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


async def test_lines_of_one_loop_turn_leave_in_one_write() -> None:
    stream = CountingStream()
    buffer = LineBuffer(stream)
    buffer.add("a\n")
    buffer.add("b\n")
    assert stream.getvalue() == ""  # not yet: at the end of this turn
    buffer.flush()
    assert stream.getvalue() == "a\nb\n"
    assert stream.writes == 1


def test_without_a_running_loop_a_line_is_written_at_once() -> None:
    stream = io.StringIO()
    LineBuffer(stream).add("now\n")
    assert stream.getvalue() == "now\n"


async def test_every_connection_s_lines_of_one_turn_leave_in_one_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """aiohttp makes one access logger per connection: all of a loop's share one buffer,
    so the lines of every connection answered in one turn leave in one write."""

    stream = CountingStream()
    monkeypatch.setattr(sys, "stderr", stream)
    async with Simulator(access_log=True) as sim:
        sessions = [aiohttp.ClientSession() for _ in range(3)]  # three connections
        try:
            answers = await asyncio.gather(
                *(session.get(f"{sim.url}/_sim/health") for session in sessions)
            )
            assert [a.status for a in answers] == [200, 200, 200]
        finally:
            for session in sessions:
                await session.close()
        first = LeanAccessLog(logging.getLogger(ACCESS_LOGGER), "text")
        second = LeanAccessLog(logging.getLogger(ACCESS_LOGGER), "text")
        assert first.buffer is second.buffer
        before = stream.writes
        first.buffer.add("a\n")
        second.buffer.add("b\n")
        first.buffer.flush()  # what the end of this turn does
        assert stream.writes == before + 1
    assert stream.getvalue().count("GET /_sim/health 200") == 3
