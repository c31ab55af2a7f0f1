"""Organizations (integrators) as the control API and the webhook area see them.

The rule that "no organization named" means the default one (the first listed)
lives here, once, for every caller.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from simulator.core.errors import BadRequest, NotFound, ServiceError
from simulator.core.organizations import Organization, parse_organization
from simulator.store import Store


class Organizations:
    def __init__(self, store: Store) -> None:
        self.store = store

    def all(self) -> list[Organization]:
        """Every organization, the default one first."""
        return self.store.organizations()

    def default_organization(self) -> Organization:
        return self.store.default_organization()

    def get(self, org_id: str, field: str = "organizationId") -> Organization:
        """The organization `org_id`, or NotFound naming `field`."""
        found = self.store.organization(org_id)
        if found is None:
            raise NotFound(f"organization {org_id!r} does not exist", field)
        return found

    def get_or_default(self, org_id: object = None, field: str = "organizationId") -> Organization:
        """The organization a request names, the default one when it names none."""
        if org_id is None:
            return self.default_organization()
        if not isinstance(org_id, str):
            raise NotFound(f"organization {org_id!r} does not exist", field)
        return self.get(org_id, field)

    def for_token(self, token: object, unknown: ServiceError) -> Organization:
        """The organization a request names by its API token; `unknown` when none has it."""
        if not isinstance(token, str):
            raise BadRequest("token must be text: the API token you were provisioned", "token")
        org = self.by_token(token)
        if org is None:
            raise unknown
        return org

    def by_token(self, token: str) -> Organization | None:
        """The organization whose API token is `token`, compared in constant time.

        Every organization's token is compared, whatever matches, and each
        comparison is `secrets.compare_digest`: no `==` (and no SQL `=`) whose
        timing could tell a caller how much of a guessed token was right.
        """
        given = token.encode("utf-8", "surrogatepass")
        found: Organization | None = None
        for org in self.store.organizations():
            if secrets.compare_digest(given, org.token.encode("utf-8", "surrogatepass")):
                found = org
        return found

    def add(self, data: Mapping[str, object]) -> Organization:
        """Validate and store a new organization (400 when invalid, 409 when it clashes)."""
        return self.store.add_organization(parse_organization(data))
