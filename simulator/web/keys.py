"""Typed keys for what the application carries: the runtime, nothing else.

Handlers read `request.app[RUNTIME]` at every request and take the part they
need (`runtime.simulation`, `runtime.quotas`, ...), because a reset replaces them.
"""

from __future__ import annotations

from aiohttp import web

from simulator.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)


def runtime(request: web.Request) -> Runtime:
    return request.app[RUNTIME]
