"""The access log of `serve`: one line per request, cheap enough to leave on.

aiohttp's own `AccessLogger` goes through the logging module for every request
(a `LogRecord`, a format string interpreted field by field, a locked handler and
a flush per line); on the simulator's write path that was about a quarter of a
request (issue 14). `LeanAccessLog` formats one short line itself and hands it
to a buffer that is written out once per turn of the event loop: when idle, a
line appears as soon as its request is answered; under load, the lines of every
request answered in one turn leave in one `write`. Nothing waits on a timer.

`--access-log` picks: `on` (this log, the default), `off`, or `aiohttp` (aiohttp's
logger, as before issue 14). Figures in docs/benchmarks.md, the choice in
docs/decisions.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Any, TextIO

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from simulator.config import AccessLogMode

ACCESS_LOGGER = "simulator.access"


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


class LeanAccessLog(AbstractAccessLogger):
    """`METHOD path?query status bytes ms`, as text or as the JSON log's shape.

    `log_format` is "text" or "json" (the `--log-format` setting), not a pattern.
    """

    def __init__(self, logger: logging.Logger, log_format: str) -> None:
        super().__init__(logger, log_format)
        self.json = log_format == "json"
        self.buffer = LineBuffer(sys.stderr)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        text = (
            f"{request.method} {request.path_qs} {response.status}"
            f" {response.body_length} {time * 1000:.1f}ms"
        )
        if self.json:
            line = json.dumps({"level": "info", "logger": ACCESS_LOGGER, "message": text})
        else:
            line = f"INFO {ACCESS_LOGGER}: {text}"
        self.buffer.add(line + "\n")


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
