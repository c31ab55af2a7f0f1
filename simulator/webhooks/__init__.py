"""The webhook delivery engine (the imperative shell around `core.bundling`,
`core.retry`, `core.faults` and `core.subscriptions`)."""

from simulator.webhooks.engine import WebhookEngine

__all__ = ["WebhookEngine"]
