"""The subscription registry: which endpoints exist, their outages and scripts.

It keeps the parsed subscriptions in memory for the delivery loop and every change
in the store at once, so a restart (or a rebuilt engine) finds the same state.
Validation is `core.subscriptions`; this module only adds what needs the store:
ids, the organization a subscription belongs to, and the CA it can really load.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from msgspec.structs import replace

from simulator.config import Config, ConfigError
from simulator.core.errors import NotFound
from simulator.core.faults import Outage, Scripted, active_outage
from simulator.core.subscriptions import Subscription, SubscriptionError, parse_subscription
from simulator.service import Simulation
from simulator.store.webhooks import WebhookStore
from simulator.webhooks import transport

log = logging.getLogger("simulator.webhooks")


def config_subscription_fields(config: Config) -> dict[str, Any]:
    """The subscription `serve --webhook-url ...` asks for."""
    return {
        "url": config.webhook_url,
        "auth": config.webhook_auth,
        "tokenName": config.webhook_token_name or "access_token",
        "tokenValue": config.webhook_token_value,
    }


class Registry:
    def __init__(self, sim: Simulation, db: WebhookStore) -> None:
        self.sim = sim
        self.db = db
        self._subs: dict[str, Subscription] = {}
        self._outages: dict[str, list[Outage]] = {}

    # -- loading ----------------------------------------------------------------------------

    def load(self) -> None:
        """Read every stored subscription; one an older version wrote badly is skipped."""
        self._subs.clear()
        self._outages.clear()
        for stored in self.db.subscriptions():
            try:
                sub = self._parse(stored.body, stored.id, stored.organization_id)
            except SubscriptionError as error:
                log.warning("webhook %s cannot be loaded: %s", stored.id, error)
                continue
            self._subs[sub.id] = sub
            self._outages[sub.id] = self.db.outages(sub.id)

    def ensure_config_subscription(self) -> None:
        """`--webhook-url`: create the subscription, or bring the stored one up to date."""
        config = self.sim.config
        if not config.webhook_url:
            return
        fields = config_subscription_fields(config)
        existing = next((s for s in self.db.subscriptions() if s.from_config), None)
        try:
            if existing is None:
                org = self.sim.store.default_organization().id
                sub = self._parse(fields, self.db.next_subscription_id(), org)
                self.db.add_subscription(sub.id, org, sub.to_json(), from_config=True)
            else:
                sub = self._parse(
                    fields, existing.id, existing.organization_id, self._subs.get(existing.id)
                )
                self.db.update_subscription(sub.id, sub.to_json())
        except SubscriptionError as error:
            raise ConfigError(f"--webhook-url: {error}") from None
        self._subs[sub.id] = sub
        self._outages.setdefault(sub.id, [])

    def _parse(
        self, data: Mapping[str, Any], sub_id: str, org_id: str, base: Subscription | None = None
    ) -> Subscription:
        sub = parse_subscription(
            data,
            id=sub_id,
            organization_id=org_id,
            insecure_allowed_globally=self.sim.config.allow_insecure_webhooks,
            base=base,
        )
        if sub.ca:
            try:
                transport.tls_context(subscription_ca=sub.ca)
            except (ssl.SSLError, ValueError) as error:
                raise SubscriptionError(
                    f"ca is not a usable PEM certificate: {error}", "ca"
                ) from None
        return sub

    # -- reading ----------------------------------------------------------------------------

    def all(self, organization_id: str | None = None) -> list[Subscription]:
        """The subscriptions (of one organization): asked once per transaction."""
        if organization_id is None:
            return list(self._subs.values())
        return [s for s in self._subs.values() if s.organization_id == organization_id]

    def get(self, sub_id: str) -> Subscription | None:
        return self._subs.get(sub_id)

    def require(self, sub_id: str) -> Subscription:
        sub = self._subs.get(sub_id)
        if sub is None:
            raise NotFound(f"webhook {sub_id!r} does not exist", "id")
        return sub

    # -- changing ---------------------------------------------------------------------------

    def create(self, data: Mapping[str, Any]) -> Subscription:
        """A new subscription; `organizationId` defaults to the default organization."""
        if "organizationId" in data:
            org_id = data["organizationId"]
        else:
            org_id = self.sim.store.default_organization().id
        if not isinstance(org_id, str) or self.sim.store.organization(org_id) is None:
            raise NotFound(f"organization {org_id!r} does not exist", "organizationId")
        if "id" in data:
            raise SubscriptionError("id is given by the simulator", "id")
        sub = self._parse(data, self.db.next_subscription_id(), org_id)
        self.db.add_subscription(sub.id, org_id, sub.to_json(), from_config=False)
        self._subs[sub.id] = sub
        self._outages[sub.id] = []
        return sub

    def update(self, sub_id: str, data: Mapping[str, Any]) -> tuple[Subscription, Subscription]:
        """Change some fields; returns (before, after)."""
        current = self.require(sub_id)
        if "organizationId" in data and data["organizationId"] != current.organization_id:
            raise SubscriptionError(
                "organizationId cannot change: delete and create the subscription",
                "organizationId",
            )
        if "id" in data and data["id"] != sub_id:
            raise SubscriptionError("id cannot change", "id")
        sub = self._parse(data, sub_id, current.organization_id, current)
        self.db.update_subscription(sub_id, sub.to_json())
        self._subs[sub_id] = sub
        return current, sub

    def forget(self, sub_id: str) -> None:
        self.db.delete_subscription(sub_id)
        self._subs.pop(sub_id, None)
        self._outages.pop(sub_id, None)

    def next_scripted(self, sub_id: str) -> Scripted | None:
        """Use up the next scripted outcome (kept in the store: a restart goes on from it)."""
        sub = self._subs.get(sub_id)
        if sub is None or not sub.faults.script:
            return None
        head, rest = sub.faults.script[0], sub.faults.script[1:]
        updated = replace(sub, faults=replace(sub.faults, script=rest))
        self._subs[sub_id] = updated
        self.db.update_subscription(sub_id, updated.to_json())
        return head

    # -- outages ----------------------------------------------------------------------------

    def add_outage(self, sub_id: str, start: datetime, end: datetime, mode: str) -> Outage:
        self.require(sub_id)
        outage = self.db.add_outage(sub_id, start, end, mode)
        self._outages.setdefault(sub_id, []).append(outage)
        return outage

    def outages(self, sub_id: str) -> list[Outage]:
        return list(self._outages.get(sub_id, []))

    def outage_at(self, sub_id: str, moment: datetime) -> Outage | None:
        return active_outage(self._outages.get(sub_id, []), moment)

    def clear_outages(self, sub_id: str) -> int:
        self.require(sub_id)
        self._outages[sub_id] = []
        return self.db.clear_outages(sub_id)
