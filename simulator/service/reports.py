"""The Activity Progress API (`POST /api/reports/progress`) as one synchronous step.

Token, quota count and query happen with no `await` in between, so with many
concurrent callers exactly `limit` calls get through: the event loop runs one
handler step at a time and the store is synchronous.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct

from simulator.core.dates import to_iso_ms
from simulator.core.errors import BadRequest, TooManyRequests, Unauthorized
from simulator.core.organizations import Organization
from simulator.core.report_query import validate_report_query
from simulator.service.organizations import Organizations
from simulator.service.quotas import Quotas
from simulator.store.reports import ReportStore

TOTAL_HEADER = "X-Media77-Sim-Total-Count"  # simulator-only (D-P8): never on the vendor's wire


class ProgressPage(Struct, frozen=True):
    """One answer: the page's JSON (UTF-8), the total the filters select, the quota headers."""

    body: bytes
    total: int
    headers: dict[str, str]


class ProgressReports:
    def __init__(self, reports: ReportStore, quotas: Quotas, organizations: Organizations) -> None:
        self.reports = reports
        self.quotas = quotas
        self.organizations = organizations

    def _organization(self, body: dict[str, Any]) -> Organization:
        token = body.get("token")
        if token is None or token == "":
            raise Unauthorized("token is required: the API token you were provisioned", "token")
        unknown = Unauthorized("token is not known to any organization", "token")
        return self.organizations.for_token(token, unknown)

    def progress(self, body: dict[str, Any]) -> ProgressPage:
        """A page of records for the body's token, counted against its daily quota.

        Counted per D-Q1: past the token check, a 2xx or a 400 counts; a 401 (above)
        or a failure while reading the page (an exception out of `reports.page`)
        does not, because the count is recorded only once the answer is decided.
        """
        org = self._organization(body)
        decision = self.quotas.check(org.token)
        headers = decision.headers()
        if not decision.allowed:
            resets_at = to_iso_ms(decision.resets_at)
            raise TooManyRequests(
                f"the daily limit of {decision.limit} API calls is used up; "
                f"it resets at {resets_at}",
                None,
                headers=headers,
                limit=decision.limit,
                resetsAt=resets_at,
            )
        query = validate_report_query(body, org.token)
        if isinstance(query, list):
            self.quotas.record(org.token, decision)
            raise BadRequest(
                "; ".join(m for _f, m in query),
                query[0][0],
                headers=headers,
                problems=[{"field": f, "message": m} for f, m in query],
            )
        total, payload = self.reports.page(org.id, query, org.user_verification)
        self.quotas.record(org.token, decision)
        return ProgressPage(payload, total, {**headers, TOTAL_HEADER: str(total)})
