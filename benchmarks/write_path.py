"""Benchmark: the write path (launch, progress call) against a1 and a2, in one run.

    .venv/bin/python benchmarks/write_path.py [--duration 10] [--rounds 3]
    .venv/bin/python benchmarks/write_path.py --duration 2 --rounds 1          # smoke
    .venv/bin/python benchmarks/write_path.py --access-log on,off,aiohttp     # the log's cost

Starts `media77-sim serve` (a new SQLite file in WAL, system clock; one process
per `--access-log` mode, its log on a pipe that is read and thrown away, as a
terminal would take it) and the two baselines of `baselines.py`, all on free
loopback ports, and drives each with wrk (`-t2 -c32`), round after round:

  a1        bare aiohttp answering a fixed 100-record page (the read ceiling)
  a2        bare aiohttp, one SQLite INSERT+COMMIT per request (the write ceiling)
  launch    `POST /_sim/registrations`, every request a new registration (new learner)
  progress  `POST /_sim/registrations/{reg}/progress`, every request a real step
            forward (progress 1, 2, 3 ... over the registrations the launches made)

Every launch and progress call is answered only after its transaction is
committed (the writes of one event-loop turn share one commit: store/commits.py).
Prints each round's figures and the medians over the rounds, with ratios to a1
and a2 measured in the same rounds. Targets (issue 14, quiet 2-core
machine, access log at its default): progress >= 40% of a2, launch >= 30% of a2.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from typing import Any

from _load import (
    WRK_REQUEST_PROLOGUE,
    WRK_RESULT_EPILOGUE,
    Load,
    Result,
    free_port,
    print_table,
    require_wrk,
    run_wrk,
    stop,
    wait_ready,
)
from baselines import start_baseline

BIN = Path(sys.executable).parent

WRK_SCRIPT = (
    """
local lines = {}
for line in io.lines("%(lines)s") do lines[#lines + 1] = line end
"""
    + WRK_REQUEST_PROLOGUE
    + """  local mode = "%(mode)s"
  if mode == "launch" then
    local n = string.format("%%012d", %(offset)d + k)
    return wrk.format(nil, "/_sim/registrations", nil, (lines[1]:gsub("__N__", n)))
  end
  local reg = lines[(k %% #lines) + 1]
  local progress = 1 + math.floor(k / #lines)
  if progress > 99 then progress = 99 end
  return wrk.format(nil, "/_sim/registrations/" .. reg .. "/progress", nil,
    '{"progress": ' .. progress .. '}')
end
"""
    + WRK_RESULT_EPILOGUE
)


def get_json(url: str) -> tuple[Any, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read()), dict(answer.headers)


def drive(name: str, base: str, mode: str, lines: list[str], load: Load, offset: int) -> Result:
    """wrk on `base`: launches (each a new reg) or progress steps over `lines` (regs)."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "lines.txt"
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
        script = Path(folder) / "write.lua"
        script.write_text(
            WRK_SCRIPT % {"lines": data, "threads": load.threads, "mode": mode, "offset": offset},
            encoding="utf-8",
        )
        command = [
            "wrk", f"-t{load.threads}", f"-c{load.connections}", f"-d{load.duration}s",
            "--timeout", "10s", "-s", str(script), base,
        ]  # fmt: skip
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    requests, micros, p50, p99, status_errors, socket_errors = map(int, line.split()[1:])
    return Result(
        name, requests, micros / 1e6, p50 / 1000, p99 / 1000, status_errors + socket_errors
    )


def registrations(base: str) -> list[str]:
    """Every registration id the simulator holds (from the control API, 1,000 a page)."""
    regs: list[str] = []
    while True:
        page, headers = get_json(f"{base}/_sim/registrations?limit=1000&offset={len(regs)}")
        regs += [r["registration"] for r in page]
        if not page or len(regs) >= int(headers.get("X-Total-Count", 0)):
            return regs


def launch_template(base: str) -> str:
    """A launch body for the first course, `__N__` making reg and e-mail new each time."""
    catalog, _ = get_json(f"{base}/_sim/catalog")
    course = next(c["id"] for c in catalog["courses"] if c.get("kind", "course") == "course")
    orgs, _ = get_json(f"{base}/_sim/organizations")
    lms_id = orgs[0]["lmsIds"]["staging"]
    domain = orgs[0]["domains"][0]
    return json.dumps(
        {
            "courseId": course,
            "reg": "0b6e7a52-4c1d-4f7e-9a3b-__N__",
            "em": "learner__N__@example.com",
            "fn": "Charlotte Oberhausen",
            "dom": domain,
            "lmsId": lms_id,
        }
    )


def drain(process: subprocess.Popen[Any]) -> None:
    """Read the simulator's log and drop it, so a full pipe never blocks it."""
    assert process.stderr is not None
    stream = process.stderr
    threading.Thread(target=lambda: [None for _ in iter(lambda: stream.read(65536), b"")],
                     daemon=True).start()  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--access-log", default="on", help="comma-separated serve --access-log modes to compare"
    )
    args = parser.parse_args()
    require_wrk()
    modes = [m.strip() for m in args.access_log.split(",") if m.strip()]
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    load = Load(duration=args.duration, connections=args.connections)
    results: dict[str, list[Result]] = {}
    with tempfile.TemporaryDirectory(prefix="media77-write-") as folder:
        a1_port, a2_port = free_port(), free_port()
        processes = [
            start_baseline("a1", a1_port),
            start_baseline("a2", a2_port, str(Path(folder) / "a2.db")),
        ]
        sims: dict[str, str] = {}
        try:
            for mode in modes:
                port = free_port()
                process = subprocess.Popen(
                    [str(BIN / "media77-sim"), "serve", "--db", str(Path(folder) / f"{mode}.db"),
                     "--port", str(port), "--access-log", mode],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                )  # fmt: skip
                drain(process)
                processes.append(process)
                sims[mode] = f"http://127.0.0.1:{port}"
            for port in (a1_port, a2_port):
                wait_ready(f"http://127.0.0.1:{port}/", post=True)
            for base in sims.values():
                wait_ready(f"{base}/_sim/health")
            template = {mode: launch_template(base) for mode, base in sims.items()}
            for round_ in range(args.rounds):
                figures = [
                    run_wrk("a1 bare aiohttp, 40 KB page", f"http://127.0.0.1:{a1_port}/",
                            ['{"token": "x"}'], load),
                    run_wrk("a2 bare aiohttp, INSERT+COMMIT", f"http://127.0.0.1:{a2_port}/",
                            ['{"progress": 50}'], load),
                ]  # fmt: skip
                for mode, base in sims.items():
                    figures.append(
                        drive(f"launch (access log {mode})", base, "launch", [template[mode]],
                              load, offset=round_ * 10**9)
                    )  # fmt: skip
                    figures.append(
                        drive(f"progress (access log {mode})", base, "progress",
                              registrations(base), load, offset=0)
                    )  # fmt: skip
                print(f"\nround {round_ + 1} of {args.rounds}")
                print_table(figures, {figures[0].name: figures[0], figures[1].name: figures[1]})
                for figure in figures:
                    results.setdefault(figure.name, []).append(figure)
        finally:
            stop(processes)
    medians = [
        Result(
            name,
            int(statistics.median(r.rps for r in runs)),
            1.0,
            statistics.median(r.p50_ms for r in runs),
            statistics.median(r.p99_ms for r in runs),
            sum(r.errors for r in runs),
        )
        for name, runs in results.items()
    ]
    print(f"\nmedians over {args.rounds} round(s), {args.duration} s each, -c{args.connections}")
    print_table(medians, {medians[0].name: medians[0], medians[1].name: medians[1]})
    print("targets: progress >= 40% of a2, launch >= 30% of a2 (access log at its default, on)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
