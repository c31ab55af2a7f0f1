"""Shared test helpers. The `media77_sim` fixtures come from the package's own pytest plugin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sim(media77_sim):  # type: ignore[no-untyped-def]
    """Short alias used across this suite."""
    return media77_sim


@pytest.fixture
def whole_seconds(media77_sim: Any) -> Iterator[None]:
    """Leave the session's shared clock on a whole second, as later tests of the suite
    assume (their expected dates have no milliseconds): for tests that advance by fractions."""
    yield
    fraction = media77_sim.now().microsecond
    if fraction:
        media77_sim.advance((1_000_000 - fraction) / 1_000_000)
