"""Webhook attempts' network work runs on a thread of its own, never on the API's loop.

Real parts: a real TLS endpoint (trustme CA) on a real socket, real aiohttp clients
on the I/O thread. A handshake is held on purpose (an `SSLContext` whose
`wrap_bio` waits until the test lets it go), and the test lets it go from its own
event loop: were the handshake on that loop, the loop could not run the release and
the handshake would give up waiting (the test then fails, it does not hang).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trustme

from simulator.core.retry import Failure
from simulator.webhooks import transport
from simulator.webhooks.io_thread import IoThread

GUARD_S = 10.0  # only bounds a failing test; nothing is timed


class HeldHandshake(ssl.SSLContext):
    """A client context whose handshakes wait for `release` (as a slow one would)."""

    def setup(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.released_in_time: list[bool] = []
        self.threads: list[str] = []

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.threads.append(threading.current_thread().name)
        self.started.set()
        self.released_in_time.append(self.release.wait(GUARD_S))
        return super().wrap_bio(*args, **kwargs)


@contextlib.asynccontextmanager
async def tls_endpoint(ca: trustme.CA) -> AsyncIterator[str]:
    """A real HTTPS endpoint answering every POST with 200."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    try:
        yield f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
    finally:
        server.close()
        await server.wait_closed()


async def test_a_held_tls_handshake_never_holds_the_callers_loop() -> None:
    ca = trustme.CA()
    context = HeldHandshake(ssl.PROTOCOL_TLS_CLIENT)
    context.setup()
    ca.configure_trust(context)
    sessions = transport.Sessions()
    async with tls_endpoint(ca) as url:
        try:
            attempt = sessions.post("wh_1", url, b"{}", {}, context)
            loop = asyncio.get_running_loop()
            assert await loop.run_in_executor(None, context.started.wait, GUARD_S)
            context.release.set()  # this loop is free to run it: the handshake is elsewhere
            result = await attempt
        finally:
            context.release.set()
            await asyncio.gather(*sessions.close())
    assert context.released_in_time == [True]
    assert context.threads == ["webhook-io"]
    assert result.status == 200 and result.failure is None


async def test_cancelling_an_attempt_abandons_its_request_on_the_io_thread() -> None:
    arrived, ended = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        arrived.set()
        await reader.read()  # until the client hangs up
        ended.set()
        writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    sessions = transport.Sessions()
    try:
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
        attempt = sessions.post("wh_1", url, b"{}", {}, None)
        await asyncio.wait_for(arrived.wait(), GUARD_S)
        attempt.cancel()
        await asyncio.wait_for(ended.wait(), GUARD_S)  # the connection was closed
        assert attempt.cancelled()
    finally:
        await asyncio.gather(*sessions.close())
        server.close()
        await server.wait_closed()
    assert loop.is_running()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/hook"


async def test_closing_every_session_ends_the_thread_and_later_attempts_say_so() -> None:
    sessions = transport.Sessions()
    io_threads = {t for t in threading.enumerate() if t.name == "webhook-io"}
    url = closed_port_url()
    attempt = sessions.post("wh_1", url, b"{}", {}, None)
    assert (await attempt).failure is Failure.REFUSED
    started = {t for t in threading.enumerate() if t.name == "webhook-io"} - io_threads
    assert len(started) == 1
    await asyncio.gather(*sessions.close())
    assert not any(t.is_alive() for t in started)
    after = await sessions.post("wh_1", url, b"{}", {}, None)
    assert after.failure is Failure.CONNECTION and "stopping" in after.error


async def test_work_left_running_at_stop_is_cancelled_there() -> None:
    io = IoThread("test-io")
    holding = threading.Event()
    cancelled = threading.Event()

    async def forever() -> None:
        holding.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    work = io.run(forever())
    loop = asyncio.get_running_loop()
    assert await loop.run_in_executor(None, holding.wait, GUARD_S)
    await io.stop()
    assert cancelled.is_set() and not io.running
    with pytest.raises(asyncio.CancelledError):
        await work
    coroutine = forever()
    with pytest.raises(RuntimeError):
        io.run(coroutine)
    assert coroutine.cr_frame is None  # closed, not left "never awaited"
