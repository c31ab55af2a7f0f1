"""Contract tests: each checks one rule of the vendor docs, named in its docstring.

By default they run against the in-process simulator (`media77_sim` from the
package's pytest plugin). `media77-sim contract --target-url URL --target-token T`
runs them against another running simulator instead (a container, another
version): it must expose the control API, which the tests use to create state.
"""

from __future__ import annotations

import os

import pytest

from simulator.client import SimulatorClient

TARGET_URL = os.environ.get("MEDIA77_CONTRACT_URL", "")
TARGET_TOKEN = os.environ.get("MEDIA77_CONTRACT_TOKEN", "")
ADMIN_TOKEN = os.environ.get("MEDIA77_SIM_ADMIN_TOKEN", "")


# The twelve fields of a record, in the vendor's order (activity-progress-api.txt):
# written here from the vendor's page, never taken from the implementation.
VENDOR_RECORD_FIELDS = [
    "transactionId",
    "firstName",
    "lastName",
    "email",
    "memberIdentifier",
    "activityId",
    "activityTitle",
    "registration",
    "dateStarted",
    "progress",
    "dateCompleted",
    "completionCode",
]


@pytest.fixture
def record_fields() -> list[str]:
    """The record's documented fields, in the documented order."""
    return list(VENDOR_RECORD_FIELDS)


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> SimulatorClient:
    if not TARGET_URL:
        client: SimulatorClient = request.getfixturevalue("media77_sim")
        return client
    client = SimulatorClient(TARGET_URL, admin_token=ADMIN_TOKEN, token=TARGET_TOKEN or None)
    client.reset()
    return client
