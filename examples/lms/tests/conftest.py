"""Our LMS, served for real, against 77media's simulator (the `media77_*` pytest fixtures).

The webhook endpoint runs over HTTPS on a real socket, with the certificate of
`media77_certs`, whose CA the session's simulator trusts, as 77media's would trust
our public certificate.
"""

from __future__ import annotations

import asyncio
import ssl
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from simulator import Certificates, SimulatorClient

# Run from the simulator's repository, the example is not installed: `lms` is imported
# from this folder's parent, appended to the path so that it shadows nothing.
EXAMPLE_ROOT = str(Path(__file__).resolve().parent.parent)
if EXAMPLE_ROOT not in sys.path:
    sys.path.append(EXAMPLE_ROOT)

from lms.audit import ProgressApi  # noqa: E402
from lms.launch import LaunchSettings  # noqa: E402
from lms.store import Store  # noqa: E402
from lms.webhook import create_app  # noqa: E402

WEBHOOK_TOKEN = "s3cret-for-77media"


@contextmanager
def serve_https(app: web.Application, context: ssl.SSLContext) -> Iterator[int]:
    """Serve `app` over HTTPS on a thread of its own (the tests drive the simulator
    with blocking calls meanwhile); its port."""
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


@pytest.fixture
def webhook_token() -> str:
    """The token we gave 77media for the webhook (`access_token` header)."""
    return WEBHOOK_TOKEN


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """The LMS database, a fresh SQLite file per test."""
    return Store(tmp_path / "lms.db")


@pytest.fixture
def endpoint(store: Store, media77_certs: Certificates) -> Iterator[str]:
    """The LMS's webhook endpoint, live over HTTPS: its URL."""
    app = create_app(store, token_value=WEBHOOK_TOKEN)
    with serve_https(app, media77_certs.ssl_context()) as port:
        yield f"https://127.0.0.1:{port}/77media/progress"


@pytest.fixture
def subscribe(media77_sim: SimulatorClient, endpoint: str) -> Any:
    """Point 77media's webhook at our endpoint, as provisioning does; the subscription."""

    def subscribe(**fields: Any) -> dict[str, Any]:
        return dict(media77_sim.add_webhook(endpoint, tokenValue=WEBHOOK_TOKEN, **fields))

    return subscribe


@pytest.fixture
def organization(media77_sim: SimulatorClient) -> dict[str, Any]:
    """Our organization at 77media: its API token and LMSIDs."""
    return dict(media77_sim.default_organization())


@pytest.fixture
def settings(organization: dict[str, Any]) -> LaunchSettings:
    """Our launch settings for the staging environment."""
    return LaunchSettings(lms_id=organization["lmsIds"]["staging"], domain="learn.example.com")


@pytest.fixture
def api(media77_sim: SimulatorClient, organization: dict[str, Any]) -> ProgressApi:
    """The Activity Progress API client the audit job uses, with our token."""
    return ProgressApi(media77_sim.url, organization["token"])
