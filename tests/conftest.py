"""Shared test helpers. The `media77_sim` fixtures come from the package's own pytest plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sim(media77_sim):  # type: ignore[no-untyped-def]
    """Short alias used across this suite."""
    return media77_sim
