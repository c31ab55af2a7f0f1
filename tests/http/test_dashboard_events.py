"""`GET /_sim/events` on a real socket: what a tool (or the dashboard) following it sees.

Every wait here is for bytes on the socket (with a generous real timeout as a guard),
never a sleep; time in the simulation moves only by `advance`.
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from simulator.pytest_plugin import SimHelper
from simulator.receiver import Receiver
from simulator.server import Simulator

GUARD_S = 15.0

pytestmark = pytest.mark.usefixtures("whole_seconds")


class Stream:
    """One SSE connection, read frame by frame."""

    def __init__(
        self,
        url: str,
        last_event_id: str | None = None,
        *,
        receive_buffer: int | None = None,
        guard_s: float = GUARD_S,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=guard_s)
        if receive_buffer is not None:  # set before connecting, so the window stays small
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
            sock.settimeout(guard_s)
            sock.connect((parts.hostname, parts.port))
            self.conn.sock = sock
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.conn.request("GET", "/_sim/events", headers=headers)
        self.response = self.conn.getresponse()
        self.last_id: str | None = None

    def frame(self) -> dict[str, Any] | None:
        """The next frame's data (None for one with no data, such as the opening id)."""
        data: list[str] = []
        while True:
            try:
                line = self.response.readline()
            except http.client.IncompleteRead as cut:  # ended between chunks' bytes
                raise EOFError("the stream ended mid-chunk") from cut
            if not line:
                raise EOFError("the stream ended")
            text = line.decode().rstrip("\n")
            if text == "":
                if data:
                    return dict(json.loads("\n".join(data)))
                return None
            if text.startswith("id: "):
                self.last_id = text[4:]
            elif text.startswith("data: "):
                data.append(text[6:])

    def events(self, count: int, *, skip: tuple[str, ...] = ("quota",)) -> list[dict[str, Any]]:
        """The next `count` events whose type is not in `skip`."""
        seen: list[dict[str, Any]] = []
        while len(seen) < count:
            event = self.frame()
            if event is not None and event["type"] not in skip:
                seen.append(event)
        return seen

    def until(self, kind: str) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        while not seen or seen[-1]["type"] != kind:
            event = self.frame()
            if event is not None:
                seen.append(event)
        return seen

    def close(self) -> None:
        self.conn.close()


@contextmanager
def stream(sim: SimHelper, last_event_id: str | None = None, **options: Any) -> Iterator[Stream]:
    reader = Stream(sim.url, last_event_id, **options)
    try:
        assert reader.response.status == 200
        assert reader.response.getheader("Content-Type", "").startswith("text/event-stream")
        assert reader.frame() is None or last_event_id is not None  # the opening position
        yield reader
    finally:
        reader.close()


def test_a_launch_and_a_completion_are_transactions_with_ids(sim: SimHelper) -> None:
    with stream(sim) as events:
        reg = sim.start_course()["registration"]
        sim.complete(reg)
        started, completed = events.events(2)
    assert (started["type"], started["kind"], started["registration"]) == (
        "transaction",
        "started",
        reg,
    )
    assert completed["kind"] == "completions" and completed["progress"] == 100
    assert completed["transactionId"] > started["transactionId"]
    assert events.last_id


def test_attempts_carry_their_outcome_and_the_clock_moves_are_announced(
    sim: SimHelper, media77_receiver: Receiver
) -> None:
    hook = sim.add_receiver_webhook(media77_receiver, retrySchedule=[1])
    with stream(sim) as events:
        sim.outage(hook["id"], duration=0.9)
        sim.start_course()
        sim.advance(0.5)
        seen = events.until("attempt")
        sim.advance(1)
        seen += events.until("attempt")
    kinds = [e["type"] for e in seen]
    assert kinds[0] == "outageStart" and "transaction" in kinds and "clock" in kinds
    failed, delivered = [e for e in seen if e["type"] == "attempt"]
    assert (failed["outcome"], failed["attempt"], failed["webhookId"]) == ("failed", 1, hook["id"])
    assert (delivered["outcome"], delivered["attempt"]) == ("delivered", 2)
    assert delivered["bundleId"] == failed["bundleId"]


def test_a_dropped_bundle_reports_its_missed_transactions(
    sim: SimHelper, media77_receiver: Receiver
) -> None:
    hook = sim.add_receiver_webhook(media77_receiver, retrySchedule=[])
    with stream(sim) as events:
        sim.outage(hook["id"], duration=60, mode="status:503")
        reg = sim.start_course()["registration"]
        sim.advance(0.5)
        seen = events.until("missed")
        sim.clear_outages(hook["id"])
        seen += events.until("outageEnd")
    attempt = next(e for e in seen if e["type"] == "attempt")
    missed = next(e for e in seen if e["type"] == "missed")
    assert attempt["outcome"] == "dropped" and attempt["status"] == 503
    assert missed["registrations"] == [reg] and missed["bundleId"] == attempt["bundleId"]
    assert seen[-1]["webhookId"] == hook["id"]


def test_a_quota_change_is_announced(sim: SimHelper) -> None:
    with stream(sim) as events:
        sim.set_quota(used=7)
        (event,) = events.events(1, skip=())
    assert event["type"] == "quota" and event["used"] == 7 and event["token"] == sim.token


def test_reconnecting_with_last_event_id_replays_what_was_missed(
    sim: SimHelper, media77_receiver: Receiver
) -> None:
    sim.add_receiver_webhook(media77_receiver)
    with stream(sim) as events:
        sim.start_course()
        events.events(1)
        resume_from = events.last_id
    regs = [sim.start_course()["registration"] for _ in range(3)]
    sim.advance(0.5)
    sim.wait_for_deliveries(1, timeout=GUARD_S)
    with stream(sim, resume_from) as events:
        replayed = events.until("attempt")
    assert [e["registration"] for e in replayed if e["type"] == "transaction"] == regs
    assert replayed[-1]["outcome"] == "delivered"


def test_attempts_too_old_for_the_ring_are_replayed_from_the_delivery_log(
    sim: SimHelper, media77_receiver: Receiver, media77_sim_server: Any
) -> None:
    feed = media77_sim_server.runtime.events
    feed._ring = type(feed._ring)(maxlen=3)  # a tiny ring, as after a long busy spell
    sim.add_receiver_webhook(media77_receiver, bundleWindowMs=0)
    with stream(sim) as events:
        sim.start_course()
        events.events(1)
        resume_from = events.last_id
    for _ in range(4):
        sim.start_course()
    sim.advance(0.1)
    sim.wait_for_deliveries(5, timeout=GUARD_S)
    with stream(sim, resume_from) as events:
        replayed = events.events(1, skip=())
        while sum(e["type"] == "attempt" for e in replayed) < 5:
            replayed += events.events(1, skip=())
    assert replayed[0]["type"] == "gap"
    ids = [e["id"] for e in replayed if e["type"] == "attempt"]
    assert ids == sorted(set(ids)) and len(ids) == 5  # each attempt once, in order


def test_an_id_from_before_a_reset_gets_resync(sim: SimHelper) -> None:
    with stream(sim) as events:
        sim.start_course()
        events.events(1)
        before = events.last_id
        sim.reset()
        assert events.until("reset")[-1]["type"] == "reset"
        with pytest.raises(EOFError):
            events.frame()
    reg = sim.start_course()["registration"]
    with stream(sim, before) as events:
        resync, started = events.events(2)
    assert resync["type"] == "resync" and resync["reason"] == "reset"
    assert started["registration"] == reg


def test_a_foreign_id_gets_resync_not_an_error(sim: SimHelper) -> None:
    with stream(sim, "not-an-id") as events:
        (event,) = events.events(1)
    assert event["type"] == "resync"


def test_a_reader_that_falls_behind_is_cut_off_and_nothing_else_waits(sim: SimHelper) -> None:
    # Opened with a small window, then never read again, like a frozen tab: once the
    # server's small send buffer is full its queue fills, and it must end the stream
    # itself (the short guard turns "never cut off" into a failure, not a hang).
    with stream(sim, receive_buffer=4096, guard_s=5.0) as stuck:
        for used in range(1, 3_000):
            sim.set_quota(used=used)  # each one an event; none of them waits for the reader
        assert sim.start_course()["progress"] == 0
        with stream(sim) as fresh:
            sim.set_quota(used=0)
            (event,) = fresh.events(1, skip=())
        assert event["used"] == 0
        with pytest.raises((EOFError, ConnectionResetError)):
            while True:  # what was buffered, then the end: it was cut off
                stuck.frame()


def test_a_stopping_simulator_ends_open_streams_instead_of_waiting_for_them() -> None:
    with Simulator() as server:
        reader = Stream(server.url)
        assert reader.frame() is None
    with pytest.raises(EOFError):  # ended by the server, well before the guard timeout
        reader.frame()
    reader.close()
