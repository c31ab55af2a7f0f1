"""One POST of a bundle to an endpoint, and what came of it, with its true cause.

Redirects are never followed, TLS is verified (system store, `--webhook-ca`, or
the subscription's own CA), the answer's body is read only up to a cap, and every
way an attempt can go wrong becomes a `core.delivery.Result` naming its cause
(refused, reset, timeout, TLS, other connection trouble) instead of an exception,
so the engine only has to ask the core what follows.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ssl
from collections.abc import Callable, Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import aiohttp

from simulator.clock import Clock
from simulator.core.delivery import Result
from simulator.core.retry import Failure
from simulator.webhooks.io_thread import IoThread
from simulator.webhooks.tls import tls_context

__all__ = ["MAX_RESPONSE_BYTES", "USER_AGENT", "Sessions", "failure_of", "post", "tls_context"]

USER_AGENT = "media77-simulator-webhook/1"
MAX_RESPONSE_BYTES = 64 * 1024
_RESET_ERRNOS = {errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED}


def _os_failure(error: OSError | None) -> Failure:
    """Refused or reset, read from the socket error (several when a name has several
    addresses: asyncio then joins them into one message)."""
    if error is None:
        return Failure.CONNECTION
    if isinstance(error, ConnectionRefusedError) or error.errno == errno.ECONNREFUSED:
        return Failure.REFUSED
    if isinstance(error, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return Failure.RESET
    if error.errno in _RESET_ERRNOS:
        return Failure.RESET
    if isinstance(error, TimeoutError):
        return Failure.TIMEOUT
    text = str(error)
    if text.startswith("Multiple exceptions") and text.count(
        f"[Errno {errno.ECONNREFUSED}]"
    ) == text.count("[Errno"):
        return Failure.REFUSED
    return Failure.CONNECTION


def failure_of(error: BaseException) -> Result:
    """The cause of an attempt that got no answer, as the delivery log words it."""
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        return Result(0, Failure.TLS, str(error.certificate_error))
    if isinstance(error, aiohttp.ClientSSLError | ssl.SSLError):
        return Result(0, Failure.TLS, str(error))
    if isinstance(error, aiohttp.ClientConnectorError):
        cause = error.os_error
        if isinstance(cause, ssl.SSLError):
            return Result(0, Failure.TLS, str(cause))
        return Result(0, _os_failure(cause), error.strerror or str(error))
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return Result(0, Failure.RESET, "server disconnected before answering")
    if isinstance(error, aiohttp.ClientPayloadError):
        return Result(0, Failure.RESET, str(error) or "the answer was cut off")
    if isinstance(error, aiohttp.ClientOSError):
        failure = _os_failure(error)
        return Result(0, failure, error.strerror or str(error) or "connection lost")
    if isinstance(error, asyncio.TimeoutError):
        return Result(0, Failure.TIMEOUT, "no answer")
    if isinstance(error, ConnectionError | OSError):
        return Result(0, _os_failure(error), str(error))
    return Result(0, Failure.CONNECTION, f"{type(error).__name__}: {error}")


class Sent:
    """When an attempt's request really left, for the delivery log's `at` and `latencyMs`.

    `at` starts as the moment the attempt began and moves to the moment a connection
    was had (after any wait for a free one in the pool), as aiohttp's tracing reports.
    """

    def __init__(self, clock: Clock, at: datetime) -> None:
        self.clock = clock
        self.at = at
        self._begun = clock.monotonic()
        self._sent: float | None = None
        self._latency: float | None = None

    def mark(self) -> None:
        if self._sent is None:
            self.at = self.clock.now()
            self._sent = self.clock.monotonic()

    def finished(self) -> None:
        start = self._begun if self._sent is None else self._sent
        self._latency = (self.clock.monotonic() - start) * 1000.0

    def latency_ms(self) -> float | None:
        """From sending to the outcome; None for an outcome injected without a request."""
        return self._latency


async def _connection_had(_session: object, context: SimpleNamespace, _params: object) -> None:
    sent = context.trace_request_ctx
    if isinstance(sent, Sent):
        sent.mark()


def tracing() -> aiohttp.TraceConfig:
    """The session's tracing: marks each `Sent` once its request has a connection."""
    config = aiohttp.TraceConfig()
    config.on_connection_create_start.append(_connection_had)
    config.on_connection_reuseconn.append(_connection_had)
    return config


class Sessions:
    """One HTTP client (its own connection pool) per subscription, on the I/O thread.

    A shared pool couples subscriptions: its per-host limit is shared by every
    subscription to that host and port (and, with shared TLS contexts, by every one
    trusting the same CA), so endpoints that hang could fill it and make a healthy
    subscription's attempt queue for a connection, out of sight of its own bound.
    Here the only bound is the subscription's `maxInFlight`, kept by the worker.

    The clients and all their network work live on an `IoThread` (see there why);
    the methods below are called from the worker's loop.
    """

    def __init__(self) -> None:
        self._io = IoThread()
        self._open: dict[str, aiohttp.ClientSession] = {}  # touched on the I/O thread only

    def __len__(self) -> int:
        return len(self._open)

    def post(
        self,
        sub_id: str,
        url: str,
        data: bytes,
        headers: Mapping[str, str],
        context: ssl.SSLContext | None,
        sent: Sent | None = None,
    ) -> asyncio.Future[Result]:
        """`post` with the subscription's client, on the I/O thread; cancelling the
        future returned abandons the request."""
        work = self._post(sub_id, url, data, dict(headers), context, sent)
        try:
            return self._io.run(work)
        except RuntimeError:
            stopped = asyncio.get_running_loop().create_future()
            stopped.set_result(Result(0, Failure.CONNECTION, "the simulator is stopping"))
            return stopped

    async def _post(
        self,
        sub_id: str,
        url: str,
        data: bytes,
        headers: Mapping[str, str],
        context: ssl.SSLContext | None,
        sent: Sent | None,
    ) -> Result:
        return await post(self._of(sub_id), url, data, headers, context, sent)

    def _of(self, sub_id: str) -> aiohttp.ClientSession:
        session = self._open.get(sub_id)
        if session is None or session.closed:
            session = self._open[sub_id] = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, limit_per_host=0),
                timeout=aiohttp.ClientTimeout(total=None),
                headers={"User-Agent": USER_AGENT},
                trace_configs=[tracing()],
            )
        return session

    def close(self, sub_id: str | None = None) -> list[asyncio.Task[None]]:
        """Close one subscription's client, or all of them and the I/O thread; returns
        the closing tasks (of the caller's loop) to await."""
        loop = asyncio.get_running_loop()
        if sub_id is not None:
            if not self._io.running:
                return []
            return [loop.create_task(self._closing(self._io.run(self._close(sub_id))))]
        return [loop.create_task(self._shutdown())]

    async def _close(self, sub_id: str | None) -> None:
        ids = list(self._open) if sub_id is None else [sub_id]
        closing = [s.close() for i in ids if (s := self._open.pop(i, None))]
        await asyncio.gather(*closing, return_exceptions=True)

    @staticmethod
    async def _closing(closed: asyncio.Future[None]) -> None:
        await closed

    async def _shutdown(self) -> None:
        if self._io.running:
            with contextlib.suppress(RuntimeError):
                await self._io.run(self._close(None))
        await self._io.stop()


async def post(
    session: aiohttp.ClientSession,
    url: str,
    data: bytes,
    headers: Mapping[str, str],
    context: ssl.SSLContext | None,
    sent: Sent | None = None,
) -> Result:
    try:
        async with session.post(
            url,
            data=data,
            trace_request_ctx=sent,
            headers=dict(headers),
            ssl=context if context is not None else True,
            allow_redirects=False,
        ) as response:
            await response.content.read(MAX_RESPONSE_BYTES)  # never more: a flood stays out
            return Result(response.status)
    except (aiohttp.ClientError, ssl.SSLError, ValueError, OSError) as error:
        result = failure_of(error)
        _let_go(error)
        return result


def _let_go(error: BaseException) -> None:
    """Drop the frames a failed attempt's exceptions keep alive.

    A failed TLS handshake's exception chain holds, through its tracebacks' frames,
    asyncio's `SSLProtocol` (with its 256 KiB buffer) in a reference cycle, so each
    one waits for the cyclic garbage collector: at dozens of failing handshakes a
    second, megabytes of dead buffers pile up and the heap stays that big.
    Dropping the tracebacks once the cause is read lets them go at once.
    """
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None  # not `clear_frames`: a frame may belong to a live task
        stack += [current.__cause__, current.__context__]


async def with_clock_timeout(
    clock: Clock, work: asyncio.Future[Result], seconds: float, on_timeout: Callable[[], Result]
) -> Result:
    """Wait for `work` at most `seconds` of the simulator's clock.

    With the virtual clock the timeout only passes when the clock is advanced; the
    timer wakes this task back up as clock work so an advance waits for it.
    """
    me = asyncio.current_task()
    timer = asyncio.ensure_future(clock.sleep(seconds))

    def wake_me(finished: asyncio.Future[None]) -> None:
        if me is not None and not me.done() and not finished.cancelled():
            clock.track(me)

    timer.add_done_callback(wake_me)
    racing: set[asyncio.Future[Any]] = {work, timer}
    try:
        done, _ = await asyncio.wait(racing, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        work.cancel()  # the simulator stops or resets: abandon the request too
        raise
    finally:
        timer.remove_done_callback(wake_me)
        timer.cancel()
    if work in done:
        return work.result()
    work.cancel()
    return on_timeout()
