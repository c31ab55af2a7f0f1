"""schemathesis against the live `/_sim/openapi.json` of an in-process simulator.

Every operation the document declares is generated from its schemas (fixed seed,
a bounded number of examples each) and sent over a real socket; each answer must be
no 5xx, a documented status, and conform to the documented schema. An operation the
document leaves untestable fails here as a schema error instead of being skipped.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from simulator.server import Simulator
from simulator.web.openapi import document

EXAMPLES_PER_OPERATION = 15
SEED = 20261122
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def live_simulator() -> Iterator[Simulator]:
    with Simulator(clock_start="2026-01-05T09:00:00Z") as server:
        yield server


# Generated from the same source the simulator serves (checked below), so pytest can
# collect one test per operation before any server runs; requests go to the live one.
schema = schemathesis.openapi.from_dict(document())


def test_the_schema_tested_is_the_one_served(live_simulator: Simulator) -> None:
    with urllib.request.urlopen(f"{live_simulator.url}/_sim/openapi.json") as answer:
        served = json.load(answer)
    assert served == json.loads(json.dumps(document()))


def test_every_operation_can_be_generated() -> None:
    """No operation is left out for a schema error (undeclared parameter, bad schema)."""
    results = list(schema.get_all_operations())
    broken = [str(r.err()) for r in results if not isinstance(r, Ok)]
    assert broken == []
    declared = sum(len(item) for item in document()["paths"].values())
    assert len(results) == declared


@schema.parametrize()
@seed(SEED)
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_5xx_and_every_answer_as_documented(
    case: schemathesis.Case, live_simulator: Simulator
) -> None:
    if case.path == "/_sim/deliveries/wait":
        # The long poll waits `timeout` real seconds: keep the run short.
        case.query = {**(case.query or {}), "timeout": 0}
    options = {}
    if case.path == "/_sim/events":
        # An event stream never ends: schemathesis reads it for the request timeout in
        # total (10 s by default, 15 examples), so half a second of it is enough here.
        options["timeout"] = 0.5
    case.call_and_validate(base_url=live_simulator.url, checks=CHECKS, **options)
