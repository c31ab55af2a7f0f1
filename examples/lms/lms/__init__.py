"""A small LMS's side of the 77media integration: launch links, webhook, audit.

- `launch`: builds the course links the LMS shows its learners.
- `webhook`: the endpoint 77media POSTs progress bundles to.
- `audit`: the daily job that pages the Activity Progress API and fills in what
  the webhook missed (77media never resends a dropped bundle).
- `store`: the SQLite tables all three share.
"""
