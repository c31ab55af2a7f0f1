"""Typed keys for what the application carries."""

from __future__ import annotations

from aiohttp import web

from simulator.service import Simulation

SIMULATION = web.AppKey("simulation", Simulation)
