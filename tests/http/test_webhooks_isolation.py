"""One subscription's trouble stays its own, down to the connection pool and TLS.

Real parts throughout: an in-process simulator on a real socket (virtual clock, so
the hung attempts never time out during the test) POSTing to a real local endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ssl
from asyncio.sslproto import SSLProtocol
from typing import Any

import aiohttp
import pytest
import trustme

from simulator.server import Simulator
from simulator.webhooks import transport
from simulator.webhooks.tls import tls_context

HUNG_SUBSCRIPTIONS = 9  # 9 x 8 in flight = 72 hung connections to one host and port
IN_FLIGHT = 8
LEARNERS = 8


async def test_hung_subscriptions_to_one_host_never_take_a_healthy_ones_connections() -> None:
    healthy_seen: list[bytes] = []
    all_healthy = asyncio.Event()

    async def endpoint(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            if head.startswith(b"POST /hang"):
                await reader.read()  # never answer; wait until the simulator hangs up
                return
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            healthy_seen.append(await reader.readexactly(length))
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            if len(healthy_seen) == LEARNERS:
                all_healthy.set()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(endpoint, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with Simulator(clock="virtual") as sim, aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{sim.port}"

            async def call(method: str, path: str, body: Any = None) -> Any:
                async with http.request(method, base + path, json=body) as answer:
                    assert answer.status < 300, await answer.text()
                    return await answer.json()

            def subscription(path: str) -> dict[str, Any]:
                return {
                    "url": f"http://127.0.0.1:{port}{path}",
                    "allowInsecure": True,
                    "bundleWindowMs": 0,
                    "maxBundle": 1,
                    "maxInFlight": IN_FLIGHT,
                }

            for _ in range(HUNG_SUBSCRIPTIONS):
                await call("POST", "/_sim/webhooks", subscription("/hang"))
            healthy = await call("POST", "/_sim/webhooks", subscription("/ok"))
            lms_id = (await call("GET", "/_sim/organizations"))[0]["lmsIds"]["staging"]
            for i in range(LEARNERS):
                await call(
                    "POST",
                    "/_sim/registrations",
                    {
                        "courseId": "workplace-safety",
                        "reg": f"00000000-0000-4000-8000-{i:012d}",
                        "em": f"learner{i}@example.com",
                        "fn": "Learner Isolated",
                        "dom": "localhost",
                        "lmsId": lms_id,
                    },
                )
            # No clock advance: the 72 hung attempts stay open the whole time.
            await asyncio.wait_for(all_healthy.wait(), 30)
            # The endpoint answered; the answers reach the delivery log a moment later.
            logged = await call(
                "GET",
                f"/_sim/deliveries/wait?count={LEARNERS}&webhookId={healthy['id']}"
                "&outcome=delivered&timeout=30",
            )
            assert not logged["timedOut"]
            webhooks = {w["id"]: w for w in await call("GET", "/_sim/webhooks")}
            assert webhooks[healthy["id"]]["pendingBundles"] == 0
            hung = [w for i, w in webhooks.items() if i != healthy["id"]]
            assert [w["pendingBundles"] for w in hung] == [LEARNERS] * HUNG_SUBSCRIPTIONS
    finally:
        server.close()
        await server.wait_closed()


def test_subscriptions_trusting_the_same_ca_share_one_tls_context() -> None:
    ca = trustme.CA().cert_pem.bytes().decode()
    other = trustme.CA().cert_pem.bytes().decode()
    assert tls_context(subscription_ca=ca) is tls_context(subscription_ca=ca)
    assert tls_context("", ca) is tls_context(subscription_ca=ca)  # the registry's and worker's
    assert tls_context(subscription_ca=ca) is not tls_context(subscription_ca=other)
    assert tls_context(subscription_ca=ca).verify_mode == ssl.CERT_REQUIRED


def test_a_bad_ca_is_refused_every_time_and_never_cached() -> None:
    for _ in range(2):
        with pytest.raises((ssl.SSLError, ValueError)):
            tls_context(subscription_ca="-----BEGIN CERTIFICATE-----\nnot a cert\n")


async def test_failed_tls_attempts_free_their_buffers_at_once() -> None:
    """Each failed handshake's connection (and its 256 KiB buffer) is freed when the
    attempt ends, not whenever the cyclic garbage collector runs: dozens a second
    would otherwise pile up megabytes."""
    untrusted, trusted = trustme.CA(), trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    untrusted.issue_cert("127.0.0.1").configure_cert(server_context)

    async def endpoint(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await reader.read()
        writer.close()

    server = await asyncio.start_server(endpoint, "127.0.0.1", 0, ssl=server_context)
    sessions = transport.Sessions()
    context = tls_context(subscription_ca=trusted.cert_pem.bytes().decode())
    url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"

    def client_connections() -> int:
        return sum(1 for o in gc.get_objects() if isinstance(o, SSLProtocol) and not o._server_side)

    gc.collect()  # what earlier tests left to the collector is not this test's
    before = client_connections()
    gc.disable()
    try:
        for _ in range(20):
            result = await sessions.post("wh_1", url, b"{}", {}, context)
            assert result.error.startswith("tls:")
        assert client_connections() == before
    finally:
        gc.enable()
        await asyncio.gather(*sessions.close())
        server.close()
        await server.wait_closed()
