"""Values the tests build again and again, in one place."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from simulator.core.progress import Registration

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

_FRESH = Registration(
    registration="80730e35-481a-4132-af54-1b8f4619abb6",
    organization_id="acme-learning",
    course_id="data-privacy",
    activity_id="https://a/data-privacy",
    activity_title="Data Privacy",
    email="john.doe@example.com",
    first_name="John",
    last_name="Doe",
    member_identifier="",
    progress=0,
    date_started=T0,
    last_activity_at=T0,
)


def a_registration(**changes: Any) -> Registration:
    """A registration just started (0 %, at T0); `changes` set any of its fields."""
    return replace(_FRESH, **changes)
