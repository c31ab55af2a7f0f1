-- The search index without its own copy of the texts (issue 14): a contentless FTS5
-- table. Every reader asks it for rowids only (the texts are the registrations'), a
-- launch writes one row less, and a reset empties it with FTS5's 'delete-all' (one
-- step) instead of deleting every row's trigrams one by one.
--
-- A contentless table cannot look up what it indexed, so a row leaves the index
-- through the 'delete' command with the very texts it was indexed with: the old
-- row's, which the triggers have.
DROP TRIGGER registration_search_replace;
DROP TRIGGER registration_search_insert;
DROP TRIGGER registration_search_update;
DROP TRIGGER registration_search_delete;
DROP TABLE registration_search;

CREATE VIRTUAL TABLE registration_search USING fts5 (
    name, email, registration, completion_code,
    tokenize = 'trigram', content = ''
);

-- A reused `reg` (INSERT OR REPLACE) takes the old row out of the index first: the
-- replace itself deletes that row without firing the delete trigger.
CREATE TRIGGER registration_search_replace BEFORE INSERT ON registrations BEGIN
    INSERT INTO registration_search
        (registration_search, rowid, name, email, registration, completion_code)
    SELECT 'delete', rowid, first_name || ' ' || last_name, email, registration,
           completion_code
    FROM registrations WHERE registration = NEW.registration;
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
    INSERT INTO registration_search
        (registration_search, rowid, name, email, registration, completion_code)
    VALUES ('delete', OLD.rowid, OLD.first_name || ' ' || OLD.last_name, OLD.email,
            OLD.registration, OLD.completion_code);
    INSERT INTO registration_search (rowid, name, email, registration, completion_code)
    VALUES (NEW.rowid, NEW.first_name || ' ' || NEW.last_name, NEW.email, NEW.registration,
            NEW.completion_code);
    INSERT OR IGNORE INTO report_titles (organization_id, title)
    VALUES (NEW.organization_id, NEW.activity_title);
END;

CREATE TRIGGER registration_search_delete AFTER DELETE ON registrations BEGIN
    INSERT INTO registration_search
        (registration_search, rowid, name, email, registration, completion_code)
    VALUES ('delete', OLD.rowid, OLD.first_name || ' ' || OLD.last_name, OLD.email,
            OLD.registration, OLD.completion_code);
END;

INSERT INTO registration_search (rowid, name, email, registration, completion_code)
SELECT rowid, first_name || ' ' || last_name, email, registration, completion_code
FROM registrations;
