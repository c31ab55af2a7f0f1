"""No module but the clock reads real time or sleeps (the injected Clock does)."""

import ast
from pathlib import Path

import simulator

ALLOWED = {"clock.py"}
FORBIDDEN_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
    ("time", "perf_counter"),
    ("time", "sleep"),
    ("asyncio", "sleep"),
}


def offenders() -> list[str]:
    found = []
    root = Path(simulator.__file__).parent
    for path in root.rglob("*.py"):
        if path.name in ALLOWED and path.parent == root:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and (node.value.id, node.attr) in FORBIDDEN_CALLS
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_only_the_clock_module_touches_real_time() -> None:
    assert offenders() == []
