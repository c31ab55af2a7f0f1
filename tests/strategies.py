"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

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
