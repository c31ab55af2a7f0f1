"""The contract suite's target, modes and requirement ids.

Each test checks rules of the vendor's pages or the simulator's numbered readings, named
by `@pytest.mark.requirement("ID")` (ids in REQUIREMENTS.md). What a rule needs of the
target (`all`, `control`, `clock`) comes from that table, so a test runs where its rules
can be checked and is skipped, with the reason, where they cannot.

Target: none (`make test`, `media77-sim contract`) is the package's in-process simulator;
`media77-sim contract --target-url URL` sets MEDIA77_CONTRACT_URL (and the token, admin
token and call budget) for a running simulator or the vendor's staging system.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import contract_target as ct
import pytest

from simulator.client import SimulatorClient
from simulator.receiver import Receiver

TARGET_URL = os.environ.get("MEDIA77_CONTRACT_URL", "")
TARGET_TOKEN = os.environ.get("MEDIA77_CONTRACT_TOKEN", "")
ADMIN_TOKEN = os.environ.get("MEDIA77_SIM_ADMIN_TOKEN", "")
MAX_CALLS = int(os.environ.get("MEDIA77_CONTRACT_MAX_CALLS", "20") or 20)

REQUIREMENTS = ct.load_requirements()
_NEED_ORDER = [ct.Need.ALL, ct.Need.CONTROL, ct.Need.CLOCK]
_PROBE = pytest.StashKey[ct.Probe]()
_BUDGET = pytest.StashKey[ct.Budget]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(id): the REQUIREMENTS.md rule a test checks")
    config.addinivalue_line("markers", "calls(n): progress-API calls a test spends at most")
    if TARGET_URL:
        client = SimulatorClient(TARGET_URL, admin_token=ADMIN_TOKEN)
        try:
            found = ct.probe(client)
        except (RuntimeError, OSError) as error:
            raise pytest.UsageError(f"contract target {TARGET_URL}: {error}") from None
        if found.mode is ct.Mode.READ_ONLY and not TARGET_TOKEN:
            raise pytest.UsageError(
                f"{TARGET_URL} has no control API ({found.detail}): give the progress-API "
                "token of an organization there with --target-token"
            )
        budget = ct.Budget(MAX_CALLS if found.mode is ct.Mode.READ_ONLY else None)
        config.stash[_PROBE] = found
        config.stash[_BUDGET] = budget
    else:
        config.stash[_PROBE] = ct.Probe(ct.Mode.IN_PROCESS, True, "staging", "in-process")
        config.stash[_BUDGET] = ct.Budget(None)
    ct.CURRENT_MODE = config.stash[_PROBE].mode


def pytest_sessionstart(session: pytest.Session) -> None:
    """Say what the suite will do to the target before it does anything (even with -q)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and _PROBE in session.config.stash:
        for line in _announcement(session.config):
            reporter.write_line(line)


def _announcement(config: pytest.Config) -> list[str]:
    found = config.stash[_PROBE]
    budget = config.stash[_BUDGET]
    where = TARGET_URL or "the package's in-process simulator"
    lines = [f"media77 contract suite: target {where}", f"mode: {found.mode} ({found.detail})"]
    if found.mode is ct.Mode.READ_ONLY:
        lines.append(
            f"read-only: vendor-surface reads only, at most {budget.limit} progress-API calls "
            "(--max-api-calls); nothing is created, changed or deleted"
        )
    elif found.mode is ct.Mode.CONTROL:
        lines.append(
            "control API: each test works in an organization it creates, subscribes only its "
            "own receiver and deletes those subscriptions; the target is never reset"
        )
        if not found.virtual_clock:
            lines.append("system clock: tests that move the clock are skipped")
    vendor = sum(r.is_vendor_rule for r in REQUIREMENTS.values())
    lines.append(
        f"requirements: {len(REQUIREMENTS)} ({vendor} vendor rules, "
        f"{len(REQUIREMENTS) - vendor} readings)"
    )
    return lines


def _need(item: pytest.Item) -> ct.Need:
    needs = [
        REQUIREMENTS[m.args[0]].need
        for m in item.iter_markers("requirement")
        if m.args and m.args[0] in REQUIREMENTS
    ]
    return max(needs, key=_NEED_ORDER.index, default=ct.Need.ALL)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    found = config.stash.get(_PROBE, None)
    if found is None:
        return
    for item in items:
        if "contract_tests" not in str(item.path):
            continue
        need = _need(item)
        if need is not ct.Need.ALL and found.mode is ct.Mode.READ_ONLY:
            item.add_marker(
                pytest.mark.skip(reason=f"needs the control API; target is {found.detail}")
            )
        elif need is ct.Need.CLOCK and not found.virtual_clock:
            item.add_marker(
                pytest.mark.skip(
                    reason="moves the clock: the target runs the system clock "
                    "(start it with --clock virtual to run this)"
                )
            )


@pytest.fixture(autouse=True)
def _requirement_properties(request: pytest.FixtureRequest, record_property: Any) -> None:
    """Each test case in JUnit XML carries the requirement ids it checks."""
    for marker in request.node.iter_markers("requirement"):
        record_property("requirement", marker.args[0])


@pytest.fixture(scope="session")
def contract_client(request: pytest.FixtureRequest) -> SimulatorClient:
    if TARGET_URL:
        return SimulatorClient(TARGET_URL, admin_token=ADMIN_TOKEN)
    server = request.getfixturevalue("media77_sim_server")
    return SimulatorClient(server.url)


@pytest.fixture
def target(request: pytest.FixtureRequest, contract_client: SimulatorClient) -> Iterator[ct.Target]:
    """The target for one test, in an organization of its own where the target allows."""
    found = request.config.stash[_PROBE]
    budget = request.config.stash[_BUDGET]
    calls = request.node.get_closest_marker("calls")
    if calls is not None and budget.limit is not None:
        try:
            budget.reserve(int(calls.args[0]))
        except ct.BudgetSpent as spent:
            pytest.skip(str(spent))
    if found.mode is ct.Mode.READ_ONLY:
        yield ct.Target(contract_client, found.mode, False, found.environment, budget, TARGET_TOKEN)
        return
    if found.mode is ct.Mode.IN_PROCESS:
        contract_client.call("POST", "/_sim/reset")
    org = ct.Organization.fresh()
    contract_client.call("POST", "/_sim/organizations", org.to_json())
    made = ct.Target(
        contract_client,
        found.mode,
        found.virtual_clock,
        found.environment,
        budget,
        org.token,
        org,
    )
    try:
        yield made
    finally:
        made.cleanup()


@pytest.fixture
def receiver(media77_receiver: Receiver) -> Receiver:
    """The package's HTTPS receiver (its CA given to each subscription), cleared."""
    return media77_receiver
