"""media77-simulator: a local, faithful simulator of the 77media e-learning service."""

from __future__ import annotations

__version__ = "0.1.0"

from simulator.clock import Clock, SystemClock, VirtualClock
from simulator.config import Config
from simulator.server import Simulator

__all__ = ["Clock", "Config", "Simulator", "SystemClock", "VirtualClock", "__version__"]
