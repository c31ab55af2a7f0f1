"""How far to catch up a backlog in one turn of the event loop.

What is kept in memory beside SQLite (the progress API's records, the search
index's pending rows) falls behind with every write and is caught up from ids
that only grow (transaction ids, rowids). Caught up all at once, on the first
read after many writes, it held the loop for seconds (issue 13: 76,000
registrations, 55 us each). Caught up a turn at a time instead, each turn takes
at most `per_turn` ids of what was behind plus what arrived since the previous
turn: what is behind shrinks by `per_turn` a turn and never grows, and a turn's
extra work is bounded by `per_turn` plus a share of what the previous turns
wrote (each write costs its own turn far more than its catch-up).

Pure: the caller owns the ids and the loop.
"""

from __future__ import annotations


def chunk_end(done: int, known: int, arrived: int, per_turn: int, least: int = 1) -> int:
    """The id to catch up to in this turn (`done` when nothing is to be done now).

    `done` is the highest id caught up, `known` the highest there is to catch up
    to, `arrived` how many of those ids arrived since the previous turn's look.
    With fewer than `least` behind, nothing yet: a batch too small to be worth its
    fixed cost waits for a reader (who catches up whatever is left) or for more.
    """
    behind = known - done
    if behind <= 0 or behind < least:
        return done
    return min(known, done + per_turn + max(0, arrived))
