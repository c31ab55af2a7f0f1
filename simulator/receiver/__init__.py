"""A local webhook endpoint that records what it gets and fails on demand.

It exists so that a developer (or a test) can watch the simulator's webhook
behave like the vendor's -- bundles, retries, then silent loss -- without
writing an endpoint first. It is a real aiohttp server on a real socket,
optionally HTTPS with a trustme CA, so TLS verification is exercised for real.

The package: `settings` (the one definition of what a receiver can be told),
`policy` (how a request is answered: pure), `server` (the `Receiver`), `tls`
(its certificates).
"""

from simulator.receiver.policy import (
    HANG,
    RESET,
    Answer,
    Arrival,
    Outcome,
    ReceivedBundle,
    answer_to,
    check_token,
    records_of,
    validate_outcome,
)
from simulator.receiver.server import Receiver
from simulator.receiver.settings import ReceiverSettings, SettingsError
from simulator.receiver.tls import CERT_FILES

__all__ = [
    "CERT_FILES",
    "HANG",
    "RESET",
    "Answer",
    "Arrival",
    "Outcome",
    "ReceivedBundle",
    "Receiver",
    "ReceiverSettings",
    "SettingsError",
    "answer_to",
    "check_token",
    "records_of",
    "validate_outcome",
]
