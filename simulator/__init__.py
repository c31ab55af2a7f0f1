"""media77-simulator: a local, faithful simulator of the 77media e-learning service.

Importing `simulator` is cheap: the public names below load their modules (and
aiohttp) only when first used, so `simulator.core` stays free of the web stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from simulator._version import __version__

if TYPE_CHECKING:
    from simulator.certs import Certificates
    from simulator.client import LaunchResult, Response, SimulatorClient, SimulatorError
    from simulator.clock import Clock, SystemClock, VirtualClock
    from simulator.config import Config
    from simulator.receiver import Receiver
    from simulator.server import Simulator

_LAZY = {
    "Certificates": "simulator.certs",
    "LaunchResult": "simulator.client",
    "Response": "simulator.client",
    "SimulatorClient": "simulator.client",
    "SimulatorError": "simulator.client",
    "Clock": "simulator.clock",
    "SystemClock": "simulator.clock",
    "VirtualClock": "simulator.clock",
    "Config": "simulator.config",
    "Receiver": "simulator.receiver",
    "Simulator": "simulator.server",
}

__all__ = [
    "Certificates",
    "Clock",
    "Config",
    "LaunchResult",
    "Receiver",
    "Response",
    "Simulator",
    "SimulatorClient",
    "SimulatorError",
    "SystemClock",
    "VirtualClock",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
