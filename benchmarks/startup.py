"""Cold start of `media77-sim serve` to a 200 on /_sim/health, against a bare aiohttp app.

What is compared, as a user runs each:
- the baseline: `python benchmarks/_hello.py PORT`, a bare aiohttp app, importing
  aiohttp from site-packages, where pip compiled its bytecode at install;
- the simulator: the `media77-sim serve` console script pip installed (the command
  the README gives), on a new SQLite file each run, so schema creation and fixture
  loading are included, with its bytecode compiled first, as pip compiles a wheel
  of it at install. The simulator is installed editable here, and an editable
  install run with PYTHONDONTWRITEBYTECODE=1 (as on the project's machine) compiles
  every module of the simulator again on each start: `--as-is` measures that case.

Both run with the same interpreter and environment, started alternately in the same
run; each is a fresh process on a free port, polled over HTTP until the first 200.

    .venv/bin/python benchmarks/startup.py [--runs 15] [--as-is]
"""

from __future__ import annotations

import argparse
import compileall
import http.client
import shutil
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
        return int(s.getsockname()[1])


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


def serve_command() -> list[str]:
    """The console script next to this interpreter (as installed), else `python -m simulator`."""
    script = Path(sys.executable).parent / "media77-sim"
    if script.exists():
        return [str(script), "serve"]
    found = shutil.which("media77-sim")
    return [found, "serve"] if found else [sys.executable, "-m", "simulator", "serve"]


def compile_simulator() -> str:
    """Compile the simulator's modules to bytecode, as `pip install` does for a wheel."""
    import simulator

    package = Path(simulator.__file__).resolve().parent
    if not compileall.compile_dir(package, quiet=1):
        raise SystemExit(f"could not compile {package}")
    return str(package)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--as-is",
        action="store_true",
        help="do not compile the simulator's bytecode first (an editable install under "
        "PYTHONDONTWRITEBYTECODE=1 then compiles it again on every start)",
    )
    args = parser.parse_args()
    bytecode = (
        "not compiled first (--as-is): whatever the environment leaves"
        if args.as_is
        else f"compiled first with compileall, as pip does at install ({compile_simulator()})"
    )
    serve = serve_command()
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
            simulator.append(time_to_ready([*serve, "--port", str(port), "--db", db], port))
    base, sim = statistics.median(baseline), statistics.median(simulator)
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    print(f"runs: {args.runs} each, alternating; median time from process start to first 200")
    print("  baseline : python benchmarks/_hello.py PORT (aiohttp bytecode from pip's install)")
    print(f"  simulator: {Path(serve[0]).name} {' '.join(serve[1:])} --port PORT --db NEW_FILE")
    print(f"  simulator bytecode: {bytecode}")
    print(f"  bare aiohttp hello-world : {base * 1000:7.1f} ms  (min {min(baseline) * 1000:.1f})")
    print(f"  media77-sim serve        : {sim * 1000:7.1f} ms  (min {min(simulator) * 1000:.1f})")
    print(f"  ratio                    : {sim / base:7.2f}x  (target <= 1.3x, issue 14)")


if __name__ == "__main__":
    main()
