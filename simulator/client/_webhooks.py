"""Webhook subscriptions, outages, the delivery log and the missed ledger."""

from __future__ import annotations

from typing import Any, Literal, Protocol, TypedDict, Unpack

from simulator.client._http import HttpClient

Outcome = Literal["delivered", "failed", "dropped"]


class WebhookFields(TypedDict, total=False):
    """A subscription's settings, spelt as in its JSON (`POST /_sim/webhooks`)."""

    organizationId: str
    """Whose events it receives; the default organization when left out."""
    auth: Literal["header", "query"]
    """How the token travels: a `tokenName: tokenValue` header or `?tokenName=tokenValue`."""
    tokenName: str
    tokenValue: str
    bundleWindowMs: int
    """How long events are gathered into one bundle (default 500)."""
    maxBundle: int
    """Records per bundle at most (default 100)."""
    retrySchedule: list[float]
    """Seconds to wait after failed attempt i+1 before the next (default [1, 5, 30])."""
    timeoutS: float
    """Seconds an attempt may take (default 10)."""
    allowInsecure: bool
    """Allow a plain-HTTP URL (the vendor requires HTTPS)."""
    ca: str
    """PEM of CA certificates trusted for this endpoint, besides the system's."""
    maxInFlight: int
    faults: dict[str, Any]
    """Injected faults: seed, drop, duplicate, delay, script (statuses of the next attempts)."""


class ReceiverLike(Protocol):
    """What `add_receiver_webhook` needs of a receiver (`simulator.Receiver` has it)."""

    url: str
    ca_pem: bytes | None


class WebhookMethods(HttpClient):
    def add_webhook(self, url: str, **fields: Unpack[WebhookFields]) -> dict[str, Any]:
        """Subscribe `url` to an organization's events; the subscription as created.

        Fields are spelt as in the JSON (`retrySchedule=[1, 5]`, `allowInsecure=True`).
        A bad field raises `SimulatorError` (400) naming it.
        """
        return dict(self.call("POST", "/_sim/webhooks", {"url": url, **fields}))

    def add_receiver_webhook(
        self, receiver: ReceiverLike, **fields: Unpack[WebhookFields]
    ) -> dict[str, Any]:
        """Subscribe a `Receiver`: trusting its CA when it serves HTTPS, else allowing HTTP."""
        if receiver.ca_pem:
            fields.setdefault("ca", receiver.ca_pem.decode())
        elif receiver.url.startswith("http:"):
            fields.setdefault("allowInsecure", True)
        return self.add_webhook(receiver.url, **fields)

    def webhooks(self, organization_id: str | None = None) -> list[dict[str, Any]]:
        """Every subscription (of one organization when given), with outages and bundles owed."""
        return list(self.call("GET", "/_sim/webhooks", query={"organizationId": organization_id}))

    def webhook(self, webhook_id: str) -> dict[str, Any]:
        """One subscription, with its outage windows and `pendingBundles`."""
        return dict(self.call("GET", f"/_sim/webhooks/{webhook_id}"))

    def update_webhook(self, webhook_id: str, **fields: Unpack[WebhookFields]) -> dict[str, Any]:
        """Change some fields of a subscription (`faults.script` replaces the script)."""
        return dict(self.call("PATCH", f"/_sim/webhooks/{webhook_id}", dict(fields)))

    def delete_webhook(self, webhook_id: str) -> None:
        """Unsubscribe; bundles still owed go on the missed ledger."""
        self.call("DELETE", f"/_sim/webhooks/{webhook_id}")

    def outage(
        self,
        webhook_id: str,
        *,
        duration: float | None = None,
        end: str | None = None,
        start: str | None = None,
        mode: str = "refuse",
    ) -> dict[str, Any]:
        """An outage window on the simulator's clock, from now unless `start` (ISO-8601 UTC).

        Give `duration` (seconds) or `end`. `mode` is what every attempt meets inside
        it: "refuse" (connection refused), "status:503" (any status), or "timeout".
        """
        body: dict[str, Any] = {"mode": mode}
        for name, value in (("duration", duration), ("end", end), ("start", start)):
            if value is not None:
                body[name] = value
        return dict(self.call("POST", f"/_sim/webhooks/{webhook_id}/outages", body))

    def outages(self, webhook_id: str) -> list[dict[str, Any]]:
        """The subscription's outage windows."""
        return list(self.call("GET", f"/_sim/webhooks/{webhook_id}/outages"))

    def clear_outages(self, webhook_id: str) -> int:
        """End every outage window of the subscription; how many there were."""
        return int(self.call("DELETE", f"/_sim/webhooks/{webhook_id}/outages")["cleared"])

    def deliveries(
        self,
        *,
        webhook_id: str | None = None,
        bundle_id: str | None = None,
        outcome: Outcome | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """The delivery log, oldest first: every attempt, with outcome, status and error.

        `after` is a delivery id (attempts logged after it); `limit` defaults to 1000.
        """
        query = _delivery_query(webhook_id, bundle_id, outcome, after)
        return list(self.call("GET", "/_sim/deliveries", query={**query, "limit": limit}))

    def wait_for_deliveries(
        self,
        count: int,
        timeout: float = 10.0,
        *,
        webhook_id: str | None = None,
        bundle_id: str | None = None,
        outcome: Outcome | None = None,
        after: int | None = None,
    ) -> list[dict[str, Any]]:
        """Block until `count` logged attempts match the filters; `TimeoutError` otherwise.

        `timeout` is in real seconds (at most 300): use it for a system clock, or
        for deliveries that need no clock move; with the virtual clock, `advance()`.
        """
        query = {"count": count, "timeout": timeout}
        query.update(_delivery_query(webhook_id, bundle_id, outcome, after))
        answer = self.call("GET", "/_sim/deliveries/wait", query=query)
        if answer["timedOut"]:
            raise TimeoutError(
                f"{answer['count']} of {count} delivery attempts within {timeout:g} s: "
                f"{answer['deliveries']}"
            )
        return list(answer["deliveries"])

    def missed(self, webhook_id: str | None = None) -> list[dict[str, Any]]:
        """The missed ledger: transactions dropped for good, never resent (audit these)."""
        return list(self.call("GET", "/_sim/missed", query={"webhookId": webhook_id}))


def _delivery_query(
    webhook_id: str | None, bundle_id: str | None, outcome: str | None, after: int | None
) -> dict[str, Any]:
    return {"webhookId": webhook_id, "bundleId": bundle_id, "outcome": outcome, "after": after}
