"""A second event loop, on a thread of its own, for the webhook attempts' network work.

Connecting, TLS handshakes (and their failures), sending and reading answers are
callbacks on whichever loop runs them. On the loop that also serves the API, a
burst of them (a retry wave to endpoints that reset or fail TLS, a flood to read
and discard) delays every request queued behind it. Run here, they only compete
for the interpreter, which the loop below gives up at every system call and
OpenSSL gives up for each handshake's cryptography.

Only the I/O moves: the caller's loop keeps the timeouts (on the injected clock),
the store and every decision, and awaits the work through `asyncio.wrap_future`.
Cancelling that future cancels the work on this loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class IoThread:
    """Started on first use; `stop` ends it for good (and whatever still runs there)."""

    def __init__(self, name: str = "webhook-io") -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run(self, work: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
        """Run `work` on this thread's loop; a future of the caller's loop for its result.

        Raises `RuntimeError` once stopped (`work` is then closed, never run).
        """
        if self._stopped:
            work.close()
            raise RuntimeError(f"{self.name} is stopped")
        loop = self._started()
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, loop))

    def _started(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or self._thread is None or not self._thread.is_alive():
            loop = asyncio.new_event_loop()
            ready = threading.Event()
            thread = threading.Thread(
                target=self._serve, args=(loop, ready), name=self.name, daemon=True
            )
            thread.start()
            ready.wait()
            self._loop, self._thread = loop, thread
        return self._loop

    @staticmethod
    def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
            left = asyncio.all_tasks(loop)
            for task in left:
                task.cancel()
            if left:
                loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    async def stop(self) -> None:
        """End the loop (cancelling what still runs on it) and wait for the thread,
        without holding up the caller's loop."""
        self._stopped = True
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is None or thread is None:
            return
        with contextlib.suppress(RuntimeError):  # already closed
            loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join)
