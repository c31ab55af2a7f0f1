"""What `media77-sim serve` loads before it answers: only what serving needs (issue 14).

A fresh interpreter builds the `serve` command line and the application exactly as
`serve` does, then lists the modules it imported. Those only some routes or commands
use are loaded on their first use instead, which keeps the cold start near a bare
aiohttp app's (`benchmarks/startup.py`).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SERVE_AS_STARTED = textwrap.dedent(
    """
    import asyncio, sys
    from dataclasses import replace
    from simulator.cli import build_parser, named_command
    argv = ["serve", "--db", ":memory:"]
    build_parser(named_command(argv)).parse_args(argv)
    from simulator.config import Config
    from simulator.runtime import Runtime
    from simulator.web.app import build_app

    async def main():
        parts = Runtime.open(replace(Config(), db=":memory:", port=0))
        build_app(parts)
        await parts.start()
        await parts.stop()
        parts.close()

    asyncio.run(main())
    print("\\n".join(sorted(sys.modules)))
    """
)

NOT_BEFORE_FIRST_USE = [
    "tomllib",  # only `--config FILE.toml`
    "importlib.resources",  # the migrations are read as files
    "simulator.web.openapi.paths",  # the OpenAPI document, built on its first request
    "simulator.web.openapi.components",
    "simulator.client",
    "simulator.receiver",
    "simulator.certs",
    "simulator.seed",
    "hypothesis",
    "faker",
    "trustme",
    "jinja2",
]


@pytest.fixture(scope="module")
def loaded() -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", SERVE_AS_STARTED], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


@pytest.mark.parametrize("module", NOT_BEFORE_FIRST_USE)
def test_serve_does_not_load_what_no_first_request_needs(loaded: set[str], module: str) -> None:
    assert "simulator.web.app" in loaded  # the listing is of a real start
    assert module not in loaded
