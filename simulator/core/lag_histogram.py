"""A fixed-size histogram of delays, for "p50/p99/max since start" without keeping samples.

The event-loop lag monitor records one sample every few milliseconds for the life
of the process; keeping them would grow memory without bound (the very thing the
reliability promises forbid). Buckets grow geometrically by `GROWTH`, so a
quantile is known to within that relative error (plus `FLOOR_MS` absolute) while
the whole histogram stays a few hundred integers, whatever runs for however long.
"""

from __future__ import annotations

import math

from msgspec import Struct, field

FLOOR_MS = 0.01  # below this a delay counts as none
GROWTH = 1.05  # each bucket's upper edge is 5 % above the previous one
_LOG_GROWTH = math.log(GROWTH)


def bucket_of(ms: float) -> int:
    """The bucket that holds a delay of `ms` (0 holds everything up to `FLOOR_MS`)."""
    if not ms > FLOOR_MS:  # also NaN
        return 0
    return max(1, math.ceil(math.log(ms / FLOOR_MS) / _LOG_GROWTH - 1e-9))


def upper_edge(bucket: int) -> float:
    """The largest delay bucket `bucket` holds."""
    return FLOOR_MS * GROWTH**bucket


class LagHistogram(Struct):
    counts: dict[int, int] = field(default_factory=dict)
    samples: int = 0
    max_ms: float = 0.0

    def record(self, ms: float) -> None:
        """Count one delay (negative or NaN counts as none)."""
        ms = ms if ms > 0 else 0.0
        key = bucket_of(ms)
        self.counts[key] = self.counts.get(key, 0) + 1
        self.samples += 1
        self.max_ms = max(self.max_ms, ms)

    def quantile(self, q: float) -> float:
        """The nearest-rank q-quantile (0..1), over by at most 5 % (+`FLOOR_MS`); 0 if empty."""
        if self.samples == 0:
            return 0.0
        rank = min(self.samples - 1, int(q * self.samples))
        seen = 0
        for key in sorted(self.counts):
            seen += self.counts[key]
            if seen > rank:
                return 0.0 if key == 0 else min(upper_edge(key), self.max_ms)
        return self.max_ms  # pragma: no cover - counts always sum to samples

    def summary(self) -> dict[str, float | int]:
        """`loopLagMs` as `GET /_sim/health` shows it."""
        return {
            "p50": round(self.quantile(0.5), 3),
            "p99": round(self.quantile(0.99), 3),
            "max": round(self.max_ms, 3),
            "samples": self.samples,
        }
