"""A local webhook endpoint that records what it gets and fails on demand.

It exists so that a developer (or a test) can watch the simulator's webhook
behave like the vendor's -- bundles, retries, then silent loss -- without
writing an endpoint first. It is a real aiohttp server on a real socket,
optionally HTTPS with a trustme CA, so TLS verification is exercised for real.

How each request is answered is decided by one pure function, `decide`, from
what the request carried and the receiver's settings; the `Receiver` class is
the shell that feeds it and records the result. The order of precedence is:

1. a scripted outcome (`script`, `fail_next`): "the next answers" win over all;
2. a wrong path (404) or method (405), so a misconfigured URL is obvious;
3. the down window (`down_for` seconds of the receiver's clock): `fail_status`;
4. the access token: 401 "token missing" / "token wrong";
5. the injected failure rate (`fail_rate`, seeded): `fail_status`;
6. a body that is not JSON: 400;
7. otherwise 200.

Every request draws one number from `random.Random(seed)`, whether or not it
reaches step 5, so request n always meets the same draw: a run is reproducible
from its seed and the order of requests alone.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import random
import shutil
import ssl
import tempfile
import threading
import weakref
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from aiohttp import web

from simulator.background import ThreadedService
from simulator.clock import Clock, SystemClock
from simulator.core.records import EventKind

__all__ = [
    "HANG",
    "RESET",
    "Answer",
    "Outcome",
    "ReceivedBundle",
    "Receiver",
    "check_token",
    "decide",
    "validate_outcome",
]

log = logging.getLogger(__name__)

RESET = "reset"  # close the connection without answering
HANG = "hang"  # never answer (until the receiver is cleared or stopped)
Outcome = int | str

CERT_FILES = ("ca.pem", "server.pem", "server.key")
MAX_BODY = 64 * 1024 * 1024  # aiohttp's 1 MiB default would refuse a large maxBundle unseen


# -- the pure core ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedBundle:
    """One request as the receiver saw it and what it answered."""

    body: Any  # parsed JSON (or the raw text if not JSON)
    headers: dict[str, str]
    query: dict[str, str]
    path: str
    status: int  # what the receiver answered (0 for "reset"/"hang")
    accepted: bool  # 2xx answered and token check passed
    token_ok: bool
    received_at: float  # clock.monotonic() of arrival
    method: str = "POST"
    reason: str = ""  # why it answered so, e.g. "token missing", "down for 3.2 s more"


@dataclass(frozen=True)
class Answer:
    """What to do with one request: a status, or RESET / HANG, and why."""

    outcome: Outcome
    reason: str
    token_ok: bool

    @property
    def status(self) -> int:
        return self.outcome if isinstance(self.outcome, int) else 0

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300 and self.token_ok


def validate_outcome(outcome: object) -> Outcome:
    """A final HTTP status 200-599 (a 1xx is not an answer), "reset" or "hang"; else ValueError."""
    if isinstance(outcome, bool):  # bool is an int: True would silently mean status 1
        raise ValueError(f"outcome {outcome!r}: expected an HTTP status, 'reset' or 'hang'")
    if isinstance(outcome, int):
        if 200 <= outcome <= 599:
            return outcome
        raise ValueError(f"outcome {outcome}: an answer status is 200-599")
    if outcome in (RESET, HANG):
        return str(outcome)
    raise ValueError(f"outcome {outcome!r}: expected an HTTP status, 'reset' or 'hang'")


def check_token(
    headers: Mapping[str, str], query: Mapping[str, str], name: str, value: str
) -> tuple[bool, str]:
    """Is the access token there, as a header or a query parameter? With the reason if not.

    Header names are case-insensitive (HTTP says so); query names are not. An
    empty expected value accepts anything, like an endpoint with auth turned off.
    """
    if not value:
        return True, ""
    wanted = name.lower()
    sent = [v for k, v in headers.items() if k.lower() == wanted]
    if name in query:
        sent.append(query[name])
    if not sent:
        return False, f"token missing (expected {name!r} as a header or query parameter)"
    if any(hmac.compare_digest(v.encode(), value.encode()) for v in sent):
        return True, ""
    return False, f"token wrong ({name!r} does not match)"


def bundle_shape_note(body: Any) -> str:
    """A warning when a JSON body is not the vendor's three-key bundle (still answered 200)."""
    if not isinstance(body, dict):
        return "; not a bundle object"
    missing = [k for k in EventKind.ALL if not isinstance(body.get(k), list)]
    return f"; missing or not a list: {', '.join(missing)}" if missing else ""


def decide(
    *,
    scripted: Outcome | None,
    method: str,
    path_ok: bool,
    path: str,
    expected_path: str,
    down_remaining: float,
    fail_status: int,
    token: tuple[bool, str],
    draw: float,
    fail_rate: float,
    body_is_json: bool,
    body: Any = None,
) -> Answer:
    """How to answer one request (see the module docstring for the order)."""
    token_ok, token_reason = token
    if scripted is not None:
        reason = f"scripted {scripted}"
        if isinstance(scripted, int) and 200 <= scripted < 300 and not token_ok:
            reason += f" but {token_reason}"
        return Answer(scripted, reason, token_ok)
    if not path_ok:
        return Answer(404, f"wrong path {path} (listening on {expected_path})", token_ok)
    if method != "POST":
        return Answer(405, f"method {method} not allowed (webhooks POST)", token_ok)
    if down_remaining > 0:
        return Answer(fail_status, f"down for {down_remaining:.1f} s more", token_ok)
    if not token_ok:
        return Answer(401, token_reason, token_ok)
    if draw < fail_rate:
        return Answer(fail_status, f"injected failure {fail_status}", token_ok)
    if not body_is_json:
        return Answer(400, "body is not JSON", token_ok)
    return Answer(200, "accepted" + bundle_shape_note(body), token_ok)


def parse_body(raw: bytes) -> tuple[Any, bool]:
    """The JSON value, or the raw text when it is not JSON (so a test can see what came)."""
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text), True
    except ValueError:
        return text, False


def records_of(bundles: Sequence[ReceivedBundle]) -> list[dict[str, Any]]:
    """Every record of the bundles, flattened in arrival order, each with its bundle key."""
    out: list[dict[str, Any]] = []
    for bundle in bundles:
        if not isinstance(bundle.body, dict):
            continue
        for kind in EventKind.ALL:
            items = bundle.body.get(kind)
            if isinstance(items, list):
                out.extend({**r, "kind": kind} for r in items if isinstance(r, dict))
    return out


# -- the shell -------------------------------------------------------------------------------


class Receiver(ThreadedService):
    """A webhook endpoint on a real socket; async (`async with`) or threaded (`with`).

    Settings given here are also public attributes (`token_value`, `fail_rate`,
    `fail_status`, `down_for`), which a test may change while it runs; `clear()`
    puts them back as constructed, so a shared receiver starts each test the same.
    """

    _thread_name = "media77-receiver"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        cert_dir: str | None = None,
        token_name: str = "",
        token_value: str = "",
        fail_rate: float = 0.0,
        fail_status: int = 503,
        down_for: float = 0.0,
        seed: int = 0,
        clock: Clock | None = None,
        path: str = "/webhook",
        on_bundle: Callable[[ReceivedBundle], None] | None = None,
    ) -> None:
        check_settings(
            port=port,
            tls=tls,
            cert_dir=cert_dir,
            token_name=token_name,
            token_value=token_value,
            fail_rate=fail_rate,
            fail_status=fail_status,
            down_for=down_for,
            path=path,
        )
        self.host = host
        self.port = port
        self.tls = tls
        self.cert_dir = cert_dir
        self.path = path
        self.seed = seed
        self.clock: Clock = clock or SystemClock()
        self.on_bundle = on_bundle
        self._defaults = {
            "token_name": token_name,
            "token_value": token_value,
            "fail_rate": fail_rate,
            "fail_status": fail_status,
            "down_for": down_for,
        }
        self.token_name = token_name
        self.token_value = token_value
        self.fail_rate = fail_rate
        self.fail_status = fail_status
        self.down_for = down_for
        self.url = ""
        self.ca_path: str | None = None
        self.ca_pem: bytes | None = None
        self.bundles: list[ReceivedBundle] = []
        self.accepted: list[ReceivedBundle] = []
        self._lock = threading.Lock()
        self._script: deque[Outcome] = deque()
        self._rng = random.Random(seed)
        self._down_since: datetime | None = None
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._arrival: asyncio.Event | None = None
        self._release: asyncio.Event | None = None
        self._ssl: ssl.SSLContext | None = None
        self._thread: threading.Thread | None = None
        self._stop_event: asyncio.Event | None = None

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
            self._rng = random.Random(self.seed)
            for name, value in self._defaults.items():
                setattr(self, name, value)
            if self._down_since is not None:
                self._down_since = self.clock.now()
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
        ssl_context = self._ssl_context() if self.tls else None
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, ssl_context=ssl_context)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        self.url = f"{'https' if self.tls else 'http'}://{self._url_host()}:{self.port}{self.path}"
        self._down_since = self.clock.now()
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
        headers = dict(request.headers)
        query = dict(request.query)
        with self._lock:
            scripted = self._script.popleft() if self._script else None
            draw = self._rng.random()
            answer = decide(
                scripted=scripted,
                method=request.method,
                path_ok=request.path == self.path,
                path=request.path,
                expected_path=self.path,
                down_remaining=self._down_remaining(),
                fail_status=self.fail_status,
                token=check_token(headers, query, self.token_name, self.token_value),
                draw=draw,
                fail_rate=self.fail_rate,
                body_is_json=is_json,
                body=body,
            )
            bundle = ReceivedBundle(
                body=body,
                headers=headers,
                query=query,
                path=request.path,
                status=answer.status,
                accepted=answer.accepted,
                token_ok=answer.token_ok,
                received_at=arrived,
                method=request.method,
                reason=answer.reason,
            )
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

    def _down_remaining(self) -> float:
        if self.down_for <= 0 or self._down_since is None:
            return 0.0
        elapsed = (self.clock.now() - self._down_since).total_seconds()
        return max(0.0, self.down_for - elapsed)

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

    def _ssl_context(self) -> ssl.SSLContext:
        """Made once: a receiver started again keeps its certificate, CA and `ca_path`."""
        if self._ssl is None:
            self._ssl = self._make_ssl_context()
        return self._ssl

    def _make_ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        if self.cert_dir is not None:
            folder = Path(self.cert_dir).absolute()  # a path that works from any directory
            missing = [name for name in CERT_FILES if not (folder / name).is_file()]
            if missing:
                raise FileNotFoundError(
                    f"{folder} has no {', '.join(missing)}: "
                    f"make them with `media77-sim certs --out {folder}`"
                )
            context.load_cert_chain(folder / "server.pem", folder / "server.key")
            self.ca_path = str(folder / "ca.pem")
            self.ca_pem = (folder / "ca.pem").read_bytes()
            return context
        import trustme  # a runtime dependency, imported only when TLS is asked for

        ca = trustme.CA(organization_name="media77-simulator receiver")
        ca.issue_cert("localhost", "127.0.0.1", "::1").configure_cert(context)
        folder = tempfile.mkdtemp(prefix="media77-receiver-")
        # Removed when the receiver is collected or the process ends, not on stop: a
        # receiver stopped and started again (an outage) must keep the CA a sender trusts.
        weakref.finalize(self, shutil.rmtree, folder, True)
        ca_path = Path(folder) / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        self.ca_path = str(ca_path)
        self.ca_pem = ca.cert_pem.bytes()
        return context


def check_settings(
    *,
    port: int,
    tls: bool,
    cert_dir: str | None,
    token_name: str,
    token_value: str,
    fail_rate: float,
    fail_status: int,
    down_for: float,
    path: str,
) -> None:
    """Refuse settings that would make the receiver quietly do something else."""
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port}: expected 0-65535 (0 picks a free port)")
    if cert_dir is not None and not tls:
        raise ValueError("cert_dir is only used with tls=True")
    if token_value and not token_name:
        raise ValueError("a token value needs a token name")
    if not (isinstance(fail_rate, int | float) and 0.0 <= fail_rate <= 1.0):
        raise ValueError(f"fail rate {fail_rate!r}: expected a number from 0 to 1")
    if isinstance(fail_status, bool) or not 200 <= fail_status <= 599:
        raise ValueError(f"fail status {fail_status!r}: an answer status is 200-599")
    if not (isinstance(down_for, int | float) and math.isfinite(down_for) and down_for >= 0):
        raise ValueError(f"down for {down_for!r}: expected seconds >= 0")
    if not path.startswith("/"):
        raise ValueError(f"path {path!r}: must start with '/'")
