"""The published descriptions of the progress API: OpenAPI and the JSON Schemas."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from simulator.pytest_plugin import SimHelper

SCHEMAS = Path(__file__).resolve().parent.parent / "fixtures" / "schemas"
VENDOR_SAMPLE = {
    "token": "f7e1379c-35ad-45f9-b0fa-6ef011e73938",
    "start": 0,
    "number": 1000,
    "search": "",
    "completed": False,
    "startDate": "2018-04-03T14:00:49.120Z",
    "endDate": "2018-05-03T14:00:49.120Z",
    "sort": "lastName",
    "order": "ASC",
}


def test_openapi_describes_the_endpoint_and_the_quota_control(sim: SimHelper) -> None:
    spec = sim.call("GET", "/_sim/openapi.json")
    assert spec["openapi"].startswith("3.1")
    post = spec["paths"]["/api/reports/progress"]["post"]
    assert set(post["responses"]) >= {"200", "400", "401", "415", "429"}
    documented = {
        name.lower() for answer in post["responses"].values() for name in answer.get("headers", {})
    }
    assert "x-media77-sim-total-count" in documented
    assert not documented & {"x-total-count", "ratelimit", "ratelimit-policy"}
    assert set(spec["paths"]["/_sim/quota"]) == {"get", "patch"}
    for name in ("ProgressRequest", "ProgressRecord", "Quota"):
        jsonschema.Draft202012Validator.check_schema(spec["components"]["schemas"][name])


@pytest.mark.parametrize(
    ("file", "component"),
    [("progress-request", "ProgressRequest"), ("progress-record", "ProgressRecord")],
)
def test_schema_files_match_the_served_description(sim: SimHelper, file: str, component) -> None:
    published = json.loads((SCHEMAS / f"{file}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(published)
    served = sim.call("GET", "/_sim/openapi.json")["components"]["schemas"][component]
    assert {k: v for k, v in published.items() if not k.startswith("$") and k != "title"} == served


def test_the_vendor_sample_request_fits_the_schema_and_is_accepted(sim: SimHelper) -> None:
    schema = json.loads((SCHEMAS / "progress-request.schema.json").read_text())
    jsonschema.validate(VENDOR_SAMPLE, schema)
    answer = sim.request("POST", "/api/reports/progress", VENDOR_SAMPLE)
    assert answer.status == 200 and answer.body == []
