"""Contract tests: each checks one rule of the vendor docs, named in its docstring.

They run against the in-process simulator (`media77_sim` from the package's pytest
plugin). `media77-sim contract` runs this folder.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def sim(media77_sim):  # type: ignore[no-untyped-def]
    return media77_sim
