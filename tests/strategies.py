"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime

from hypothesis import strategies as st

from simulator.core.organizations import Organization

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
