"""The pytest plugin as a user's project meets it: fixtures only, loaded by its entry point."""

from __future__ import annotations

import asyncio
import ssl
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

import simulator.pytest_plugin as plugin
from simulator.certs import Certificates
from simulator.client import SimulatorClient
from simulator.server import Simulator
from tests.processes import outside_pytest


@contextmanager
def serve_https(app: web.Application, context: ssl.SSLContext) -> Iterator[int]:
    """Serve `app` over HTTPS on a thread of its own, as a user's endpoint would be; its port."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    loop.run_until_complete(site.start())
    port: int = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.run_until_complete(runner.cleanup())
        loop.close()


def lms_endpoint(received: list[dict[str, Any]]) -> web.Application:
    """A user's webhook endpoint: keeps every bundle it is sent."""

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", hook)
    return app


def test_the_plugin_offers_fixtures_only() -> None:
    assert sorted(plugin.__all__) == [
        "media77_certs",
        "media77_receiver",
        "media77_receiver_server",
        "media77_sim",
        "media77_sim_server",
    ]
    assert plugin.SimHelper is SimulatorClient  # the old name, kept for users' imports


def test_certs_are_files_a_client_can_verify_against(media77_certs: Certificates) -> None:
    for path in (media77_certs.cert_file, media77_certs.key_file, media77_certs.ca_file):
        assert path.is_file()
    assert media77_certs.ca_pem.startswith("-----BEGIN CERTIFICATE-----")
    received: list[dict[str, Any]] = []
    with serve_https(lms_endpoint(received), media77_certs.ssl_context()) as port:
        request = urllib.request.Request(f"https://localhost:{port}/hook", data=b"{}")
        context = media77_certs.client_ssl_context()
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:
            assert answer.status == 200
    assert received == [{}]


def test_a_users_own_https_endpoint_gets_bundles_with_no_ca_field(
    media77_sim: SimulatorClient, media77_certs: Certificates
) -> None:
    received: list[dict[str, Any]] = []
    with serve_https(lms_endpoint(received), media77_certs.ssl_context()) as port:
        hook = media77_sim.add_webhook(f"https://localhost:{port}/hook", retrySchedule=[])
        reg = media77_sim.start_course()["registration"]
        media77_sim.advance(0.5)
        (attempt,) = media77_sim.wait_for_deliveries(1, webhook_id=hook["id"])
    assert attempt["outcome"] == "delivered", attempt["error"]
    assert [r["registration"] for r in received[0]["started"]] == [reg]


def test_a_simulator_without_the_fixtures_ca_refuses_that_endpoint(
    media77_certs: Certificates,
) -> None:
    """The control for the test above: the trust comes from the fixture, not from luck."""
    received: list[dict[str, Any]] = []
    with (
        serve_https(lms_endpoint(received), media77_certs.ssl_context()) as port,
        Simulator(clock_start=plugin.CLOCK_START) as server,
    ):
        sim = SimulatorClient(server)
        sim.add_webhook(f"https://localhost:{port}/hook", retrySchedule=[])
        sim.start_course()
        sim.advance(0.5)
        (attempt,) = sim.wait_for_deliveries(1)
    assert attempt["outcome"] == "dropped" and attempt["error"].startswith("tls")
    assert received == []


def test_an_outside_project_uses_the_three_fixtures(tmp_path: Path) -> None:
    outside_pytest(
        tmp_path,
        """
            import pytest

            from simulator import Certificates, SimulatorClient

            pytestmark = pytest.mark.filterwarnings("error::DeprecationWarning")

            def test_the_webhook_reaches_the_receiver(media77_sim, media77_receiver, media77_certs):
                assert isinstance(media77_sim, SimulatorClient) and media77_sim.token
                assert isinstance(media77_certs, Certificates) and media77_certs.ca_file.exists()
                media77_sim.add_receiver_webhook(media77_receiver)
                reg = media77_sim.start_course(em="ann@example.com", fn="Ann Lee")["registration"]
                media77_sim.advance(0.5)
                (bundle,) = media77_receiver.wait_for_sync(1)
                assert bundle.body["started"][0]["registration"] == reg

            def test_each_test_starts_from_the_fixtures(media77_sim, media77_receiver):
                assert media77_sim.registrations() == [] and media77_sim.webhooks() == []
                assert media77_receiver.bundles == []
        """,
        passed=2,
    )
