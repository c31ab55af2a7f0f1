"""What is said about a launch: stable codes, a severity, a message, the parameter concerned.

Codes are part of the contract (the launch log, `POST /_sim/launches/check`,
`media77-sim check-url` and the page's error panel show them), so they live in one
StrEnum; messages may be reworded, codes may not.
"""

from __future__ import annotations

from enum import StrEnum

from msgspec import Struct


class Severity(StrEnum):
    ERROR = "error"  # the vendor's page could not launch it: the launch fails
    WARNING = "warning"  # it launches, but something will bite later


class Code(StrEnum):
    # Causes in the URL that make the vendor's page read it wrong (errors unless lenient).
    PARAMETERS_BEFORE_HASH = "parameters_before_hash"
    MISSING_HASH_SLASH = "missing_hash_slash"
    HTML_ESCAPED_AMPERSAND = "html_escaped_ampersand"
    PLUS_IN_VALUE = "plus_in_value"
    DOUBLE_ENCODED = "double_encoded"
    BAD_PERCENT_ENCODING = "bad_percent_encoding"
    MISNAMED_PARAMETER = "misnamed_parameter"
    REPEATED_PARAMETER = "repeated_parameter"
    # Warnings: the launch goes ahead.
    PLUS_IN_FN = "plus_in_fn"
    REFERRER_MISMATCH = "referrer_mismatch"
    REG_UPPER_CASE = "reg_upper_case"
    VALUE_TRUNCATED = "value_truncated"
    REGISTRATION_REGENERATED = "registration_regenerated"  # a new reg for unfinished work
    # Needs the store: a reg already taken by another learner, course or organization.
    REGISTRATION_REUSED = "registration_reused"
    # Values that do not pass the rules (always errors).
    NOT_A_LAUNCH_URL = "not_a_launch_url"
    UNKNOWN_COURSE = "unknown_course"
    MISSING_PARAMETER = "missing_parameter"
    NOT_A_STRING = "not_a_string"  # only from JSON callers (`POST /_sim/registrations`)
    TOO_LONG = "too_long"
    CONTROL_CHARACTER = "control_character"
    SURROUNDING_SPACE = "surrounding_space"
    INVALID_REG = "invalid_reg"
    INVALID_EMAIL = "invalid_email"
    INVALID_NAME = "invalid_name"
    INVALID_DOM = "invalid_dom"
    DOM_NOT_ALLOWED = "dom_not_allowed"
    UNKNOWN_LMS_ID = "unknown_lms_id"
    WRONG_ENVIRONMENT_LMS_ID = "wrong_environment_lms_id"


# The URL faults a lenient reading repairs (with a warning) instead of failing the launch.
URL_CAUSES = frozenset(
    {
        Code.PARAMETERS_BEFORE_HASH,
        Code.MISSING_HASH_SLASH,
        Code.HTML_ESCAPED_AMPERSAND,
        Code.PLUS_IN_VALUE,
        Code.DOUBLE_ENCODED,
        Code.BAD_PERCENT_ENCODING,
        Code.MISNAMED_PARAMETER,
        Code.REPEATED_PARAMETER,
    }
)


class Diagnostic(Struct, frozen=True):
    """One thing worth telling the integrator about a launch URL."""

    code: str
    severity: str
    message: str
    field: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "code": str(self.code),
            "severity": str(self.severity),
            "field": self.field,
            "message": self.message,
        }


def error(code: Code, message: str, field: str | None = None) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, field)


def warning(code: Code, message: str, field: str | None = None) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, field)


def shown(value: str, limit: int = 80) -> str:
    """A value quoted for a message, cut short: messages name values, they do not carry them."""
    return repr(value if len(value) <= limit else value[:limit] + "…")
