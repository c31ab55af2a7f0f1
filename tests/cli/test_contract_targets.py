"""`media77-sim contract` pointed at running simulators, as a user would point it.

Each target is a separate `serve` process holding a user's own data and subscription;
the suite must leave both exactly as they were, announce its mode, and skip (with the
reason) what the target cannot support.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from simulator.client import SimulatorClient
from simulator.receiver import Receiver
from tests.processes import cli, served

ACME_STAGING = "ACME-STG-7701"


def users_own_state(client: SimulatorClient, receiver: Receiver) -> dict[str, Any]:
    """A user's registrations and subscription, made before the suite runs."""
    regs = []
    for i in range(3):
        regs.append(
            client.call(
                "POST",
                "/_sim/registrations",
                {
                    "courseId": "workplace-safety",
                    "reg": str(uuid.uuid4()),
                    "em": f"user{i}@example.com",
                    "fn": "User Own",
                    "dom": "localhost",
                    "lmsId": ACME_STAGING,
                },
            )["registration"]
        )
    client.call("POST", f"/_sim/registrations/{regs[0]}/progress", {"progress": 40})
    hook = client.call("POST", "/_sim/webhooks", {"url": receiver.url, "allowInsecure": True})
    return snapshot(client) | {"hook": hook["id"]}


def snapshot(client: SimulatorClient) -> dict[str, Any]:
    acme = client.call("GET", "/_sim/organizations")[0]
    return {
        "registrations": client.call(
            "GET", "/_sim/registrations", query={"organizationId": acme["id"]}
        ),
        "webhooks": client.call("GET", "/_sim/webhooks"),
    }


def run_suite(url: str, *extra: str) -> tuple[int, str]:
    result = cli("contract", "--target-url", url, *extra, timeout=300)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture
def plain_receiver() -> Any:
    with Receiver() as receiver:
        yield receiver


def test_against_a_system_clock_simulator_nothing_of_the_users_changes(
    tmp_path: Path, plain_receiver: Receiver
) -> None:
    with served("--db", str(tmp_path / "sim.db"), "--clock", "system") as (client, _):
        before = users_own_state(client, plain_receiver)
        code, output = run_suite(client.url, "--junitxml", str(tmp_path / "junit.xml"))
        assert code == 0, output[-3000:]
        assert "mode: control" in output
        assert "moves the clock: the target runs the system clock" in output
        after = snapshot(client)
        assert after["registrations"] == before["registrations"]
        assert after["webhooks"] == before["webhooks"]
    cases = ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")
    properties = [p.get("value") for case in cases for p in case.iter("property")]
    assert "PROG-001" in properties


def test_against_a_virtual_clock_simulator_nothing_is_skipped(
    tmp_path: Path, plain_receiver: Receiver
) -> None:
    with served("--db", str(tmp_path / "sim.db"), "--clock", "virtual") as (client, _):
        before = users_own_state(client, plain_receiver)
        code, output = run_suite(client.url)
        assert code == 0, output[-3000:]
        assert "skipped" not in output.splitlines()[-1]
        after = snapshot(client)
        assert after["registrations"] == before["registrations"]
        assert after["webhooks"] == before["webhooks"]


def test_against_a_simulator_without_control_api_reads_within_its_budget(tmp_path: Path) -> None:
    db = str(tmp_path / "sim.db")
    with served("--db", db, "--control-api", "off") as (client, _):
        token = "f7e1379c-35ad-45f9-b0fa-6ef011e73938"  # the demo organization's
        code, output = run_suite(client.url, "--target-token", token, "--max-api-calls", "20")
        assert code == 0, output[-3000:]
        assert "mode: read-only" in output
        assert "at most 20 progress-API calls" in output
    with served("--db", db) as (client, _):
        used = client.call("GET", "/_sim/quota", query={"token": token})["used"]
    assert 0 < used <= 20
