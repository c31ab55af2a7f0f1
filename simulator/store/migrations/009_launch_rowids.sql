-- Launch log ids are plain rowids (issue 14): AUTOINCREMENT made every launch read
-- and rewrite its row of sqlite_sequence, a quarter of the log's INSERT. Rows leave
-- the log only all at once (reset), so a rowid is never given twice between resets,
-- and after one the ids start from 1 again, as before. Rows are copied as they are.
CREATE TABLE launches_by_rowid (
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
INSERT INTO launches_by_rowid
    (id, at, source, course_id, registration, email, organization_id, outcome, body)
SELECT id, at, source, course_id, registration, email, organization_id, outcome, body
FROM launches;
DROP TABLE launches;
ALTER TABLE launches_by_rowid RENAME TO launches;
CREATE INDEX launches_registration ON launches (registration);
CREATE INDEX launches_course ON launches (course_id);
DELETE FROM sqlite_sequence WHERE name = 'launches';
