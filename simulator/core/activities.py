"""Activities of the catalog (courses, events, curricula) and how progress is counted.

Kept as plain values so the progress rules and the player can be tested without a
store; the catalog file is validated here, so a broken `--fixtures` fails at start
with a message naming the entry.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from msgspec import Struct
from msgspec.structs import replace

from simulator.core.errors import BadRequest

KINDS = ("course", "event", "curriculum")
EVENT_REGISTERED_PROGRESS = 50


class CatalogError(BadRequest):
    """A catalog file that cannot be served (400, field `catalog`, should one arrive by HTTP)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "catalog")


class Activity(Struct, frozen=True):
    id: str
    kind: str
    title: str
    activity_id: str
    lessons: tuple[str, ...] = ()
    staging_url: str = ""
    production_url: str = ""
    courses: tuple[str, ...] = ()
    description: str = ""
    details: tuple[tuple[str, str], ...] = ()

    def served_from(self, base_url: str) -> Activity:
        """This activity with its staging and production URLs on `base_url`.

        The fixtures name the vendor's hosts; an LMS configured from the simulator's
        catalog must launch into the simulator, never into the vendor's systems.
        """
        url = f"{base_url.rstrip('/')}/courses/{quote(self.id, safe='')}/"
        return replace(self, staging_url=url, production_url=url)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "activityId": self.activity_id,
            "lessons": list(self.lessons),
            "stagingUrl": self.staging_url,
            "productionUrl": self.production_url,
            "description": self.description,
        }
        if self.kind == "curriculum":
            data["courses"] = list(self.courses)
        data.update(dict(self.details))
        return data


def lesson_progress(done: int, total: int) -> int:
    """Progress after `done` of `total` lessons; 100 only when all are done."""
    if total <= 0:
        return 0
    done = max(0, min(done, total))
    return 100 if done == total else math.floor(100 * done / total)


def lessons_done(progress: int, total: int) -> int:
    """Lessons a progress value stands for (the inverse of `lesson_progress`).

    A progress set by the control API between two lesson steps counts the lessons
    it fully covers, so "Complete lesson" always moves progress forward.
    """
    if total <= 0:
        return 0
    if progress >= 100:
        return total
    done = 0
    while done < total and lesson_progress(done + 1, total) <= progress:
        done += 1
    return done


def curriculum_progress(completed: int, total: int) -> int:
    """A curriculum progresses by its completed courses and is earned with the last."""
    return lesson_progress(completed, total)


_COMMON = ("id", "kind", "title", "activityId", "stagingUrl", "productionUrl")


def parse_catalog(data: Mapping[str, Any]) -> tuple[Activity, ...]:
    """Validate `catalog.json` into activities, in file order."""
    entries = data.get("courses") if isinstance(data, Mapping) else None
    if not isinstance(entries, list) or not entries:
        raise CatalogError('catalog must be {"courses": [...]} with at least one entry')
    activities: list[Activity] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"courses[{index}]"
        if not isinstance(entry, Mapping):
            raise CatalogError(f"{where} must be an object")
        missing = [key for key in _COMMON if not isinstance(entry.get(key), str) or not entry[key]]
        if missing:
            raise CatalogError(f"{where} needs non-empty string(s): {', '.join(missing)}")
        if entry["kind"] not in KINDS:
            raise CatalogError(f"{where}.kind must be one of {', '.join(KINDS)}")
        if entry["id"] in seen:
            raise CatalogError(f"{where}.id {entry['id']!r} is listed twice")
        seen.add(entry["id"])
        lessons = entry.get("lessons", [])
        if not isinstance(lessons, list) or not all(isinstance(x, str) for x in lessons):
            raise CatalogError(f"{where}.lessons must be a list of lesson titles")
        if entry["kind"] == "course" and not lessons:
            raise CatalogError(f"{where} is a course and needs at least one lesson")
        courses = entry.get("courses", [])
        if entry["kind"] == "curriculum" and (not isinstance(courses, list) or not courses):
            raise CatalogError(f"{where} is a curriculum and needs a list of course ids")
        known = {"lessons", "courses", "description", *_COMMON}
        details = tuple(sorted((k, v) for k, v in entry.items() if k not in known))
        activities.append(
            Activity(
                id=entry["id"],
                kind=entry["kind"],
                title=entry["title"],
                activity_id=entry["activityId"],
                lessons=tuple(lessons),
                staging_url=entry["stagingUrl"],
                production_url=entry["productionUrl"],
                courses=tuple(courses),
                description=str(entry.get("description", "")),
                details=details,
            )
        )
    by_id = {a.id: a for a in activities}
    for activity in activities:
        for course_id in activity.courses:
            target = by_id.get(course_id)
            if target is None or target.kind != "course":
                raise CatalogError(
                    f"curriculum {activity.id!r} lists {course_id!r}, which is not a course"
                )
    return tuple(activities)


def curricula_containing(activities: Sequence[Activity], course_id: str) -> list[Activity]:
    return [a for a in activities if a.kind == "curriculum" and course_id in a.courses]
