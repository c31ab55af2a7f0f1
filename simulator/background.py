"""The threaded `with` form shared by `Simulator` and `Receiver`.

Sync code (a pytest fixture, a script) gets a real server on an event loop of
its own thread; `start()` failures surface in the caller's thread.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from typing import Self


class ThreadedService:
    """Mixin for a class with `async start() -> Self` and `async stop()`."""

    _thread_name = "media77"
    _thread: threading.Thread | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _stop_event: asyncio.Event | None = None

    async def start(self) -> Self:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        ready = threading.Event()
        failure: list[BaseException] = []

        async def main() -> None:
            self._stop_event = asyncio.Event()
            try:
                await self.start()
            except BaseException as error:
                failure.append(error)
                ready.set()
                return
            ready.set()
            await self._stop_event.wait()
            await self.stop()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(main())
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name=self._thread_name, daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            raise failure[0]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop_event is not None:
            self._loop.call_soon_threadsafe(self._stop_event.set)
        if self._thread is not None:
            self._thread.join(timeout=30)


async def until_stopped() -> None:
    """Wait for Ctrl-C or SIGTERM: how `serve` and `receiver` run until told to stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
