"""Webhook subscriptions: what a valid one looks like.

The vendor "requires an SSL encrypted endpoint", so a subscription is HTTPS unless
the user explicitly allows plain HTTP (per subscription, or for the whole
simulator with `--allow-insecure-webhooks`) — a local receiver during
development. The access token goes in a header or the query string, as the docs
describe.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from msgspec import Struct, field

from simulator.core.bundling import DEFAULT_MAX_BUNDLE, DEFAULT_WINDOW_MS
from simulator.core.errors import BadRequest
from simulator.core.faults import FaultError, Faults, parse_faults
from simulator.core.retry import DEFAULT_SCHEDULE, check_schedule

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_IN_FLIGHT = 8
MAX_WINDOW_MS = 600_000
MAX_BUNDLE_LIMIT = 1000
MAX_TIMEOUT_S = 300.0
MAX_URL_LENGTH = 2000
_TOKEN_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$")
_FORBIDDEN_HEADERS = {"content-type", "content-length", "host", "transfer-encoding", "connection"}

EDITABLE = (
    "url",
    "auth",
    "tokenName",
    "tokenValue",
    "bundleWindowMs",
    "maxBundle",
    "retrySchedule",
    "timeoutS",
    "allowInsecure",
    "faults",
    "ca",
    "maxInFlight",
)


class AuthMode(StrEnum):
    """Where the access token travels, as the vendor's docs offer."""

    HEADER = "header"
    QUERY = "query"


class SubscriptionError(BadRequest):
    """A subscription field that cannot be used (400): `field` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, field)


class Subscription(Struct, frozen=True):
    id: str
    organization_id: str
    url: str
    auth: AuthMode = AuthMode.HEADER
    token_name: str = "access_token"
    token_value: str = ""
    bundle_window_ms: int = DEFAULT_WINDOW_MS
    max_bundle: int = DEFAULT_MAX_BUNDLE
    retry_schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    timeout_s: float = DEFAULT_TIMEOUT_S
    allow_insecure: bool = False
    faults: Faults = field(default_factory=Faults)
    ca: str = ""
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organizationId": self.organization_id,
            "url": self.url,
            "auth": self.auth,
            "tokenName": self.token_name,
            "tokenValue": self.token_value,
            "bundleWindowMs": self.bundle_window_ms,
            "maxBundle": self.max_bundle,
            "retrySchedule": [_number(s) for s in self.retry_schedule],
            "timeoutS": _number(self.timeout_s),
            "allowInsecure": self.allow_insecure,
            "faults": self.faults.to_json(),
            "ca": self.ca,
            "maxInFlight": self.max_in_flight,
        }

    def target(self) -> tuple[str, dict[str, str]]:
        """The URL to POST to and the auth header(s) to send."""
        if not self.token_value:
            return self.url, {}
        if self.auth is AuthMode.HEADER:
            return self.url, {self.token_name: self.token_value}
        parts = urllib.parse.urlsplit(self.url)
        extra = urllib.parse.urlencode({self.token_name: self.token_value})
        query = f"{parts.query}&{extra}" if parts.query else extra
        return urllib.parse.urlunsplit(parts._replace(query=query)), {}


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _int_field(data: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SubscriptionError(f"{name} must be a whole number", name)
    if not low <= value <= high:
        raise SubscriptionError(f"{name} must be {low} to {high}", name)
    return value


def _url_error(message: str) -> SubscriptionError:
    return SubscriptionError(message, "url")


def check_url(url: object, insecure_ok: bool) -> str:
    """An endpoint as DESIGN allows it, exactly as given (never trimmed or repaired).

    Absolute http(s) with a host, no user info, no whitespace or control characters
    (a CR/LF would split the request line), a port in 1-65535, no fragment.
    """
    if not isinstance(url, str) or not url:
        raise _url_error("url is required: the https:// address of your endpoint")
    if len(url) > MAX_URL_LENGTH:
        raise _url_error(f"url is longer than {MAX_URL_LENGTH} characters")
    bad = next((c for c in url if c.isspace() or not c.isprintable()), None)
    if bad is not None:
        raise _url_error(f"url must not contain whitespace or control characters ({bad!r})")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # raises ValueError on a port that is not 0-65535
    except ValueError as error:
        raise _url_error(f"url is not a valid URL: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _url_error("url must be an absolute http(s):// URL with a host")
    if "@" in parts.netloc:
        raise _url_error("url must not carry user info (user:password@): use tokenName/tokenValue")
    if port is not None and not 1 <= port <= 65535:
        raise _url_error("url port must be 1 to 65535")
    if parts.fragment or "#" in url:
        raise _url_error("url must not have a #fragment")
    if parts.scheme == "http" and not insecure_ok:
        raise _url_error(
            "the vendor delivers only to HTTPS endpoints: use https://, or set "
            '"allowInsecure": true (or serve --allow-insecure-webhooks) for a local HTTP receiver'
        )
    return url


def parse_subscription(
    data: Mapping[str, Any],
    *,
    id: str,
    organization_id: str,
    insecure_allowed_globally: bool = False,
    base: Subscription | None = None,
) -> Subscription:
    """Validate a create (no `base`) or an update (fields over `base`)."""
    known = {"id", "organizationId", *EDITABLE}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SubscriptionError(
            f"unknown field {unknown[0]!r}: expected some of {', '.join(sorted(known))}",
            unknown[0],
        )
    current = (base or Subscription(id=id, organization_id=organization_id, url="")).to_json()
    merged = {**current, **{k: v for k, v in data.items() if k in EDITABLE}}
    allow_insecure = merged["allowInsecure"]
    if not isinstance(allow_insecure, bool):
        raise SubscriptionError("allowInsecure must be true or false", "allowInsecure")
    url = check_url(merged["url"], allow_insecure or insecure_allowed_globally)
    if not isinstance(merged["auth"], str) or merged["auth"] not in frozenset(AuthMode):
        raise SubscriptionError('auth must be "header" or "query"', "auth")
    auth = AuthMode(merged["auth"])
    token_name, token_value = merged["tokenName"], merged["tokenValue"]
    if not isinstance(token_name, str) or not _TOKEN_NAME.match(token_name):
        raise SubscriptionError(
            "tokenName must be 1-100 characters allowed in a header name (e.g. access_token)",
            "tokenName",
        )
    if auth is AuthMode.HEADER and token_name.lower() in _FORBIDDEN_HEADERS:
        raise SubscriptionError(f"tokenName {token_name!r} is a reserved header", "tokenName")
    if not isinstance(token_value, str) or len(token_value) > 1000:
        raise SubscriptionError("tokenValue must be text of at most 1000 characters", "tokenValue")
    if any(ord(c) < 32 or ord(c) == 127 for c in token_value):
        raise SubscriptionError("tokenValue must not contain control characters", "tokenValue")
    if auth is AuthMode.HEADER and not token_value.isascii():
        raise SubscriptionError(
            'tokenValue must be ASCII to travel in a header (or use "auth": "query")', "tokenValue"
        )
    try:
        schedule = check_schedule(merged["retrySchedule"])
    except ValueError as error:
        raise SubscriptionError(str(error), "retrySchedule") from None
    timeout = merged["timeoutS"]
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise SubscriptionError("timeoutS must be a number of seconds", "timeoutS")
    if not 0 < timeout <= MAX_TIMEOUT_S:
        raise SubscriptionError(
            f"timeoutS must be more than 0 and at most {MAX_TIMEOUT_S}", "timeoutS"
        )
    try:
        faults = parse_faults(merged["faults"])
    except FaultError as error:
        raise SubscriptionError(str(error), "faults") from None
    ca = merged["ca"]
    if not isinstance(ca, str) or (ca and "-----BEGIN CERTIFICATE-----" not in ca):
        raise SubscriptionError("ca must be PEM text of one or more CA certificates", "ca")
    subscription = Subscription(
        id=id,
        organization_id=organization_id,
        url=url,
        auth=auth,
        token_name=token_name,
        token_value=token_value,
        bundle_window_ms=_int_field(merged, "bundleWindowMs", DEFAULT_WINDOW_MS, 0, MAX_WINDOW_MS),
        max_bundle=_int_field(merged, "maxBundle", DEFAULT_MAX_BUNDLE, 1, MAX_BUNDLE_LIMIT),
        retry_schedule=schedule,
        timeout_s=float(timeout),
        allow_insecure=allow_insecure,
        faults=faults,
        ca=ca,
        max_in_flight=_int_field(merged, "maxInFlight", DEFAULT_MAX_IN_FLIGHT, 1, 256),
    )
    return subscription
