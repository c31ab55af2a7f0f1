"""The control API's registration as JSON text, written in one pass.

`Registration.to_json` gives the shape as a dict for `json.dumps`; a launch answers
with that shape plus its warnings and diagnostics, and building the dict, then
encoding it, was a tenth of a launch's own work (issue 14). This writes the same
bytes directly: every string through `json`'s own escaping, the dates (digits and
separators only) as they are. Pure.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii as _quoted
from typing import Any

from simulator.core.dates import to_wire
from simulator.core.progress import Registration


def _list(items: Sequence[Any]) -> str:
    return json.dumps(list(items)) if items else "[]"


def registration_json(
    state: Registration, warnings: Sequence[str], diagnostics: Sequence[dict[str, Any]]
) -> str:
    """`json.dumps({**state.to_json(), "warnings": warnings, "diagnostics": diagnostics})`,
    byte for byte, without the dict."""
    return (
        f'{{"registration": {_quoted(state.registration)}, '
        f'"courseId": {_quoted(state.course_id)}, '
        f'"activityId": {_quoted(state.activity_id)}, '
        f'"organizationId": {_quoted(state.organization_id)}, '
        f'"email": {_quoted(state.email)}, '
        f'"firstName": {_quoted(state.first_name)}, '
        f'"lastName": {_quoted(state.last_name)}, '
        f'"progress": {int(state.progress)}, '
        f'"dateStarted": "{to_wire(state.date_started)}", '
        f'"dateCompleted": "{to_wire(state.date_completed)}", '
        f'"completionCode": {_quoted(state.completion_code)}, '
        f'"transactionId": {int(state.transaction_id)}, '
        f'"warnings": {_list(warnings)}, '
        f'"diagnostics": {_list(diagnostics)}}}'
    )
