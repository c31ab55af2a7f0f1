"""Loading `fixtures/`: the catalog, the organizations and the course FAQs.

The bundled folder ships inside the wheel (as `simulator/fixtures`) and is the
repository's `fixtures/` when run from a checkout; `--fixtures DIR` replaces it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from msgspec import Struct

from simulator.core.activities import Activity, CatalogError, parse_catalog
from simulator.core.organizations import Organization, OrganizationError, parse_organization


class FixtureError(ValueError):
    """A fixtures folder that cannot be loaded; the message names file and entry."""


class Fixtures(Struct, frozen=True):
    folder: Path
    activities: tuple[Activity, ...]
    organizations: tuple[Organization, ...]
    faq: dict[str, Any]

    def faq_for(self, course_id: str) -> dict[str, Any]:
        """The questions for one course (falling back to the general ones) and the help desk."""
        courses = self.faq.get("courses", {})
        return {
            "questions": courses.get(course_id) or self.faq.get("general", []),
            "helpDesk": self.faq.get("helpDesk", {}),
        }


def default_folder() -> Path:
    packaged = Path(__file__).parent / "fixtures"
    if (packaged / "catalog.json").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "fixtures"


def _read(folder: Path, name: str) -> Any:
    path = folder / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FixtureError(f"{path} is missing") from None
    except json.JSONDecodeError as error:
        raise FixtureError(f"{path} is not valid JSON: {error}") from None


def load(folder: str | Path | None = None) -> Fixtures:
    folder = Path(folder) if folder else default_folder()
    if not folder.is_dir():
        raise FixtureError(f"fixtures folder {folder} does not exist")
    try:
        activities = parse_catalog(_read(folder, "catalog.json"))
    except CatalogError as error:
        raise FixtureError(f"{folder / 'catalog.json'}: {error}") from None
    raw_orgs = _read(folder, "organizations.json")
    entries = raw_orgs.get("organizations") if isinstance(raw_orgs, dict) else None
    if not isinstance(entries, list) or not entries:
        raise FixtureError(f'{folder / "organizations.json"}: needs {{"organizations": [...]}}')
    try:
        organizations = tuple(
            parse_organization(entry, f"organizations[{i}]") for i, entry in enumerate(entries)
        )
    except OrganizationError as error:
        raise FixtureError(f"{folder / 'organizations.json'}: {error}") from None
    faq_path = folder / "faq.json"
    faq = _read(folder, "faq.json") if faq_path.exists() else {}
    return Fixtures(folder, activities, organizations, faq)
