"""Deterministic learners and registrations for the progress API and its benchmarks.

The same `seed` and `now` give the same learners, registrations, progress, dates
and completion codes, so a benchmark or a bug report can be reproduced exactly.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from simulator.core.activities import Activity
from simulator.core.organizations import Organization
from simulator.core.progress import Registration, Step, advance, start

SPREAD_DAYS = 90


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate(
    count: int,
    *,
    seed: int,
    now: datetime,
    organization: Organization,
    activities: Sequence[Activity],
) -> Iterator[Step]:
    """The steps (start, then progress or completion) of `count` seeded registrations."""
    from faker import Faker  # imported here: it is slow to import and `serve` never needs it

    fake = Faker(["en_US", "en_GB", "de_DE", "fr_FR", "es_ES"])
    fake.seed_instance(seed)
    rng = random.Random(seed)
    playable = [a for a in activities if a.kind != "curriculum"] or list(activities)
    span = SPREAD_DAYS * 86400
    for index in range(count):
        first, last = fake.first_name(), fake.last_name()
        local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        email = f"{local}.{index}@{fake.free_email_domain()}"
        activity = rng.choice(playable)
        started = now - timedelta(seconds=rng.randrange(span))
        member = fake.bothify("#########") if organization.user_verification else ""
        state = Registration(
            registration=_uuid(rng),
            organization_id=organization.id,
            course_id=activity.id,
            activity_id=activity.activity_id,
            activity_title=activity.title,
            email=email,
            first_name=first,
            last_name=last,
            member_identifier=member,
            progress=0,
            date_started=started,
            last_activity_at=started,
        )
        yield start(state)
        roll = rng.random()
        target = 100 if roll < 0.35 else (0 if roll < 0.5 else rng.randrange(1, 100))
        if target:
            later = started + timedelta(
                seconds=rng.randrange(max(1, int((now - started).total_seconds())))
            )
            step = advance(state, target, later, _uuid(rng))
            if step is not None:
                yield step
