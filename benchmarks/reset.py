"""`POST /_sim/reset` cost after a test's worth of changes, on a real SQLite file.

Three figures, p50 and p95 in milliseconds:
- `POST /_sim/reset` over HTTP, as a user pays it: `media77-sim serve` in its own
  process (defaults, a new SQLite file, virtual clock), each round `--registrations`
  launches through `POST /_sim/registrations`, then the reset, timed from the
  client on the same keep-alive connection (request written to answer read). The
  same connection's `GET /_sim/health` is printed beside it: what HTTP alone costs.
- in-process, each round `--registrations` launches recorded straight into the
  store (each with its learner, search row and transaction): `Store.reset` alone,
  and the whole `Runtime.reset` (the store reset and the running parts renewed).

    .venv/bin/python benchmarks/reset.py [--registrations 300] [--rounds 50]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from _harness import Served, launch_body, new_reg

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


async def in_process(registrations: int, rounds: int) -> tuple[list[float], list[float]]:
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
    return store_times, runtime_times


def call(
    connection: http.client.HTTPConnection, method: str, path: str, body: object = None
) -> float:
    """One request on the kept-alive connection; the seconds from sending to the answer read."""
    payload = json.dumps(body).encode() if body is not None else b""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    began = time.perf_counter()
    connection.request(method, path, body=payload, headers=headers)
    answer = connection.getresponse()
    answer.read()
    took = time.perf_counter() - began
    if answer.status >= 300:
        raise RuntimeError(f"{method} {path}: {answer.status}")
    return took


def over_http(registrations: int, rounds: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        served = Served(
            ["--db", str(Path(tmp) / "sim.db"), "--clock", "virtual"], Path(tmp) / "log"
        )
        url = urllib.parse.urlsplit(served.start())
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
        resets: list[float] = []
        health: list[float] = []
        try:
            for _ in range(rounds):
                for i in range(registrations):
                    body = launch_body(new_reg(), f"learner{i}@example.com")
                    call(connection, "POST", "/_sim/registrations", body)
                health.append(call(connection, "GET", "/_sim/health"))
                resets.append(call(connection, "POST", "/_sim/reset"))
        finally:
            connection.close()
            served.stop()
    return resets, health


def main(registrations: int, rounds: int) -> None:
    resets, health = over_http(registrations, rounds)
    store_times, runtime_times = asyncio.run(in_process(registrations, rounds))
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    print(f"after {registrations} registrations on a file database (target p50 <= 2 ms):")
    print(f"  POST /_sim/reset (HTTP, serve): {percentiles(resets)}")
    print(f"    GET /_sim/health, same conn.: {percentiles(health)}  (HTTP alone)")
    print(f"  in-process Runtime.reset:       {percentiles(runtime_times)}")
    print(f"  in-process Store.reset:         {percentiles(store_times)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    main(args.registrations, args.rounds)
