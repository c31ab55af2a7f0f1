"""Injected faults, each against the real HTTPS receiver, on the virtual clock."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.pytest_plugin import SimHelper
from simulator.receiver import Receiver


@pytest.fixture
def receiver(media77_receiver: Receiver) -> Receiver:
    return media77_receiver


def learners(sim: SimHelper, n: int) -> list[dict[str, Any]]:
    return [sim.start_course(em=f"l{i}@example.com", fn=f"Learner N{i}") for i in range(n)]


def test_drop_rate_one_never_sends_and_fills_the_missed_ledger(
    sim: SimHelper, receiver: Receiver
) -> None:
    sim.add_receiver_webhook(receiver, faults={"dropRate": 1})
    (reg,) = learners(sim, 1)
    sim.advance(60)
    assert receiver.bundles == []
    (delivery,) = sim.deliveries()
    assert (delivery["outcome"], delivery["fault"], delivery["attempt"]) == ("dropped", "drop", 1)
    (missed,) = sim.missed()
    assert missed["registration"] == reg["registration"]
    assert missed["reason"] == "injected drop"


def dropped_pattern(sim: SimHelper, receiver: Receiver, seed: int) -> list[str]:
    sim.add_receiver_webhook(receiver, bundleWindowMs=0, faults={"dropRate": 0.5, "seed": seed})
    learners(sim, 12)
    sim.advance(1)
    log = sorted(sim.deliveries(), key=lambda d: int(d["bundleId"].removeprefix("bd_")))
    return [d["outcome"] for d in log]  # by bundle: concurrent attempts finish in any order


def test_seeded_faults_are_reproducible(sim: SimHelper, receiver: Receiver) -> None:
    first = dropped_pattern(sim, receiver, seed=7)
    assert len(first) == 12
    assert "dropped" in first and "delivered" in first  # 0.5 of 12, seed 7: both happen
    sim.reset()
    receiver.clear()
    assert dropped_pattern(sim, receiver, seed=7) == first
    assert len(receiver.accepted) == first.count("delivered")


def test_duplicate_rate_one_sends_every_bundle_twice(sim: SimHelper, receiver: Receiver) -> None:
    sim.add_receiver_webhook(receiver, faults={"duplicateRate": 1})
    learners(sim, 1)
    sim.advance(0.5)
    first, second = receiver.wait_for_sync(2)
    assert first.body == second.body
    log = sim.deliveries()
    assert [(d["outcome"], d["fault"]) for d in log] == [
        ("delivered", "duplicate"),
        ("delivered", "duplicate"),
    ]
    assert log[0]["bundleId"] == log[1]["bundleId"]


def test_fixed_delay_on_the_clock(sim: SimHelper, receiver: Receiver) -> None:
    sim.add_receiver_webhook(receiver, faults={"delayMs": 2000})
    learners(sim, 1)
    sim.advance(0.5 + 1.999)
    assert receiver.bundles == []
    sim.advance(0.001)
    (delivery,) = sim.deliveries()
    assert (delivery["outcome"], delivery["fault"]) == ("delivered", "delay:2000ms")


def test_delay_range_is_drawn_within_bounds(sim: SimHelper, receiver: Receiver) -> None:
    sim.add_receiver_webhook(
        receiver, bundleWindowMs=0, faults={"delayMs": {"min": 100, "max": 900}, "seed": 3}
    )
    learners(sim, 5)
    sim.advance(0.9)
    log = sim.deliveries()
    assert len(log) == 5
    delays = [int(d["fault"].removeprefix("delay:").removesuffix("ms")) for d in log]
    assert all(100 <= ms <= 900 for ms in delays)
    assert len(set(delays)) > 1


def test_script_shapes_the_next_attempts(sim: SimHelper, receiver: Receiver) -> None:
    hook = sim.add_receiver_webhook(
        receiver,
        retrySchedule=[1, 1, 1],
        timeoutS=2,
        faults={"script": [503, "reset", "timeout", 200]},
    )
    learners(sim, 1)
    sim.advance(0.5)  # attempt 1: 503
    sim.advance(1)  # attempt 2: reset
    sim.advance(1)  # attempt 3: timeout starts, takes 2 s of the clock
    assert len(sim.deliveries()) == 2
    sim.advance(2)
    sim.advance(1)  # attempt 4: scripted 200 goes through for real
    log = sim.deliveries()
    assert [(d["attempt"], d["outcome"], d["status"], d["fault"]) for d in log] == [
        (1, "failed", 503, "script:503"),
        (2, "failed", None, "script:reset"),
        (3, "failed", None, "script:timeout"),
        (4, "delivered", 200, "script:200"),
    ]
    assert log[1]["error"].startswith("reset")
    assert log[2]["error"].startswith("timeout")
    assert len(receiver.bundles) == 1  # injected failures never reached the endpoint
    assert sim.webhook(hook["id"])["faults"]["script"] == []


def test_outage_refuse_then_recovery(sim: SimHelper, receiver: Receiver) -> None:
    hook = sim.add_receiver_webhook(receiver, retrySchedule=[1, 5, 30])
    outage = sim.outage(hook["id"], duration=10, mode="refuse")
    assert outage["mode"] == "refuse"
    learners(sim, 1)
    sim.advance(0.5 + 1 + 5)  # attempts at 0.5, 1.5, 6.5 all inside the outage
    assert [d["error"].split(":")[0] for d in sim.deliveries()] == ["refused"] * 3
    assert {d["fault"] for d in sim.deliveries()} == {"outage:refuse"}
    sim.advance(30)  # attempt 4 at 36.5: the outage is over
    assert sim.deliveries()[-1]["outcome"] == "delivered"
    assert len(receiver.accepted) == 1


@pytest.mark.parametrize(
    ("mode", "status", "error"),
    [("status:503", 503, "status 503"), ("timeout", None, "timeout")],
)
def test_outage_modes(
    sim: SimHelper, receiver: Receiver, mode: str, status: int | None, error: str
) -> None:
    hook = sim.add_receiver_webhook(receiver, retrySchedule=[], timeoutS=3)
    sim.outage(hook["id"], duration=60, mode=mode)
    learners(sim, 1)
    sim.advance(0.5 + 3)
    (delivery,) = sim.deliveries()
    assert delivery["outcome"] == "dropped"
    assert delivery["status"] == status
    assert delivery["error"].startswith(error)
    assert receiver.bundles == []


def test_outage_in_the_future_and_its_end(sim: SimHelper, receiver: Receiver) -> None:
    hook = sim.add_receiver_webhook(receiver, retrySchedule=[])
    now = sim.clock()["now"]
    start = now[:11] + "10:00:00Z"  # the test session's clock starts at 09:00
    sim.outage(hook["id"], start=start, duration=60, mode="status:500")
    learners(sim, 1)
    sim.advance(0.5)
    assert sim.deliveries()[-1]["outcome"] == "delivered"
    assert sim.clear_outages(hook["id"]) == 1
    assert sim.webhook(hook["id"])["outages"] == []


def test_deleting_outages_ends_them(sim: SimHelper, receiver: Receiver) -> None:
    hook = sim.add_receiver_webhook(receiver, retrySchedule=[1])
    sim.outage(hook["id"], duration=3600, mode="refuse")
    learners(sim, 1)
    sim.advance(0.5)
    sim.clear_outages(hook["id"])
    sim.advance(1)
    assert [d["outcome"] for d in sim.deliveries()] == ["failed", "delivered"]


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "refuse"},
        {"duration": 10, "end": "2030-01-01T00:00:00Z"},
        {"duration": -1},
        {"duration": 10, "mode": "status:42"},
        {"duration": 10, "mode": "explode"},
        {"start": "yesterday", "duration": 10},
        {"start": "2026-01-05T10:00:00Z", "end": "2026-01-05T09:00:00Z"},
    ],
)
def test_bad_outages_are_a_clear_400(sim: SimHelper, body: dict[str, Any]) -> None:
    hook = sim.add_webhook("https://example.com/hook")
    answer = sim.request("POST", f"/_sim/webhooks/{hook['id']}/outages", body)
    assert answer.status == 400
    assert answer.body["error"] == "invalid_request"
