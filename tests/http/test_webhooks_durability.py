"""The outbox survives restarts, `--webhook-url` subscriptions come back, and a hung
endpoint holds up neither other subscriptions nor the API."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from simulator.config import Config, ConfigError
from simulator.pytest_plugin import SimHelper
from simulator.receiver import HANG, Receiver
from simulator.server import Simulator

START = "2026-03-02T08:00:00Z"


def test_a_failed_bundle_is_retried_after_a_restart(
    tmp_path: Path, media77_receiver: Receiver
) -> None:
    db = str(tmp_path / "state.db")
    receiver = media77_receiver
    receiver.fail_next(1)
    with Simulator(db=db, clock_start=START) as first:
        sim = SimHelper(first)
        hook = sim.add_receiver_webhook(receiver)
        sim.start_course()
        sim.advance(0.5)
        (failed,) = sim.deliveries()
        assert failed["outcome"] == "failed"
    with Simulator(db=db, clock_start=START) as second:
        sim = SimHelper(second)
        assert [h["id"] for h in sim.webhooks()] == [hook["id"]]
        sim.advance(0.5 + 1)
        log = sim.deliveries()
        assert [(d["attempt"], d["outcome"]) for d in log] == [(1, "failed"), (2, "delivered")]
        assert {d["bundleId"] for d in log} == {failed["bundleId"]}
    assert len(receiver.accepted) == 1


def test_an_open_window_at_stop_is_delivered_after_the_restart(
    tmp_path: Path, media77_receiver: Receiver
) -> None:
    db = str(tmp_path / "state.db")
    with Simulator(db=db, clock_start=START) as first:
        sim = SimHelper(first)
        sim.add_receiver_webhook(media77_receiver)
        reg = sim.start_course()
    assert media77_receiver.bundles == []
    with Simulator(db=db, clock_start=START) as second:
        sim = SimHelper(second)
        (delivery,) = sim.wait_for_deliveries(1)
        assert delivery["outcome"] == "delivered"
    (record,) = media77_receiver.records()
    assert record["registration"] == reg["registration"]


def test_a_dropped_bundle_stays_missed_after_a_restart(
    tmp_path: Path, media77_receiver: Receiver
) -> None:
    db = str(tmp_path / "state.db")
    media77_receiver.fail_next(1)
    with Simulator(db=db, clock_start=START) as first:
        sim = SimHelper(first)
        sim.add_receiver_webhook(media77_receiver, retrySchedule=[])
        sim.start_course()
        sim.advance(0.5)
        missed = sim.missed()
        assert len(missed) == 1
    with Simulator(db=db, clock_start=START) as second:
        sim = SimHelper(second)
        sim.advance(3600)
        assert sim.missed() == missed
        assert [d["outcome"] for d in sim.deliveries()] == ["dropped"]
    assert len(media77_receiver.bundles) == 1


def test_webhook_url_flag_subscribes_the_default_organization(
    media77_receiver: Receiver,
) -> None:
    receiver = media77_receiver
    options = {
        "webhook_url": receiver.url,
        "webhook_ca": receiver.ca_path,
        "webhook_auth": "header",
        "webhook_token_name": "x-token",
        "webhook_token_value": "abc",
    }
    with Simulator(clock_start=START, **options) as server:
        sim = SimHelper(server)
        (hook,) = sim.webhooks()
        assert hook["organizationId"] == sim.default_organization()["id"]
        assert (hook["url"], hook["tokenName"], hook["tokenValue"]) == (
            receiver.url,
            "x-token",
            "abc",
        )
        sim.reset()
        (again,) = sim.webhooks()  # reset forgets learners, not the configured subscription
        assert again["url"] == receiver.url
        sim.start_course()
        sim.advance(0.5)
        (bundle,) = receiver.wait_for_sync(1)
        assert bundle.headers["x-token"] == "abc"


def test_webhook_url_flag_must_be_https() -> None:
    with pytest.raises(ConfigError, match="HTTPS"), Simulator(webhook_url="http://127.0.0.1:9/x"):
        pass


def test_a_hung_endpoint_delays_neither_other_subscriptions_nor_the_api() -> None:
    with Receiver(tls=True) as hung, Receiver(tls=True) as healthy:
        hung.script([HANG])
        with Simulator(replace(Config(), port=0, db=":memory:", clock="system")) as server:
            sim = SimHelper(server)
            stuck = sim.add_receiver_webhook(hung, bundleWindowMs=0, timeoutS=3, retrySchedule=[])
            sim.add_receiver_webhook(healthy, bundleWindowMs=0)
            sim.start_course()
            healthy.wait_for_sync(1, timeout=10)
            assert sim.health()["status"] == "ok"
            assert sim.deliveries(webhook_id=stuck["id"]) == []  # still waiting on the hung one
            (timed_out,) = sim.wait_for_deliveries(1, webhook_id=stuck["id"], timeout=20)
            assert timed_out["outcome"] == "dropped"
            assert timed_out["error"].startswith("timeout")
            assert len(hung.bundles) == 1


def test_transactions_of_an_open_window_survive_a_crash(
    tmp_path: Path, media77_receiver: Receiver
) -> None:
    """SIGKILL while a bundle window is open: the restart bundles and delivers it."""
    import re
    import signal
    import subprocess
    import sys

    db = str(tmp_path / "state.db")
    command = [
        sys.executable, "-m", "simulator", "serve", "--port", "0", "--db", db,
        "--clock", "virtual", "--clock-start", START,
        "--webhook-url", media77_receiver.url, "--webhook-ca", str(media77_receiver.ca_path),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        url = re.search(r"listening on (\S+)", process.stdout.readline())
        assert url, "serve printed no URL"
        from simulator.client import SimulatorClient

        crashed = SimulatorClient(url.group(1))
        org = crashed.default_organization()
        reg = crashed.launch(
            "workplace-safety",
            "8a4d2f8e-6a57-4c1e-9a9e-2f1f4f7c1d11",
            "crash@example.com",
            "Crash Test",
            "localhost",
            org["lmsIds"]["staging"],
        )
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert media77_receiver.bundles == []
    with Simulator(
        db=db, clock_start=START, webhook_url=media77_receiver.url,
        webhook_ca=str(media77_receiver.ca_path),
    ) as restarted:  # fmt: skip
        sim = SimHelper(restarted)
        sim.advance(0.5)
        (delivery,) = sim.wait_for_deliveries(1)
        assert delivery["outcome"] == "delivered"
    (record,) = media77_receiver.records()
    assert record["registration"] == reg["registration"]


def test_a_hung_endpoint_times_out_on_the_virtual_clock() -> None:
    with Receiver(tls=True) as hung, Simulator(clock_start=START) as server:
        server.sim.clock.settle_grace = 0.3  # type: ignore[attr-defined]  # real s an advance waits
        sim = SimHelper(server)
        hung.script([HANG])
        sim.add_receiver_webhook(hung, timeoutS=10, retrySchedule=[1])
        sim.start_course()
        sim.advance(0.5)  # the attempt is made and hangs
        assert sim.deliveries() == []
        sim.advance(9.99)
        assert sim.deliveries() == []
        sim.advance(0.01)  # 10 s of the simulator's clock: a timeout
        (failed,) = sim.deliveries()
        assert (failed["outcome"], failed["error"].split(":")[0]) == ("failed", "timeout")
        sim.advance(1)
        assert [d["outcome"] for d in sim.deliveries()] == ["failed", "delivered"]
