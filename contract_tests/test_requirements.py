"""The suite checks what REQUIREMENTS.md lists, and only that.

Read from the test files' source, not from what was collected, so it holds however the
suite is run (a `-k` selection, a read-only target that skips most tests).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from contract_target import load_requirements

HERE = Path(__file__).resolve().parent


def marked_tests() -> dict[str, list[str]]:
    """Requirement id → the test functions marked with it, over every contract test file."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(HERE.glob("test_*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and ast.unparse(decorator.func) in ("req", "pytest.mark.requirement")
                    and decorator.args
                    and isinstance(decorator.args[0], ast.Constant)
                ):
                    found[str(decorator.args[0].value)].append(f"{path.name}::{node.name}")
    return found


def unmarked_tests() -> list[str]:
    missing = []
    for path in sorted(HERE.glob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names = [ast.unparse(d) for d in node.decorator_list]
                if not any(n.startswith(("req(", "pytest.mark.requirement(")) for n in names):
                    missing.append(f"{path.name}::{node.name}")
    return missing


def test_every_requirement_has_a_test_and_every_test_a_known_requirement() -> None:
    listed = set(load_requirements())
    marked = marked_tests()
    assert not listed - set(marked), f"requirements with no test: {sorted(listed - set(marked))}"
    unknown = {rid: tests for rid, tests in marked.items() if rid not in listed}
    assert not unknown, f"tests naming ids not in REQUIREMENTS.md: {unknown}"
    assert not unmarked_tests(), f"tests without a requirement: {unmarked_tests()}"
