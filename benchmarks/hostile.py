"""Isolation under hostile webhook endpoints, measured from outside.

Two runs of `--seconds` each on a fresh `media77-sim serve` (SQLite file, system
clock), both with one healthy HTTPS subscription (`simulator.receiver.Receiver`,
its trustme CA given as the subscription's `ca`) while learners launch at
`--rate` per second and the Activity Progress API is read at the same rate:

1. quiet: the healthy subscription alone;
2. hostile: the same, beside eleven subscriptions of the same organization to
   real local endpoints that misbehave (a separate process, raw asyncio):
   never answering, trickling 1 byte/s, resetting the connection, a wrong-host
   certificate, an expired certificate, a certificate from an untrusted CA,
   301, 302, 307, a 100 MB body, and 200 after 9 s.

Measured per run: the healthy subscription's delivery p50/p99 (launch sent to
its record arriving at the receiver; a record that never arrives counts as
infinitely late), the progress API's p50/p99, and the simulator's RSS growth
(`/proc/PID/status`) over the run. For the hostile run, per endpoint: the
attempts the endpoint saw, the attempts in the delivery log (`GET
/_sim/deliveries`) with the distribution of their logged causes against the
true cause, bundles in flight at the end, and how far timeouts overran the
subscription's `timeoutS`. Per run, the server's own event-loop lag since it
started (`loopLagMs` of `GET /_sim/health`: p50, p99, max), and where the CPU
went during the load (`/proc`): the simulator's event loop (its main thread) and
its other threads (webhook I/O), the hostile endpoints' process, and this process
(load and healthy receiver), as shares of one of the machine's cores, so that a
slower API can be told apart from a machine the benchmark itself keeps busy. Ratios are printed
against the targets of issue 13: healthy p99 <= 1.25x, progress p99 <= 1.5x, memory growth <= 10 MB
over 60 s, every hostile attempt logged with its true cause.

    .venv/bin/python benchmarks/hostile.py [--seconds 60] [--rate 10]

Exits 1 when a target is missed (the figures are printed either way).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import trustme
from _harness import DEFAULT_TOKEN, Served, cpu_seconds, launch_body, new_reg, pct, rss_mb

from simulator.receiver import ReceivedBundle, Receiver

TARGET_HEALTHY = 1.25
TARGET_PROGRESS = 1.5
TARGET_MEMORY_MB = 10.0

# kind -> (scheme, the cause a truthful delivery log gives)
KINDS: dict[str, tuple[str, str]] = {
    "hang": ("http", "timeout"),
    "trickle": ("http", "timeout"),
    "reset": ("http", "reset"),
    "wrong-host": ("https", "tls"),
    "expired": ("https", "tls"),
    "untrusted": ("https", "tls"),
    "301": ("http", "status 301"),
    "302": ("http", "status 302"),
    "307": ("http", "status 307"),
    "100mb": ("http", "status 200"),
    "slow-200": ("http", "status 200"),
}
SETTLE_S = 13.0  # longer than timeoutS (10 s) plus slack
BODY_100MB = 100 * 1024 * 1024
CHUNK = b"x" * (1024 * 1024)


# -- the hostile endpoints (run in their own process) ------------------------------------------


def make_certs(folder: Path) -> None:
    """A trusted CA (given to the subscriptions) and an untrusted one, and their leaves."""
    trusted, untrusted = trustme.CA(), trustme.CA()
    trusted.cert_pem.write_to_path(str(folder / "trusted-ca.pem"))
    past = datetime(2020, 1, 1, tzinfo=UTC)
    leaves = {
        "wrong-host": trusted.issue_cert("wrong-host.example"),
        "expired": trusted.issue_cert(
            "127.0.0.1", not_before=past, not_after=past.replace(month=6)
        ),
        "untrusted": untrusted.issue_cert("127.0.0.1"),
    }
    for kind, leaf in leaves.items():
        leaf.private_key_and_cert_chain_pem.write_to_path(str(folder / f"{kind}.pem"))


async def read_request(reader: asyncio.StreamReader) -> dict[str, str]:
    """Read one request; its headers, lower-cased."""
    head = await reader.readuntil(b"\r\n\r\n")
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    await reader.readexactly(int(headers.get("content-length", "0")))
    return headers


def simple(status: int, reason: str, extra: str = "") -> bytes:
    return f"HTTP/1.1 {status} {reason}\r\n{extra}Content-Length: 2\r\n\r\nok".encode()


async def serve_kind(
    kind: str, seen: dict[str, list[tuple[float, str, str]]], port_of: dict[str, int]
) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                headers = await read_request(reader)
                # The simulator names each attempt in these headers; an attempt seen
                # here can then be found in its delivery log.
                seen[kind].append(
                    (
                        time.time(),
                        headers.get("x-media77-sim-bundle", ""),
                        headers.get("x-media77-sim-attempt", ""),
                    )
                )
                if kind == "hang" or kind in ("wrong-host", "expired", "untrusted"):
                    await reader.read()  # until the client gives up
                    return
                if kind == "trickle":
                    for byte in simple(200, "OK"):
                        writer.write(bytes([byte]))
                        await writer.drain()
                        await asyncio.sleep(1)
                    continue
                if kind == "reset":
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                if kind in ("301", "302", "307"):
                    location = f"Location: http://127.0.0.1:{port_of[kind]}/moved\r\n"
                    writer.write(simple(int(kind), "Redirect", location))
                elif kind == "100mb":
                    writer.write(
                        f"HTTP/1.1 200 OK\r\nContent-Length: {BODY_100MB}\r\n\r\n".encode()
                    )
                    for _ in range(BODY_100MB // len(CHUNK)):
                        writer.write(CHUNK)
                        await writer.drain()
                elif kind == "slow-200":
                    await asyncio.sleep(9)
                    writer.write(simple(200, "OK"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError):
            pass
        finally:
            writer.close()

    context = None
    if KINDS[kind][0] == "https":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(CERTS / f"{kind}.pem"))
    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port_of[kind] = server.sockets[0].getsockname()[1]
    await server.start_serving()


CERTS = Path()


async def endpoints_main(folder: Path) -> None:
    """Serve every hostile kind; print their URLs, then on SIGTERM what each saw."""
    global CERTS
    CERTS = folder
    seen: dict[str, list[tuple[float, str, str]]] = {kind: [] for kind in KINDS}
    ports: dict[str, int] = {}
    for kind in KINDS:
        await serve_kind(kind, seen, ports)
    urls = {k: f"{KINDS[k][0]}://127.0.0.1:{p}/hook" for k, p in ports.items()}
    print(json.dumps({"urls": urls}), flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    print(json.dumps({"seen": seen}), flush=True)


# -- the measuring side ---------------------------------------------------------------------


@dataclass
class CpuUse:
    """Where CPU went during the load, as shares of one core (the machine has two)."""

    wall: float = 0.0
    simulator: float = 0.0
    simulator_loop: float = 0.0  # the main thread: the API's event loop
    endpoints: float = 0.0  # the hostile endpoints' own process
    benchmark: float = 0.0  # this process: load generator and healthy receiver

    @classmethod
    def sample(cls, pid: int, endpoints: int | None) -> CpuUse:
        return cls(
            time.monotonic(),
            cpu_seconds(pid),
            cpu_seconds(pid, pid),
            cpu_seconds(endpoints) if endpoints else 0.0,
            time.process_time(),
        )

    def since(self, start: CpuUse) -> CpuUse:
        wall = self.wall - start.wall or 1.0
        return CpuUse(
            wall,
            (self.simulator - start.simulator) / wall,
            (self.simulator_loop - start.simulator_loop) / wall,
            (self.endpoints - start.endpoints) / wall,
            (self.benchmark - start.benchmark) / wall,
        )

    def line(self, name: str) -> str:
        other = self.simulator - self.simulator_loop
        hostile = (
            f", hostile endpoints {self.endpoints:.1%} (own process)" if self.endpoints else ""
        )
        return (
            f"{name}: CPU during the load (share of one core): simulator {self.simulator:.1%} "
            f"(event loop {self.simulator_loop:.1%}, other threads {other:.1%}){hostile}, "
            f"this benchmark and the healthy receiver {self.benchmark:.1%}"
        )


@dataclass
class RunFigures:
    name: str
    seconds: float
    launches: int = 0
    delivered: int = 0
    healthy_ms: list[float] = field(default_factory=list)
    progress_ms: list[float] = field(default_factory=list)
    progress_errors: int = 0
    launch_errors: int = 0
    rss_start: float = 0.0
    rss_end: float = 0.0
    rss_max: float = 0.0
    endpoints: list[str] = field(default_factory=list)
    lag: dict[str, float] = field(default_factory=dict)
    cpu: CpuUse = field(default_factory=CpuUse)

    def healthy_p(self, q: float) -> float:
        missing = self.launches - len(self.healthy_ms)
        values = self.healthy_ms + [math.inf] * missing
        return pct(values, q)

    @property
    def growth(self) -> float:
        return self.rss_end - self.rss_start

    def lines(self) -> list[str]:
        return [
            f"{self.name}: {self.launches} launches in {self.seconds:.0f} s "
            f"({self.launch_errors} failed), healthy deliveries {len(self.healthy_ms)}/"
            f"{self.launches}: p50 {self.healthy_p(0.5):,.0f} ms, "
            f"p99 {self.healthy_p(0.99):,.0f} ms",
            f"{self.name}: progress API {len(self.progress_ms)} calls "
            f"({self.progress_errors} failed): p50 {pct(self.progress_ms, 0.5):,.1f} ms, "
            f"p99 {pct(self.progress_ms, 0.99):,.1f} ms",
            f"{self.name}: simulator RSS {self.rss_start:.1f} -> {self.rss_end:.1f} MB "
            f"(growth {self.growth:+.1f} MB, max {self.rss_max:.1f} MB)",
            f"{self.name}: event-loop lag since start: p50 {self.lag.get('p50', 0):,.1f} ms, "
            f"p99 {self.lag.get('p99', 0):,.1f} ms, max {self.lag.get('max', 0):,.1f} ms "
            f"({self.lag.get('samples', 0):,.0f} samples)",
            self.cpu.line(self.name),
            *self.endpoints,
        ]


def cause_of(row: dict[str, Any]) -> str:
    error = str(row.get("error") or "")
    kind = error.split(":", 1)[0].strip()
    if kind in ("timeout", "reset", "tls"):
        return kind
    if kind == "connection":
        return "refused" if "refused" in error.lower() else "connection"
    if row.get("status"):
        return f"status {row['status']}"
    return error or "unknown"


def start_endpoints(folder: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """The hostile endpoints in a process of their own, so they never slow the measuring."""
    make_certs(folder)
    child = subprocess.Popen(
        [sys.executable, __file__, "--endpoints-only", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line:
        raise RuntimeError("the hostile endpoints did not start")
    return child, json.loads(line)["urls"]


async def one_run(
    name: str, seconds: float, rate: float, workdir: Path, hostile: bool
) -> RunFigures:
    figures = RunFigures(name, seconds)
    sent: dict[str, float] = {}
    arrived: dict[str, float] = {}

    def on_bundle(bundle: ReceivedBundle) -> None:
        if isinstance(bundle.body, dict):
            for record in bundle.body.get("started", []):
                arrived.setdefault(record.get("registration"), bundle.received_at)

    folder = workdir / name
    folder.mkdir()
    child = None
    urls: dict[str, str] = {}
    with Receiver(tls=True, on_bundle=on_bundle) as receiver:
        served = Served(
            ["--db", str(folder / "sim.db"), "--clock", "system", "--daily-limit", "1000000000"],
            folder / "serve.log",
        )
        url = await asyncio.to_thread(served.start)
        try:
            if hostile:
                child, urls = await asyncio.to_thread(start_endpoints, folder)
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=60)
            ) as session:
                subs = await subscribe(session, url, receiver, urls, folder)
                figures.rss_start = figures.rss_max = rss_mb(served.pid)
                endpoints = child.pid if child is not None else None
                cpu_start = CpuUse.sample(served.pid, endpoints)
                await drive(session, url, seconds, rate, sent, figures, served.pid)
                figures.cpu = CpuUse.sample(served.pid, endpoints).since(cpu_start)
                figures.rss_end = rss_mb(served.pid)
                async with session.get(f"{url}/_sim/health") as answer:
                    figures.lag = (await answer.json()).get("loopLagMs", {})
                # Stragglers still count; later than this is "never". The hostile run waits
                # for attempts begun during the load to end, so all of them can be checked.
                await asyncio.sleep(SETTLE_S if hostile else 2.0)
                figures.launches = len(sent)
                figures.healthy_ms = [
                    (arrived[reg] - at) * 1000 for reg, at in sent.items() if reg in arrived
                ]
                if hostile:
                    figures.endpoints = await endpoint_report(session, url, subs, child)
                    child = None
        finally:
            if child is not None:
                child.terminate()
                child.wait(timeout=10)
            served.stop()
    return figures


async def subscribe(
    session: aiohttp.ClientSession,
    url: str,
    receiver: Receiver,
    urls: dict[str, str],
    folder: Path,
) -> dict[str, str]:
    """POST /_sim/webhooks for the healthy receiver and each hostile endpoint; kind -> id."""
    assert receiver.ca_pem is not None
    bodies: dict[str, dict[str, Any]] = {
        "healthy": {"url": receiver.url, "ca": receiver.ca_pem.decode()}
    }
    trusted = (folder / "trusted-ca.pem").read_text() if urls else ""
    for kind, endpoint in urls.items():
        if KINDS[kind][0] == "https":
            bodies[kind] = {"url": endpoint, "ca": trusted}
        else:
            bodies[kind] = {"url": endpoint, "allowInsecure": True}
    ids = {}
    for kind, body in bodies.items():
        async with session.post(f"{url}/_sim/webhooks", json=body) as answer:
            data = await answer.json()
            if answer.status != 201:
                raise RuntimeError(f"subscribing {kind}: {answer.status} {data}")
            ids[kind] = data["id"]
    return ids


async def drive(
    session: aiohttp.ClientSession,
    url: str,
    seconds: float,
    rate: float,
    sent: dict[str, float],
    figures: RunFigures,
    pid: int,
) -> None:
    """Launches and progress-API calls, each at `rate` per second, paced, never queued."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def launch(i: int) -> None:
        reg = new_reg()
        sent[reg] = time.monotonic()
        try:
            async with session.post(
                f"{url}/_sim/registrations", json=launch_body(reg, f"h{i}@example.com")
            ) as answer:
                await answer.read()
                if answer.status != 201:
                    figures.launch_errors += 1
        except (TimeoutError, aiohttp.ClientError):
            figures.launch_errors += 1

    async def report(i: int) -> None:
        started = time.monotonic()
        body = {"token": DEFAULT_TOKEN, "start": 0, "number": 100}
        try:
            async with session.post(f"{url}/api/reports/progress", json=body) as answer:
                await answer.read()
                if answer.status != 200:
                    figures.progress_errors += 1
                    return
        except (TimeoutError, aiohttp.ClientError):
            figures.progress_errors += 1
            return
        figures.progress_ms.append((time.monotonic() - started) * 1000)

    start = loop.time()
    total = int(seconds * rate)
    for i in range(total):
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        for work in (launch(i), report(i)):
            task = asyncio.create_task(work)
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if i % max(1, int(rate)) == 0:
            figures.rss_max = max(figures.rss_max, rss_mb(pid))
    if tasks:
        await asyncio.wait(tasks, timeout=60)


async def endpoint_report(
    session: aiohttp.ClientSession,
    url: str,
    subs: dict[str, str],
    child: subprocess.Popen[str] | None,
) -> list[str]:
    async with session.get(f"{url}/_sim/webhooks") as answer:
        in_flight = {h["id"]: h.get("pendingBundles", "?") for h in await answer.json()}
    rows_by_kind: dict[str, list[dict[str, Any]]] = {}
    for kind, sub_id in subs.items():
        async with session.get(
            f"{url}/_sim/deliveries", params={"webhookId": sub_id, "limit": "10000"}
        ) as answer:
            rows_by_kind[kind] = await answer.json()
    # Attempts an endpoint saw before `cutoff` have all ended (timeoutS is 10 s) by now,
    # so each must be in the delivery log, which stamps an attempt with its start.
    cutoff = time.time() - SETTLE_S
    seen: dict[str, list[tuple[float, str, str]]] = {}
    if child is not None:
        child.terminate()
        out, _ = await asyncio.to_thread(child.communicate, None, 30)
        for line in out.splitlines():
            if line.startswith('{"seen"'):
                seen = {k: [tuple(x) for x in v] for k, v in json.loads(line)["seen"].items()}
    lines = [
        f"{'endpoint':<11} {'expected':<11} {'seen/lost':>9} {'logged':>6} {'true':>6} "
        f"{'in flight':>9}  logged causes; timeout overrun",
        f"  (seen/lost: attempts the endpoint saw that began over {SETTLE_S:g} s ago / "
        "those of them missing from the delivery log)",
    ]
    all_true = all_logged = True
    for kind, sub_id in subs.items():
        if kind == "healthy":
            continue
        rows = rows_by_kind[kind]
        causes = Counter(cause_of(r) for r in rows)
        expected = KINDS[kind][1]
        true = causes.get(expected, 0)
        all_true &= bool(rows) and true == len(rows)
        overrun = [
            float(r["latencyMs"]) - 10_000.0
            for r in rows
            if cause_of(r) == "timeout" and r.get("latencyMs") is not None
        ]
        over = f"; max {max(overrun):+,.0f} ms past 10 s" if overrun else ""
        if KINDS[kind][0] == "http":
            logged = {(str(r.get("bundleId")), str(r.get("attempt"))) for r in rows}
            settled = [(b, a) for t, b, a in seen.get(kind, []) if t <= cutoff]
            missing = [key for key in settled if key not in logged]
            all_logged &= not missing
            seen_text = f"{len(settled)}/{len(missing)}"
        else:
            seen_text = "-"
        lines.append(
            f"{kind:<11} {expected:<11} {seen_text:>9} {len(rows):>6} {true:>6} "
            f"{in_flight.get(sub_id, '?')!s:>9}  "
            + ", ".join(f"{c} x{n}" for c, n in causes.most_common())
            + over
        )
    lines.append(
        "every hostile attempt logged with its true cause: "
        + ("yes" if all_true and all_logged else "NO")
        + ("" if all_logged else " (attempts missing from the log)")
        + ("" if all_true else " (causes not true)")
    )
    return lines


def ratio(a: float, b: float) -> float:
    if b == 0:
        return math.inf if a else 1.0
    return a / b


async def run_both(seconds: float, rate: float) -> int:
    with tempfile.TemporaryDirectory(prefix="media77-hostile-") as tmp:
        quiet = await one_run("quiet", seconds, rate, Path(tmp), hostile=False)
        for line in quiet.lines():
            print(line, flush=True)
        loud = await one_run("hostile", seconds, rate, Path(tmp), hostile=True)
        for line in loud.lines():
            print(line, flush=True)
    healthy = ratio(loud.healthy_p(0.99), quiet.healthy_p(0.99))
    progress = ratio(pct(loud.progress_ms, 0.99), pct(quiet.progress_ms, 0.99))
    true_causes = ": yes" in loud.endpoints[-1] if loud.endpoints else False
    checks = [
        ("healthy delivery p99", f"{healthy:.2f}x", f"<= {TARGET_HEALTHY}x",
         healthy <= TARGET_HEALTHY),
        ("progress API p99", f"{progress:.2f}x", f"<= {TARGET_PROGRESS}x",
         progress <= TARGET_PROGRESS),
        (
            "memory growth (hostile run)",
            f"{loud.growth:+.1f} MB in {seconds:.0f} s",
            f"<= {TARGET_MEMORY_MB:g} MB over 60 s",
            loud.growth <= TARGET_MEMORY_MB,
        ),
        ("hostile attempts with true cause", "all" if true_causes else "not all", "all",
         true_causes),
    ]  # fmt: skip
    lag_p99 = ratio(loud.lag.get("p99", 0.0), quiet.lag.get("p99", 0.0))
    print(
        f"event-loop lag p99: quiet {quiet.lag.get('p99', 0):,.1f} ms, hostile "
        f"{loud.lag.get('p99', 0):,.1f} ms ({lag_p99:.2f}x); max {quiet.lag.get('max', 0):,.1f}"
        f" -> {loud.lag.get('max', 0):,.1f} ms (no target: kept small, reported)"
    )
    print(f"{'against issue 13':<34} {'measured':<22} {'target':<22} verdict")
    for label, measured, target, met in checks:
        print(f"{label:<34} {measured:<22} {target:<22} {'met' if met else 'MISSED'}")
    return 0 if all(met for *_, met in checks) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each run")
    parser.add_argument("--rate", type=float, default=10.0, help="launches (and reads) per s")
    parser.add_argument("--endpoints-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.endpoints_only:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(endpoints_main(args.endpoints_only))
        return 0
    print(
        f"hostile: {args.seconds:g} s per run, {args.rate:g} launches/s and "
        f"{args.rate:g} progress-API reads/s; quiet run first, then 11 hostile endpoints",
        flush=True,
    )
    return asyncio.run(run_both(args.seconds, args.rate))


if __name__ == "__main__":
    sys.exit(main())
