-- GENERATED: do not edit. The schema the migrations in this folder build, as
-- SQLite records it; a new database is created from it in one transaction
-- (Store.migrate, simulator/store/snapshot.py). After adding or changing a
-- migration, run: make schema  (or: python -m simulator.store.snapshot)
-- Made from: 001_foundation.sql, 002_progress_reports.sql, 003_webhooks.sql, 004_launches.sql, 005_lower_case_registrations.sql, 006_contentless_search.sql, 007_lean_sort_indexes.sql, 008_launch_indexes.sql, 009_launch_rowids.sql, 010_webhook_outbox_due.sql, 011_registrations_truncatable.sql
-- sha256 of the migrations: fbec99d65a2b5cf5f8d6e1808b0dbf0034f5602539d6028d602f5710713f2213

CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    body TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    lms_staging TEXT NOT NULL UNIQUE,
    lms_production TEXT NOT NULL UNIQUE
);

CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE learners (
    id INTEGER PRIMARY KEY,
    organization_id TEXT NOT NULL,
    email TEXT NOT NULL COLLATE NOCASE,
    member_identifier TEXT NOT NULL DEFAULT '',
    UNIQUE (organization_id, email)
);

CREATE TABLE transactions (
    transaction_id INTEGER PRIMARY KEY AUTOINCREMENT,
    registration TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    record TEXT NOT NULL
);

CREATE INDEX transactions_registration ON transactions (registration);

CREATE TABLE report_titles (
    organization_id TEXT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (organization_id, title)
) WITHOUT ROWID;

CREATE TABLE quotas (
    token TEXT PRIMARY KEY,
    day TEXT NOT NULL DEFAULT '',
    used INTEGER NOT NULL DEFAULT 0,
    daily_limit INTEGER
);

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

CREATE VIRTUAL TABLE registration_search USING fts5 (
    name, email, registration, completion_code,
    tokenize = 'trigram', content = ''
);

CREATE TABLE registration_search_upto (upto INTEGER NOT NULL);

CREATE TABLE "launches" (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    source TEXT NOT NULL,
    course_id TEXT NOT NULL,
    registration TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    organization_id TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL,
    body TEXT NOT NULL
);

CREATE INDEX launches_registration ON launches (registration);

CREATE INDEX launches_course ON launches (course_id);

CREATE INDEX webhook_outbox_due ON webhook_outbox (webhook_id, next_attempt_at, seq, id);

CREATE TABLE "registrations" (
    id INTEGER PRIMARY KEY,
    registration TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    learner_id INTEGER NOT NULL,
    course_id TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    activity_title TEXT NOT NULL,
    email TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    member_identifier TEXT NOT NULL DEFAULT '',
    progress INTEGER NOT NULL,
    date_started TEXT NOT NULL,
    date_completed TEXT NOT NULL DEFAULT '',
    completion_code TEXT NOT NULL DEFAULT '',
    last_activity_at TEXT NOT NULL,
    transaction_id INTEGER NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]'
);

CREATE INDEX reports_by_transaction ON registrations (organization_id, transaction_id);

CREATE INDEX reports_by_last_activity ON registrations (organization_id, last_activity_at);

CREATE INDEX reports_by_email ON registrations (organization_id, email COLLATE NOCASE);

CREATE TRIGGER registration_learner_known BEFORE INSERT ON registrations
WHEN NOT EXISTS (SELECT 1 FROM learners WHERE id = NEW.learner_id) BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: registrations.learner_id');
END;

CREATE TRIGGER registration_search_replace BEFORE INSERT ON registrations BEGIN
    INSERT INTO registration_search
        (registration_search, rowid, name, email, registration, completion_code)
    SELECT 'delete', rowid, first_name || ' ' || last_name, email, registration,
           completion_code
    FROM registrations WHERE registration = NEW.registration
        AND rowid <= (SELECT COALESCE(MAX(upto), 0) FROM registration_search_upto);
END;

CREATE TRIGGER registration_search_insert AFTER INSERT ON registrations BEGIN
    INSERT OR IGNORE INTO report_titles (organization_id, title)
    VALUES (NEW.organization_id, NEW.activity_title);
END;

CREATE TRIGGER registration_search_update
AFTER UPDATE OF first_name, last_name, email, registration, completion_code, activity_title
ON registrations BEGIN
    INSERT INTO registration_search
        (registration_search, rowid, name, email, registration, completion_code)
    SELECT 'delete', OLD.rowid, OLD.first_name || ' ' || OLD.last_name, OLD.email,
           OLD.registration, OLD.completion_code
    WHERE OLD.rowid <= (SELECT COALESCE(MAX(upto), 0) FROM registration_search_upto);
    INSERT INTO registration_search (rowid, name, email, registration, completion_code)
    SELECT NEW.rowid, NEW.first_name || ' ' || NEW.last_name, NEW.email, NEW.registration,
           NEW.completion_code
    WHERE NEW.rowid <= (SELECT COALESCE(MAX(upto), 0) FROM registration_search_upto);
    INSERT OR IGNORE INTO report_titles (organization_id, title)
    VALUES (NEW.organization_id, NEW.activity_title);
END;
