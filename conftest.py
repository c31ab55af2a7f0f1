"""Settings for the whole suite (tests/ and contract_tests/)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Properties that talk to a real server on a 2-core machine have no per-example
# deadline; under CI the examples are derived from the test, so a run can be repeated.
settings.register_profile("media77", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "media77-ci",
    parent=settings.get_profile("media77"),
    derandomize=True,
    print_blob=True,
)
settings.load_profile("media77-ci" if os.environ.get("CI") else "media77")
