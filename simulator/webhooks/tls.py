"""TLS contexts for webhook attempts: built once per set of trusted CAs, then shared.

Building a context is slow and synchronous (it parses the whole system store, then
each extra CA) and each one holds its own copy of those certificates. Built per
attempt or per subscription, that work lands on the event loop every time a
subscription is created, patched or (before this cache) attempted, and the memory
grows with the subscriptions. A context is immutable once built and safe to share
between connections, so one per distinct (`--webhook-ca`, subscription `ca`) pair
is enough; the cache is bounded so a client creating endless distinct CAs cannot
grow it either.
"""

from __future__ import annotations

import ssl
from functools import lru_cache

MAX_CONTEXTS = 64


def tls_context(system_ca: str = "", subscription_ca: str = "") -> ssl.SSLContext:
    """Verify like the vendor: the system store, plus any CA the user trusts.

    Raises `OSError` (an unreadable `--webhook-ca`), `ssl.SSLError` or `ValueError`
    (not a PEM certificate); a failure is not cached.
    """
    return _built(system_ca, subscription_ca)  # one key however the caller names them


@lru_cache(maxsize=MAX_CONTEXTS)
def _built(system_ca: str, subscription_ca: str) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if system_ca:
        context.load_verify_locations(cafile=system_ca)
    if subscription_ca:
        context.load_verify_locations(cadata=subscription_ca)
    return context
