"""Bad input never yields a 5xx, and never costs quota: every operation of the OpenAPI document.

The operations come from the simulator's own `/_sim/openapi.json`, so a route added
later is covered without editing this file. Each one gets lone surrogates, NUL,
non-finite numbers, integers past SQLite's range, bytes that are not UTF-8, deep
nesting and a 50 MB body, in its path parameters, its query string and its body,
over a real socket (raw `http.client` and raw sockets: nothing in between repairs
the bytes). Refused input must be a 400 JSON error naming the field, and the
Activity Progress API's quota must stay unchanged (D-Q1: unreadable input never counts).
"""

from __future__ import annotations

import http.client
import json
import re
import select
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from simulator.client import SimulatorClient
from simulator.fixtures import FixtureError
from simulator.server import Simulator

# -- what is sent --------------------------------------------------------------------------

# Percent-encoded path and query values: NUL, an encoded lone surrogate, non-UTF-8 bytes.
BAD_URL_PARTS = {
    "NUL": "%00",
    "NUL inside": "a%00b",
    "encoded lone surrogate": "%ED%A0%80",
    "non-UTF-8 byte": "%FF",
    "overlong UTF-8": "%C0%AF",
}

# JSON texts for one value (the JSON is sent as written: Python's json accepts them all).
BAD_JSON_VALUES = {
    "lone high surrogate": '"\\ud800"',
    "lone low surrogate": '"a\\udfffb"',
    "NUL": '"a\\u0000b"',
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "overflowing float": "1e999",
    "integer past 64 bits": str(2**64),
    "integer below 64 bits": str(-(2**63) - 1),
    "4301-digit integer": "9" * 4301,
    "surrogate in a list": '["ok", "\\udc00"]',
    "surrogate deep in an object": '{"a": {"b": ["\\ud83d"]}}',
}

# Whole bodies that are not readable JSON at all (or are, but nested past any need).
BAD_BODIES = {
    "non-UTF-8 bytes": b'{"search": "\xff\xfe"}',
    "UTF-8-encoded surrogate": b'{"search": "\xed\xa0\x80"}',
    "Latin-1 text": '{"name": "Müller"}'.encode("latin-1"),
    "UTF-16 JSON": '{"search": "x"}'.encode("utf-16"),
    "UTF-8 BOM": b'\xef\xbb\xbf{"search": "x"}',
    "10,000-deep list": b'{"search": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
    "10,000-deep object": b'{"a": ' * 10_000 + b"1" + b"}" * 10_000,
    "unclosed 100,000-deep list": b"[" * 100_000,
    "NUL in a key": b'{"a\\u0000": 1}',
    "surrogate in a key": b'{"\\ud800": 1}',
}

# Every field some route reads (added to the spec's own, when a body has a schema).
FIELDS = [
    "start", "number", "search", "completed", "startDate", "endDate", "sort", "order",
    "advance", "set", "id", "name", "domains", "lmsIds", "userVerification", "courseId",
    "reg", "em", "fn", "dom", "lmsId", "progress", "limit", "used", "url", "referrer",
    "hash", "auth", "tokenName", "tokenValue", "organizationId", "mode", "duration",
    "status", "bundleWindowMs", "maxBundle", "retrySchedule", "timeoutS", "faults",
]  # fmt: skip
# Query parameters some route reads.
QUERY_NAMES = [
    "token", "limit", "offset", "organizationId", "registration", "courseId",
    "webhookId", "outcome", "count", "timeout", "q",
]  # fmt: skip
BIG_BODY = 50 * 1024 * 1024


# -- the server and its operations ---------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[Simulator]:
    with Simulator() as running:
        yield running


def _spec() -> dict[str, Any]:
    with Simulator() as running:
        return SimulatorClient(running.url).openapi()


SPEC = _spec()
OPERATIONS = [
    (method.upper(), path)
    for path, item in SPEC["paths"].items()
    for method in item
    if method in {"get", "post", "put", "patch", "delete"}
]


def _operation(method: str, path: str) -> dict[str, Any]:
    return dict(SPEC["paths"][path][method.lower()])


def _path_names(method: str, path: str) -> list[str]:
    """The path's parameters: the template's names and any the operation declares."""
    declared = [
        p["name"] for p in _operation(method, path).get("parameters", []) if p.get("in") == "path"
    ]
    return list(dict.fromkeys([*re.findall(r"{(\w+)}", path), *declared]))


def _query_names(method: str, path: str) -> list[str]:
    declared = [
        p["name"] for p in _operation(method, path).get("parameters", []) if p.get("in") == "query"
    ]
    return list(dict.fromkeys([*declared, *QUERY_NAMES]))


def _body_fields(method: str, path: str) -> list[str]:
    body = _operation(method, path).get("requestBody", {})
    schema = body.get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    named = [name for name in schema.get("properties", {}) if name != "token"]
    return list(dict.fromkeys([*named, *FIELDS]))


def _reads_body(method: str, path: str) -> bool:
    return "requestBody" in _operation(method, path)


class World:
    """A registration, a webhook and the default token: what path parameters name."""

    def __init__(self, client: SimulatorClient) -> None:
        client.reset()
        org = client.default_organization()
        self.token = org["token"]
        self.reg = str(uuid.uuid4())
        client.call(
            "POST",
            "/_sim/registrations",
            {
                "courseId": "workplace-safety",
                "reg": self.reg,
                "em": "ada@example.com",
                "fn": "Ada Lovelace",
                "dom": "localhost",
                "lmsId": org["lmsIds"]["staging"],
            },
        )
        hook = client.add_webhook("https://localhost:9/hook")
        self.values = {"reg": self.reg, "id": hook["id"], "courseId": "workplace-safety"}

    def path(self, template: str, bad: dict[str, str] | None = None) -> str:
        values = {k: quote(v, safe="") for k, v in self.values.items()}
        values.update(bad or {})
        return re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), "x"), template)


# -- sending -------------------------------------------------------------------------------


def send(server: Simulator, method: str, path: str, body: bytes | None = None) -> tuple[int, Any]:
    """One request with the bytes exactly as given; the status and the parsed JSON (or None)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        raw = answer.read()
    finally:
        connection.close()
    try:
        return answer.status, json.loads(raw)
    except ValueError:
        return answer.status, None


def send_huge(server: Simulator, method: str, path: str, chunked: bool = False) -> int:
    """A 50 MB body, streamed until the server answers; the status it answered with."""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {BIG_BODY}\r\n"
    chunk = b'{"search": "' + b"x" * (64 * 1024 - 12)
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
        sock.sendall(head.encode() + b"Connection: close\r\n\r\n")
        sent = 0
        while sent < BIG_BODY:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            piece = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        answer = b""
        try:
            while b"\r\n" not in answer:
                data = sock.recv(4096)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
    match = re.match(rb"HTTP/1\.1 (\d{3})", answer)
    assert match, f"no answer to a 50 MB body: {answer[:200]!r} after {sent} bytes"
    return int(match.group(1))


def used(server: Simulator, token: str) -> int:
    status, body = send(server, "GET", f"/_sim/quota?token={token}")
    assert status == 200, body
    return int(body["used"])


def _is_page(method: str, path: str) -> bool:
    """A static HTML page: it reads neither path nor query, so only "no 5xx" applies."""
    answers = _operation(method, path)["responses"]
    html = any("text/html" in a.get("content", {}) for c, a in answers.items() if c < "400")
    return html and not path.startswith("/_sim/")


def assert_refused(status: int, body: Any, case: str, fields: list[str] | None = None) -> None:
    assert status < 500, (case, status, body)
    assert status == 400, (case, status, body)
    assert isinstance(body, dict) and {"error", "message", "field"} <= set(body), (case, body)
    if fields is not None:
        assert re.split(r"[.\[]", str(body["field"]))[0] in fields, (case, body)


def assert_no_5xx(status: int, body: Any, case: str, fields: list[str] | None = None) -> None:
    assert status < 500, (case, status, body)


# -- the tests -----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_operation_answers_bad_input_with_a_5xx_or_charges_for_it(
    server: Simulator, method: str, path: str
) -> None:
    client = SimulatorClient(server.url)
    world = World(client)
    before = used(server, world.token)

    check = assert_no_5xx if _is_page(method, path) else assert_refused
    for name in _path_names(method, path):
        for case, bad in BAD_URL_PARTS.items():
            status, body = send(server, method, world.path(path, {name: bad}))
            check(status, body, f"path {name}: {case}", [name])

    good_path = world.path(path)
    for name in _query_names(method, path):
        for case, bad in BAD_URL_PARTS.items():
            status, body = send(server, method, f"{good_path}?{name}={bad}")
            check(status, body, f"query {name}: {case}", [name])
    status, body = send(server, method, f"{good_path}?%00=1")
    check(status, body, "NUL in a query name")

    if method not in {"GET", "DELETE"}:
        fields = _body_fields(method, path)
        for case, value in BAD_JSON_VALUES.items():
            members = [f'"token": "{world.token}"'] + [f'"{f}": {value}' for f in fields]
            while len(members) > 2 and sum(map(len, members)) > 32 * 1024:  # under any cap
                members.pop()
            raw = ("{" + ", ".join(members) + "}").encode()
            status, body = send(server, method, good_path, raw)
            if _reads_body(method, path):
                assert_refused(status, body, f"body: {case}", fields)
            else:
                assert status < 500, (case, status, body)
            world = World(client) if path == "/_sim/reset" else world
        for case, raw in BAD_BODIES.items():
            status, body = send(server, method, good_path, raw)
            if _reads_body(method, path):
                assert_refused(status, body, f"body: {case}")
            else:
                assert status < 500, (case, status, body)
        if _reads_body(method, path):
            assert send_huge(server, method, good_path) in (400, 413)

    assert used(server, world.token) == before, f"{method} {path} charged the quota"
    assert send(server, "GET", "/_sim/dashboard")[0] == 200


def test_a_chunked_50_mb_body_is_refused_without_counting(server: Simulator) -> None:
    world = World(SimulatorClient(server.url))
    assert send_huge(server, "POST", "/api/reports/progress", chunked=True) == 400
    assert send_huge(server, "POST", "/_sim/registrations", chunked=True) == 413
    assert used(server, world.token) == 0


@pytest.mark.parametrize("field", ["id", "name", "token", "domains", "lmsIds"])
@pytest.mark.parametrize("bad", ['"\\ud800"', '"a\\u0000b"'])
def test_a_refused_organization_leaves_every_page_working(
    server: Simulator, field: str, bad: str
) -> None:
    World(SimulatorClient(server.url))
    good = {
        "id": "bad-input-org",
        "name": "Bad Input Org",
        "domains": ["bad.example"],
        "lmsIds": {"staging": "s-1", "production": "p-1"},
    }
    text = json.dumps(good)
    if field == "domains":
        text = text.replace('"bad.example"', bad)
    elif field == "lmsIds":
        text = text.replace('"s-1"', bad)
    elif field == "token":
        text = text[:-1] + f', "token": {bad}}}'
    else:
        text = text.replace(json.dumps(good[field]), bad)
    status, body = send(server, "POST", "/_sim/organizations", text.encode())
    assert_refused(status, body, field, [field])
    for page in ("/_sim/dashboard", "/_sim/organizations", "/_sim/quota", "/", "/_sim/catalog"):
        assert send(server, "GET", page)[0] == 200, page
    organizations = send(server, "GET", "/_sim/organizations")[1]
    assert "bad-input-org" not in {o["id"] for o in organizations}


def test_clock_advance_nan_is_a_400_naming_advance(server: Simulator) -> None:
    client = SimulatorClient(server.url)
    before = client.clock()["now"]
    for value in ("NaN", "Infinity", "-Infinity", "1e999"):
        status, body = send(server, "POST", "/_sim/clock", f'{{"advance": {value}}}'.encode())
        assert_refused(status, body, value, ["advance"])
    assert client.clock()["now"] == before


def test_fixture_organizations_are_checked_like_created_ones(tmp_path: Path) -> None:
    packaged = Path(__file__).resolve().parents[2] / "fixtures"
    for name in ("catalog.json", "faq.json"):
        if (packaged / name).is_file():
            (tmp_path / name).write_bytes((packaged / name).read_bytes())
    organizations = json.loads((packaged / "organizations.json").read_text())
    listed = organizations["organizations"] if isinstance(organizations, dict) else organizations
    listed[0]["name"] = "Acme \ud800"
    (tmp_path / "organizations.json").write_text(json.dumps(organizations))
    with pytest.raises(FixtureError, match="surrogate"), Simulator(fixtures=str(tmp_path)):
        pass


def test_the_page_launch_endpoint_refuses_before_anything_is_stored(server: Simulator) -> None:
    client = SimulatorClient(server.url)
    World(client)
    before = send(server, "GET", "/_sim/registrations")[1]
    for value in BAD_JSON_VALUES.values():
        raw = f'{{"hash": {value}, "search": "", "referrer": ""}}'.encode()
        status, body = send(server, "POST", "/courses/workplace-safety/api/launch", raw)
        assert_refused(status, body, value, ["hash"])
    assert send(server, "GET", "/_sim/registrations")[1] == before


def test_every_operation_was_found(server: Simulator) -> None:
    """The document lists the vendor surface and the control API (a guard for the above)."""
    paths = {p for _m, p in OPERATIONS}
    assert {"/api/reports/progress", "/_sim/organizations", "/_sim/clock"} <= paths
    assert any("{reg}" in p for p in paths) and any("{courseId}" in p for p in paths)
    assert urlsplit(server.url).hostname == "127.0.0.1"


def test_a_nul_decoded_from_a_launch_url_is_refused(server: Simulator) -> None:
    client = SimulatorClient(server.url)
    World(client)
    lms_id = client.default_organization()["lmsIds"]["staging"]
    fragment = (
        f"#/?reg={uuid.uuid4()}&em=ada%40example.com&fn=Ada%00X%20Lovelace"
        f"&dom=localhost&lmsId={lms_id}"
    )
    raw = json.dumps({"hash": fragment, "search": "", "referrer": ""}).encode()
    status, body = send(server, "POST", "/courses/workplace-safety/api/launch", raw)
    assert status == 400, body
