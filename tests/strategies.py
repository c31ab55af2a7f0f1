"""Hypothesis strategies and sample values shared by the tests."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st
from msgspec.structs import replace

from simulator.core.organizations import Organization
from simulator.core.progress import Registration

moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))

uuids = st.uuids().map(str)
labels = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
host_names = st.lists(labels, min_size=1, max_size=4).map(".".join)
emails = st.builds(lambda local, host: f"{local}@{host}.com", labels, host_names)
name_parts = st.text(
    st.characters(blacklist_categories=["Cs", "Cc", "Zs", "Zl", "Zp"]), min_size=1, max_size=20
)

ORGS = (
    Organization(
        id="acme",
        name="Acme",
        token="t-acme",
        domains=("localhost", "*.example.com"),
        lms_ids={"staging": "ACME-STG", "production": "ACME-PRD"},
    ),
    Organization(
        id="globex",
        name="Globex",
        token="t-globex",
        domains=("lms.globex.test",),
        lms_ids={"staging": "GLX-STG", "production": "GLX-PRD"},
        user_verification=True,
    ),
)

# -- launches (the strict reader's property tests) ------------------------------------------

_printable = st.characters(blacklist_categories=["Cs", "Cc", "Zs", "Zl", "Zp"])
_ESCAPE = r"%[0-9A-Fa-f]{2}"


def _no_escape(text: str) -> bool:
    """A value that holds `%XX` once decoded is read as encoded twice (docs/decisions.md)."""
    return re.search(_ESCAPE, text) is None


name_words = st.text(_printable, min_size=1, max_size=20).filter(_no_escape)
local_parts = st.text(
    st.characters(blacklist_categories=["Cs", "Cc", "Zs", "Zl", "Zp"], blacklist_characters="@"),
    min_size=1,
    max_size=30,
).filter(_no_escape)
acme_domains = st.one_of(st.just("localhost"), host_names.map(lambda h: f"{h}.example.com"))


@st.composite
def valid_launches(draw: st.DrawFn, local: st.SearchStrategy[str] = local_parts) -> dict[str, str]:
    """The five parameters of a launch Acme's staging LMS may make (tests.strategies.ORGS)."""
    last = draw(st.lists(name_words, min_size=1, max_size=3))
    return {
        "reg": draw(uuids),
        "em": f"{draw(local)}@{draw(host_names)}.com",
        "fn": f"{draw(name_words)} {' '.join(last)}",
        "dom": draw(acme_domains),
        "lmsId": "ACME-STG",
    }


T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SAMPLE_REGISTRATION = Registration(
    registration="80730e35-481a-4132-af54-1b8f4619abb6",
    organization_id="acme",
    course_id="c1",
    activity_id="https://a/c1",
    activity_title="C1",
    email="john.doe@example.com",
    first_name="John",
    last_name="Doe",
    member_identifier="",
    progress=0,
    date_started=T0,
    last_activity_at=T0,
)


def a_registration(**changes: Any) -> Registration:
    """A registration not yet stored; the store's tests give the fixtures' organization."""
    return replace(SAMPLE_REGISTRATION, **changes)
