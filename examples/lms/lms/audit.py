"""The daily audit: page the Activity Progress API and fill in what the webhook missed.

77media drops a webhook bundle for good after its retries, and says to audit with
the Activity Progress API. This job reads every record (one per registration, its
current state), oldest change first, and stores those newer than what we have.

It uses only what the vendor documents: `POST /api/reports/progress` with
`token`, `start`, `number`, `sort`, `order`; the end is the first short page (no
total-count header is relied on). The API allows 500 calls a day per token: on a
429 the job stops, keeps its place in the database and does nothing more until the
next UTC midnight, when the next run carries on from there.

Run it from cron: `python -m lms.audit --db lms.db --url https://... --token ...`.
"""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from lms.store import Cursor, Store

PAGE_SIZE = 100


class QuotaExhausted(Exception):
    """The API answered 429: no more calls today."""


class AuditFailed(Exception):
    """Any other answer than 200 or 429: stop, keep the cursor, let a person look."""


class ProgressApi:
    """The vendor's Activity Progress API for one token (stdlib HTTP, no extra dependency)."""

    def __init__(self, url: str, token: str, *, timeout: float = 30.0) -> None:
        self.endpoint = url.rstrip("/") + "/api/reports/progress"
        self.token = token
        self.timeout = timeout

    def page(self, start: int, number: int) -> list[dict[str, Any]]:
        """Records `start` to `start + number`, ordered by `transactionId` (oldest change first).

        A record that changes moves to the end of that order, so a sweep still meets it.
        """
        body = {
            "token": self.token,
            "start": start,
            "number": number,
            "sort": "transactionId",
            "order": "ASC",
        }
        request = urllib.request.Request(
            self.endpoint,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                records = json.load(answer)
        except urllib.error.HTTPError as error:
            if error.code == 429:
                raise QuotaExhausted(error.read().decode(errors="replace")) from None
            raise AuditFailed(f"{error.code}: {error.read().decode(errors='replace')}") from None
        if not isinstance(records, list):
            raise AuditFailed(f"expected a JSON array, got {type(records).__name__}")
        return records


@dataclass(frozen=True)
class AuditRun:
    """What one run did: API calls made, records read, rows filled in or updated."""

    calls: int
    records: int
    filled: int
    finished: bool
    """The sweep reached its end (the next run starts a new one)."""
    paused_until: datetime | None
    """Set when the quota ran out: the run that resumes must come after it."""


def run_audit(
    api: ProgressApi, store: Store, *, now: Callable[[], datetime], page_size: int = PAGE_SIZE
) -> AuditRun:
    """Carry the sweep on from its cursor until its end or the day's quota.

    `now` gives the current UTC time (the caller's clock, so tests can move it).
    Resuming after a pause re-reads the page before the cursor: records that changed
    in between moved to the end, and the ones after them moved one place up.
    """
    cursor = store.cursor()
    if cursor.paused_until is not None and now() < cursor.paused_until:
        return AuditRun(0, 0, 0, finished=False, paused_until=cursor.paused_until)
    start = max(0, cursor.next_start - page_size) if cursor.paused_until else cursor.next_start
    calls = records = filled = 0
    while True:
        try:
            page = api.page(start, page_size)
        except QuotaExhausted:
            resume = next_utc_midnight(now())
            # Never behind where an earlier run got to, even when today's first call failed.
            store.save_cursor(Cursor(max(start, cursor.next_start), resume))
            return AuditRun(calls, records, filled, finished=False, paused_until=resume)
        calls += 1
        records += len(page)
        filled += store.save_records(page, source="audit")
        start += len(page)
        if len(page) < page_size:
            store.save_cursor(Cursor(0, None))
            return AuditRun(calls, records, filled, finished=True, paused_until=None)
        store.save_cursor(Cursor(start, None))


def next_utc_midnight(moment: datetime) -> datetime:
    """When the API's daily quota starts afresh: the next 00:00 UTC after `moment`."""
    day = moment.astimezone(UTC).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("lms.db"))
    parser.add_argument("--url", required=True, help="the Activity Progress API's base URL")
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    run = run_audit(
        ProgressApi(args.url, args.token), Store(args.db), now=lambda: datetime.now(UTC)
    )
    print(run)


if __name__ == "__main__":
    main()
