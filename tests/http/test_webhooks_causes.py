"""Every failed attempt is logged with its true cause (refused, reset, timeout, TLS,
status N), each provoked by a real endpoint on a real socket: a closed port, a raw
server that resets or hangs up, one that never answers, one whose certificate comes
from a CA the simulator does not trust, one that answers 503."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import trustme

from simulator.pytest_plugin import SimHelper
from simulator.server import Simulator

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
START = "2026-03-02T08:00:00Z"


async def _read_head(reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
        await reader.readuntil(b"\r\n\r\n")


async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_head(reader)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()  # SO_LINGER 0: the close sends RST, "connection reset by peer"


async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_head(reader)
    writer.close()  # a clean FIN and no answer: "server disconnected"


async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_head(reader)
    await asyncio.Event().wait()


async def answer_503(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_head(reader)
    writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()
    writer.close()


async def answer_200(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_head(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()
    writer.close()


class RawEndpoints:
    """Raw asyncio servers on their own loop in a thread (the simulator has its own)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self._servers: list[asyncio.Server] = []

    def serve(self, handler: Handler, context: ssl.SSLContext | None = None) -> int:
        async def start() -> asyncio.Server:
            return await asyncio.start_server(handler, "127.0.0.1", 0, ssl=context)

        server = asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    def close(self) -> None:
        async def stop() -> None:
            for server in self._servers:
                server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def endpoints() -> Iterator[RawEndpoints]:
    raw = RawEndpoints()
    yield raw
    raw.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def only_attempt(sim: SimHelper, url: str, **fields: Any) -> dict[str, Any]:
    """Subscribe `url` (one attempt, no retries), make one event, return its log entry."""
    hook = sim.add_webhook(url, allowInsecure=True, retrySchedule=[], **fields)
    sim.start_course()
    sim.advance(0.5)
    (delivery,) = sim.wait_for_deliveries(1, webhook_id=hook["id"], timeout=20)
    assert delivery["outcome"] == "dropped"
    assert [m["reason"] for m in sim.missed(hook["id"])] == ["retries exhausted"]
    return delivery


def test_a_closed_port_is_refused(sim: SimHelper) -> None:
    delivery = only_attempt(sim, f"http://127.0.0.1:{closed_port()}/hook")
    assert delivery["error"].startswith("refused: ")
    assert delivery["status"] is None


@pytest.mark.parametrize("handler", [reset, hang_up], ids=["rst", "fin-without-answer"])
def test_a_connection_reset_or_closed_before_the_answer_is_a_reset(
    sim: SimHelper, endpoints: RawEndpoints, handler: Handler
) -> None:
    port = endpoints.serve(handler)
    delivery = only_attempt(sim, f"http://127.0.0.1:{port}/hook")
    assert delivery["error"].startswith("reset: ")
    assert delivery["status"] is None


def test_an_answer_that_is_not_2xx_is_logged_as_its_status(
    sim: SimHelper, endpoints: RawEndpoints
) -> None:
    port = endpoints.serve(answer_503)
    delivery = only_attempt(sim, f"http://127.0.0.1:{port}/hook")
    assert (delivery["status"], delivery["error"]) == (503, "status 503")


def test_a_certificate_from_an_untrusted_ca_is_a_tls_failure(
    sim: SimHelper, endpoints: RawEndpoints
) -> None:
    untrusted = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    untrusted.issue_cert("127.0.0.1").configure_cert(context)
    port = endpoints.serve(answer_200, context)
    delivery = only_attempt(sim, f"https://127.0.0.1:{port}/hook")
    assert delivery["error"].startswith("tls: ")
    assert "certificate verify failed" in delivery["error"]
    trusted = sim.add_webhook(
        f"https://127.0.0.1:{port}/hook", ca=untrusted.cert_pem.bytes().decode(), retrySchedule=[]
    )  # the same endpoint, its CA given: delivered
    sim.start_course(email="second@example.com")
    sim.advance(0.5)
    (ok,) = sim.wait_for_deliveries(1, webhook_id=trusted["id"], timeout=20)
    assert (ok["outcome"], ok["status"], ok["error"]) == ("delivered", 200, "")


def test_an_endpoint_that_never_answers_times_out_on_the_clock(endpoints: RawEndpoints) -> None:
    port = endpoints.serve(never_answer)
    with Simulator(clock_start=START) as server:
        server.sim.clock.settle_grace = 0.3  # type: ignore[attr-defined]  # real s an advance waits
        sim = SimHelper(server)
        hook = sim.add_webhook(
            f"http://127.0.0.1:{port}/hook", allowInsecure=True, retrySchedule=[], timeoutS=3
        )
        sim.start_course()
        sim.advance(0.5 + 2.9)
        assert sim.deliveries() == []
        sim.advance(0.1)
        (delivery,) = sim.wait_for_deliveries(1, webhook_id=hook["id"], timeout=20)
        assert (delivery["outcome"], delivery["error"]) == (
            "dropped",
            "timeout: no answer within 3 s",
        )


def test_a_huge_answer_body_is_not_read_whole(sim: SimHelper, endpoints: RawEndpoints) -> None:
    """A 2xx with a 100 MB body is a delivery; the simulator reads a little of it and
    hangs up, so a flooding endpoint never fills its memory."""
    size, chunk, sent = 100 * 1024 * 1024, b"x" * (1024 * 1024), [0]
    hung_up = threading.Event()

    async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
        try:
            while sent[0] < size:
                writer.write(chunk)
                await writer.drain()  # blocks while nobody reads; fails once they hang up
                sent[0] += len(chunk)
        except ConnectionError:
            hung_up.set()
        writer.close()

    port = endpoints.serve(flood)
    hook = sim.add_webhook(f"http://127.0.0.1:{port}/hook", allowInsecure=True, retrySchedule=[])
    sim.start_course()
    sim.advance(0.5)
    (delivery,) = sim.wait_for_deliveries(1, webhook_id=hook["id"], timeout=20)
    assert (delivery["outcome"], delivery["status"]) == ("delivered", 200)
    assert hung_up.wait(10), "the simulator kept the flooding connection open"
    assert sent[0] < size
