"""How the webhook groups transactions into bundles.

The vendor "bundles the data where possible": several in-progress and finished
updates in one package. Per subscription the engine collects transactions for a
window (or until a bundle is full); these pure functions decide what goes in each
bundle, so the promise "every transaction in exactly one bundle, in order" is a
property that can be tested without a network.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from msgspec import Struct

from simulator.core.records import EventKind, Transaction

DEFAULT_WINDOW_MS = 500
DEFAULT_MAX_BUNDLE = 100


def bundle_body(transactions: Iterable[Transaction]) -> dict[str, list[Any]]:
    """The webhook payload: all three keys always, records in transactionId order."""
    body: dict[str, list[Any]] = {kind: [] for kind in EventKind.ALL}
    for transaction in sorted(transactions, key=lambda t: t["transactionId"]):
        body[transaction["kind"]].append(transaction["record"])
    return body


def transaction_ids(body: dict[str, list[Any]]) -> list[int]:
    """The transactions a payload carries, ascending (for the log and missed ledger)."""
    return sorted(record["transactionId"] for kind in EventKind.ALL for record in body[kind])


class Pending(Struct, frozen=True):
    """Transactions waiting for their bundle window to close."""

    transactions: tuple[Transaction, ...] = ()

    def __len__(self) -> int:
        return len(self.transactions)


def accept(
    pending: Pending, new: Sequence[Transaction], max_bundle: int
) -> tuple[Pending, list[tuple[Transaction, ...]]]:
    """Add `new`; bundles that are full leave at once, the rest keeps waiting.

    Returns the new pending state and the full bundles (each exactly `max_bundle`
    long), so a burst never waits for the window and never exceeds the limit.
    """
    if max_bundle < 1:
        raise ValueError("max_bundle must be at least 1")
    items = (*pending.transactions, *new)
    full_count = len(items) // max_bundle
    full = [items[i * max_bundle : (i + 1) * max_bundle] for i in range(full_count)]
    return Pending(items[full_count * max_bundle :]), full


def close_window(pending: Pending) -> tuple[Pending, list[tuple[Transaction, ...]]]:
    """The window ended: whatever waits leaves as one bundle (nothing when empty)."""
    if not pending.transactions:
        return pending, []
    return Pending(), [pending.transactions]
