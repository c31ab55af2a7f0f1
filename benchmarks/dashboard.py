"""Is the dashboard bounded? 1,000 deliveries a minute for a minute with the page open.

An in-process simulator (virtual clock) delivers to a real HTTP receiver: every
launch is its own bundle (`bundleWindowMs: 0`), a few are dropped on purpose
(`dropRate`) and an outage comes and goes, so every kind of mark is drawn. The
dashboard is open in Debian's chromium the whole time; every few seconds the page's
JS heap (after a forced garbage collection) and DOM node count are read through the
Chrome DevTools Protocol (`Performance.getMetrics`). Target: both flat after warm-up.

    .venv/bin/python benchmarks/dashboard.py                   # the full run (60 s)
    .venv/bin/python benchmarks/dashboard.py --duration 15     # a short check
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from typing import Any

from _dashboard_page import live_dashboard

from simulator.client import SimulatorClient
from simulator.receiver import Receiver


def sample(cdp: Any) -> tuple[float, int]:
    """JS heap in use (MB, after a GC) and DOM nodes, as DevTools reports them."""
    cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["JSHeapUsedSize"] / 1e6, int(metrics["Nodes"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=1000, help="deliveries a minute")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    args = parser.parse_args()

    def subscribe(sim: SimulatorClient, receiver: Receiver) -> dict[str, Any]:
        faults = {"seed": 7, "dropRate": 0.03}
        return sim.add_receiver_webhook(
            receiver, bundleWindowMs=0, retrySchedule=[1], faults=faults
        )

    with live_dashboard(subscribe) as live:
        sim, page, hook, errors = live.sim, live.page, live.prepared, live.errors
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        samples: list[tuple[float, float, int]] = []
        started = time.monotonic()
        next_sample, sent, outage_on = started, 0, False
        while (elapsed := time.monotonic() - started) < args.duration:
            due = int(elapsed * args.rate / 60.0)
            while sent < due:
                sim.start_course(email=f"b{sent}-{uuid.uuid4().hex[:6]}@example.com")
                sent += 1
                if sent % 50 == 0:
                    sim.advance(1)  # retries fall due; the axis moves
                if sent % 300 == 0:
                    if outage_on:
                        sim.clear_outages(hook["id"])
                    else:
                        sim.outage(hook["id"], duration=600, mode="status:503")
                    outage_on = not outage_on
            if time.monotonic() >= next_sample:
                heap, nodes = sample(cdp)
                samples.append((time.monotonic() - started, heap, nodes))
                print(f"{samples[-1][0]:6.1f} s  sent {sent:5d}  heap {heap:6.2f} MB  "
                      f"DOM {nodes:5d} nodes", flush=True)  # fmt: skip
                next_sample += args.every
            time.sleep(0.005)
        sim.advance(5)
        page.wait_for_timeout(1000)
        heap, nodes = sample(cdp)
        samples.append((time.monotonic() - started, heap, nodes))
        shown = page.get_by_test_id("tile-delivered").locator(".value").inner_text()
    heaps = [s[1] for s in samples]
    nodes_seen = [s[2] for s in samples]
    warm = samples[len(samples) // 3 :] or samples
    warm_heap = [s[1] for s in warm]
    warm_nodes = [s[2] for s in warm]
    print(f"launches sent: {sent} in {args.duration:g} s (target {args.rate}/min); "
          f"delivered tile at the end: {shown}")  # fmt: skip
    print(f"JS heap MB: start {heaps[0]:.2f}, end {heaps[-1]:.2f}, max {max(heaps):.2f}; "
          f"after warm-up {min(warm_heap):.2f}..{max(warm_heap):.2f}")  # fmt: skip
    print(f"DOM nodes: start {nodes_seen[0]}, end {nodes_seen[-1]}, max {max(nodes_seen)}; "
          f"after warm-up {min(warm_nodes)}..{max(warm_nodes)}")  # fmt: skip
    if errors:
        print(f"page errors: {errors}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
