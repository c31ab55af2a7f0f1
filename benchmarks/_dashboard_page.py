"""The dashboard open in Debian's chromium beside an in-process simulator: what the
dashboard benchmark and the outage-drill screenshot both start from."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Page, sync_playwright

from simulator.client import SimulatorClient
from simulator.receiver import Receiver
from simulator.server import Simulator

ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic"]


@dataclass
class LiveDashboard:
    sim: SimulatorClient
    receiver: Receiver
    page: Page
    prepared: Any  # what `prepare` returned (subscriptions made before the page opened)
    errors: list[str] = field(default_factory=list)  # the page's uncaught errors


@contextmanager
def live_dashboard(
    prepare: Callable[[SimulatorClient, Receiver], Any] = lambda _sim, _receiver: None,
) -> Iterator[LiveDashboard]:
    """A simulator (virtual clock) delivering to a real HTTP receiver, `prepare`d, and
    its dashboard open at a laptop's 1366x768 and following the event stream."""
    chromium = shutil.which("chromium")
    if chromium is None:
        print("needs Debian's chromium on PATH", file=sys.stderr)
        raise SystemExit(2)
    with Receiver() as receiver, Simulator(allow_insecure_webhooks=True) as server:
        sim = SimulatorClient(server.url)
        prepared = prepare(sim, receiver)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            live = LiveDashboard(sim, receiver, page, prepared)
            page.on("pageerror", lambda error: live.errors.append(str(error)))
            page.goto(f"{server.url}/_sim/dashboard")
            page.get_by_test_id("stream-status").filter(has_text="live").wait_for()
            try:
                yield live
            finally:
                browser.close()
