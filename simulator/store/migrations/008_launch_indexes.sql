-- Indexes no query needs any more (issue 14: a launch wrote a row into sixteen
-- b-trees; its INSERT was a quarter of a launch's CPU). Pages without search or
-- date bounds are sliced from the in-memory orderings (core/order_index.py), and
-- those orderings are built from `ORDER BY field COLLATE NOCASE, transaction_id`,
-- which SQLite answers faster by sorting than by walking a field's index and
-- reading each row from it (EXPLAIN QUERY PLAN at 100,000 registrations:
-- lastName 380 -> 308 ms, dateStarted of the completed 179 -> 149 ms).
--
-- What still asks SQLite, by its query plan, and the index that serves it:
--   - a registration by `reg` and the catch-up of the in-memory records: the
--     primary key (registration);
--   - a learner's registrations (organization_id, email NOCASE): reports_by_email;
--     it also serves a one- or two-letter search sorted by e-mail;
--   - `/_sim/registrations` newest change first and the counts of searches:
--     reports_by_transaction;
--   - a date-bounded page or total: reports_by_last_activity.
--
-- Dropped, and what their only users cost without them at 100,000 registrations
-- (each answer is remembered until the data changes):
--   - registrations_learner: no query names email without NOCASE;
--   - the text sort indexes but e-mail's, and reports_by_title_exact: only a search
--     matching more than 5,000 records (or an activity title) sorted by a text
--     field walked them; it now sorts its matches instead: "mail3" by lastName
--     11 -> 72 ms, a title by lastName 1.6 -> 45 ms, a title's total 26 -> 41 ms.
DROP INDEX registrations_learner;
DROP INDEX reports_by_first_name;
DROP INDEX reports_by_last_name;
DROP INDEX reports_by_member;
DROP INDEX reports_by_activity_id;
DROP INDEX reports_by_activity_title;
DROP INDEX reports_by_registration;
DROP INDEX reports_by_date_started;
DROP INDEX reports_by_date_completed;
DROP INDEX reports_by_completion_code;
DROP INDEX reports_by_title_exact;

-- The search index off the launch (issue 14): indexing a registration's texts was
-- 120 of a launch INSERT's 145 us. A new registration is now indexed by the first
-- reader of the index after it (`report_search.index_pending`, every one at once,
-- in one statement) or by the bulk write that made it (`seed`), so a search still
-- finds every record acknowledged before it. The registrations indexed are those up
-- to the rowid in `registration_search_upto` (none when it is empty, as after a
-- reset): rowids only grow, and a replaced `reg` gets a new one. The triggers touch
-- the index only for rows it holds (a contentless index must never be told to
-- delete what it does not hold).
CREATE TABLE registration_search_upto (upto INTEGER NOT NULL);
INSERT INTO registration_search_upto (upto) SELECT MAX(rowid) FROM registrations HAVING COUNT(*) > 0;

DROP TRIGGER registration_search_replace;
DROP TRIGGER registration_search_insert;
DROP TRIGGER registration_search_update;
DROP TRIGGER registration_search_delete;

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

CREATE TRIGGER registration_search_delete AFTER DELETE ON registrations BEGIN
    INSERT INTO registration_search
        (registration_search, rowid, name, email, registration, completion_code)
    SELECT 'delete', OLD.rowid, OLD.first_name || ' ' || OLD.last_name, OLD.email,
           OLD.registration, OLD.completion_code
    WHERE OLD.rowid <= (SELECT COALESCE(MAX(upto), 0) FROM registration_search_upto);
END;
