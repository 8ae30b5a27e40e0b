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


def _module_files(root):
    """{dotted module name: file} for every module of the package at `root` (a folder)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def import_graph(root):
    """{module: the package's modules it imports}, deferred imports inside functions included.

    `from pkg import name` points at the submodule `pkg.name` when there is one, else at `pkg`;
    relative imports are resolved against the importing module's package.
    """
    import ast

    modules = _module_files(root)

    def owner(name):  # the longest module of the package that `name` is, or lies in
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name

    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(owner(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets.update(owner(f"{base}.{alias.name}") for alias in node.names)
        graph[name] = targets - {"", name}
    return graph


def import_cycles(graph):
    """One path per import cycle found, each as [a, b, ..., a]."""
    cycles, done, path = [], set(), []

    def visit(module):
        path.append(module)
        for target in sorted(graph[module]):
            if target in path:
                cycles.append(path[path.index(target):] + [target])
            elif target not in done:
                visit(target)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module)
    return cycles


def test_no_import_cycle_between_modules_of_rnntui():
    """A module never imports, at any depth or deferred, one that imports it back."""
    from pathlib import Path

    import rnntui

    cycles = import_cycles(import_graph(Path(rnntui.__file__).parent))
    assert [" -> ".join(cycle) for cycle in cycles] == []


def test_the_cycle_check_sees_a_cycle_closed_by_a_deferred_import(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def later():\n    from ..a import later\n")
    (package / "c.py").write_text("import pkg.a\n")  # reaches the cycle, is not in it
    assert import_cycles(import_graph(package)) == [["pkg.a", "pkg.sub.b", "pkg.a"]]
