"""`GET /_sim/events`: the event feed as server-sent events, for the dashboard and tools.

Each frame is `id: <event id>` and `data: <JSON with a "type">`. With nothing to
replay, the stream opens with an `id:`-only frame naming the current position, so a
reader that sees nothing before it disconnects still resumes from the right place.
`Last-Event-ID` (the header browsers send on reconnect, or `?lastEventId=` for tools
that cannot set it) replays what was missed; `simulator.service.events` has the rules.

A reader that does not keep up is cut off rather than waited for: its queue is
bounded, and the connection is closed the moment it overflows, or when a write cannot
finish within `WRITE_LIMIT_S` real seconds (the reader reconnects with its last id and
loses nothing still logged). The stream's socket keeps a small send buffer
(`SEND_BUFFER`), so a frozen tab's backlog waits in that bounded queue, where it is
counted, and not in megabytes of kernel buffer where it is not.
"""

from __future__ import annotations

import json
import socket

from aiohttp import web

from simulator.service.events import Event
from simulator.web.keys import RUNTIME, runtime

KEEPALIVE_S = 15.0
WRITE_LIMIT_S = 10.0
RETRY_MS = 1000
SEND_BUFFER = 16 * 1024


def _bound_buffers(request: web.Request) -> None:
    transport = request.transport
    if transport is None:
        return
    transport.set_write_buffer_limits(high=SEND_BUFFER)
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)


def frame(event: Event) -> bytes:
    data = json.dumps(event.json(), separators=(",", ":"), ensure_ascii=False)
    return f"id: {event.id}\ndata: {data}\n\n".encode()


async def events(request: web.Request) -> web.StreamResponse:
    parts = runtime(request)
    feed, clock = parts.events, parts.clock
    last = request.headers.get("Last-Event-ID") or request.query.get("lastEventId")
    replay, reader = feed.subscribe(last)
    _bound_buffers(request)
    transport = request.transport
    if transport is not None:
        reader.on_overflow = transport.abort
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )

    async def send(data: bytes) -> None:
        await clock.wait_real(response.write(data), WRITE_LIMIT_S)

    try:
        await response.prepare(request)
        position = "" if replay else f"id: {feed.last_id}\n"  # else the replay moves it
        await send(f"retry: {RETRY_MS}\n{position}\n".encode())
        for missed in replay:
            await send(frame(missed))
        while True:
            try:
                live = await clock.wait_real(reader.next(), KEEPALIVE_S)
            except TimeoutError:
                await send(b": keep-alive\n\n")
                continue
            if live is None:  # reset, overflow, or the feed closed: the reader reconnects
                break
            await send(frame(live))
    except (ConnectionError, TimeoutError):
        pass  # the reader went away or stopped reading: nothing to answer to
    finally:
        feed.unsubscribe(reader)
    return response


async def _disconnect(app: web.Application) -> None:
    app[RUNTIME].events.disconnect_all()


def setup(app: web.Application) -> None:
    """Add `GET /_sim/events`; open streams end when the server stops (not after a wait)."""
    app.router.add_get("/_sim/events", events)
    app.on_shutdown.append(_disconnect)
