"""Benchmark: the Activity Progress API against a bare aiohttp handler, in one run.

    .venv/bin/python benchmarks/progress_api.py [--registrations 100000] [--duration 10]

Seeds N registrations with `media77-sim seed` into a temporary SQLite file (or
reuses `--db FILE` when it already holds them), starts `media77-sim serve` and a
hello-world aiohttp server as subprocesses on free loopback ports, then drives
each with wrk (Debian's; `--client aiohttp` for a Python load generator) for a
bounded time and prints requests/s, p50 and p99 latency and the ratio to (a):

  (a) a bare aiohttp handler answering a small JSON object (the baseline)
  (b) 100-record pages sorted by lastName (starts spread over the first 50 pages)
  (b') the same, but every request a page never asked for before (start anywhere),
      so the simulator's page memory never helps
  (b'') uncached too, with starts among the first 20,000 records (the pages an audit
      job reads first), so offset cost does not dominate
  (c) searches for terms taken from the data: last names, full names, e-mails,
      registration and completion-code prefixes (thousands of distinct terms)
  (d) deep pages: 100 records sorted by lastName from a start between 90,000 and
      99,900, each request a different start (so none is answered from memory)

Targets on a 2-core machine: (b) at least 25% of (a)'s requests/s; (c) p99 at most
50 ms at 100,000 registrations and 100 ms at 1,000,000. All traffic stays on
127.0.0.1; every run is bounded by --duration.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from simulator.store import Store

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TOKEN = "f7e1379c-35ad-45f9-b0fa-6ef011e73938"
SEED_NOW = "2026-01-05T09:00:00Z"
PATH = "/api/reports/progress"

HELLO_SERVER = """
import sys
from aiohttp import web

async def hello(request):
    await request.read()
    return web.json_response({"status": "ok", "records": 0})

app = web.Application()
app.router.add_route("*", "/", hello)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""

WRK_SCRIPT = """
local bodies = {}
for line in io.lines("%s") do bodies[#bodies + 1] = line end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
math.randomseed(%d)
local counter = 0
request = function()
  counter = counter + 1
  local body = bodies[math.random(#bodies)]:gsub("__START__", tostring(%d + (counter * 7919) %% %d))
  return wrk.format(nil, nil, nil, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not become ready in {seconds:.0f} s")


def stored_registrations(db: Path) -> int:
    if not db.exists():
        return 0
    store = Store.open(db)
    try:
        return store.list_registrations(limit=1)[1]
    finally:
        store.close()


def seed(db: Path, registrations: int, seed_value: int) -> None:
    have = stored_registrations(db)
    if have == registrations:
        print(f"reusing {db} ({have} registrations)")
        return
    if have:
        raise SystemExit(f"{db} holds {have} registrations, not {registrations}: use another --db")
    started = time.monotonic()
    subprocess.run(
        [
            str(BIN / "media77-sim"),
            "seed",
            "--learners",
            str(registrations),
            "--db",
            str(db),
            "--seed",
            str(seed_value),
            "--now",
            SEED_NOW,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"seeded {registrations} registrations in {time.monotonic() - started:.0f} s")


def post(url: str, body: dict) -> list[dict]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def search_terms(url: str, registrations: int, rng: random.Random) -> list[str]:
    """Terms an audit job would look for, taken from records spread over the data."""
    terms: set[str] = set()
    for _ in range(5):
        start = rng.randrange(max(1, registrations - 1000))
        for record in post(url, {"token": TOKEN, "start": start, "number": 1000}):
            terms.add(record["lastName"])
            terms.add(f"{record['firstName']} {record['lastName']}")
            terms.add(record["email"])
            terms.add(record["registration"][:8])
            if record["completionCode"]:
                terms.add(record["completionCode"][:13])
    return sorted(terms)


def body(**fields: object) -> str:
    """A request body; a start of "__START__" is filled in per request by the load generator."""
    text = json.dumps({"token": TOKEN, **fields})
    return text.replace('"__START__"', "__START__")


def run_wrk(
    name: str, url: str, bodies: list[str], args: argparse.Namespace, starts: range
) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        lines = Path(folder) / "bodies.txt"
        lines.write_text("\n".join(bodies) + "\n", encoding="utf-8")
        script = Path(folder) / "bench.lua"
        script.write_text(
            WRK_SCRIPT % (lines, args.seed, starts.start, len(starts)), encoding="utf-8"
        )

        def command(seconds: int) -> list[str]:
            return [
                "wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "10s",
                "-s", str(script), url,
            ]  # fmt: skip

        subprocess.run(command(1), check=True, capture_output=True)  # warm-up
        output = subprocess.run(
            command(args.duration), check=True, capture_output=True, text=True
        ).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    requests, micros, p50, p99, status_errors, socket_errors = map(int, line.split()[1:])
    return Result(
        name, requests, micros / 1e6, p50 / 1000, p99 / 1000, status_errors + socket_errors
    )


async def _aiohttp_load(
    url: str, bodies: list[str], args: argparse.Namespace, starts: range
) -> Result:
    import aiohttp

    rng = random.Random(args.seed)
    latencies: list[float] = []
    errors = 0
    headers = {"Content-Type": "application/json"}

    counter = 0

    async def worker(session: aiohttp.ClientSession, until: float) -> None:
        nonlocal errors, counter
        while time.monotonic() < until:
            counter += 1
            body = rng.choice(bodies).replace(
                "__START__", str(starts[counter * 7919 % len(starts)])
            )
            began = time.monotonic()
            async with session.post(url, data=body, headers=headers) as answer:
                await answer.read()
                errors += answer.status != 200
            latencies.append(time.monotonic() - began)

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(
            *(worker(session, time.monotonic() + 1) for _ in range(args.connections))
        )
        latencies.clear()
        errors = 0
        started = time.monotonic()
        until = started + args.duration
        await asyncio.gather(*(worker(session, until) for _ in range(args.connections)))
        seconds = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return Result("", len(latencies), seconds, pct(0.50), pct(0.99), errors)


def run_aiohttp(
    name: str, url: str, bodies: list[str], args: argparse.Namespace, starts: range
) -> Result:
    result = asyncio.run(_aiohttp_load(url, bodies, args, starts))
    result.name = name
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument("--db", help="seeded SQLite file to reuse (default: a temporary one)")
    parser.add_argument("--client", choices=["wrk", "aiohttp"], default="wrk")
    args = parser.parse_args()
    if args.client == "wrk" and not shutil.which("wrk"):
        print("wrk not found (apt-get install wrk): using the aiohttp load generator")
        args.client = "aiohttp"
    load = run_wrk if args.client == "wrk" else run_aiohttp
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="media77-bench-") as folder:
        db = Path(args.db) if args.db else Path(folder) / "bench.db"
        seed(db, args.registrations, args.seed)
        sim_port, hello_port = free_port(), free_port()
        processes = [
            subprocess.Popen(
                [
                    str(BIN / "media77-sim"),
                    "serve",
                    "--db",
                    str(db),
                    "--port",
                    str(sim_port),
                    "--daily-limit",
                    "1000000000",
                    "--clock",
                    "virtual",
                    "--clock-start",
                    SEED_NOW,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            subprocess.Popen(
                [sys.executable, "-c", HELLO_SERVER, str(hello_port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
        ]
        try:
            sim = f"http://127.0.0.1:{sim_port}"
            hello = f"http://127.0.0.1:{hello_port}/"
            wait_ready(sim + "/_sim/health")
            wait_ready(hello)
            terms = search_terms(sim + PATH, args.registrations, rng)
            first_pages = [body(start=100 * n, number=100, sort="lastName") for n in range(50)]
            fresh_pages = [body(start="__START__", number=100, sort="lastName")]
            searches = [body(search=term) for term in terms]
            deep = [
                body(start="__START__", number=100, sort="lastName", order=order)
                for order in ("ASC", "DESC")
            ]
            small = [body()]
            whole = range(max(1, args.registrations - 100))  # starts of any full page
            deep_starts = range(90_000, max(90_001, min(99_900, args.registrations - 100)))
            results = [
                load("(a) bare aiohttp handler", hello, small, args, whole),
                load("(b) pages sorted by lastName", sim + PATH, first_pages, args, whole),
                load("(b') ... every page new (uncached)", sim + PATH, fresh_pages, args, whole),
                load(
                    "(b'') ... new, start 0-20,000 (uncached)",
                    sim + PATH,
                    fresh_pages,
                    args,
                    range(min(20_000, max(1, args.registrations - 100))),
                ),
                load(f"(c) search ({len(terms)} terms)", sim + PATH, searches, args, whole),
                load("(d) deep pages (start 90,000-99,900)", sim + PATH, deep, args, deep_starts),
            ]
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=10)

    base = results[0].rps
    print(
        f"\n{args.registrations:,} registrations, {args.client}, {args.connections} connections, "
        f"{args.duration} s per scenario\n"
    )
    print(f"{'scenario':40} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs (a)':>8} {'errors':>7}")
    for r in results:
        ratio = r.rps / base if base else 0.0
        print(
            f"{r.name:40} {r.rps:9.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {ratio:8.1%} {r.errors:7d}"
        )
    search_target = 50.0 if args.registrations <= 100_000 else 100.0
    checks = [
        ("(b) >= 25% of (a) req/s", results[1].rps >= 0.25 * base),
        (f"(c) p99 <= {search_target:.0f} ms", results[3].p99_ms <= search_target),
        ("no errors", all(r.errors == 0 for r in results)),
    ]
    print()
    for label, ok in checks:
        print(f"  {'met   ' if ok else 'MISSED'} {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
