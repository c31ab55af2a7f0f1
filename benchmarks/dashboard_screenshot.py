"""The outage drill screenshot for the README: docs/dashboard-outage-drill.png.

An in-process simulator on a virtual clock with two subscriptions to a real HTTP
receiver: one stays healthy, the other goes through an outage (failed attempts,
retries, dropped bundles, missed transactions), then recovers. The dashboard is
opened in Debian's chromium at a laptop's 1366x768 and photographed.

    .venv/bin/python benchmarks/dashboard_screenshot.py [--out docs/dashboard-outage-drill.png]
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

from _dashboard_page import live_dashboard

from simulator.client import SimulatorClient
from simulator.receiver import Receiver

ROOT = Path(__file__).resolve().parents[1]


def learners(sim: SimulatorClient, n: int) -> list[str]:
    regs = []
    for _ in range(n):
        reg = str(uuid.uuid4())
        sim.start_course(reg=reg, email=f"learner-{reg[:8]}@example.com")
        regs.append(reg)
    return regs


def drill(sim: SimulatorClient, receiver: Receiver) -> None:
    healthy = sim.add_receiver_webhook(receiver, retrySchedule=[2, 4])
    flaky = sim.add_receiver_webhook(receiver, retrySchedule=[2, 4])
    for _ in range(4):
        learners(sim, 2)
        sim.advance(3)
    sim.outage(flaky["id"], duration=20, mode="status:503")
    for _ in range(5):
        regs = learners(sim, 2)
        sim.complete(regs[0])
        sim.advance(3)
    sim.advance(6)
    sim.clear_outages(flaky["id"])
    for _ in range(4):
        learners(sim, 2)
        sim.advance(3)
    sim.set_quota(used=137)
    sim.wait_for_deliveries(1, timeout=5, webhook_id=healthy["id"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "dashboard-outage-drill.png"))
    args = parser.parse_args()
    with live_dashboard() as live:
        drill(live.sim, live.receiver)  # watched live, as during a real drill
        live.page.wait_for_timeout(800)  # a few render ticks of the page's own timer
        live.page.screenshot(path=args.out, full_page=False)
    if live.errors:
        print(f"page errors: {live.errors}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
