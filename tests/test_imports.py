"""Importing the CLI, --help and the commands that do not train must not load torch or textual."""

import subprocess
import sys

import pytest

PROBE = """
import sys
from typer.testing import CliRunner
import rnntui.cli
args = {args!r}
if args is not None:
    result = CliRunner().invoke(rnntui.cli.app, args)
    assert result.exit_code == 0, result.output
heavy = sorted(m for m in ("torch", "textual") if m in sys.modules)
print("HEAVY:" + ",".join(heavy))
"""


@pytest.mark.parametrize(
    "args",
    [None, ["--help"], ["--version"], ["abc"], ["abc", "--json"], ["step", "hello", "--cell", "lstm", "--json"],
     ["experiment", "--help"]],
    ids=lambda a: " ".join(a) if a else "import",
)
def test_no_torch_or_textual(args):
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "HEAVY:"


def test_console_script_step_without_torch(tmp_path):
    """The real entry point, as a user runs it: python -m rnntui step."""
    code = (
        "import runpy, sys; sys.argv = ['rnntui', 'step', 'abc'];"
        "\ntry:\n    runpy.run_module('rnntui', run_name='__main__')\nexcept SystemExit as e:\n    assert not e.code, e.code"
        "\nprint('HEAVY:' + ','.join(m for m in ('torch', 'textual') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "HEAVY:"


def _imported_modules(path):
    """Every module a file imports, at any depth (deferred imports inside functions count too)."""
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _package_files(package):
    from pathlib import Path

    import rnntui

    return sorted((Path(rnntui.__file__).parent / package).rglob("*.py"))


def test_engine_never_imports_torch():
    """The NumPy step-engine runs where torch is missing or slow to load; torch lives in rnntui.train."""
    offenders = [f"{path.name}: {name}" for path in _package_files("engine")
                 for name in _imported_modules(path) if name.split(".")[0] == "torch" or name.startswith("rnntui.train")]
    assert offenders == []


@pytest.mark.parametrize("package", ["engine", "train", "live"])
def test_engines_and_services_never_import_the_ui(package):
    offenders = [f"{path.name}: {name}" for path in _package_files(package)
                 for name in _imported_modules(path)
                 if name.split(".")[0] in ("textual", "typer", "rich") or name.startswith(("rnntui.tui", "rnntui.commands", "rnntui.cli"))]
    assert offenders == []
