"""Placeholder: filled in by its own issue."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Add this area's routes, startup and cleanup hooks to `app`."""
