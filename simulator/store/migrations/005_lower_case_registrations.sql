-- Registrations are identified case-insensitively and carried in lower case
-- (docs/decisions.md D-L4). Rows kept as sent before are lower-cased, with their
-- transactions and launch log rows; lookups then lower-case the `reg` asked for.
-- A row whose lower-case twin already exists is left as it was (OR IGNORE).
UPDATE OR IGNORE registrations SET registration = lower(registration)
WHERE registration <> lower(registration);
UPDATE transactions SET registration = lower(registration)
WHERE registration <> lower(registration)
  AND registration NOT IN (SELECT registration FROM registrations);
UPDATE launches SET registration = lower(registration)
WHERE registration <> lower(registration);
