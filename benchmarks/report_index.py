"""The progress API's in-memory index alone: memory per registration, build time, page time.

    .venv/bin/python benchmarks/report_index.py [--registrations 100000 1000000] [--all]

Builds `core.order_index.RecordSet` from the same realistic records as
`progress_api.py` (no database, no server), measuring with tracemalloc what the
records' JSON and each ordering hold, how long an ordering takes to build, and
how long a 100-record page takes at the start, the middle and the end, ASC and
DESC: the figures in docs/benchmarks.md ("The progress API's index").
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tracemalloc

from progress_api import made_records

from simulator.core.order_index import RecordSet, make_entry

ORDERINGS = [("lastName", False), ("email", False), ("transactionId", False), ("lastName", True)]


def measure(registrations: int, fields: list[tuple[str, bool]]) -> None:
    made = list(made_records(registrations, 77))
    values = {
        ordering: [
            (record["registration"], record[ordering[0]])
            for record, _ in made
            if not ordering[1] or record["dateCompleted"]
        ]
        for ordering in fields
    }
    tracemalloc.start()
    records = RecordSet()
    for n, (record, _last_activity) in enumerate(made):
        body = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()
        records.entries[record["registration"]] = entry = make_entry(n + 1, n + 1, body, "")
        records.by_rowid[n + 1] = entry
    held = tracemalloc.get_traced_memory()[0]
    print(f"\n{registrations:,} registrations")
    print(
        f"  {'records (JSON, by registration and by rowid)':52} {held / registrations:6.0f} B each"
    )
    for field, completed_only in fields:
        before = tracemalloc.get_traced_memory()[0]
        records.ordering(field, completed_only, values[(field, completed_only)])
        grew = tracemalloc.get_traced_memory()[0] - before
        label = f"ordering by {field}{' (completed only)' if completed_only else ''}"
        print(f"  {label:52} {grew / registrations:6.0f} B each")
    tracemalloc.stop()
    for field, completed_only in fields:  # again, untraced, for the time
        records.orderings.clear()
        began = time.perf_counter()
        records.ordering(field, completed_only, values[(field, completed_only)])
        print(f"  built by {field:43} in {(time.perf_counter() - began) * 1000:6.0f} ms")
    for start in (0, registrations // 2, registrations - 100):
        for descending in (False, True):
            times = []
            for k in range(200):
                began = time.perf_counter()
                records.page(fields[0][0], descending, fields[0][1], max(0, start - k), 100)
                times.append(time.perf_counter() - began)
            print(
                f"  page of 100 at start {start:>9,} {'DESC' if descending else 'ASC '}:"
                f" p50 {statistics.median(times) * 1e6:5.0f} us"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, nargs="+", default=[100_000])
    parser.add_argument("--all", action="store_true", help="four orderings, not two")
    args = parser.parse_args()
    for registrations in args.registrations:
        measure(registrations, ORDERINGS if args.all else ORDERINGS[::2])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
