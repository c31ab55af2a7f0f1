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
