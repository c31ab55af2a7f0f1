"""The access log of `serve`: one line per request, cheap enough to leave on.

aiohttp's own `AccessLogger` goes through the logging module for every request
(a `LogRecord`, a format string interpreted field by field, a locked handler and
a flush per line); on the simulator's write path that was about a quarter of a
request (issue 14). `LeanAccessLog` formats one short line itself and hands it
to a buffer that is written out once per turn of the event loop: when idle, a
line appears as soon as its request is answered; under load, the lines of every
request answered in one turn leave in one `write`. Nothing waits on a timer.

aiohttp makes one access logger per connection, so the buffer is not the logger's
own but shared by every logger of the event loop (`shared_buffer`): with one buffer
per connection, 32 connections wrote their lines one `write` each, 6.6% of the
progress call's CPU (issue 14, round 3).

`--access-log` picks: `on` (this log, the default), `off`, or `aiohttp` (aiohttp's
logger, as before issue 14). Figures in docs/benchmarks.md, the choice in
docs/decisions.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import weakref
from typing import Any, TextIO

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from simulator.config import AccessLogMode

ACCESS_LOGGER = "simulator.access"
TEXT_PREFIX = f"INFO {ACCESS_LOGGER}: "


class LineBuffer:
    """Lines written together at the end of the event loop's current turn."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        if not self.lines:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no loop running (not while serving): write now
                self.lines.append(line)
                self.flush()
                return
        self.lines.append(line)

    def flush(self) -> None:
        if self.lines:
            text = "".join(self.lines)
            self.lines.clear()
            self.stream.write(text)
            self.stream.flush()


_SHARED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LineBuffer] = (
    weakref.WeakKeyDictionary()
)


def shared_buffer(stream: TextIO) -> LineBuffer:
    """The buffer every access logger of the running loop writes `stream`'s lines to.

    One per loop (an in-process simulator serves from a thread and loop of its own,
    and a buffer is only ever touched from its loop's thread); a new one when the
    stream changes (a test capturing stderr). Outside a loop, a buffer of its own.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return LineBuffer(stream)
    buffer = _SHARED.get(loop)
    if buffer is None or buffer.stream is not stream:
        if buffer is not None:
            buffer.flush()
        buffer = _SHARED[loop] = LineBuffer(stream)
    return buffer


class LeanAccessLog(AbstractAccessLogger):
    """`METHOD path?query status bytes ms`, as text or as the JSON log's shape.

    `log_format` is "text" or "json" (the `--log-format` setting), not a pattern.
    """

    def __init__(self, logger: logging.Logger, log_format: str) -> None:
        super().__init__(logger, log_format)
        self.json = log_format == "json"
        self.buffer = shared_buffer(sys.stderr)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        text = (
            f"{request.method} {request.path_qs} {response.status}"
            f" {response.body_length} {time * 1000:.1f}ms"
        )
        if self.json:
            line = json.dumps({"level": "info", "logger": ACCESS_LOGGER, "message": text})
            self.buffer.add(line + "\n")
        else:
            self.buffer.add(f"{TEXT_PREFIX}{text}\n")


def runner_options(mode: str, log_format: str) -> dict[str, Any]:
    """`web.AppRunner` keyword arguments for the access log `mode`."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if mode == AccessLogMode.OFF:
        return {"access_log": None}
    if mode == AccessLogMode.AIOHTTP:
        return {"access_log": logger}
    return {
        "access_log": logger,
        "access_log_class": LeanAccessLog,
        "access_log_format": log_format,
    }
