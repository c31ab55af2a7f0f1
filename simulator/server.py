"""Running the simulator: `serve`, and `Simulator` for use inside Python and pytest.

`Simulator` starts the real aiohttp server on a real socket, so a test talks to it
exactly as an integrator's code would. It is an async context manager, and a sync
one that runs the server on a thread of its own.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import urllib.parse
import uuid
from dataclasses import replace
from typing import Any, Self

from aiohttp import web

from simulator.access_log import runner_options
from simulator.background import ThreadedService
from simulator.clock import Clock
from simulator.config import Config
from simulator.runtime import Runtime
from simulator.service import Simulation
from simulator.web.app import build_app

IN_PROCESS_DEFAULTS: dict[str, Any] = {"port": 0, "db": ":memory:", "clock": "virtual"}


def launch_url(
    base_url: str,
    course_id: str,
    *,
    lms_id: str,
    reg: str | None = None,
    email: str = "ada.lovelace@example.com",
    name: str = "Ada Lovelace",
    dom: str = "localhost",
) -> str:
    """A launch URL in the vendor's form: parameters after `/#/`, `fn` with `%20`."""
    query = urllib.parse.urlencode(
        {"reg": reg or str(uuid.uuid4()), "em": email, "fn": name, "dom": dom, "lmsId": lms_id},
        quote_via=urllib.parse.quote,
    )
    return f"{base_url}/courses/{urllib.parse.quote(course_id)}/#/?{query}"


class Simulator(ThreadedService):
    """The whole simulator in-process.

    Defaults differ from `serve` where tests want them to: a free port, an
    in-memory database and the virtual clock. Pass a `Config` or keyword
    overrides (`Simulator(db="state.db", clock="system")`); `clock=` also takes a
    `Clock` instance, for a test that drives a `VirtualClock` itself.
    """

    _thread_name = "media77-sim"

    def __init__(
        self,
        config: Config | None = None,
        *,
        clock: Clock | str | None = None,
        access_log: bool = False,
        **overrides: Any,
    ):
        if isinstance(clock, str):  # the setting's name ("system" | "virtual"), as in Config
            overrides["clock"], clock = clock, None
        base = config or replace(Config(), **IN_PROCESS_DEFAULTS)
        self.config = replace(base, **overrides).check()
        self._clock = clock
        self._access_log = access_log  # `serve` logs requests (config.access_log says how)
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self.runtime: Runtime | None = None
        self.port: int = self.config.port

    # -- async form -------------------------------------------------------------------------

    async def start(self) -> Self:
        parts = self.runtime = Runtime.open(self.config, self._clock)
        try:
            logging = runner_options(
                self.config.access_log if self._access_log else "off", self.config.log_format
            )
            self._runner = web.AppRunner(build_app(parts), handle_signals=False, **logging)
            await self._runner.setup()
            site = web.TCPSite(
                self._runner, self.config.host, self.config.port, ssl_context=self._ssl_context()
            )
            await site.start()
        except BaseException:
            if self._runner is not None:
                await self._runner.cleanup()
                self._runner = None
            parts.close()
            self.runtime = None
            raise
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        self.config = parts.configure(port=self.port)
        return self

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self.config.tls_cert:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.config.tls_cert, self.config.tls_key)
        return context

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.runtime is not None:
            self.runtime.close()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- what a user needs to know ----------------------------------------------------------

    @property
    def parts(self) -> Runtime:
        """The running simulator's parts (`simulator.runtime.Runtime`)."""
        if self.runtime is None:
            raise RuntimeError("the simulator is not running")
        return self.runtime

    @property
    def sim(self) -> Simulation:
        """The current simulation (a reset replaces it: ask again after one)."""
        return self.parts.simulation

    @property
    def url(self) -> str:
        return self.config.base_url

    @property
    def token(self) -> str:
        """The default organization's Activity Progress API token."""
        return self.sim.store.default_organization().token

    def launch_url(self, course_id: str | None = None, **kwargs: Any) -> str:
        org = self.sim.store.default_organization()
        course = course_id or self.sim.store.activities()[0].id
        lms_id = kwargs.pop("lms_id", org.lms_ids[self.config.environment])
        return launch_url(self.url, course, lms_id=lms_id, **kwargs)
