-- Sort indexes a progress step does not touch (issue 14). Every per-field sort index
-- of 002 ended in transaction_id, which each progress step changes, so one step
-- rewrote an entry in all fourteen of them: a commit wrote ~14 pages where a bare
-- INSERT writes one. Plain pages no longer ask SQLite (the in-memory orderings of
-- core/order_index.py answer them); what still does, by its query plan:
--   - a date-bounded page or total: reports_by_last_activity (a range), then a sort;
--   - a search that matches much of the data: a walk along the sort field's index,
--     stopped once the page is full ("USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"
--     breaks ties by transaction_id within one key, so no tail is needed);
--   - a search naming an activity title: reports_by_title_exact (activity_title IN);
--   - a learner's registrations: reports_by_email (organization_id, email);
--   - building an ordering in memory: its field's index gives the rows near-sorted;
--   - `/_sim/registrations` (newest change first): reports_by_transaction.
-- So the text-field indexes are kept without the tail (a progress step leaves them
-- alone); reports_by_transaction and reports_by_last_activity, which each step must
-- change, stay as they were; reports_by_progress, which each step must change too
-- and only serves a search sorted by progress, is dropped: such a page is sorted
-- from the search's matches instead.
DROP INDEX reports_by_first_name;
DROP INDEX reports_by_last_name;
DROP INDEX reports_by_email;
DROP INDEX reports_by_member;
DROP INDEX reports_by_activity_id;
DROP INDEX reports_by_activity_title;
DROP INDEX reports_by_registration;
DROP INDEX reports_by_date_started;
DROP INDEX reports_by_progress;
DROP INDEX reports_by_date_completed;
DROP INDEX reports_by_completion_code;
DROP INDEX reports_by_title_exact;

CREATE INDEX reports_by_first_name ON registrations (organization_id, first_name COLLATE NOCASE);
CREATE INDEX reports_by_last_name ON registrations (organization_id, last_name COLLATE NOCASE);
CREATE INDEX reports_by_email ON registrations (organization_id, email COLLATE NOCASE);
CREATE INDEX reports_by_member
    ON registrations (organization_id, member_identifier COLLATE NOCASE);
CREATE INDEX reports_by_activity_id ON registrations (organization_id, activity_id COLLATE NOCASE);
CREATE INDEX reports_by_activity_title
    ON registrations (organization_id, activity_title COLLATE NOCASE);
CREATE INDEX reports_by_registration
    ON registrations (organization_id, registration COLLATE NOCASE);
CREATE INDEX reports_by_date_started
    ON registrations (organization_id, date_started COLLATE NOCASE);
CREATE INDEX reports_by_date_completed
    ON registrations (organization_id, date_completed COLLATE NOCASE);
CREATE INDEX reports_by_completion_code
    ON registrations (organization_id, completion_code COLLATE NOCASE);
CREATE INDEX reports_by_title_exact ON registrations (organization_id, activity_title);
