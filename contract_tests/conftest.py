"""Contract tests: each checks one rule of the vendor docs, named in its docstring.

By default they run against the in-process simulator (`media77_sim` from the
package's pytest plugin). `media77-sim contract --target-url URL --target-token T`
runs them against another running simulator instead (a container, another
version): it must expose the control API, which the tests use to create state.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from simulator.pytest_plugin import SimHelper
from simulator.server import launch_url

TARGET_URL = os.environ.get("MEDIA77_CONTRACT_URL", "")
TARGET_TOKEN = os.environ.get("MEDIA77_CONTRACT_TOKEN", "")
ADMIN_TOKEN = os.environ.get("MEDIA77_SIM_ADMIN_TOKEN", "")


class RemoteHelper(SimHelper):
    """`SimHelper` for a simulator this process did not start."""

    def __init__(self, url: str, token: str) -> None:
        super(SimHelper, self).__init__(url, admin_token=ADMIN_TOKEN)
        self._token = token

    @property
    def token(self) -> str:
        return self._token or self.default_organization()["token"]

    def launch_url(self, course_id: str | None = None, **kwargs: Any) -> str:
        org = self.default_organization()
        env = self.health()["environment"]
        course = course_id or self.catalog()[0]["id"]
        lms_id = kwargs.pop("lms_id", org["lmsIds"][env])
        return launch_url(self.url, course, lms_id=lms_id, **kwargs)


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> SimHelper:
    if not TARGET_URL:
        return request.getfixturevalue("media77_sim")
    helper = RemoteHelper(TARGET_URL, TARGET_TOKEN)
    helper.reset()
    return helper
