"""Organizations (integrators): who may launch from where, and with which LMSID."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from msgspec import Struct, field

from simulator.core.errors import BadRequest
from simulator.core.input_boundary import text_problem

ENVIRONMENTS = ("staging", "production")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# The usual host name in one match: labels as `_HOST_LABEL`, one dot between them. What
# it accepts, the label-by-label test accepts too; what it refuses goes to that test.
_PLAIN_HOST = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
)


class OrganizationError(BadRequest):
    """An organization definition that cannot be used.

    `str()` keeps the full path ("organizations[2].id ...", for fixture files); the
    HTTP answer drops the leading "organization." a request body would carry.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, "organization")
        self.message = message.removeprefix("organization.")


class Organization(Struct, frozen=True):
    id: str
    name: str
    token: str
    domains: tuple[str, ...]
    lms_ids: Mapping[str, str] = field(default_factory=dict)
    user_verification: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "token": self.token,
            "domains": list(self.domains),
            "lmsIds": {env: self.lms_ids.get(env, "") for env in ENVIRONMENTS},
            "userVerification": self.user_verification,
        }


def is_host_name(value: str) -> bool:
    """RFC 1123 host name (what `dom` must be): labels of letters, digits, hyphens."""
    if not value or len(value) > 253:
        return False
    if _PLAIN_HOST.fullmatch(value):  # every launch asks: the common case in one step
        return True
    return all(_HOST_LABEL.match(label) for label in value.lower().rstrip(".").split("."))


def domain_allowed(dom: str, patterns: Iterable[str]) -> bool:
    """Whether `dom` is one of the organization's domains (`*.x` admits any subdomain of x)."""
    dom = dom.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("*."):
            if dom.endswith(pattern[1:]) and len(dom) > len(pattern) - 1:
                return True
        elif dom == pattern:
            return True
    return False


def _check_texts(
    where: str, org_id: str, name: str, token: str, domains: list[str], lms_ids: Mapping[str, Any]
) -> None:
    """Fixture or request alike: nothing SQLite or JSON cannot take (NUL, lone surrogates)."""
    texts = [("id", org_id), ("name", name), ("token", token)]
    texts += [(f"domains[{i}]", d) for i, d in enumerate(domains)]
    texts += [(f"lmsIds.{env}", lms_ids[env]) for env in ENVIRONMENTS]
    for key, text in texts:
        problem = text_problem(text)
        if problem is not None:
            raise OrganizationError(f"{where}.{key} {problem}")


def parse_organization(data: Mapping[str, Any], where: str = "organization") -> Organization:
    """Validate one organization from fixtures or `POST /_sim/organizations`."""
    if not isinstance(data, Mapping):
        raise OrganizationError(f"{where} must be an object")
    for key in ("id", "name"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise OrganizationError(f"{where}.{key} must be a non-empty string")
    token = data.get("token") or str(uuid.uuid4())
    if not isinstance(token, str):
        raise OrganizationError(f"{where}.token must be a string")
    domains = data.get("domains", [])
    if (
        not isinstance(domains, list)
        or not domains
        or not all(isinstance(d, str) and is_host_name(d.removeprefix("*.")) for d in domains)
    ):
        raise OrganizationError(
            f'{where}.domains must be a non-empty list of host names ("*.example.com" allowed)'
        )
    lms_ids = data.get("lmsIds", {})
    if not isinstance(lms_ids, Mapping) or not all(
        isinstance(lms_ids.get(env), str) and lms_ids[env] for env in ENVIRONMENTS
    ):
        raise OrganizationError(f"{where}.lmsIds must give a staging and a production LMSID")
    if lms_ids["staging"] == lms_ids["production"]:
        raise OrganizationError(f"{where}.lmsIds: staging and production must differ")
    _check_texts(where, data["id"], data["name"], token, domains, lms_ids)
    verification = data.get("userVerification", False)
    if not isinstance(verification, bool):
        raise OrganizationError(f"{where}.userVerification must be true or false")
    return Organization(
        id=data["id"].strip(),
        name=data["name"].strip(),
        token=token,
        domains=tuple(domains),
        lms_ids={env: lms_ids[env] for env in ENVIRONMENTS},
        user_verification=verification,
    )
