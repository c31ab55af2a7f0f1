"""`GET /_sim/openapi.json`: the OpenAPI 3.1 document of every route, from one source.

The routes are declared in `paths.py`, the named shapes in `components.py`; the
JSON Schema files in `fixtures/schemas/` are made from the same components
(`python -m simulator.web.openapi fixtures/schemas` rewrites them).

The tables are imported and the document built on the first request for it, not
while `serve` starts: nothing before the first answer needs them (issue 14).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from aiohttp import web

from simulator._version import __version__

if TYPE_CHECKING:
    from simulator.web.openapi.build import Schema

__all__ = ["OPENAPI_PATH", "document", "operation", "schema_files", "setup"]

OPENAPI_PATH = "/_sim/openapi.json"


def document() -> dict[str, Any]:
    """The whole document (a fresh copy: callers may change it)."""
    from simulator.web.openapi.build import complete
    from simulator.web.openapi.components import COMPONENTS
    from simulator.web.openapi.paths import PATHS, WEBHOOKS

    paths = {
        path: {method: complete(path, method, copy.deepcopy(o)) for method, o in ops.items()}
        for path, ops in sorted(PATHS.items())
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "media77-simulator",
            "version": __version__,
            "description": "The 77media vendor surface (course launch, Activity Progress API, "
            "webhook) and the simulator's control API under /_sim/. Headers named "
            "X-Media77-Sim-* are the simulator's own: integration code must not rely on them.",
        },
        "paths": paths,
        "webhooks": copy.deepcopy(WEBHOOKS),
        "components": {"schemas": copy.deepcopy(COMPONENTS)},
    }


def schema_files() -> dict[str, Schema]:
    """The published JSON Schema files by name (`components.schema_files`)."""
    from simulator.web.openapi.components import schema_files as files

    return files()


def operation(summary: str, **_old: Any) -> dict[str, Any]:
    """Transitional: the old per-module `OPENAPI_PATHS` blocks are not read any more.

    Kept so a module that still builds such a block imports; move its entries to
    `paths.py` (the route test names every route missing there).
    """
    return {"summary": summary, "responses": {}}


def setup(app: web.Application) -> None:
    """Serve the document at `/_sim/openapi.json`, built once, on its first request."""
    built: list[dict[str, Any]] = []

    async def openapi(request: web.Request) -> web.Response:
        if not built:
            built.append(document())
        return web.json_response(built[0])

    app.router.add_get(OPENAPI_PATH, openapi)
