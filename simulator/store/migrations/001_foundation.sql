-- Organizations, catalog, learners, registrations (current state) and transactions (history).
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

-- One row per registration: its current state, denormalised so the progress API
-- can filter and sort on any record field with an index.
CREATE TABLE registrations (
    registration TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    learner_id INTEGER NOT NULL REFERENCES learners (id),
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
CREATE INDEX registrations_learner ON registrations (organization_id, email, course_id);

CREATE TABLE transactions (
    transaction_id INTEGER PRIMARY KEY AUTOINCREMENT,
    registration TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX transactions_registration ON transactions (registration);
