"""The functional core: pure functions and frozen values, no I/O, no clock reads.

Each module here is property-tested with hypothesis in `tests/`.
"""
