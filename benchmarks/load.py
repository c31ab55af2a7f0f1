"""Load from outside: launches, progress calls and progress-API pages under N connections.

`media77-sim serve` runs as its own process on a SQLite file (system clock,
quota lifted); `wrk` (lua scripts for the POST bodies, 2 threads) holds
`--connections` open against one path at a time for `--seconds` each:

- launch:   `POST /_sim/registrations`, a new registration every request;
- progress: `POST /_sim/registrations/{reg}/progress`, rising values over
            `--registrations` learners launched beforehand (not measured);
- report:   `POST /api/reports/progress`, 100-record pages at random offsets.

Printed per path: req/s, p50/p99/max latency, errors (socket errors and
non-2xx answers), and the server's resident memory (`/proc/PID/status` VmRSS)
before and after. A bare aiohttp handler (`benchmarks/_hello.py`, POST with a
JSON body) runs under the same wrk settings in the same run, for the ratio.

    .venv/bin/python benchmarks/load.py [--connections 200] [--seconds 60]
        [--paths launch,progress,report] [--registrations 1000]

Needs `wrk` on PATH (Debian: `apt-get install -y wrk`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from _harness import (
    DEFAULT_LMS,
    DEFAULT_TOKEN,
    Served,
    free_port,
    launch_body,
    new_reg,
    rss_mb,
    wrk_available,
)

HERE = Path(__file__).resolve().parent

# Shared by every script: thread ids, a JSON summary from `done`.
LUA_COMMON = r"""
local threads = {}
local next_id = 1
function setup(thread)
  thread:set("id", next_id)
  table.insert(threads, thread)
  next_id = next_id + 1
end
local function hex(n)
  local t = {}
  for i = 1, n do t[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(t)
end
local counter = 0
function init(args)
  math.randomseed(id * 1000003 + os.time())
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
local json_headers = {["Content-Type"] = "application/json"}
"""

LUA_LAUNCH = r"""
function request()
  counter = counter + 1
  local reg = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(12)
  local body = string.format(
    '{"courseId":"workplace-safety","reg":"%s","em":"t%d-%d-%s@example.com",'
    .. '"fn":"Load Learner","dom":"localhost","lmsId":"LMS"}', reg, id, counter, hex(6))
  return wrk.format("POST", "/_sim/registrations", json_headers, body)
end
"""

LUA_PROGRESS = r"""
local regs = {REGS}
function request()
  counter = counter + 1
  local n = counter * 2 + id
  local reg = regs[(n % #regs) + 1]
  local value = math.min(99, 1 + math.floor(n / #regs))
  return wrk.format("POST", "/_sim/registrations/" .. reg .. "/progress", json_headers,
    string.format('{"progress":%d}', value))
end
"""

LUA_REPORT = r"""
function request()
  local body = string.format('{"token":"TOKEN","start":%d,"number":100}',
    math.random(0, START_MAX))
  return wrk.format("POST", "/api/reports/progress", json_headers, body)
end
"""

LUA_BASELINE = r"""
function request()
  return wrk.format("POST", "/", json_headers, '{"progress":50}')
end
"""


@dataclass
class Phase:
    name: str
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    rss_before: float = 0.0
    rss_after: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        memory = (
            f"{self.rss_before:6.1f} -> {self.rss_after:6.1f} MB" if self.rss_before else "   -"
        )
        return (
            f"{self.name:<9} {self.path:<44} {self.rate:9,.0f} {self.p50_ms:9.1f} "
            f"{self.p99_ms:9.1f} {self.max_ms:9.1f} {self.errors:7d}   {memory}"
        )


HEADER = (
    f"{'path':<9} {'':<44} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9} "
    f"{'errors':>7}   server RSS"
)


def run_wrk(
    url: str, script: str, connections: int, seconds: int, workdir: Path, name: str
) -> dict[str, int]:
    lua = workdir / f"{name}.lua"
    lua.write_text(LUA_COMMON + script)
    command = [
        "wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s",
        "-s", str(lua), url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    raise RuntimeError(f"wrk gave no summary:\n{done.stdout}\n{done.stderr}")


def phase_of(name: str, path: str, stats: dict[str, int]) -> Phase:
    errors = sum(stats[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Phase(
        name=name,
        path=path,
        requests=stats["requests"],
        seconds=stats["duration_us"] / 1e6,
        p50_ms=stats["p50_us"] / 1000,
        p99_ms=stats["p99_us"] / 1000,
        max_ms=stats["max_us"] / 1000,
        errors=errors,
    )


async def prelaunch(url: str, count: int) -> list[str]:
    regs = [new_reg() for _ in range(count)]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=16)) as session:

        async def one(i: int, reg: str) -> None:
            body = launch_body(reg, f"pre{i}@example.com")
            async with session.post(f"{url}/_sim/registrations", json=body) as answer:
                if answer.status != 201:
                    raise RuntimeError(f"setup launch: {answer.status} {await answer.text()}")

        await asyncio.gather(*(one(i, reg) for i, reg in enumerate(regs)))
    return regs


def wait_ready(url: str, limit: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, data=b"{}", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def baseline(connections: int, seconds: int, workdir: Path) -> Phase:
    port = free_port()
    hello = subprocess.Popen(
        [sys.executable, str(HERE / "_hello.py"), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url + "/")
        before = rss_mb(hello.pid)
        stats = run_wrk(url, LUA_BASELINE, connections, seconds, workdir, "baseline")
        phase = phase_of("baseline", "bare aiohttp POST / (JSON)", stats)
        phase.rss_before, phase.rss_after = before, rss_mb(hello.pid)
        return phase
    finally:
        hello.terminate()
        hello.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60, help="per path")
    parser.add_argument("--paths", default="launch,progress,report")
    parser.add_argument("--registrations", type=int, default=1000, help="learners for progress")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)
    if wrk_available() is None:
        print("load.py needs wrk on PATH (Debian: apt-get install -y wrk)", file=sys.stderr)
        return 2
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    unknown = set(paths) - {"launch", "progress", "report"}
    if unknown:
        print(f"unknown path(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    print(
        f"load: {args.connections} connections, {args.seconds} s per path, wrk 2 threads",
        flush=True,
    )
    phases: list[Phase] = []
    with tempfile.TemporaryDirectory(prefix="media77-load-") as tmp:
        workdir = Path(tmp)
        served = Served(
            ["--db", str(workdir / "sim.db"), "--clock", "system", "--daily-limit", "1000000000"],
            workdir / "serve.log",
        )
        url = served.start()
        try:
            regs = asyncio.run(prelaunch(url, args.registrations))
            start_rss = rss_mb(served.pid)
            print(f"simulator RSS after start and {len(regs)} setup launches: {start_rss:.1f} MB")
            print(HEADER, flush=True)
            scripts = {
                "launch": ("POST /_sim/registrations", LUA_LAUNCH.replace("LMS", DEFAULT_LMS)),
                "progress": (
                    "POST /_sim/registrations/{reg}/progress",
                    LUA_PROGRESS.replace("REGS", ",".join(f'"{r}"' for r in regs)),
                ),
                "report": (
                    "POST /api/reports/progress (100-record pages)",
                    LUA_REPORT.replace("TOKEN", DEFAULT_TOKEN).replace(
                        "START_MAX", str(max(0, len(regs) - 100))
                    ),
                ),
            }
            for name in paths:
                path, script = scripts[name]
                before = rss_mb(served.pid)
                stats = run_wrk(url, script, args.connections, args.seconds, workdir, name)
                phase = phase_of(name, path, stats)
                phase.rss_before, phase.rss_after = before, rss_mb(served.pid)
                phases.append(phase)
                print(phase.line(), flush=True)
            end_rss = rss_mb(served.pid)
        finally:
            served.stop()
        base = None if args.no_baseline else baseline(args.connections, args.seconds, workdir)
    if base is not None:
        print(base.line())
    print(
        f"simulator RSS: start {start_rss:.1f} MB, end {end_rss:.1f} MB "
        f"(growth {end_rss - start_rss:+.1f} MB)"
    )
    if base is not None and base.rate:
        ratios = ", ".join(f"{p.name} {p.rate / base.rate:.1%}" for p in phases)
        print(f"req/s as a share of the bare aiohttp baseline: {ratios}")
    errors = sum(p.errors for p in phases)
    print(f"errors: {errors}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
