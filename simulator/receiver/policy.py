"""How the receiver answers one request: a pure function of the request and the settings.

`answer_to(arrival, settings)` decides; the server (`server.py`) only gathers what
it needs into an `Arrival` and carries the answer out. The order of precedence:

1. a scripted outcome (`script`, `fail_next`): "the next answers" win over all;
2. a wrong path (404) or method (405), so a misconfigured URL is obvious;
3. the down window (`down_for` seconds of the receiver's clock): `fail_status`;
4. the access token: 401 "token missing" / "token wrong";
5. the injected failure rate (`fail_rate`, seeded): `fail_status`;
6. a body that is not JSON: 400;
7. otherwise 200.

Every request draws one number from `random.Random(seed)`, whether or not it
reaches step 5, so request n always meets the same draw: a run is reproducible
from its seed and the order of requests alone.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.core.records import EventKind
from simulator.receiver.settings import ReceiverSettings

RESET = "reset"  # close the connection without answering
HANG = "hang"  # never answer (until the receiver is cleared or stopped)
Outcome = int | str


@dataclass(frozen=True)
class Arrival:
    """What one request carried, and what the receiver's state gave it on arrival."""

    method: str
    path: str
    body: Any  # the parsed JSON, or the raw text when `is_json` is false
    is_json: bool
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    scripted: Outcome | None = None  # the next scripted outcome, taken for this request
    draw: float = 1.0  # this request's number from random.Random(seed), in [0, 1)
    up_for: float = 0.0  # seconds of the receiver's clock since it started (or was cleared)


@dataclass(frozen=True)
class Answer:
    """What to do with one request: a status, or RESET / HANG, and why."""

    outcome: Outcome
    reason: str
    token_ok: bool

    @property
    def status(self) -> int:
        return self.outcome if isinstance(self.outcome, int) else 0

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300 and self.token_ok


@dataclass(frozen=True)
class ReceivedBundle:
    """One request as the receiver saw it and what it answered."""

    body: Any  # parsed JSON (or the raw text if not JSON)
    headers: dict[str, str]
    query: dict[str, str]
    path: str
    status: int  # what the receiver answered (0 for "reset"/"hang")
    accepted: bool  # 2xx answered and token check passed
    token_ok: bool
    received_at: float  # clock.monotonic() of arrival
    method: str = "POST"
    reason: str = ""  # why it answered so, e.g. "token missing", "down for 3.2 s more"


def received(arrival: Arrival, answer: Answer, at: float) -> ReceivedBundle:
    """The record of one request and its answer; `at` is the clock's monotonic() on arrival."""
    return ReceivedBundle(
        body=arrival.body,
        headers=dict(arrival.headers),
        query=dict(arrival.query),
        path=arrival.path,
        status=answer.status,
        accepted=answer.accepted,
        token_ok=answer.token_ok,
        received_at=at,
        method=arrival.method,
        reason=answer.reason,
    )


def validate_outcome(outcome: object) -> Outcome:
    """A final HTTP status 200-599 (a 1xx is not an answer), "reset" or "hang"; else ValueError."""
    if isinstance(outcome, bool):  # bool is an int: True would silently mean status 1
        raise ValueError(f"outcome {outcome!r}: expected an HTTP status, 'reset' or 'hang'")
    if isinstance(outcome, int):
        if 200 <= outcome <= 599:
            return outcome
        raise ValueError(f"outcome {outcome}: an answer status is 200-599")
    if outcome in (RESET, HANG):
        return str(outcome)
    raise ValueError(f"outcome {outcome!r}: expected an HTTP status, 'reset' or 'hang'")


def check_token(
    headers: Mapping[str, str], query: Mapping[str, str], name: str, value: str
) -> tuple[bool, str]:
    """Is the access token there, as a header or a query parameter? With the reason if not.

    Header names are case-insensitive (HTTP says so); query names are not. An
    empty expected value accepts anything, like an endpoint with auth turned off.
    """
    if not value:
        return True, ""
    wanted = name.lower()
    sent = [v for k, v in headers.items() if k.lower() == wanted]
    if name in query:
        sent.append(query[name])
    if not sent:
        return False, f"token missing (expected {name!r} as a header or query parameter)"
    if any(hmac.compare_digest(v.encode(), value.encode()) for v in sent):
        return True, ""
    return False, f"token wrong ({name!r} does not match)"


def bundle_shape_note(body: Any) -> str:
    """A warning when a JSON body is not the vendor's three-key bundle (still answered 200)."""
    if not isinstance(body, dict):
        return "; not a bundle object"
    missing = [k for k in EventKind.ALL if not isinstance(body.get(k), list)]
    return f"; missing or not a list: {', '.join(missing)}" if missing else ""


def answer_to(arrival: Arrival, settings: ReceiverSettings) -> Answer:
    """How to answer one request (see the module docstring for the order)."""
    token_ok, token_reason = check_token(
        arrival.headers, arrival.query, settings.token_name, settings.token_value
    )
    scripted = arrival.scripted
    if scripted is not None:
        reason = f"scripted {scripted}"
        if isinstance(scripted, int) and 200 <= scripted < 300 and not token_ok:
            reason += f" but {token_reason}"
        return Answer(scripted, reason, token_ok)
    if arrival.path != settings.path:
        return Answer(404, f"wrong path {arrival.path} (listening on {settings.path})", token_ok)
    if arrival.method != "POST":
        return Answer(405, f"method {arrival.method} not allowed (webhooks POST)", token_ok)
    down_remaining = settings.down_for - arrival.up_for if settings.down_for > 0 else 0.0
    if down_remaining > 0:
        return Answer(settings.fail_status, f"down for {down_remaining:.1f} s more", token_ok)
    if not token_ok:
        return Answer(401, token_reason, token_ok)
    if arrival.draw < settings.fail_rate:
        return Answer(settings.fail_status, f"injected failure {settings.fail_status}", token_ok)
    if not arrival.is_json:
        return Answer(400, "body is not JSON", token_ok)
    return Answer(200, "accepted" + bundle_shape_note(arrival.body), token_ok)


def parse_body(raw: bytes) -> tuple[Any, bool]:
    """The JSON value, or the raw text when it is not JSON (so a test can see what came)."""
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text), True
    except ValueError:
        return text, False


def records_of(bundles: Sequence[ReceivedBundle]) -> list[dict[str, Any]]:
    """Every record of the bundles, flattened in arrival order, each with its bundle key."""
    out: list[dict[str, Any]] = []
    for bundle in bundles:
        if not isinstance(bundle.body, dict):
            continue
        for kind in EventKind.ALL:
            items = bundle.body.get(kind)
            if isinstance(items, list):
                out.extend({**r, "kind": kind} for r in items if isinstance(r, dict))
    return out
