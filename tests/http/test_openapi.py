"""The published descriptions: the OpenAPI document of every route and the JSON Schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from simulator.pytest_plugin import SimHelper
from simulator.server import Simulator
from simulator.web.app import build_app
from simulator.web.openapi import document, schema_files

SCHEMAS = Path(__file__).resolve().parents[2] / "fixtures" / "schemas"
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
    assert set(post["responses"]) >= {"200", "400", "401", "429"}
    headers = post["responses"]["200"]["headers"]
    assert "X-Media77-Sim-Total-Count" in headers  # simulator-only, and named so (D-P8)
    assert not {"X-Total-Count", "RateLimit", "RateLimit-Policy"} & set(headers)
    assert set(spec["paths"]["/_sim/quota"]) == {"get", "patch"}
    for name in ("ProgressRequest", "ProgressRecord", "Quota"):
        jsonschema.Draft202012Validator.check_schema(spec["components"]["schemas"][name])


@pytest.mark.parametrize(
    ("file", "component"),
    [
        ("progress-request", "ProgressRequest"),
        ("progress-record", "ProgressRecord"),
    ],
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


def test_schema_files_are_made_from_the_document() -> None:
    """Rewrite them with `python -m simulator.web.openapi fixtures/schemas`."""
    for name, schema in schema_files().items():
        assert json.loads((SCHEMAS / f"{name}.schema.json").read_text()) == schema, name


def _routes(app_router) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = set()
    for resource in app_router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter")
        if path is None:  # a static directory: its files are one templated path
            path = info["prefix"].rstrip("/") + "/{filename}"
        for route in resource:
            if route.method != "HEAD":
                found.add((route.method.lower(), path))
    return found


def test_every_route_is_in_the_document_and_nothing_else(
    media77_sim_server: Simulator,
) -> None:
    """A new route needs an entry in simulator/web/openapi/paths.py (and vice versa)."""
    served = _routes(build_app(media77_sim_server.parts).router)
    documented = {(method, path) for path, item in document()["paths"].items() for method in item}
    assert sorted(served - documented) == [], "routes missing from the OpenAPI document"
    assert sorted(documented - served) == [], "documented operations with no route"


def test_every_operation_declares_its_inputs_and_errors() -> None:
    spec = document()
    jsonschema.Draft202012Validator.check_schema(spec["components"]["schemas"]["Error"])
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), where
            if "requestBody" in operation:
                assert operation["requestBody"]["content"]["application/json"]["schema"], where
            for code, answer in operation["responses"].items():
                if int(code) >= 400 and "content" in answer:
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (where, code)


def test_a_delivered_bundle_fits_the_published_schema(sim: SimHelper, media77_receiver) -> None:
    schema = json.loads((SCHEMAS / "webhook-bundle.schema.json").read_text())
    hook = sim.add_receiver_webhook(media77_receiver, tokenValue="s3cret")
    media77_receiver.token_name, media77_receiver.token_value = hook["tokenName"], "s3cret"
    sim.start_course()
    sim.advance(1)  # past the 500 ms window; whole seconds keep the session clock on the second
    (bundle,) = media77_receiver.accepted
    jsonschema.validate(bundle.body, schema)
    assert len(bundle.body["started"]) == 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"started": []}, schema)
