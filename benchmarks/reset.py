"""`POST /_sim/reset` cost after a test's worth of changes, on a real SQLite file.

Each round records `--registrations` launches straight into the store (each with
its learner, search row and transaction), then times the reset: `Store.reset`
alone, and the whole `Runtime.reset` (engine stopped, store reset, every part
rebuilt, engine started). Reports p50 and p95 in milliseconds.

    .venv/bin/python benchmarks/reset.py [--registrations 300] [--rounds 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from simulator.config import Config
from simulator.core.progress import Registration, start
from simulator.runtime import Runtime

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def fill(parts: Runtime, count: int) -> None:
    for i in range(count):
        state = Registration(
            registration=str(uuid.uuid4()), organization_id="acme-learning",
            course_id="data-privacy", activity_id="https://a/data-privacy",
            activity_title="Data Privacy", email=f"learner{i}@example.com", first_name="Kim",
            last_name=f"Lee{i}", member_identifier="", progress=0, date_started=T0,
            last_activity_at=T0,
        )  # fmt: skip
        parts.store.record(start(state))


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"p50 {statistics.median(ms):.2f} ms, p95 {p95:.2f} ms ({len(ms)} rounds)"


async def main(registrations: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = replace(Config(), db=str(Path(tmp) / "sim.db"), clock="virtual", port=0)
        parts = Runtime.open(config)
        await parts.start()
        store_times: list[float] = []
        runtime_times: list[float] = []
        try:
            for _ in range(rounds):
                fill(parts, registrations)
                began = time.perf_counter()
                parts.store.reset(parts.fixtures.organizations, parts.fixtures.activities)
                store_times.append(time.perf_counter() - began)
                fill(parts, registrations)
                began = time.perf_counter()
                await parts.reset()
                runtime_times.append(time.perf_counter() - began)
        finally:
            await parts.stop()
            parts.close()
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    print(f"after {registrations} registrations on a file database (target p50 <= 2 ms):")
    print(f"  Store.reset:   {percentiles(store_times)}")
    print(f"  Runtime.reset: {percentiles(runtime_times)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.registrations, args.rounds))
