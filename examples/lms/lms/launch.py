"""Course links, in the form 77media's Courses API documents.

    {course URL}#/?reg=<uuid>&em=<email>&fn=First%20Last&dom=<our host>&lmsId=<LMSID>

The parameters go after `#/?` (the course page is a single-page app that reads
only the fragment), each value percent-encoded: a space is `%20` (a `+` would be
read as a plus sign in an address), `@` is `%40`. `reg` is the learner's
registration for the course, made once and reused, so a learner resumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from lms.store import Store


@dataclass(frozen=True)
class LaunchSettings:
    """What 77media gave us for one environment, and who we are."""

    lms_id: str
    """The LMSID of the environment (staging while testing, production live)."""
    domain: str
    """The host our learners launch from, subdomains included (`learn.example.com`)."""


def launch_url(
    course_url: str,
    *,
    registration: str,
    email: str,
    first_name: str,
    last_name: str,
    settings: LaunchSettings,
) -> str:
    """A course link for one learner; `course_url` is the URL from the course list."""
    params = (
        ("reg", registration),
        ("em", email),
        ("fn", f"{first_name} {last_name}"),
        ("dom", settings.domain),
        ("lmsId", settings.lms_id),
    )
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in params)
    return f"{course_url.split('#', 1)[0].rstrip('/')}/#/?{query}"


def learner_launch_url(
    store: Store,
    course_id: str,
    course_url: str,
    *,
    email: str,
    first_name: str,
    last_name: str,
    settings: LaunchSettings,
) -> str:
    """The link for a learner, with the registration kept for that learner and course."""
    return launch_url(
        course_url,
        registration=store.registration_for(email, course_id),
        email=email,
        first_name=first_name,
        last_name=last_name,
        settings=settings,
    )
