"""What the contract suite runs against, and what it may do there.

Three modes, chosen from what the target offers (never from a flag, so a suite pointed
at the vendor can never try to write to it):

- `in-process`: no target URL; the package's `media77_sim` simulator (virtual clock).
- `control`: a running simulator with its control API. The suite works only inside
  organizations it creates itself (fresh token, LMSIDs and domain) and subscriptions it
  creates to its own receiver, deletes those subscriptions afterwards, and never resets
  the target. Clock-moving tests need the target's clock to be virtual.
- `read-only`: no control API (the vendor's staging system, or `serve --control-api off`).
  Only read-only checks of the progress API run, each reserving its calls from a budget
  announced before the first call.

Only the package's public API is used here (`SimulatorClient`), never its internals.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import quote

from simulator.client import Response, SimulatorClient

REQUIREMENTS_FILE = Path(__file__).with_name("REQUIREMENTS.md")
_ROW = re.compile(
    r"^\|\s*([A-Z]+(?:-[A-Z]+)*-\d{3})\s*\|(.*)\|\s*(vendor|reading[^|]*?)\s*\|\s*(\w+)\s*\|"
)


class Mode(StrEnum):
    IN_PROCESS = "in-process"
    CONTROL = "control"
    READ_ONLY = "read-only"


CURRENT_MODE = Mode.IN_PROCESS  # set by conftest's pytest_configure, before tests import


class Need(StrEnum):
    """What a requirement needs of the target, weakest first (REQUIREMENTS.md's modes)."""

    ALL = "all"
    CONTROL = "control"
    CLOCK = "clock"


@dataclass(frozen=True)
class Requirement:
    id: str
    rule: str
    source: str
    need: Need

    @property
    def is_vendor_rule(self) -> bool:
        return self.source == "vendor"


def load_requirements(path: Path = REQUIREMENTS_FILE) -> dict[str, Requirement]:
    """The requirement table, by id, as REQUIREMENTS.md lists it."""
    found: dict[str, Requirement] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            rid, rule, source, need = (part.strip() for part in match.groups())
            found[rid] = Requirement(rid, rule, source, Need(need))
    return found


class BudgetSpent(Exception):
    """A read-only test asked for more progress-API calls than the budget has left."""


@dataclass
class Budget:
    """Progress-API calls the suite may still spend on a target it must not burden."""

    limit: int | None  # None: unlimited (the suite's own simulator)
    spent: int = 0
    reserved: int = 0

    def reserve(self, calls: int) -> None:
        if self.limit is not None and self.spent + self.reserved + calls > self.limit:
            raise BudgetSpent(
                f"needs {calls} progress-API calls; {self.left} of the budget of "
                f"{self.limit} left (raise it with --max-api-calls)"
            )
        self.reserved += calls

    def spend(self) -> None:
        if self.limit is not None and self.spent >= self.limit:
            raise BudgetSpent(f"the budget of {self.limit} progress-API calls is spent")
        self.spent += 1
        self.reserved = max(0, self.reserved - 1)

    @property
    def left(self) -> int | None:
        return None if self.limit is None else self.limit - self.spent - self.reserved


@dataclass(frozen=True)
class Probe:
    """What a target offers, read from two GETs that change nothing."""

    mode: Mode
    virtual_clock: bool
    environment: str
    detail: str


def probe(client: SimulatorClient) -> Probe:
    """Tell a simulator with a control API from one without (or from the vendor)."""
    health = client.request("GET", "/_sim/health")
    if health.status != 200 or not isinstance(health.body, dict):
        return Probe(Mode.READ_ONLY, False, "staging", "no /_sim/health: the vendor's system")
    orgs = client.request("GET", "/_sim/organizations")
    if orgs.status in (401, 403):
        raise RuntimeError(
            f"the target's control API refused us ({orgs.status}): pass --admin-token "
            "(its MEDIA77_SIM_ADMIN_TOKEN)"
        )
    environment = str(health.body.get("environment", "staging"))
    virtual = health.body.get("clock") == "virtual"
    if orgs.status != 200:
        return Probe(Mode.READ_ONLY, virtual, environment, "control API off")
    return Probe(Mode.CONTROL, virtual, environment, f"{health.body.get('clock')} clock")


@dataclass
class Organization:
    """An organization the suite made for itself: its token, LMSIDs and domain."""

    id: str
    token: str
    domain: str
    lms_ids: dict[str, str]
    user_verification: bool = False

    @classmethod
    def fresh(cls, user_verification: bool = False) -> Organization:
        tag = uuid.uuid4().hex[:12]
        return cls(
            id=f"contract-{tag}",
            token=str(uuid.uuid4()),
            domain=f"lms-{tag}.contract.test",
            lms_ids={"staging": f"CT-STG-{tag}", "production": f"CT-PRD-{tag}"},
            user_verification=user_verification,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": f"media77 contract suite {self.id}",
            "token": self.token,
            "domains": [self.domain],
            "lmsIds": self.lms_ids,
            "userVerification": self.user_verification,
        }


def vendor_launch_url(base: str, course_id: str, params: dict[str, str]) -> str:
    """A launch URL in the vendor's documented form: after `/#/`, `%20` for spaces."""
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in params.items())
    return f"{base.rstrip('/')}/courses/{quote(course_id, safe='')}/#/?{query}"


@dataclass
class Target:
    """The target as one test sees it: a client, the organization it works in, a budget."""

    client: SimulatorClient
    mode: Mode
    virtual_clock: bool
    environment: str
    budget: Budget
    token: str
    organization: Organization | None = None
    webhooks: list[str] = field(default_factory=list)

    # -- the vendor surface ---------------------------------------------------------------

    def report(self, **fields: Any) -> Response:
        """`POST /api/reports/progress` with this test's token, charged to the budget."""
        self.budget.spend()
        return self.client.request("POST", "/api/reports/progress", {"token": self.token, **fields})

    def report_raw(self, raw: bytes, content_type: str | None) -> Response:
        """A progress-API call with a body and content type as given (still charged)."""
        self.budget.spend()
        headers = {} if content_type is None else {"Content-Type": content_type}
        return self.client.request("POST", "/api/reports/progress", raw=raw, headers=headers)

    # -- the suite's own state (control and in-process modes) -----------------------------

    @property
    def org(self) -> Organization:
        if self.organization is None:
            import pytest

            pytest.skip("makes learners of its own: needs the target's control API")
        return self.organization

    def launch_params(self, **overrides: str) -> dict[str, str]:
        org = self.org
        params = {
            "reg": str(uuid.uuid4()),
            "em": f"learner.{uuid.uuid4().hex[:8]}@{org.domain}",
            "fn": "Ada Lovelace",
            "dom": org.domain,
            "lmsId": org.lms_ids[self.environment],
        }
        params.update(overrides)
        return params

    def launch_url(self, course_id: str = "workplace-safety", **overrides: str) -> str:
        return vendor_launch_url(self.client.url, course_id, self.launch_params(**overrides))

    def open(self, url: str, referrer: str | None = None) -> Response:
        """A whole launch URL, read as the vendor's page reads it (`POST /_sim/launches/open`)."""
        body: dict[str, Any] = {"url": url}
        if referrer is not None:
            body["referrer"] = referrer
        return self.client.request("POST", "/_sim/launches/open", body)

    def start(self, course_id: str = "workplace-safety", **overrides: str) -> dict[str, Any]:
        """A learner of this test's organization starts a course (`POST /_sim/registrations`,
        the page's validation without a browser); the registration."""
        body = {"courseId": course_id, **self.launch_params(**overrides)}
        answer = self.client.request("POST", "/_sim/registrations", body)
        assert answer.status in (200, 201), answer.body
        registration: dict[str, Any] = answer.body
        return registration

    def set_progress(self, reg: str, progress: int) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.call(
            "POST", f"/_sim/registrations/{reg}/progress", {"progress": progress}
        )
        return answer

    def complete(self, reg: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.call("POST", f"/_sim/registrations/{reg}/complete")
        return answer

    def advance(self, seconds: float) -> None:
        self.client.call("POST", "/_sim/clock", {"advance": seconds})

    def now(self) -> str:
        now: str = self.client.call("GET", "/_sim/clock")["now"]
        return now

    def subscribe(self, receiver: Any, **fields: Any) -> dict[str, Any]:
        """A subscription of this test's organization to the suite's own receiver."""
        body = {"url": receiver.url, "organizationId": self.org.id, **fields}
        if receiver.ca_pem:
            body.setdefault("ca", receiver.ca_pem.decode())
        hook: dict[str, Any] = self.client.call("POST", "/_sim/webhooks", body)
        self.webhooks.append(hook["id"])
        return hook

    def outage(self, webhook_id: str, **fields: Any) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.call(
            "POST", f"/_sim/webhooks/{webhook_id}/outages", fields
        )
        return answer

    def missed(self, webhook_id: str) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self.client.call(
            "GET", "/_sim/missed", query={"webhookId": webhook_id}
        )
        return answer

    def cleanup(self) -> None:
        """Remove what this test created (its subscriptions), and nothing else."""
        for webhook_id in self.webhooks:
            self.client.request("DELETE", f"/_sim/webhooks/{webhook_id}")
        self.webhooks.clear()


SCHEMAS = Path(__file__).resolve().parent.parent / "fixtures" / "schemas"


def schema_validator(name: str) -> Any:
    """A validator for one of the published schemas, resolving `$ref`s between them
    locally (never over the network)."""
    import json

    import jsonschema
    from referencing import Registry, Resource

    schemas = {path.name: json.loads(path.read_text("utf-8")) for path in SCHEMAS.glob("*.json")}
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    return jsonschema.Draft202012Validator(schemas[name], registry=registry)


def documented_fields() -> list[str]:
    """The record's twelve fields in the page's order ("JSON Response - API"), as the
    published record schema lists them: data the suite reads, not the simulator's code."""
    import json

    schema = json.loads((SCHEMAS / "progress-record.schema.json").read_text("utf-8"))
    return list(schema["required"])
