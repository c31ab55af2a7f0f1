"""A launch read and judged as the vendor would: from a whole URL, or from the page's location.

The two entry points return the same frozen `LaunchReading`: what the page reads,
every problem and warning with its code, the launch if it may go ahead, and a
corrected URL wherever one can be derived. `POST /_sim/launches/open|check`,
`media77-sim check-url` and the player page all go through here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote

from msgspec import Struct
from msgspec.structs import replace

from simulator.core.diagnostics import URL_CAUSES, Code, Diagnostic, Severity, error
from simulator.core.launch_reader import read_location, referrer_warnings
from simulator.core.launch_rules import check_launch
from simulator.core.launch_values import PARAMETERS, Launch, other_environment
from simulator.core.organizations import Organization
from simulator.core.url_search_params import to_usv

# RFC 3986 appendix B: splits any text into its parts, never fails.
_URL = re.compile(r"^(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$", re.S)
_COURSE_PATH = re.compile(r"^(.*)/courses/([^/]+)/?$", re.S)
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_COMPONENT_SAFE = "-_.!~*'()"  # what encodeURIComponent leaves as it is
FIXABLE = URL_CAUSES | {Code.PLUS_IN_FN, Code.REG_UPPER_CASE, Code.WRONG_ENVIRONMENT_LMS_ID}


class LaunchReading(Struct, frozen=True):
    """A launch as the vendor's page would take it, with everything worth saying about it."""

    course_id: str
    params: Mapping[str, str]  # what the page reads (strict) or the repaired values (lenient)
    diagnostics: tuple[Diagnostic, ...]
    fixed_url: str | None = None
    launch: Launch | None = None

    @property
    def problems(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == Severity.ERROR)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == Severity.WARNING)

    @property
    def ok(self) -> bool:
        return self.launch is not None and not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "courseId": self.course_id,
            "params": dict(self.params),
            "problems": [d.to_json() for d in self.problems],
            "warnings": [d.to_json() for d in self.warnings],
            "fixedUrl": self.fixed_url,
        }


def encode_component(value: str) -> str:
    """JavaScript's encodeURIComponent: the encoding the vendor's example shows (`%20`)."""
    return quote(to_usv(value), safe=_COMPONENT_SAFE)


def launch_url(base: str, course_id: str, params: Mapping[str, str]) -> str:
    """The launch URL as the vendor documents it: `{base}/courses/{id}/#/?reg=…&…&lmsId=…`."""
    query = "&".join(f"{name}={encode_component(params[name])}" for name in PARAMETERS)
    return f"{base.rstrip('/')}/courses/{encode_component(course_id)}/#/?{query}"


def _demoted(diagnostic: Diagnostic) -> Diagnostic:
    """A URL fault as lenient mode reports it: a warning, since it was repaired."""
    if diagnostic.code in URL_CAUSES:
        return replace(
            diagnostic, severity=Severity.WARNING, message="repaired: " + diagnostic.message
        )
    return diagnostic


def _fixed_url(
    base: str,
    course_id: str,
    repaired: Mapping[str, str],
    *,
    organizations: Sequence[Organization],
    environment: str,
    course_ids: Collection[str],
) -> str | None:
    """The corrected URL, if the repaired values make a launch that passes."""
    if any(name not in repaired for name in PARAMETERS):
        return None
    values = {**repaired, "reg": repaired["reg"].lower()}
    found = other_environment(values["lmsId"], environment, organizations)
    if found and found[0].lms_ids.get(environment):
        values["lmsId"] = found[0].lms_ids[environment]
    launch, _ = check_launch(
        course_id,
        values,
        environment=environment,
        organizations=organizations,
        course_ids=course_ids,
    )
    return launch_url(base, course_id, values) if launch is not None else None


def read_launch_location(
    course_id: str,
    hash_: str,
    search: str = "",
    referrer: str = "",
    *,
    base: str,
    organizations: Sequence[Organization],
    environment: str,
    course_ids: Collection[str],
    lenient: bool = False,
) -> LaunchReading:
    """The page's launch from raw `location.hash`, `location.search`, `document.referrer`.

    `base` is where corrected URLs point (the simulator's public URL). Strict by
    default; `lenient=True` repairs the URL faults and reports them as warnings.
    Never raises.
    """
    reading = read_location(hash_, search)
    url_faults = (
        [_demoted(d) for d in reading.diagnostics] if lenient else list(reading.diagnostics)
    )
    values = reading.repaired if lenient else reading.params
    launch, checks = check_launch(
        course_id,
        values,
        environment=environment,
        organizations=organizations,
        course_ids=course_ids,
    )
    explained = {d.field for d in url_faults if d.severity == Severity.ERROR}
    if explained:  # a fault in the URL already says why these values are missing or wrong
        checks = tuple(
            d
            for d in checks
            if not (
                d.severity == Severity.ERROR
                and (
                    d.field in explained
                    or (d.code == Code.MISSING_PARAMETER and d.field in reading.repaired)
                )
            )
        )
    diagnostics = (*url_faults, *checks, *referrer_warnings(referrer, values.get("dom", "")))
    fixed = None
    if any(d.code in FIXABLE for d in diagnostics):
        fixed = _fixed_url(
            base,
            course_id,
            reading.repaired,
            organizations=organizations,
            environment=environment,
            course_ids=course_ids,
        )
    ok = launch is not None and not any(d.severity == Severity.ERROR for d in diagnostics)
    return LaunchReading(course_id, dict(values), diagnostics, fixed, launch if ok else None)


def browser_url(url: str) -> str:
    """The text a browser's URL parser works on: USV, trimmed, tabs and newlines removed."""
    return _TAB_OR_NEWLINE.sub("", to_usv(url).strip(_C0_AND_SPACE))


def read_launch_url(
    url: str,
    referrer: str | None = None,
    *,
    organizations: Sequence[Organization],
    environment: str,
    course_ids: Collection[str],
    lenient: bool = False,
) -> LaunchReading:
    """A whole launch URL, read as the vendor's page would see it after a click. Never raises."""
    parts = _URL.match(browser_url(url))
    scheme, authority, path, query, fragment = parts.groups() if parts else ("",) * 5
    course = _COURSE_PATH.match(path or "")
    if (scheme or "").lower() not in ("http", "https") or not authority or course is None:
        message = (
            "not a course launch URL: expected an http(s) URL of the form "
            "{base}/courses/{courseId}/#/?reg=…&em=…&fn=First%20Last&dom=…&lmsId=…"
        )
        return LaunchReading("", {}, (error(Code.NOT_A_LAUNCH_URL, message, "url"),))
    base = f"{scheme}://{authority}{course.group(1)}"
    return read_launch_location(
        unquote(course.group(2)),
        "" if fragment is None else "#" + fragment,
        "" if query is None else "?" + query,
        referrer or "",
        base=base,
        organizations=organizations,
        environment=environment,
        course_ids=course_ids,
        lenient=lenient,
    )
