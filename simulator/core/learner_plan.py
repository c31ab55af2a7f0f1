"""What simulated learners will do: pure, so a load run can be planned and checked.

A plan is the list of progress values each learner reports after launching, built
from the catalog the way the player moves: lesson by lesson for courses, register
then attend for events. Curricula follow their courses and are not taken directly.
"""

from __future__ import annotations

import random
import re
import unicodedata
import uuid
from collections.abc import Sequence

from msgspec import Struct

from simulator.core.activities import EVENT_REGISTERED_PROGRESS, Activity, lesson_progress


class LearnerPlan(Struct, frozen=True):
    reg: str
    email: str
    name: str
    course_id: str
    steps: tuple[int, ...]  # progress values after the launch, strictly increasing


def progress_steps(activity: Activity, finish: bool, rng: random.Random) -> tuple[int, ...]:
    """The progress values a learner reports, stopping partway unless `finish`."""
    if activity.kind == "event":
        full: tuple[int, ...] = (EVENT_REGISTERED_PROGRESS, 100)
    else:
        total = len(activity.lessons)
        full = tuple(lesson_progress(done, total) for done in range(1, total + 1))
    if finish or len(full) <= 1:
        return full if finish else ()
    return full[: rng.randrange(0, len(full))]


def plan(
    count: int,
    *,
    seed: int,
    activities: Sequence[Activity],
    names: Sequence[str],
    course_id: str | None = None,
    completion_rate: float = 0.6,
    unicode_emails: bool = False,
) -> list[LearnerPlan]:
    """`count` learners; the same seed and inputs give the same plan.

    E-mail local parts are plain ASCII (`Émilie du Châtelet` writes as
    `emilie.du.chatelet...`), what most LMSs and mail systems take; with
    `unicode_emails` they keep the name's letters, to try an LMS on those.
    """
    playable = [a for a in activities if a.kind != "curriculum"]
    if course_id is not None:
        playable = [a for a in playable if a.id == course_id]
    if not playable:
        raise ValueError(f"no playable course {course_id!r} in the catalog")
    if not names:
        raise ValueError("names must not be empty")
    rng = random.Random(seed)
    plans = []
    for index in range(count):
        activity = rng.choice(playable)
        name = names[index % len(names)]
        local = email_local_part(name, unicode_emails=unicode_emails)
        plans.append(
            LearnerPlan(
                reg=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                email=f"{local or 'learner'}.{seed}.{index}@example.com",
                name=name,
                course_id=activity.id,
                steps=progress_steps(activity, rng.random() < completion_rate, rng),
            )
        )
    return plans


# Letters NFKD does not take apart into an ASCII letter and accents.
_SPELLED = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "\u0131": "i",
    }
)


def email_local_part(name: str, *, unicode_emails: bool = False) -> str:
    """The name as dotted words of letters and digits, ASCII unless `unicode_emails`."""
    text = name.lower()
    if not unicode_emails:
        text = unicodedata.normalize("NFKD", text.translate(_SPELLED))
        text = text.encode("ascii", "ignore").decode("ascii")
    words = re.split(r"\s+", text)
    cleaned = ("".join(ch for ch in word if ch.isalnum()).lower() for word in words)
    return ".".join(word for word in cleaned if word)


def send_offset(index: int, rate: float) -> float:
    """Seconds after the start at which request `index` goes out, at `rate` per second."""
    return 0.0 if rate <= 0 else index / rate
