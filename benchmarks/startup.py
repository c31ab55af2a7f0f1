"""Cold start of `media77-sim serve` to a 200 on /_sim/health, against a bare aiohttp app.

Both are started the same way (a fresh `python` process on a free port, polled over
HTTP until the first 200), alternately, in the same run. The simulator starts on a
new SQLite file each time, so schema creation and fixture loading are included.

    .venv/bin/python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_to_ready(command: list[str], port: int, deadline: float = 30.0) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                connection.request("GET", "/_sim/health")
                if connection.getresponse().status == 200:
                    return time.perf_counter() - started
            except OSError:
                time.sleep(0.002)
        raise RuntimeError(f"{command} was not ready within {deadline} s")
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    baseline: list[float] = []
    simulator: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            port = free_port()
            baseline.append(
                time_to_ready([sys.executable, str(HERE / "_hello.py"), str(port)], port)
            )
            port = free_port()
            db = str(Path(tmp) / f"run{run}.db")
            command = [sys.executable, "-m", "simulator", "serve", "--port", str(port), "--db", db]
            simulator.append(time_to_ready(command, port))
    base, sim = statistics.median(baseline), statistics.median(simulator)
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    print(f"runs: {args.runs} each, alternating; median time from process start to first 200")
    print(f"  bare aiohttp hello-world : {base * 1000:7.1f} ms  (min {min(baseline) * 1000:.1f})")
    print(f"  media77-sim serve        : {sim * 1000:7.1f} ms  (min {min(simulator) * 1000:.1f})")
    print(f"  ratio                    : {sim / base:7.2f}x  (target <= 1.3x, issue 14)")


if __name__ == "__main__":
    main()
