"""`GET /_sim/dashboard` and its snapshot `GET /_sim/dashboard/state`, over HTTP."""

from __future__ import annotations

import uuid

import pytest

from simulator.pytest_plugin import SimHelper
from simulator.receiver import Receiver

pytestmark = pytest.mark.usefixtures("whole_seconds")


def test_the_page_is_a_static_shell_with_a_strict_content_security_policy(sim: SimHelper) -> None:
    page = sim.request("GET", "/_sim/dashboard")
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.body
    for testid in (
        "tile-registrations",
        "tile-completions",
        "tile-delivered",
        "tile-failed",
        "tile-dropped",
        "tile-missed",
        "tile-quota",
        "clock",
        "advance-clock",
        "reset-quota",
    ):
        assert f'data-testid="{testid}"' in html
    assert "<script" in html and "http" not in html.split("<script")[1].split(">")[0]  # no CDN
    assert sim.request("GET", "/static/player/dashboard.js").status == 200


def test_the_snapshot_counts_what_the_simulator_holds(
    sim: SimHelper, media77_receiver: Receiver
) -> None:
    hook = sim.add_receiver_webhook(media77_receiver)
    reg = str(uuid.uuid4())
    sim.start_course(reg=reg)
    sim.complete(reg)
    sim.start_course()
    sim.advance(0.5)
    sim.wait_for_deliveries(1, timeout=10)
    state = sim.request("GET", "/_sim/dashboard/state").body
    assert state["counts"] == {
        "registrations": 2,
        "completions": 1,
        "delivered": 1,
        "failed": 0,
        "dropped": 0,
        "missed": 0,
    }
    assert [s["id"] for s in state["subscriptions"]] == [hook["id"]]
    assert [a["outcome"] for a in state["attempts"]] == ["delivered"]
    assert state["clock"]["virtual"] is True
    assert {q["token"] for q in state["quotas"]} >= {sim.token}
    assert state["lastEventId"].count(".") == 3


def test_an_ended_outage_is_still_in_the_snapshot(
    sim: SimHelper, media77_receiver: Receiver
) -> None:
    hook = sim.add_receiver_webhook(media77_receiver)
    sim.outage(hook["id"], duration=30)
    sim.advance(5)
    sim.clear_outages(hook["id"])
    (outage,) = sim.request("GET", "/_sim/dashboard/state").body["outages"]
    assert outage["webhookId"] == hook["id"] and outage["endedAt"]


def test_the_snapshot_of_a_fresh_simulator(sim: SimHelper) -> None:
    state = sim.request("GET", "/_sim/dashboard/state").body
    assert set(state["counts"].values()) == {0}
    assert state["attempts"] == [] and state["missed"] == [] and state["subscriptions"] == []
