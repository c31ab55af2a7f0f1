-- Registrations that reset can empty as SQLite truncates a table (issue 14): not row by
-- row, and without changing the schema or the connection's settings. SQLite truncates
-- only a table with no delete trigger and no foreign key taking part, so reset used to
-- drop `registration_search_delete` and create it again (a schema change) and to turn
-- `PRAGMA foreign_keys` off and on. Each of these expires every prepared statement of
-- the connection: reset then prepared its own again, and so did every request after it
-- (0.6 of a 1.3 ms reset after 300 registrations).
--
-- - No delete trigger: nothing deletes a registration but reset, which empties the
--   search index with the table ('delete-all'). A replaced `reg` (INSERT OR REPLACE)
--   never fired it anyway: `registration_search_replace` handles that.
-- - No foreign key to learners: `registration_learner_known` refuses a registration
--   whose learner is not stored, as the key did (the only write of `learner_id` is the
--   insert). Learners leave only with every registration, at reset.
-- - The rowid becomes a column (`id INTEGER PRIMARY KEY`, the same numbers): the search
--   index and the in-memory records point at rows by rowid, and VACUUM may renumber an
--   implicit rowid, never this one. `registration` stays unique and NOT NULL.
--
-- Rows are copied with their rowids; the triggers are dropped before the table, so that
-- dropping it deletes nothing from the search index.
DROP TRIGGER registration_search_replace;
DROP TRIGGER registration_search_insert;
DROP TRIGGER registration_search_update;
DROP TRIGGER registration_search_delete;

CREATE TABLE registrations_truncatable (
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
INSERT INTO registrations_truncatable
    (id, registration, organization_id, learner_id, course_id, activity_id, activity_title,
     email, first_name, last_name, member_identifier, progress, date_started, date_completed,
     completion_code, last_activity_at, transaction_id, warnings)
SELECT rowid, registration, organization_id, learner_id, course_id, activity_id,
       activity_title, email, first_name, last_name, member_identifier, progress,
       date_started, date_completed, completion_code, last_activity_at, transaction_id,
       warnings
FROM registrations ORDER BY rowid;
DROP TABLE registrations;
ALTER TABLE registrations_truncatable RENAME TO registrations;

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
