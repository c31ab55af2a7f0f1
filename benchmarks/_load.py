"""Load generation shared by the benchmarks: wrk with a Lua script, and the result table.

Every request wrk sends is numbered across its threads (k = counter * threads + id),
and request k uses body `k mod len(bodies)` with start `k div len(bodies)` spread
over the range by a prime stride: within one run no (body, start) pair repeats
until every pair has been asked, so "never-asked" scenarios really are.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# What every wrk script here starts its `request` with: thread ids, JSON POSTs, and `k`,
# a request number unique across threads (so no page or registration repeats).
WRK_REQUEST_PROLOGUE = """
local threads = %(threads)d
local created = 0
setup = function(thread)
  thread:set("id", created)
  created = created + 1
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local counter = 0
request = function()
  local k = counter * threads + id
  counter = counter + 1
"""

# What every wrk script here ends with: one RESULT line the driver parses.
WRK_RESULT_EPILOGUE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""

WRK_SCRIPT = (
    """
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
"""
    + WRK_REQUEST_PROLOGUE
    + """  local body = bodies[(k %% #bodies) + 1]
  local start = %(low)d + (math.floor(k / #bodies) * 7919) %% %(size)d
  return wrk.format(nil, nil, nil, (body:gsub("__START__", tostring(start))))
end
"""
    + WRK_RESULT_EPILOGUE
)


@dataclass
class Load:
    duration: int = 10
    connections: int = 32
    threads: int = 2
    warm_up: bool = False


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


def wait_ready(url: str, seconds: float = 120.0, post: bool = False) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, b"{}" if post else None)
            with urllib.request.urlopen(request, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not become ready in {seconds:.0f} s")


def stop(processes: list[subprocess.Popen[Any]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=10)


def require_wrk() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install -y wrk")


def run_wrk(name: str, url: str, bodies: list[str], load: Load, starts: range = range(1)) -> Result:
    """Drive `url` with POSTs of `bodies` ("__START__" filled from `starts`)."""
    with tempfile.TemporaryDirectory() as folder:
        lines = Path(folder) / "bodies.txt"
        lines.write_text("\n".join(bodies) + "\n", encoding="utf-8")
        script = Path(folder) / "bench.lua"
        script.write_text(
            WRK_SCRIPT
            % {"bodies": lines, "threads": load.threads, "low": starts.start, "size": len(starts)},
            encoding="utf-8",
        )

        def command(seconds: int) -> list[str]:
            return [
                "wrk", f"-t{load.threads}", f"-c{load.connections}", f"-d{seconds}s",
                "--timeout", "10s", "-s", str(script), url,
            ]  # fmt: skip

        if load.warm_up:
            subprocess.run(command(1), check=True, capture_output=True)
        output = subprocess.run(
            command(load.duration), check=True, capture_output=True, text=True
        ).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    requests, micros, p50, p99, status_errors, socket_errors = map(int, line.split()[1:])
    return Result(
        name, requests, micros / 1e6, p50 / 1000, p99 / 1000, status_errors + socket_errors
    )


def print_table(results: list[Result], baselines: dict[str, Result]) -> None:
    """One line per result, with its ratio to each baseline measured in the same run."""
    names = list(baselines)
    header = f"{'scenario':52} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
    print(header + "".join(f" {'vs ' + n.split()[0]:>8}" for n in names))
    for r in results:
        ratios = "".join(
            f" {r.rps / b.rps:8.1%}" if b.rps else f" {'-':>8}" for b in baselines.values()
        )
        print(f"{r.name:52} {r.rps:8.0f} {r.p50_ms:7.2f} {r.p99_ms:7.2f} {r.errors:6d}" + ratios)
