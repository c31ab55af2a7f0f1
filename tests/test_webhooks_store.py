"""The webhook tables: the delivery log's cap, and reset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simulator.store import RESETTABLE_TABLES, Store
from simulator.store import webhooks as webhook_store
from simulator.store.webhooks import WebhookStore

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def log_many(db: WebhookStore, count: int) -> None:
    for i in range(count):
        db.log(
            webhook_id="wh_1", bundle_id=f"bd_{i}", attempt=1, at=NOW, outcome="delivered",
            status=200, error="", latency_ms=1.0, transaction_ids=[i], fault="",
        )  # fmt: skip


def test_the_delivery_log_keeps_only_the_most_recent_attempts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webhook_store, "DELIVERY_LOG_CAP", 50)
    monkeypatch.setattr(webhook_store, "_PRUNE_EVERY", 10)
    db = WebhookStore(Store.open(":memory:"))
    log_many(db, 200)
    rows, total = db.deliveries(limit=1000)
    assert 50 <= total < 60
    assert rows[-1]["transactionIds"] == [199]
    assert [r["id"] for r in rows] == list(range(rows[0]["id"], 201))


def test_reset_empties_every_webhook_table() -> None:
    for table in ("webhooks", "webhook_outbox", "webhook_deliveries", "webhook_missed",
                  "webhook_outages"):  # fmt: skip
        assert table in RESETTABLE_TABLES
