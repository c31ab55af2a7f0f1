"""Benchmark: the Activity Progress API against the stack's limits a1 and a2, in one run.

    .venv/bin/python benchmarks/progress_api.py [--registrations 100000] [--duration 10]
    .venv/bin/python benchmarks/progress_api.py --registrations 2000 --duration 2   # smoke
    .venv/bin/python benchmarks/progress_api.py --scenarios c,c-name --db bench.db  # searches only

Fills a temporary SQLite file with N registrations straight through SQL (about
10 s for 100,000; `--db FILE` reuses a filled file), starts `media77-sim serve`
and the two baselines of `baselines.py` as subprocesses on free loopback ports,
and drives each with wrk (`-t2 -c32`, POST bodies from a Lua script), printing
requests/s, p50 and p99 and the ratio to a1 (and a2) measured in the same run:

  a1  bare aiohttp answering a fixed 100-record (40 KB) page: the read ceiling
  a2  bare aiohttp, one SQLite INSERT+COMMIT per request: the write ceiling
  (cached) the first 50 pages sorted by lastName, again and again (page memory)
  (b')  100-record pages never asked before, start anywhere in the data
  (d)   100-record pages never asked before, start 90,000-99,900
  (c)   searches for terms never asked before, taken from the data (names,
        e-mails, registration and completion-code fragments); then other terms
        sorted by lastName DESC (no target: the sort SQLite still does)

Before (c), the answers for a dozen other terms are compared with the reference
(`matches_search` over every record, sorted by transactionId): a fast wrong
answer must not pass for a fast search.

(b') and (d) sort by lastName, firstName or email, ASC or DESC; each of those six
orderings is asked for once before the clock starts (its first use builds it in
memory: that time is printed too). Targets (issue 14, quiet 2-core machine):
(b') and (d) >= 20% of a1, (d) within 10% of (b'); (c) >= 10% of a1 with p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _load import Load, Result, free_port, print_table, require_wrk, run_wrk, stop, wait_ready
from baselines import start_baseline

from simulator import fixtures
from simulator.core.report_query import matches_search
from simulator.service.reports import TOTAL_HEADER
from simulator.store import Store
from simulator.store.report_records import RECORD_JSON
from simulator.store.report_search import index_pending

BIN = Path(sys.executable).parent
TOKEN = "f7e1379c-35ad-45f9-b0fa-6ef011e73938"  # the default fixture organization's
ORGANIZATION = "acme-learning"
SEED_NOW = "2026-01-05T09:00:00Z"
PATH = "/api/reports/progress"
CHECKED = 12  # search terms whose answers are compared with the reference
SCENARIOS = ("cached", "b", "d", "c", "c-name")  # --scenarios: a1 and a2 always run
ORDERINGS = [
    (sort, order) for sort in ("lastName", "firstName", "email") for order in ("ASC", "DESC")
]

FIRST = [
    "Anna",
    "Ben",
    "Chloé",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hugo",
    "Inès",
    "Jonas",
    "Klara",
    "Lukas",
    "Marie",
    "Noah",
    "Olivia",
    "Paul",
    "Quentin",
    "Rosa",
    "Sofia",
    "Tom",
    "Ursula",
    "Victor",
    "Wiebke",
    "Xavier",
    "Yara",
    "Zoe",
    "Álvaro",
    "Björn",
    "Carmen",
    "Dana",
]
LAST_STEMS = [
    "Müller",
    "Smith",
    "García",
    "Dubois",
    "Schmidt",
    "Jones",
    "Martin",
    "Fischer",
    "Brown",
    "López",
    "Bernard",
    "Weber",
    "Taylor",
    "Moreau",
    "Wagner",
    "Evans",
]
TITLES = [
    "Workplace Safety",
    "Data Protection Basics",
    "Leadership 101",
    "Excel for Analysts",
    "Fire Warden Training",
    "Anti-Bribery",
    "Customer Care",
    "First Aid Refresher",
]


def made_records(registrations: int, seed: int) -> Iterator[tuple[dict[str, Any], str]]:
    """Realistic wire records (about 2,000 distinct last names, unique e-mails, a third
    completed), each with its last activity."""
    rng = random.Random(seed)
    for n in range(registrations):
        first = rng.choice(FIRST)
        suffix = f"-{rng.randrange(125)}" if rng.random() < 0.9 else ""
        last = f"{rng.choice(LAST_STEMS)}{suffix}"
        title = rng.choice(TITLES)
        day = 1 + n * 28 // max(1, registrations)
        started = f"2025-12-{day:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00"
        progress = rng.choice([0, 10, 40, 70, 100, 100, 100])
        completed = started.replace("2025-12", "2026-01", 1) if progress == 100 else ""
        registration = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        code = str(uuid.UUID(int=rng.getrandbits(128), version=4)) if progress == 100 else ""
        record = {
            "transactionId": n + 1,
            "firstName": first,
            "lastName": last,
            "email": f"{first.lower()}.{last.lower()}.{n}@mail{n % 7}.example.com",
            "memberIdentifier": "",
            "activityId": f"act-{title[:4]}",
            "activityTitle": title,
            "registration": registration,
            "dateStarted": started,
            "progress": progress,
            "dateCompleted": completed,
            "completionCode": code,
        }
        yield record, completed or started


def fill(db: Path, registrations: int, seed: int) -> None:
    """N registrations of the default organization, written straight through SQL.

    One transaction: seconds where `media77-sim seed` takes minutes; the
    store's own triggers keep the titles, and `index_pending` the search index, as they would.
    """
    store = Store.open(db)
    loaded = fixtures.load()
    store.load_fixtures(loaded.organizations, loaded.activities)
    store.db.execute("PRAGMA cache_size = -262144")
    learners, rows, transactions = [], [], []
    for r, last_activity in made_records(registrations, seed):
        tid = r["transactionId"]
        learners.append((tid, ORGANIZATION, r["email"]))
        rows.append(
            (r["registration"], ORGANIZATION, tid, "course-1", r["activityId"],
             r["activityTitle"], r["email"], r["firstName"], r["lastName"], r["progress"],
             r["dateStarted"], r["dateCompleted"], r["completionCode"], last_activity, tid)
        )  # fmt: skip
        progress = r["progress"]
        kind = "completions" if progress == 100 else "progressed" if progress else "started"
        transactions.append(
            (tid, r["registration"], ORGANIZATION, kind, last_activity, json.dumps(r))
        )
    with store.transaction() as sql:
        sql.executemany(
            "INSERT INTO learners (id, organization_id, email) VALUES (?, ?, ?)", learners
        )
        sql.executemany(
            "INSERT INTO registrations (registration, organization_id, course_id,"
            " activity_id, activity_title, email, first_name, last_name, progress, date_started,"
            " date_completed, completion_code, last_activity_at, transaction_id, learner_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(row[0], row[1], *row[3:], row[2]) for row in rows],
        )
        sql.executemany(
            "INSERT INTO transactions (transaction_id, registration, organization_id, kind, at,"
            " record) VALUES (?, ?, ?, ?, ?, ?)",
            transactions,
        )
        index_pending(sql)  # as `seed` does: the first search does not pay for them
    store.close()


def prepare(db: Path, registrations: int, seed: int) -> None:
    if db.exists():
        with sqlite3.connect(db) as connection:
            (have,) = connection.execute("SELECT COUNT(*) FROM registrations").fetchone()
        connection.close()
        if have == registrations:
            print(f"reusing {db} ({have} registrations)")
            return
        raise SystemExit(f"{db} holds {have} registrations, not {registrations}: use another --db")
    began = time.monotonic()
    fill(db, registrations, seed)
    print(f"filled {registrations:,} registrations in {time.monotonic() - began:.1f} s")


def post(url: str, body: dict[str, Any]) -> tuple[float, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    began = time.monotonic()
    with urllib.request.urlopen(request, timeout=120) as answer:
        found = json.loads(answer.read())
    return time.monotonic() - began, found


def search_terms(db: Path, rng: random.Random, count: int) -> list[str]:
    """`count` distinct terms an audit job looks for, taken from the data as a person
    copies them (a full name, an e-mail, the start of a registration id or of a
    completion code), in random order."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT first_name, last_name, email, registration, completion_code"
            " FROM registrations ORDER BY random() LIMIT ?",
            (count,),
        ).fetchall()
    connection.close()
    terms: set[str] = set()
    for first, last, email, registration, code in rows:
        terms.update((f"{first} {last}", email, registration[:8]))
        if code:
            terms.add(code[:13])
    found = sorted(terms)
    rng.shuffle(found)
    return found[:count]


def search_answer(url: str, term: str) -> tuple[int, list[dict[str, Any]]]:
    """(the total header, the page) the simulator gives for `term`."""
    request = urllib.request.Request(
        url,
        json.dumps({"token": TOKEN, "search": term}).encode(),
        {"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        return int(answer.headers[TOTAL_HEADER]), json.loads(answer.read())


def searches_are_right(db: Path, url: str, terms: list[str]) -> bool:
    """Whether the simulator answers each of `terms` as the reference does: every record
    `matches_search` keeps, sorted by transactionId, its first 100, and their count.
    A fast wrong answer would otherwise pass for a fast search."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            f"SELECT {RECORD_JSON} FROM registrations WHERE organization_id = ?"
            " ORDER BY transaction_id",
            (False, ORGANIZATION),
        ).fetchall()
    connection.close()
    records = [json.loads(text) for (text,) in rows]
    right = True
    for term in terms:
        expected = [r for r in records if matches_search(term, r)]
        total, page = search_answer(url, term)
        if (total, page) != (len(expected), expected[:100]):
            print(f"WRONG answer for {term!r}: total {total}, expected {len(expected)}")
            right = False
    return right


def body(**fields: object) -> str:
    """A request body; a start of "__START__" is filled in per request by wrk."""
    return json.dumps({"token": TOKEN, **fields}).replace('"__START__"', "__START__")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument("--db", help="filled SQLite file to reuse (default: a temporary one)")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help="which of the scenarios to run, comma-separated (a1 and a2 always run): "
        + ", ".join(SCENARIOS),
    )
    args = parser.parse_args()
    wanted = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    if unknown := set(wanted) - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    require_wrk()
    rng = random.Random(args.seed)
    load = Load(duration=args.duration, connections=args.connections)
    n = args.registrations

    with tempfile.TemporaryDirectory(prefix="media77-bench-") as folder:
        db = Path(args.db) if args.db else Path(folder) / "bench.db"
        prepare(db, n, args.seed)
        sim_port, a1_port, a2_port = free_port(), free_port(), free_port()
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
            start_baseline("a1", a1_port),
            start_baseline("a2", a2_port, str(Path(folder) / "a2.db")),
        ]
        try:
            sim = f"http://127.0.0.1:{sim_port}{PATH}"
            wait_ready(f"http://127.0.0.1:{sim_port}/_sim/health")
            wait_ready(f"http://127.0.0.1:{a1_port}/", post=True)
            wait_ready(f"http://127.0.0.1:{a2_port}/", post=True)
            builds = []
            for sort, order in ORDERINGS:  # each ordering's first use builds it
                seconds, _ = post(sim, {"token": TOKEN, "sort": sort, "order": order})
                builds.append(seconds)
            # Enough terms that none is asked twice at 2,000 req/s (each scenario its own);
            # a few more, asked first, to check the answers.
            terms = search_terms(db, rng, 2 * 2000 * args.duration + CHECKED)
            checked, terms = terms[:CHECKED], terms[CHECKED:]
            right = searches_are_right(db, sim, checked)
            whole = range(max(1, n - 100))
            deep = range(min(90_000, max(0, n - 200)), max(1, min(99_900, n - 100)))
            pages = [body(start="__START__", number=100, sort=s, order=o) for s, o in ORDERINGS]
            first_pages = [body(start=100 * k, number=100, sort="lastName") for k in range(50)]
            a1 = run_wrk(
                "a1 bare aiohttp, fixed 100-record page",
                f"http://127.0.0.1:{a1_port}/",
                [body()],
                Load(args.duration, args.connections, warm_up=True),
            )
            a2 = run_wrk(
                "a2 bare aiohttp, INSERT+COMMIT",
                f"http://127.0.0.1:{a2_port}/",
                [body()],
                Load(args.duration, args.connections, warm_up=True),
            )
            runs = {
                "cached": lambda: run_wrk(
                    "first 50 pages again and again (page memory)",
                    sim,
                    first_pages,
                    Load(args.duration, args.connections, warm_up=True),
                ),
                "b": lambda: run_wrk(
                    "(b') never-asked pages, start anywhere", sim, pages, load, whole
                ),
                "d": lambda: run_wrk(
                    f"(d) never-asked pages, start {deep.start:,}-{deep.stop:,}",
                    sim,
                    pages,
                    load,
                    deep,
                ),
                "c": lambda: run_wrk(
                    f"(c) never-asked search terms ({len(terms[::2]):,})",
                    sim,
                    [body(search=t) for t in terms[::2]],
                    load,
                ),
                "c-name": lambda: run_wrk(
                    "(c) the same, sorted by lastName DESC (no target)",
                    sim,
                    [body(search=t, sort="lastName", order="DESC") for t in terms[1::2]],
                    load,
                ),
            }
            measured = {name: runs[name]() for name in SCENARIOS if name in wanted}
        finally:
            stop(processes)

    print(
        f"\n{n:,} registrations, wrk -t{load.threads} -c{load.connections}, "
        f"{args.duration} s per scenario; first use of each of {len(ORDERINGS)} orderings "
        f"(builds it): {min(builds) * 1000:.0f}-{max(builds) * 1000:.0f} ms\n"
    )
    results = [a1, a2, *measured.values()]
    print_table(results, {a1.name: a1, a2.name: a2})
    print()
    searches = [measured[name].requests for name in ("c", "c-name") if name in measured]
    if searches and max(searches) > len(terms) // 2:
        print("  (terms were asked again: the page memory answered some; use a shorter --duration)")
    for label, ok in checks(a1, measured):
        print(f"  {'met   ' if ok else 'MISSED'} {label}")
    print(f"  {'met   ' if right else 'MISSED'} (c) answers equal the reference ({CHECKED} terms)")
    return 0


def checks(a1: Result, measured: dict[str, Result]) -> list[tuple[str, bool]]:
    """Issue 14's targets, each read from the result it names (of the scenarios run)."""
    found = []
    fresh, deeper, searched = (measured.get(name) for name in ("b", "d", "c"))
    if fresh is not None:
        found.append(("(b') >= 20% of a1", fresh.rps >= 0.20 * a1.rps))
    if deeper is not None:
        found.append(("(d) >= 20% of a1", deeper.rps >= 0.20 * a1.rps))
    if fresh is not None and deeper is not None:
        found.append(("(d) within 10% of (b')", abs(deeper.rps - fresh.rps) <= 0.10 * fresh.rps))
    if searched is not None:
        found.append(("(c) >= 10% of a1", searched.rps >= 0.10 * a1.rps))
        found.append(("(c) p99 <= 50 ms", searched.p99_ms <= 50.0))
    found.append(("no errors", all(r.errors == 0 for r in measured.values())))
    return found


if __name__ == "__main__":
    raise SystemExit(main())
