"""SQL of the webhook engine: subscriptions, outbox, delivery log, missed ledger, outages.

The outbox is what makes delivery durable: a bundle is written here in the same
SQLite transaction that advances its subscription's cursor, and leaves only when
it is delivered or dropped (dropping writes the missed ledger in that same
transaction). A restart therefore finds every bundle that was accepted and not
finished, and every transaction not yet bundled.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from msgspec import Struct

from simulator.core.dates import to_iso_ms
from simulator.core.faults import Outage
from simulator.store import Store

# The delivery log keeps the most recent attempts only (documented in README).
DELIVERY_LOG_CAP = 10_000
_PRUNE_EVERY = 500


class StoredSubscription(Struct, frozen=True):
    id: str
    organization_id: str
    body: dict[str, Any]
    from_config: bool
    cursor: int
    bundles_made: int
    clean_stop: bool


class OutboxBundle(Struct, frozen=True):
    """A bundle waiting in the outbox. `payload` is the request body exactly as every
    attempt sends it: encoded once when the bundle was made, never parsed to be sent."""

    id: str
    webhook_id: str
    sequence: int
    payload: bytes
    transaction_ids: tuple[int, ...]
    attempts: int
    next_attempt_at: datetime
    created_at: datetime

    def records(self) -> Iterator[dict[str, Any]]:
        """The records the bundle carries (parsed on demand: only a drop needs them)."""
        body: dict[str, list[dict[str, Any]]] = json.loads(self.payload)
        for records in body.values():
            yield from records


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _ts(moment: datetime) -> str:
    """Fixed width UTC text, so SQL compares and orders outbox times correctly."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


_OUTBOX_COLUMNS = (
    "id, webhook_id, sequence, body, transaction_ids, attempts, next_attempt_at, created_at"
)


def _outbox_bundle(r: Sequence[Any]) -> OutboxBundle:
    payload = r[3].encode() if isinstance(r[3], str) else bytes(r[3])
    ids = tuple(json.loads(r[4]))
    return OutboxBundle(r[0], r[1], int(r[2]), payload, ids, int(r[5]), _dt(r[6]), _dt(r[7]))


class WebhookStore:
    def __init__(
        self, store: Store, *, log_cap: int = DELIVERY_LOG_CAP, prune_every: int = _PRUNE_EVERY
    ) -> None:
        self.store = store
        self.log_cap = log_cap
        self.prune_every = prune_every

    @property
    def db(self) -> Any:
        return self.store.db

    def atomic(self) -> AbstractContextManager[Any]:
        """One SQLite transaction around several writes below (one commit for an
        attempt's outbox change and its log row); the writes nest inside it."""
        return self.store.transaction()

    def grouped(self) -> AbstractContextManager[None]:
        """Writes in this context join the event loop's current group commit (see
        `store.commits`): the windows closing and the attempts ending in one turn share
        one COMMIT, at the start of the next turn, instead of one each. Under failing
        endpoints they come in waves (every subscription's window closes at once, their
        retries fall due together), and a commit each made a wave several ms of one turn."""
        return self.store.deferred_commits()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once what was written so far is committed."""
        self.store.after_commit(callback)

    # -- subscriptions --------------------------------------------------------------------

    def next_subscription_id(self) -> str:
        row = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'webhooks'").fetchone()
        return f"wh_{(row[0] if row else 0) + 1}"

    def add_subscription(
        self, sub_id: str, organization_id: str, body: dict[str, Any], *, from_config: bool
    ) -> None:
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO webhooks (id, organization_id, body, from_config, cursor)"
                " VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(transaction_id), 0) FROM transactions))",
                (sub_id, organization_id, json.dumps(body), int(from_config)),
            )

    def update_subscription(self, sub_id: str, body: dict[str, Any]) -> None:
        self.db.execute("UPDATE webhooks SET body = ? WHERE id = ?", (json.dumps(body), sub_id))

    def delete_subscription(self, sub_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM webhooks WHERE id = ?", (sub_id,))
            db.execute("DELETE FROM webhook_outages WHERE webhook_id = ?", (sub_id,))

    def subscriptions(self) -> list[StoredSubscription]:
        rows = self.db.execute(
            "SELECT id, organization_id, body, from_config, cursor, bundles_made, clean_stop"
            " FROM webhooks ORDER BY seq"
        )
        return [
            StoredSubscription(
                r[0], r[1], json.loads(r[2]), bool(r[3]), int(r[4]), int(r[5]), bool(r[6])
            )
            for r in rows
        ]

    # -- outbox ---------------------------------------------------------------------------

    def add_bundles(
        self,
        webhook_id: str,
        bundles: Sequence[tuple[bytes, Sequence[int]]],
        now: datetime,
    ) -> list[OutboxBundle]:
        """Accept bundles (each its encoded payload and its transaction ids) for
        delivery: every outbox row and the cursor move in one write.

        A subscription deleted meanwhile accepts nothing (an empty list).
        """
        made: list[OutboxBundle] = []
        with self.store.transaction() as db:
            row = db.execute(
                "SELECT bundles_made FROM webhooks WHERE id = ?", (webhook_id,)
            ).fetchone()
            if row is None:
                return made
            (count,) = row
            last, stamp = 0, _ts(now)
            for payload, ids in bundles:
                count += 1
                cursor = db.execute(
                    "INSERT INTO webhook_outbox (id, webhook_id, sequence, body, transaction_ids,"
                    " next_attempt_at, created_at) VALUES ('', ?, ?, ?, ?, ?, ?)",
                    (webhook_id, count, payload.decode(), json.dumps(list(ids)), stamp, stamp),
                )
                bundle_id = f"bd_{cursor.lastrowid}"
                db.execute(
                    "UPDATE webhook_outbox SET id = ? WHERE seq = ?", (bundle_id, cursor.lastrowid)
                )
                made.append(
                    OutboxBundle(bundle_id, webhook_id, count, payload, tuple(ids), 0, now, now)
                )
                last = max(last, *ids) if ids else last
            db.execute(
                "UPDATE webhooks SET bundles_made = ?, cursor = MAX(cursor, ?) WHERE id = ?",
                (count, last, webhook_id),
            )
        return made

    def set_cursor(self, webhook_id: str, cursor: int, *, clean_stop: bool = False) -> None:
        self.db.execute(
            "UPDATE webhooks SET cursor = MAX(cursor, ?), clean_stop = ? WHERE id = ?",
            (cursor, int(clean_stop), webhook_id),
        )

    def outbox(self, webhook_id: str | None = None) -> list[OutboxBundle]:
        sql = f"SELECT {_OUTBOX_COLUMNS} FROM webhook_outbox"
        args: list[Any] = []
        if webhook_id is not None:
            sql += " WHERE webhook_id = ?"
            args.append(webhook_id)
        return [_outbox_bundle(r) for r in self.db.execute(sql + " ORDER BY seq", args)]

    def due(
        self, webhook_id: str, now: datetime, limit: int, busy: Collection[str] = ()
    ) -> list[OutboxBundle]:
        """Up to `limit` of the subscription's bundles due by `now`, oldest due first,
        leaving out those in `busy` (being attempted)."""
        busy_ids = list(busy)
        marks = ",".join("?" * len(busy_ids))
        rows = self.db.execute(
            f"SELECT {_OUTBOX_COLUMNS} FROM webhook_outbox"
            f" WHERE webhook_id = ? AND next_attempt_at <= ? AND id NOT IN ({marks})"
            " ORDER BY next_attempt_at, seq LIMIT ?",
            [webhook_id, _ts(now), *busy_ids, limit],
        )
        return [_outbox_bundle(r) for r in rows]

    def next_due_at(self, webhook_id: str, busy: Collection[str] = ()) -> datetime | None:
        """When the subscription's next bundle not in `busy` falls due (None: none waits)."""
        busy_ids = list(busy)
        marks = ",".join("?" * len(busy_ids))
        row = self.db.execute(
            "SELECT next_attempt_at FROM webhook_outbox"
            f" WHERE webhook_id = ? AND id NOT IN ({marks}) ORDER BY next_attempt_at LIMIT 1",
            [webhook_id, *busy_ids],
        ).fetchone()
        return None if row is None else _dt(row[0])

    def owed(self, webhook_id: str) -> int:
        """How many bundles the subscription still owes (in flight or waiting)."""
        (count,) = self.db.execute(
            "SELECT COUNT(*) FROM webhook_outbox WHERE webhook_id = ?", (webhook_id,)
        ).fetchone()
        return int(count)

    def schedule(self, bundle_id: str, attempts: int, next_attempt_at: datetime) -> None:
        self.db.execute(
            "UPDATE webhook_outbox SET attempts = ?, next_attempt_at = ? WHERE id = ?",
            (attempts, _ts(next_attempt_at), bundle_id),
        )

    def finish(self, bundle_id: str) -> None:
        self.db.execute("DELETE FROM webhook_outbox WHERE id = ?", (bundle_id,))

    def drop(
        self, bundle: OutboxBundle, reason: str, now: datetime, registrations: dict[int, str]
    ) -> None:
        """Give up on a bundle: its transactions go on the missed ledger, for good."""
        at, who = now.isoformat(), (bundle.id, bundle.webhook_id, reason)
        with self.store.transaction() as db:
            db.execute("DELETE FROM webhook_outbox WHERE id = ?", (bundle.id,))
            db.executemany(
                "INSERT INTO webhook_missed (transaction_id, registration, bundle_id, webhook_id,"
                " reason, at) VALUES (?, ?, ?, ?, ?, ?)",
                [(t, registrations.get(t, ""), *who, at) for t in bundle.transaction_ids],
            )

    # -- delivery log ---------------------------------------------------------------------

    def log(
        self,
        *,
        webhook_id: str,
        bundle_id: str,
        attempt: int,
        at: datetime,
        outcome: str,
        status: int | None,
        error: str,
        latency_ms: float | None,
        transaction_ids: Sequence[int],
        fault: str,
    ) -> dict[str, Any]:
        values = (
            webhook_id,
            bundle_id,
            attempt,
            at.isoformat(),
            outcome,
            status,
            error,
            latency_ms,
            json.dumps(list(transaction_ids)),
            fault,
        )
        cursor = self.db.execute(
            "INSERT INTO webhook_deliveries (webhook_id, bundle_id, attempt, at, outcome, status,"
            " error, latency_ms, transaction_ids, fault) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )
        row_id = int(cursor.lastrowid or 0)
        if row_id % self.prune_every == 0:
            self.db.execute(
                "DELETE FROM webhook_deliveries WHERE id <= ?", (row_id - self.log_cap,)
            )
        # The row as `deliveries` reads it back, without parsing what was just made.
        return _delivery_json((row_id, *values), at, list(transaction_ids))

    def deliveries(
        self,
        *,
        webhook_id: str | None = None,
        outcome: str | None = None,
        bundle_id: str | None = None,
        after: int = 0,
        limit: int = 1000,
    ) -> tuple[list[dict[str, Any]], int]:
        """Attempts in the order they were made, and how many match in all."""
        where = ["id > ?"]
        args: list[Any] = [after]
        for column, value in (
            ("webhook_id", webhook_id),
            ("outcome", outcome),
            ("bundle_id", bundle_id),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        clause = " AND ".join(where)
        (total,) = self.db.execute(
            f"SELECT COUNT(*) FROM webhook_deliveries WHERE {clause}", args
        ).fetchone()
        rows = self.db.execute(
            "SELECT id, webhook_id, bundle_id, attempt, at, outcome, status, error, latency_ms,"
            f" transaction_ids, fault FROM webhook_deliveries WHERE {clause} ORDER BY id LIMIT ?",
            [*args, limit],
        )
        return [_delivery_json(r, _dt(r[4]), json.loads(r[9])) for r in rows], int(total)

    # -- missed ledger --------------------------------------------------------------------

    def missed(self, webhook_id: str | None = None, limit: int = 10_000) -> list[dict[str, Any]]:
        sql = (
            "SELECT transaction_id, registration, bundle_id, webhook_id, reason, at"
            " FROM webhook_missed"
        )
        args: list[Any] = []
        if webhook_id is not None:
            sql += " WHERE webhook_id = ?"
            args.append(webhook_id)
        sql += " ORDER BY transaction_id, id LIMIT ?"
        args.append(limit)
        return [
            {
                "transactionId": r[0],
                "registration": r[1],
                "bundleId": r[2],
                "webhookId": r[3],
                "reason": r[4],
                "at": to_iso_ms(_dt(r[5])),
            }
            for r in self.db.execute(sql, args)
        ]

    # -- outages --------------------------------------------------------------------------

    def add_outage(self, webhook_id: str, start: datetime, end: datetime, mode: str) -> Outage:
        cursor = self.db.execute(
            'INSERT INTO webhook_outages (webhook_id, start, "end", mode) VALUES (?, ?, ?, ?)',
            (webhook_id, start.isoformat(), end.isoformat(), mode),
        )
        return Outage(int(cursor.lastrowid or 0), start, end, mode)

    def outages(self, webhook_id: str) -> list[Outage]:
        rows = self.db.execute(
            'SELECT id, start, "end", mode FROM webhook_outages WHERE webhook_id = ? ORDER BY id',
            (webhook_id,),
        )
        return [Outage(int(r[0]), _dt(r[1]), _dt(r[2]), r[3]) for r in rows]

    def clear_outages(self, webhook_id: str) -> int:
        cursor = self.db.execute("DELETE FROM webhook_outages WHERE webhook_id = ?", (webhook_id,))
        return int(cursor.rowcount)


def _delivery_json(row: Sequence[Any], at: datetime, transaction_ids: list[int]) -> dict[str, Any]:
    """A delivery-log row as the API shows it (`at` and the ids given decoded)."""
    return {
        "id": row[0],
        "webhookId": row[1],
        "bundleId": row[2],
        "attempt": row[3],
        "at": to_iso_ms(at),
        "outcome": row[5],
        "status": row[6],
        "error": row[7],
        "latencyMs": None if row[8] is None else round(float(row[8]), 3),
        "transactionIds": transaction_ids,
        "fault": row[10],
    }
