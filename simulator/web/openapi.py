"""`GET /_sim/openapi.json`: one OpenAPI 3.1 document gathered from the route modules.

Each route module describes its own paths in a module-level `OPENAPI_PATHS` dict
(and optional `OPENAPI_SCHEMAS`), next to the handlers it documents.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from aiohttp import web

from simulator._version import __version__

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "message", "field"],
    "properties": {
        "error": {"type": "string", "description": "machine-readable code"},
        "message": {"type": "string", "description": "what is wrong, for a person"},
        "field": {"type": ["string", "null"], "description": "the input field at fault"},
    },
}


def operation(
    summary: str, *, body: bool = False, ok: str = "200", html: bool = False, **responses: str
) -> dict[str, Any]:
    """One operation: its success answer, the JSON error answer, any other codes."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    answers: dict[str, Any] = {
        ok: {"description": "OK", "content": {"text/html" if html else "application/json": {}}}
    }
    # Pages too: a path or query the input boundary refuses is a JSON 400 everywhere.
    answers["400"] = {"description": "invalid input", "content": error}
    for code, text in responses.items():
        answers[code] = {"description": text}
        if int(code) >= 400:
            answers[code]["content"] = error
    op: dict[str, Any] = {"summary": summary, "responses": answers}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {}}}
    return op


def document(modules: list[ModuleType]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for module in modules:
        paths.update(getattr(module, "OPENAPI_PATHS", {}))
        schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "media77-simulator",
            "version": __version__,
            "description": "The 77media vendor surface (course launch, Activity Progress API) "
            "and the simulator's control API under /_sim/.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas},
    }


def setup(app: web.Application, modules: list[ModuleType]) -> None:
    spec = document(modules)

    async def openapi(request: web.Request) -> web.Response:
        return web.json_response(spec)

    app.router.add_get("/_sim/openapi.json", openapi)
