"""The webhook delivery engine (the imperative shell around `core.bundling`,
`core.delivery`, `core.faults`, `core.retry` and `core.subscriptions`).

`engine` (life cycle, recovery) composes `registry` (subscriptions, outages),
`bundler` (windows) and `worker` (attempts, over `transport` and `slots`).
"""

from simulator.store.webhooks import DELIVERY_LOG_CAP
from simulator.webhooks.engine import WebhookEngine

__all__ = ["DELIVERY_LOG_CAP", "WebhookEngine"]
