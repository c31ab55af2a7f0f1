"""Helpers that keep `paths.py` one short entry per operation.

What every operation of a kind has in common is added here, once: a path
parameter for each `{name}` of the template, the JSON error answers (400 for bad
input, 404 where the path names something, 413 for bodies, 401/403 of the admin
guard on `/_sim/`), each with the Error schema.
"""

from __future__ import annotations

import re
from typing import Any

Schema = dict[str, Any]
ERROR_REF: Schema = {"$ref": "#/components/schemas/Error"}
OPEN_PATHS = frozenset({"/_sim/health"})  # the admin guard lets these through


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def array_of(name: str) -> Schema:
    return {"type": "array", "items": ref(name)}


def query(name: str, schema: Schema, description: str = "", *, required: bool = False) -> Schema:
    """A query parameter."""
    param: Schema = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        param["description"] = description
    return param


def header(description: str, schema: Schema | None = None) -> Schema:
    return {"description": description, "schema": schema or {"type": "string"}}


def error(description: str, headers: dict[str, Schema] | None = None) -> Schema:
    answer: Schema = {
        "description": description,
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def op(
    summary: str,
    *,
    ok: str = "200",
    answer: Schema | None = None,
    html: bool = False,
    body: Schema | None = None,
    params: list[Schema] | None = None,
    errors: dict[str, str] | None = None,
    headers: dict[str, Schema] | None = None,
    responses_extra: dict[str, Schema] | None = None,
    **extra: Any,
) -> Schema:
    """One operation: its success answer (`answer` its JSON schema, `html` for a page),
    its request body's schema, its query parameters and its own error statuses
    (`responses_extra` for answers that are not JSON errors)."""
    content = {"text/html": {"schema": {"type": "string"}}} if html else {"application/json": {}}
    if answer is not None:
        content = {"application/json": {"schema": answer}}
    success: Schema = {"description": "OK", "content": content}
    if headers:
        success["headers"] = headers
    operation: Schema = {"summary": summary, "responses": {ok: success}, **extra}
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    if params:
        operation["parameters"] = params
    for code, text in (errors or {}).items():
        operation["responses"][code] = error(text)
    operation["responses"].update(responses_extra or {})
    return operation


def complete(path: str, method: str, operation: Schema) -> Schema:
    """`operation` with what every operation of its kind has: path parameters and the
    common error answers (an operation's own wording wins)."""
    names = re.findall(r"{(\w+)}", path)
    declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in names
        if name not in declared
    ]
    if params:
        operation["parameters"] = [*params, *operation.get("parameters", [])]
    responses = operation["responses"]
    is_json = "text/html" not in next(iter(responses.values())).get("content", {})
    common: dict[str, str] = {}
    if is_json and (operation.get("parameters") or "requestBody" in operation):
        common["400"] = "invalid input"
    if is_json and names:
        common["404"] = "no such " + names[-1]
    if "requestBody" in operation:
        common["413"] = "request body too large"
    if path.startswith("/_sim/") and path not in OPEN_PATHS:
        common["401"] = "the admin token is required (bound to a non-loopback address)"
        common["403"] = "the control API is closed (non-loopback address and no admin token)"
    for code, text in common.items():
        responses.setdefault(code, error(text))
    operation["responses"] = dict(sorted(responses.items()))
    return operation
