"""pytest fixtures for testing an integration against the simulator.

Installed with the package (entry point `pytest11`), so any project that depends
on media77-simulator gets them:

- `media77_sim`: a `SimulatorClient` of one simulator per test session (virtual
  clock, in-memory store), reset before each test; `.url`, `.token`.
- `media77_sim_server`: that `Simulator` itself.
- `media77_certs`: a CA the session's simulator trusts for webhooks and a
  localhost certificate, to serve your own endpoint over HTTPS.
- `media77_receiver` / `media77_receiver_server`: an HTTPS webhook receiver that
  records bundles and can be told to fail.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.certs import Certificates
from simulator.client import SimulatorClient
from simulator.receiver import Receiver
from simulator.server import Simulator

__all__ = [
    "media77_certs",
    "media77_receiver",
    "media77_receiver_server",
    "media77_sim",
    "media77_sim_server",
]

CLOCK_START = "2026-01-05T09:00:00Z"

SimHelper = SimulatorClient
"""Deprecated: the fixture's class used to be `SimHelper`; it is `SimulatorClient` now."""


@pytest.fixture(scope="session")
def media77_certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A trustme CA and a localhost certificate, written to files, for the whole session.

    `cert_file`, `key_file`, `ca_file`; `ssl_context()` serves your own endpoint over
    HTTPS (aiohttp: `web.TCPSite(runner, "localhost", port, ssl_context=...)`; uvicorn:
    `ssl_certfile=cert_file, ssl_keyfile=key_file`). The session's simulator trusts
    this CA, so a subscription to `https://localhost:PORT/...` needs no `ca` field.
    """
    return Certificates.create(tmp_path_factory.mktemp("media77-certs"))


@pytest.fixture(scope="session")
def media77_sim_server(media77_certs: Certificates) -> Iterator[Simulator]:
    """One in-process simulator for the session: free port, in-memory store, virtual clock
    starting at 2026-01-05 09:00 UTC, trusting `media77_certs`' CA for webhooks."""
    with Simulator(clock_start=CLOCK_START, webhook_ca=str(media77_certs.ca_file)) as server:
        yield server


@pytest.fixture
def media77_sim(media77_sim_server: Simulator) -> SimulatorClient:
    """A `SimulatorClient` of the session's simulator, reset to its fixtures for this test.

    The clock is virtual and shared by the session: it never goes back, so a test
    reads `now()` rather than assuming a date.
    """
    client = SimulatorClient(media77_sim_server.url)
    client.reset()
    return client


@pytest.fixture(scope="session")
def media77_receiver_server() -> Iterator[Receiver]:
    """One HTTPS `Receiver` (threaded, fresh trustme CA) for the whole session."""
    with Receiver(tls=True) as receiver:
        yield receiver


@pytest.fixture
def media77_receiver(media77_receiver_server: Receiver) -> Receiver:
    """The session's HTTPS receiver, cleared: nothing received, no script, settings as built.

    Subscribe it with `media77_sim.add_receiver_webhook(media77_receiver)` (which trusts
    its CA), or give another sender `media77_receiver.url` and `media77_receiver.ca_path`.
    """
    media77_receiver_server.clear()
    return media77_receiver_server
