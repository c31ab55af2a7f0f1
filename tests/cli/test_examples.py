"""The example LMS stays what the README says it is: an integrator's code that relies on
nothing simulator-only, tested through the public fixtures, in every `make test` run."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import simulator

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "lms"
PUBLIC_FIXTURES = {"media77_sim", "media77_certs", "media77_receiver"}


def imported_modules(path: Path) -> set[str]:
    """Top-level modules imported by a source file, with `module.name` for from-imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_lms_code_needs_neither_the_simulator_nor_its_private_surface() -> None:
    for path in sorted((EXAMPLE / "lms").glob("*.py")):
        text = path.read_text()
        assert not any(m.split(".")[0] == "simulator" for m in imported_modules(path)), path
        assert "x-media77-sim" not in text.lower(), f"{path}: a simulator-only header"
        assert "/_sim/" not in text, f"{path}: a simulator-only route"


def test_the_example_tests_use_only_the_public_python_api() -> None:
    for path in sorted((EXAMPLE / "tests").glob("*.py")):
        from_simulator = {m for m in imported_modules(path) if m.split(".")[0] == "simulator"}
        assert {m.removeprefix("simulator.") for m in from_simulator} <= set(simulator.__all__)


def parametrized(test: ast.FunctionDef) -> set[str]:
    """The argument names a test's `@pytest.mark.parametrize` decorators fill in."""
    names: set[str] = set()
    for decorator in test.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "parametrize"
            and isinstance(decorator.args[0], ast.Constant)
        ):
            names.update(name.strip() for name in str(decorator.args[0].value).split(","))
    return names


def test_the_example_tests_ask_only_for_public_fixtures_and_their_own() -> None:
    own = {
        node.name
        for node in ast.walk(ast.parse((EXAMPLE / "tests" / "conftest.py").read_text()))
        if isinstance(node, ast.FunctionDef)
    }
    for path in sorted((EXAMPLE / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                asked = {arg.arg for arg in node.args.args} - {"capsys"} - parametrized(node)
                assert asked <= own | PUBLIC_FIXTURES, f"{path.name}::{node.name}: {asked}"


def test_make_test_runs_the_example_suite() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "examples/lms/tests" in config["tool"]["pytest"]["ini_options"]["testpaths"]
