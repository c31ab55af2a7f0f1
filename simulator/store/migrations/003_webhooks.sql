-- Webhook subscriptions, the durable outbox, the delivery log, the missed ledger, outages.
CREATE TABLE webhooks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    body TEXT NOT NULL,
    from_config INTEGER NOT NULL DEFAULT 0,
    -- last transactionId put into a bundle: after a crash, later ones are bundled again
    cursor INTEGER NOT NULL DEFAULT 0,
    bundles_made INTEGER NOT NULL DEFAULT 0,
    -- 1 after a clean stop: nothing to recover, transactions written since (seed) are history
    clean_stop INTEGER NOT NULL DEFAULT 0
);

-- A bundle accepted for delivery and not yet delivered or dropped.
CREATE TABLE webhook_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    webhook_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    body TEXT NOT NULL,
    transaction_ids TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX webhook_outbox_webhook ON webhook_outbox (webhook_id);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id TEXT NOT NULL,
    bundle_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    status INTEGER,
    error TEXT NOT NULL DEFAULT '',
    latency_ms REAL,
    transaction_ids TEXT NOT NULL,
    fault TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_bundle ON webhook_deliveries (bundle_id);

CREATE TABLE webhook_missed (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id INTEGER NOT NULL,
    registration TEXT NOT NULL,
    bundle_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX webhook_missed_webhook ON webhook_missed (webhook_id);

CREATE TABLE webhook_outages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id TEXT NOT NULL,
    start TEXT NOT NULL,
    "end" TEXT NOT NULL,
    mode TEXT NOT NULL
);
CREATE INDEX webhook_outages_webhook ON webhook_outages (webhook_id);
