"""One POST of a bundle to an endpoint, and what came of it.

Redirects are never followed, TLS is verified (system store, `--webhook-ca`, or
the subscription's own CA), and every way an attempt can go wrong is turned into
an `AttemptResult` instead of an exception, so the engine only has to decide
between "delivered" and "try again later".
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import aiohttp

from simulator.clock import Clock
from simulator.core.retry import CONNECTION, RESET, TLS

USER_AGENT = "media77-simulator-webhook/1"
MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: an HTTP status (0 when none), an error kind and words for it."""

    status: int = 0
    error: str = ""
    detail: str = ""

    @property
    def message(self) -> str:
        if self.error:
            return f"{self.error}: {self.detail}" if self.detail else self.error
        if 300 <= self.status <= 399:
            return f"status {self.status}: redirects are never followed"
        if not 200 <= self.status <= 299:
            return f"status {self.status}"
        return ""


def tls_context(system_ca: str = "", subscription_ca: str = "") -> ssl.SSLContext:
    """Verify like the vendor: the system store, plus any CA the user trusts."""
    context = ssl.create_default_context()
    if system_ca:
        context.load_verify_locations(cafile=system_ca)
    if subscription_ca:
        context.load_verify_locations(cadata=subscription_ca)
    return context


async def post(
    session: aiohttp.ClientSession,
    url: str,
    data: bytes,
    headers: Mapping[str, str],
    context: ssl.SSLContext | None,
) -> Outcome:
    try:
        async with session.post(
            url,
            data=data,
            headers=dict(headers),
            ssl=context if context is not None else True,
            allow_redirects=False,
        ) as response:
            await response.content.read(MAX_RESPONSE_BYTES)
            return Outcome(response.status)
    except aiohttp.ClientConnectorCertificateError as error:
        return Outcome(0, TLS, str(error.certificate_error))
    except (aiohttp.ClientConnectorSSLError, aiohttp.ClientSSLError, ssl.SSLError) as error:
        return Outcome(0, TLS, str(error))
    except aiohttp.ClientConnectorError as error:
        return Outcome(0, CONNECTION, error.strerror or str(error))
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as error:
        return Outcome(0, RESET, str(error) or "the server closed the connection")
    except aiohttp.ClientOSError as error:
        return Outcome(0, RESET, error.strerror or str(error))
    except aiohttp.ClientError as error:
        return Outcome(0, CONNECTION, f"{type(error).__name__}: {error}")
    except (ValueError, OSError) as error:  # an unusable URL, a socket error aiohttp let through
        return Outcome(0, CONNECTION, f"{type(error).__name__}: {error}")


async def with_clock_timeout(
    clock: Clock, work: asyncio.Future[Outcome], seconds: float, on_timeout: Callable[[], Outcome]
) -> Outcome:
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
    try:
        done, _ = await asyncio.wait({work, timer}, return_when=asyncio.FIRST_COMPLETED)
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
