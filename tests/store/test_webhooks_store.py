"""The webhook tables: the delivery log's cap, and accepting bundles."""

from __future__ import annotations

from datetime import UTC, datetime

from simulator.store import Store
from simulator.store.webhooks import WebhookStore

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def log_many(db: WebhookStore, count: int) -> None:
    for i in range(count):
        db.log(
            webhook_id="wh_1", bundle_id=f"bd_{i}", attempt=1, at=NOW, outcome="delivered",
            status=200, error="", latency_ms=1.0, transaction_ids=[i], fault="",
        )  # fmt: skip


def test_the_delivery_log_keeps_only_the_most_recent_attempts() -> None:
    db = WebhookStore(Store.open(":memory:"), log_cap=50, prune_every=10)
    log_many(db, 200)
    rows, total = db.deliveries(limit=1000)
    assert 50 <= total < 60
    assert rows[-1]["transactionIds"] == [199]
    assert [r["id"] for r in rows] == list(range(rows[0]["id"], 201))


def test_a_deleted_subscription_accepts_no_bundles() -> None:
    db = WebhookStore(Store.open(":memory:"))
    body = b'{"started":[],"progressed":[],"completions":[]}'
    db.add_subscription("wh_1", "org", {"url": "https://e.example/h"}, from_config=False)
    (bundle,) = db.add_bundles("wh_1", [(body, [1])], NOW)
    assert [b.id for b in db.outbox()] == [bundle.id]
    db.delete_subscription("wh_1")
    assert db.add_bundles("wh_1", [(body, [2])], NOW) == []
    assert [b.id for b in db.outbox()] == [bundle.id]
