-- The webhook worker's question after every attempt (due first, none in flight), which
-- then stops at its limit: without this index SQLite read every waiting body and sorted
-- them (tens of ms per attempt at 1,000 waiting bundles). It was made by WebhookStore
-- on every construction, so on every start and every reset (two DDL statements, about
-- 0.13 ms of a 2 ms reset); IF NOT EXISTS, since every database it ran on has it.
CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (webhook_id, next_attempt_at, seq, id);
