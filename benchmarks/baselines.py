"""The stack's own limits, measured in the same run as what is compared with them.

    .venv/bin/python benchmarks/baselines.py a1 PORT          # serve baseline a1
    .venv/bin/python benchmarks/baselines.py a2 PORT DBFILE   # serve baseline a2
    .venv/bin/python benchmarks/baselines.py [--duration 5]   # measure both with wrk

a1: bare aiohttp answering a fixed 100-record page (about 40 KB of JSON shaped like
    the progress API's records) to any request: the ceiling of any read path.
a2: bare aiohttp doing one SQLite INSERT + COMMIT per request (WAL,
    synchronous=NORMAL, the simulator's settings): the ceiling of any write path.

No access log, no middleware: what aiohttp and SQLite cost on this machine and
nothing else. Other benchmarks start these with `start_baseline` and report their
figures as ratios to them.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def page_of_records(count: int = 100) -> bytes:
    """A page like the progress API's: `count` twelve-field records, about 400 bytes each."""
    records = [
        {
            "transactionId": 100_000 + n,
            "firstName": "Charlotte-Amélie",
            "lastName": f"Oberhausen-Lindqvist{n:03d}",
            "email": f"charlotte.amelie.oberhausen.lindqvist{n:03d}@mail.example.com",
            "memberIdentifier": "",
            "activityId": "01H8Z3Q7X4P9M2K6N5R1T0V8WY",
            "activityTitle": "Workplace Safety and Hazard Awareness: Level 2 (2026 edition)",
            "registration": f"0b6e7a52-4c1d-4f7e-9a3b-{n:012d}",
            "dateStarted": "2026-01-02T08:15:42",
            "progress": 100,
            "dateCompleted": "2026-01-04T17:03:11",
            "completionCode": f"5f0c8e2a-7b19-4d63-a8e4-{n:012d}",
        }
        for n in range(count)
    ]
    return json.dumps(records, separators=(",", ":")).encode()


def serve_a1(port: int) -> None:
    from aiohttp import web

    body = page_of_records()

    async def page(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def serve_a2(port: int, db_path: str) -> None:
    from aiohttp import web

    db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS writes (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")

    async def write(request: web.Request) -> web.Response:
        body = await request.read()
        db.execute("BEGIN IMMEDIATE")
        cursor = db.execute("INSERT INTO writes (body) VALUES (?)", (body,))
        db.execute("COMMIT")
        return web.json_response({"id": cursor.lastrowid})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", write)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def start_baseline(name: str, port: int, db_path: str = "") -> subprocess.Popen[Any]:
    """Start baseline `name` ("a1" or "a2") as its own process on `port`."""
    arguments = [sys.executable, str(HERE / "baselines.py"), name, str(port)]
    if name == "a2":
        arguments.append(db_path)
    return subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> int:
    if len(sys.argv) >= 3 and sys.argv[1] == "a1":
        serve_a1(int(sys.argv[2]))
        return 0
    if len(sys.argv) >= 4 and sys.argv[1] == "a2":
        serve_a2(int(sys.argv[2]), sys.argv[3])
        return 0
    import argparse
    import tempfile

    from _load import Load, free_port, print_table, run_wrk, stop, wait_ready

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="media77-baselines-") as folder:
        ports = free_port(), free_port()
        processes = [
            start_baseline("a1", ports[0]),
            start_baseline("a2", ports[1], str(Path(folder) / "a2.db")),
        ]
        try:
            for port in ports:
                wait_ready(f"http://127.0.0.1:{port}/", post=True)
            load = Load(duration=args.duration, connections=args.connections)
            a1 = run_wrk(
                "a1 bare aiohttp, fixed 40 KB page",
                f"http://127.0.0.1:{ports[0]}/",
                ['{"token": "x"}'],
                load,
            )
            a2 = run_wrk(
                "a2 bare aiohttp, INSERT+COMMIT",
                f"http://127.0.0.1:{ports[1]}/",
                ['{"progress": 50}'],
                load,
            )
        finally:
            stop(processes)
    print_table([a1, a2], {a1.name: a1, a2.name: a2})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
