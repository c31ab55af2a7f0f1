"""The composition root: one object holding every part of a running simulator.

Reset works as moto's `BaseBackend.reset`: the store goes back to the fixtures
and every in-memory part is built again from it, exactly as at startup. Nothing
registers a hook and nothing can be forgotten; a part added later is built in
`_build` and is therefore reset too. Handlers ask the runtime for the current
parts at every request, because a reset replaces them.
"""

from __future__ import annotations

import asyncio
import gc
import secrets
from dataclasses import replace
from typing import Any

from simulator import fixtures as fixture_files
from simulator.clock import Clock, make_clock
from simulator.config import Config
from simulator.core.dates import parse_utc
from simulator.fixtures import Fixtures
from simulator.service import Simulation
from simulator.service.clock_control import ClockControl
from simulator.service.events import EventFeed
from simulator.service.launches import LaunchLog
from simulator.service.loop_lag import LoopLagMonitor
from simulator.service.organizations import Organizations
from simulator.service.player import Player
from simulator.service.quotas import Quotas
from simulator.service.reports import ProgressReports
from simulator.store import Store
from simulator.store.reports import ReportStore
from simulator.store.webhooks import WebhookStore
from simulator.webhooks.engine import WebhookEngine


class Runtime:
    """Config, clock and store (kept for the process's life) and the parts built on them."""

    simulation: Simulation
    organizations: Organizations
    reports: ReportStore
    quotas: Quotas
    progress: ProgressReports
    player: Player
    launch_log: LaunchLog
    clock_control: ClockControl
    engine: WebhookEngine
    events: EventFeed

    def __init__(self, config: Config, clock: Clock, store: Store, fixtures: Fixtures) -> None:
        self.config = config
        self.clock = clock
        self.store = store
        self.fixtures = fixtures
        self._reset_lock = asyncio.Lock()
        self._process = secrets.token_hex(4)  # names this process in event ids
        self._generation = 0
        self.loop_lag = LoopLagMonitor(clock)  # since start: a reset keeps it
        self._build()

    @classmethod
    def open(cls, config: Config, clock: Clock | None = None) -> Runtime:
        """Load the fixtures, open (and migrate) the store, and build every part."""
        loaded = fixture_files.load(config.fixtures or None)
        store = Store.open(config.db)
        try:
            store.load_fixtures(loaded.organizations, loaded.activities)
            start = parse_utc(config.clock_start) if config.clock_start else None
            return cls(config, clock or make_clock(config.clock, start), store, loaded)
        except BaseException:
            store.close()
            raise

    def _build(self) -> None:
        """Every in-memory part, from the store: at startup and after each reset."""
        self._generation += 1
        deliveries = WebhookStore(self.store).deliveries
        events = EventFeed(
            lambda after, limit: deliveries(after=after, limit=limit)[0],
            process=self._process,
            generation=self._generation,
        )
        self.events = events
        sim = Simulation(self.config, self.clock, self.store, self.fixtures)
        sim.subscribe(events.transactions)
        reports = ReportStore(self.store.db, self.store.transaction)
        sim.subscribe(lambda _transactions: reports.changed())
        self.simulation = sim
        self.organizations = Organizations(self.store)
        self.reports = reports
        self.quotas = Quotas(sim, reports, self.organizations)
        self.progress = ProgressReports(reports, self.quotas, self.organizations)
        self.player = Player(sim)
        self.launch_log = LaunchLog(self.store)
        self.clock_control = ClockControl(self.clock)
        self.quotas.on_change = events.quota
        self.clock_control.on_moved = events.clock
        self.engine = WebhookEngine(sim, events)

    def configure(self, **changes: Any) -> Config:
        """Settle settings known only once serving (the port picked): seen by every part."""
        self.config = replace(self.config, **changes)
        self.simulation.config = self.config
        return self.config

    async def start(self) -> None:
        """Serve: build the progress API's page index now (not on the first call), start
        the webhook engine."""
        self.reports.warm([(org.id, org.user_verification) for org in self.organizations.all()])
        self.loop_lag.start()
        await self.engine.start()

    async def stop(self) -> None:
        await self.engine.stop()
        await self.loop_lag.stop()

    async def reset(self) -> None:
        """Back to the fixtures, as `POST /_sim/reset` promises; one reset at a time."""
        async with self._reset_lock:
            await self.engine.stop()
            self.store.reset(self.fixtures.organizations, self.fixtures.activities)
            self.events.close()  # its readers are told, and reconnect to the new feed
            self._build()
            await self.engine.start()

    def close(self) -> None:
        self.store.close()


def settle_heap() -> None:
    """Once the process serves: take what start-up built out of the cyclic collector.

    What start-up built (modules, fixtures, the progress API's page index) lives as
    long as the process, yet every full collection walks all of it again, on the
    event loop: 30-40 ms for ~41,000 objects on a busy 2-core machine, several times
    a minute once deliveries fail fast and allocate. Frozen, a full collection walks
    only what was made since. For the process that owns the heap (`serve`), not for
    a `Simulator` inside someone else's process (a test run): freezing their heap
    would keep their garbage cycles forever and hide objects from `gc.get_objects`.
    No collection first: it would cost start-up those 30-40 ms to free the few
    cycles that importing leaves.
    """
    gc.freeze()
