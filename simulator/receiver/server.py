"""The receiver's server: a real aiohttp endpoint that records each request and answers it.

The answer is the pure policy's (`policy.answer_to`); this shell gathers what it
needs (the script, the seeded draw, the clock), records the request, and carries
out the answer, including "reset" and "hang", which need the connection itself.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, Self, TypeVar, cast, overload

from aiohttp import web

from simulator.background import ThreadedService
from simulator.clock import Clock, SystemClock
from simulator.receiver.policy import (
    HANG,
    RESET,
    Arrival,
    Outcome,
    ReceivedBundle,
    answer_to,
    parse_body,
    received,
    records_of,
    validate_outcome,
)
from simulator.receiver.settings import ReceiverSettings
from simulator.receiver.tls import TlsMaterial, fresh_material, material_from

__all__ = ["MAX_BODY", "Receiver"]

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024 * 1024  # aiohttp's 1 MiB default would refuse a large maxBundle unseen

T = TypeVar("T")


class _Setting(Generic[T]):
    """A setting as an attribute; the live ones (settings.LIVE_FIELDS) a test may change.

    A change is checked when made, and `clear()` puts it back.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, receiver: None, owner: type) -> Self: ...
    @overload
    def __get__(self, receiver: Receiver, owner: type) -> T: ...
    def __get__(self, receiver: Receiver | None, owner: type) -> T | Self:
        if receiver is None:
            return self
        return cast(T, getattr(receiver._now, self.name))

    def __set__(self, receiver: Receiver, value: T) -> None:
        with receiver._lock:
            receiver._now = receiver._now.live(**{self.name: value})


class Receiver(ThreadedService):
    """A webhook endpoint on a real socket; async (`async with`) or threaded (`with`).

    Made from a `ReceiverSettings`, from its fields as keywords
    (`Receiver(tls=True, token_name="access_token", token_value="s3cret")`), or
    both (the keywords change the given settings); a bad one raises `SettingsError`
    (a `ValueError`). `token_name`, `token_value`, `fail_rate`, `fail_status` and
    `down_for` are also attributes a test may change while it runs; `clear()` puts
    them back as constructed, so a shared receiver starts each test the same.
    """

    _thread_name = "media77-receiver"

    host = _Setting[str]()
    tls = _Setting[bool]()
    cert_dir = _Setting[str | None]()
    path = _Setting[str]()
    seed = _Setting[int]()
    token_name = _Setting[str]()
    token_value = _Setting[str]()
    fail_rate = _Setting[float]()
    fail_status = _Setting[int]()
    down_for = _Setting[float]()

    def __init__(
        self,
        settings: ReceiverSettings | None = None,
        *,
        clock: Clock | None = None,
        on_bundle: Callable[[ReceivedBundle], None] | None = None,
        **changes: Any,
    ) -> None:
        base = settings or ReceiverSettings()
        self.settings = ReceiverSettings(**{**vars(base), **changes}) if changes else base
        self._now = self.settings  # with the live changes a test made
        self.port = self.settings.port  # the port it listens on once started
        self.clock: Clock = clock or SystemClock()
        self.on_bundle = on_bundle
        self.url = ""
        self.ca_path: str | None = None
        self.ca_pem: bytes | None = None
        self.bundles: list[ReceivedBundle] = []
        self.accepted: list[ReceivedBundle] = []
        self._lock = threading.Lock()
        self._script: deque[Outcome] = deque()
        self._rng = random.Random(self.settings.seed)
        self._up_since: datetime | None = None
        self._runner: web.AppRunner | None = None
        self._arrival: asyncio.Event | None = None
        self._release: asyncio.Event | None = None
        self._tls: TlsMaterial | None = None

    # -- telling it what to answer -----------------------------------------------------------

    def script(self, outcomes: Sequence[Outcome]) -> None:
        """Queue the next answers, in order, after any already queued.

        Each is an HTTP status (a 3xx carries a `Location` back to this receiver,
        so a client that wrongly follows it is seen arriving again), "reset"
        (close the connection without answering) or "hang" (never answer until
        `clear()` or `stop()`).
        """
        checked = [validate_outcome(o) for o in outcomes]
        with self._lock:
            self._script.extend(checked)

    def fail_next(self, count: int, status: int = 503) -> None:
        """The next `count` requests get `status`: shorthand for `script([status] * count)`."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"count {count!r}: expected a whole number >= 0")
        self.script([status] * count)

    def clear(self) -> None:
        """Forget what arrived, the script and changed settings; restart the seed and down window.

        Requests left hanging are closed without an answer.
        """
        with self._lock:
            self.bundles.clear()
            self.accepted.clear()
            self._script.clear()
            self._rng = random.Random(self.settings.seed)
            self._now = self.settings
            if self._up_since is not None:
                self._up_since = self.clock.now()
        self._on_loop(self._release_hung)

    # -- what arrived ------------------------------------------------------------------------

    def records(self) -> list[dict[str, Any]]:
        """Every record in accepted bundles, flattened in arrival order, with its "kind"."""
        with self._lock:
            accepted = list(self.accepted)
        return records_of(accepted)

    # The pinned API names the real-time limit `timeout`; it goes through clock.wait_real.
    async def wait_for(
        self,
        count: int,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        accepted: bool = True,
    ) -> list[ReceivedBundle]:
        """Wait until `count` accepted bundles (any requests, with accepted=False) arrived.

        Returns all of them so far. Raises `TimeoutError` after `timeout` real
        seconds, saying what did arrive. Works from any event loop.
        """
        loop = self._require_loop()
        if asyncio.get_running_loop() is loop:
            return await self._wait(count, timeout, accepted)
        future = asyncio.run_coroutine_threadsafe(self._wait(count, timeout, accepted), loop)
        return await asyncio.wrap_future(future)

    def wait_for_sync(
        self, count: int, timeout: float = 10.0, *, accepted: bool = True
    ) -> list[ReceivedBundle]:
        """`wait_for` for synchronous code (the threaded form, or another thread)."""
        loop = self._require_loop()
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass  # no loop in this thread: blocking is fine
        else:
            # Blocking a running loop would also stop whatever should send to us on it.
            raise RuntimeError("wait_for_sync would block this event loop: await wait_for")
        return asyncio.run_coroutine_threadsafe(self._wait(count, timeout, accepted), loop).result()

    async def _wait(self, count: int, limit: float, accepted: bool) -> list[ReceivedBundle]:
        seen = self.accepted if accepted else self.bundles

        async def enough() -> None:
            while len(seen) < count:
                assert self._arrival is not None
                await self._arrival.wait()

        try:
            await self.clock.wait_real(enough(), limit)
        except TimeoutError:
            raise TimeoutError(self._shortfall(count, limit, accepted)) from None
        return list(seen)

    def _shortfall(self, count: int, timeout: float, accepted: bool) -> str:
        with self._lock:
            got = list(self.bundles)
        kind = "accepted bundles" if accepted else "requests"
        have = sum(1 for b in got if b.accepted) if accepted else len(got)
        text = f"{have} of {count} {kind} arrived at {self.url} within {timeout:g} s"
        refused = [f"{b.status or 'no answer'} {b.reason}" for b in got if not b.accepted]
        if refused:
            text += f"; refused {len(refused)}: " + "; ".join(refused[-5:])
        return text

    # -- async form --------------------------------------------------------------------------

    async def start(self) -> Self:
        if self._runner is not None:
            raise RuntimeError("the receiver is already running")
        self._loop = asyncio.get_running_loop()
        self._arrival = asyncio.Event()
        self._release = asyncio.Event()
        tls = self._tls_material() if self.tls else None
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            context = tls.context if tls is not None else None
            site = web.TCPSite(runner, self.host, self.port, ssl_context=context)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        self.url = f"{'https' if self.tls else 'http'}://{self._url_host()}:{self.port}{self.path}"
        self._up_since = self.clock.now()
        return self

    async def stop(self) -> None:
        self._release_hung()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- internals ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        arrived = self.clock.monotonic()
        body, is_json = parse_body(raw)
        with self._lock:
            arrival = Arrival(
                request.method,
                request.path,
                body,
                is_json,
                dict(request.headers),
                dict(request.query),
                scripted=self._script.popleft() if self._script else None,
                draw=self._rng.random(),
                up_for=self._up_for(),
            )
            answer = answer_to(arrival, self._now)
            bundle = received(arrival, answer, arrived)
            self.bundles.append(bundle)
            if bundle.accepted:
                self.accepted.append(bundle)
        self._announce(bundle)
        if answer.outcome == HANG:
            assert self._release is not None
            await self._release.wait()
        if answer.outcome in (RESET, HANG):
            if request.transport is not None:
                request.transport.abort()
            raise web.HTTPException()  # nothing is written: the connection is gone
        headers_out = {"Location": f"{self.url}?redirected=1"} if 300 <= answer.status < 400 else {}
        return web.json_response(
            {"received": answer.accepted, "reason": answer.reason},
            status=answer.status,
            headers=headers_out,
        )

    def _announce(self, bundle: ReceivedBundle) -> None:
        if self._arrival is not None:
            arrival, self._arrival = self._arrival, asyncio.Event()
            arrival.set()
        if self.on_bundle is not None:
            try:
                self.on_bundle(bundle)
            except Exception:
                log.exception("on_bundle callback failed")

    def _up_for(self) -> float:
        if self._up_since is None:
            return 0.0
        return (self.clock.now() - self._up_since).total_seconds()

    def _release_hung(self) -> None:
        if self._release is not None:
            release, self._release = self._release, asyncio.Event()
            release.set()

    def _on_loop(self, fn: Callable[[], None]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if current is loop:
            fn()
        else:
            loop.call_soon_threadsafe(fn)

    def _require_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or self._runner is None:
            raise RuntimeError("the receiver is not running: start it first")
        return self._loop

    def _url_host(self) -> str:
        if self.tls:
            return "localhost"  # the name the certificate is for
        if self.host in ("", "0.0.0.0", "::"):
            return "127.0.0.1"
        return f"[{self.host}]" if ":" in self.host else self.host

    def _tls_material(self) -> TlsMaterial:
        """Made once: a receiver started again keeps its certificate, CA and `ca_path`."""
        if self._tls is None:
            cert_dir = self.cert_dir
            self._tls = material_from(cert_dir) if cert_dir else fresh_material(self)
            self.ca_path, self.ca_pem = self._tls.ca_path, self._tls.ca_pem
        return self._tls
