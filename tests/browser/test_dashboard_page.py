"""The dashboard in headless Chromium: what a person watching an outage drill sees and does.

Everything is driven through the API or the page's own controls, and every wait is
Playwright's auto-waiting `expect` on what the page shows (live, no reload).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from simulator.client import SimulatorClient
from simulator.pytest_plugin import SimHelper
from simulator.receiver import Receiver
from simulator.server import Simulator

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the `browser` fixture reports the missing package
    Page = Any  # type: ignore[misc,assignment]
    expect = None  # type: ignore[assignment]

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("whole_seconds")]
TILES = ("registrations", "completions", "delivered", "failed", "dropped", "missed")


def open_dashboard(page: Page, sim: SimHelper) -> None:
    page.goto(f"{sim.url}/_sim/dashboard")
    expect(page.get_by_test_id("stream-status")).to_have_text("live")


def tile(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id(f"tile-{name}").locator(".value")


def marks(page: Page, hook_id: str, outcome: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id(f"timeline-{hook_id}").locator(f'[data-outcome="{outcome}"]')


def test_every_tile_is_there_and_follows_a_completion_made_through_the_api(
    page: Page, sim: SimHelper
) -> None:
    open_dashboard(page, sim)
    for name in TILES:
        expect(tile(page, name)).to_have_text("0")
    expect(page.get_by_test_id("tile-quota").get_by_test_id("quota-row").first).to_contain_text(
        "0/500"
    )
    expect(page.get_by_test_id("clock")).not_to_have_text("…")
    reg = sim.start_course()["registration"]
    sim.complete(reg)
    expect(tile(page, "registrations")).to_have_text("1")
    expect(tile(page, "completions")).to_have_text("1")
    sim.report()  # one progress-API call: the quota tile counts it
    expect(page.get_by_test_id("tile-quota").get_by_test_id("quota-row").first).to_contain_text(
        "1/500"
    )
    rows = page.get_by_test_id("table-registrations").locator("tbody tr")
    expect(rows).to_have_count(1)
    short = rows.first.locator("td").first
    expect(short).to_have_attribute("title", reg)  # the full UUID on hover
    expect(short).to_have_text(f"{reg[:8]}…")


def test_each_subscription_has_a_timeline_that_gains_marks(
    page: Page, sim: SimHelper, media77_receiver: Receiver
) -> None:
    first = sim.add_receiver_webhook(media77_receiver)
    second = sim.add_receiver_webhook(media77_receiver)
    open_dashboard(page, sim)
    for hook in (first, second):
        expect(page.get_by_test_id(f"timeline-{hook['id']}")).to_be_visible()
        expect(marks(page, hook["id"], "delivered")).to_have_count(0)
    sim.start_course()
    sim.advance(0.5)
    expect(marks(page, first["id"], "delivered")).to_have_count(1)
    expect(marks(page, second["id"], "delivered")).to_have_count(1)
    sim.start_course()
    sim.advance(0.5)
    expect(marks(page, first["id"], "delivered")).to_have_count(2)
    expect(tile(page, "delivered")).to_have_text("4")
    third = sim.add_receiver_webhook(media77_receiver)  # created while the page is open
    sim.start_course()
    sim.advance(0.5)
    expect(marks(page, third["id"], "delivered")).to_have_count(1)


def test_an_outage_started_and_ended_from_the_dashboard(
    page: Page, sim: SimHelper, media77_receiver: Receiver
) -> None:
    hook = sim.add_receiver_webhook(media77_receiver, retrySchedule=[1, 1, 1])
    open_dashboard(page, sim)
    card = page.get_by_test_id(f"subscription-{hook['id']}")
    card.get_by_role("button", name=f"Start outage on {hook['id']}").click()
    expect(card.get_by_test_id("outage-state")).to_have_text("outage on (refuse)")
    expect(card.get_by_test_id("outage-window")).to_have_count(1)
    sim.start_course()
    sim.advance(0.5)
    expect(marks(page, hook["id"], "failed")).to_have_count(1)
    (attempt,) = sim.deliveries(webhook_id=hook["id"])
    assert attempt["outcome"] == "failed"
    card.get_by_role("button", name=f"End outages on {hook['id']}").click()
    expect(card.get_by_test_id("outage-state")).to_have_text("no outage")
    sim.advance(1)
    expect(marks(page, hook["id"], "delivered")).to_have_count(1)
    assert [a["outcome"] for a in sim.deliveries(webhook_id=hook["id"])] == ["failed", "delivered"]
    expect(card.get_by_test_id("outage-window")).to_have_count(1)  # the window stays drawn
    expect(tile(page, "failed")).to_have_text("1")
    expect(tile(page, "delivered")).to_have_text("1")


def test_a_drill_to_the_end_shows_dropped_bundles_and_missed_transactions(
    page: Page, sim: SimHelper, media77_receiver: Receiver
) -> None:
    hook = sim.add_receiver_webhook(media77_receiver, retrySchedule=[1])
    open_dashboard(page, sim)
    sim.outage(hook["id"], duration=60, mode="status:503")
    sim.start_course()
    sim.start_course()
    sim.advance(0.5)
    sim.advance(1)
    expect(marks(page, hook["id"], "dropped")).to_have_count(1)
    expect(marks(page, hook["id"], "missed")).to_have_count(1)
    expect(tile(page, "missed")).to_have_text("2")
    expect(tile(page, "dropped")).to_have_text("1")
    expect(page.get_by_test_id("table-missed").locator("tbody tr")).to_have_count(2)


def test_advancing_the_clock_from_the_dashboard_moves_the_simulators_clock(
    page: Page, sim: SimHelper
) -> None:
    open_dashboard(page, sim)
    before = sim.now()
    page.get_by_label("advance the virtual clock by (seconds)").fill("90")
    page.get_by_role("button", name="Advance clock").click()
    expected = (before + timedelta(seconds=90)).strftime("%Y-%m-%d %H:%M:%S")
    expect(page.get_by_test_id("clock")).to_have_text(expected)
    assert sim.now() - before == timedelta(seconds=90)


def test_resetting_the_quota_from_the_dashboard(page: Page, sim: SimHelper) -> None:
    sim.set_quota(used=42)
    open_dashboard(page, sim)
    row = page.get_by_test_id("tile-quota").get_by_test_id("quota-row").first
    expect(row).to_contain_text("42/500")
    page.get_by_role("button", name="Reset quota").click()
    expect(row).to_contain_text("0/500")
    assert sim.quota()["used"] == 0


def test_a_reset_while_open_starts_the_page_again(page: Page, sim: SimHelper) -> None:
    open_dashboard(page, sim)
    sim.start_course()
    expect(tile(page, "registrations")).to_have_text("1")
    sim.reset()
    expect(tile(page, "registrations")).to_have_text("0")
    sim.start_course()
    expect(tile(page, "registrations")).to_have_text("1")


def test_the_page_fits_a_laptop_screen(
    page: Page, sim: SimHelper, media77_receiver: Receiver
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    hook = sim.add_receiver_webhook(media77_receiver)
    open_dashboard(page, sim)
    timeline = page.get_by_test_id(f"timeline-{hook['id']}")
    box = timeline.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 768  # tiles, controls and a timeline
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366  # no sideways scrolling


def test_behind_the_admin_guard_the_page_takes_the_token_once(page: Page) -> None:
    with Simulator(admin_token="drill-token") as server:
        assert SimulatorClient(server.url).request("GET", "/_sim/dashboard").status == 401
        page.goto(f"{server.url}/static/player/dashboard.html?token=drill-token")
        expect(page.get_by_test_id("stream-status")).to_have_text("live")
        assert "token" not in page.url  # not left in the address bar (or the history)
        admin = SimulatorClient(server.url, admin_token="drill-token")
        admin.start_course()
        expect(tile(page, "registrations")).to_have_text("1")
        page.get_by_label("advance the virtual clock by (seconds)").fill("60")
        before = admin.now()
        page.get_by_role("button", name="Advance clock").click()
        expect(page.get_by_test_id("clock")).to_have_text(
            (before + timedelta(seconds=60)).strftime("%Y-%m-%d %H:%M:%S")
        )
