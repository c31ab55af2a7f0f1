"""Opening the SQLite file: the settings every connection needs, and a clear refusal."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class StoreOpenError(RuntimeError):
    """The database cannot be used: no such folder, not a database, too new, a failed migration."""


def connect(path: str) -> sqlite3.Connection:
    """A connection to `path` (created, with its folder, if missing), or StoreOpenError."""
    try:
        return _open(path)
    except (OSError, sqlite3.Error) as error:
        reason = getattr(error, "strerror", None) or error
        if path != ":memory:" and Path(path).expanduser().is_dir():
            reason = "it is a folder; name a file"
        raise StoreOpenError(f"cannot open the database {path}: {reason}") from None


def _open(path: str) -> sqlite3.Connection:
    if path != ":memory:":
        Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA busy_timeout = 5000")
        if path != ":memory:":
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            # 2 MiB: pages are served from the in-memory order index and searches from
            # in-memory text, so SQLite's cache holds mostly write pages, which the OS's
            # file cache holds too; a larger one only grew the process (8 MiB filled
            # +5.6 MB in 60 s of the hostile benchmark, issue 13: docs/reliability.md).
            connection.execute("PRAGMA cache_size = -2048")
            connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except BaseException:
        connection.close()
        raise
    return connection
