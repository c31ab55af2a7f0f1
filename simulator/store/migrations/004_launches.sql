-- The launch log: every launch (player page or POST /_sim/registrations), accepted
-- or rejected, with what the URL held and what was wrong with it (GET /_sim/launches).
CREATE TABLE launches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
