-- Activity Progress API: search index, sort indexes, activity titles and daily quotas.

-- Trigram full-text index over the searchable texts of each registration (its
-- rowid is the registration row's rowid). A regular (content-keeping) FTS5 table,
-- so deleting a rowid twice or one that is not there is harmless: the store writes
-- registrations with INSERT OR REPLACE, which moves the row to a new rowid without
-- firing DELETE triggers.
CREATE VIRTUAL TABLE registration_search USING fts5 (
    name, email, registration, completion_code,
    tokenize = 'trigram'
);

-- Every activity title an organization's registrations carry. There are few, so
-- a search is matched against them in Python and becomes an indexed
-- `activity_title IN (...)` instead of a trigram scan over most of the rows.
CREATE TABLE report_titles (
    organization_id TEXT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (organization_id, title)
) WITHOUT ROWID;

CREATE TRIGGER registration_search_replace BEFORE INSERT ON registrations BEGIN
    DELETE FROM registration_search
    WHERE rowid IN (SELECT rowid FROM registrations WHERE registration = NEW.registration);
END;

CREATE TRIGGER registration_search_insert AFTER INSERT ON registrations BEGIN
    INSERT INTO registration_search (rowid, name, email, registration, completion_code)
    VALUES (NEW.rowid, NEW.first_name || ' ' || NEW.last_name, NEW.email, NEW.registration,
            NEW.completion_code);
    INSERT OR IGNORE INTO report_titles (organization_id, title)
    VALUES (NEW.organization_id, NEW.activity_title);
END;

-- Only when a searched column changes: a progress step leaves the index alone.
CREATE TRIGGER registration_search_update
AFTER UPDATE OF first_name, last_name, email, registration, completion_code, activity_title
ON registrations BEGIN
    DELETE FROM registration_search WHERE rowid = OLD.rowid;
    INSERT INTO registration_search (rowid, name, email, registration, completion_code)
    VALUES (NEW.rowid, NEW.first_name || ' ' || NEW.last_name, NEW.email, NEW.registration,
            NEW.completion_code);
    INSERT OR IGNORE INTO report_titles (organization_id, title)
    VALUES (NEW.organization_id, NEW.activity_title);
END;

CREATE TRIGGER registration_search_delete AFTER DELETE ON registrations BEGIN
    DELETE FROM registration_search WHERE rowid = OLD.rowid;
END;

-- Registrations written by an older simulator become searchable too.
INSERT INTO registration_search (rowid, name, email, registration, completion_code)
SELECT rowid, first_name || ' ' || last_name, email, registration, completion_code
FROM registrations;
INSERT OR IGNORE INTO report_titles (organization_id, title)
SELECT DISTINCT organization_id, activity_title FROM registrations;

-- One index per sortable record field, ending in the tie-break, so a sorted page
-- is an index walk. Text fields sort case-insensitively (NOCASE).
CREATE INDEX reports_by_transaction ON registrations (organization_id, transaction_id);
CREATE INDEX reports_by_first_name
    ON registrations (organization_id, first_name COLLATE NOCASE, transaction_id);
CREATE INDEX reports_by_last_name
    ON registrations (organization_id, last_name COLLATE NOCASE, transaction_id);
CREATE INDEX reports_by_email
    ON registrations (organization_id, email COLLATE NOCASE, transaction_id);
CREATE INDEX reports_by_member
    ON registrations (organization_id, member_identifier COLLATE NOCASE, transaction_id);
CREATE INDEX reports_by_activity_id
    ON registrations (organization_id, activity_id COLLATE NOCASE, transaction_id);
CREATE INDEX reports_by_activity_title
    ON registrations (organization_id, activity_title COLLATE NOCASE, transaction_id);
CREATE INDEX reports_by_registration
    ON registrations (organization_id, registration COLLATE NOCASE, transaction_id);
CREATE INDEX reports_by_date_started
    ON registrations (organization_id, date_started COLLATE NOCASE, transaction_id);
CREATE INDEX reports_by_progress ON registrations (organization_id, progress, transaction_id);
CREATE INDEX reports_by_date_completed
    ON registrations (organization_id, date_completed COLLATE NOCASE, transaction_id);
CREATE INDEX reports_by_completion_code
    ON registrations (organization_id, completion_code COLLATE NOCASE, transaction_id);
CREATE INDEX reports_by_last_activity ON registrations (organization_id, last_activity_at);
CREATE INDEX reports_by_title_exact
    ON registrations (organization_id, activity_title, transaction_id);

-- Calls counted per token and UTC day; a limit set with PATCH /_sim/quota overrides
-- the configured --daily-limit for that token. Kept in the file so a restart does
-- not hand out a fresh day's quota.
CREATE TABLE quotas (
    token TEXT PRIMARY KEY,
    day TEXT NOT NULL DEFAULT '',
    used INTEGER NOT NULL DEFAULT 0,
    daily_limit INTEGER
);
