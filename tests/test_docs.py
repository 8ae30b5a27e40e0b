"""The docs agree with the code: modules, CLI commands and options, and the app's keys.

Everything is read from the code (the package tree, the Typer command tree, the apps' binding
tables), never typed in here, so a new module, option or key fails a test until it is documented.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rnntui"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
CLI_REFERENCE = ROOT / "docs" / "cli.md"
README = ROOT / "README.md"
README_LIMIT = 8 * 1024

# Packages whose classes may bind keys of the app (the stepping app, demos, live training).
KEY_PACKAGES = ("rnntui.tui.training", "rnntui.live")


# ------------------------------------------------------------------------------ modules


def package_modules() -> list[str]:
    """Every module file (and package folder) under rnntui/, as a path relative to it."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if path.name == "__init__.py":
            if path.parent != PACKAGE:
                names.append(relative.removesuffix("__init__.py"))  # the package, e.g. "engine/"
        else:
            names.append(relative)
    return names


def test_every_module_is_in_the_architecture_notes():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    missing = [name for name in package_modules() if not re.search(rf"(?<![\w/]){re.escape(name)}", text)]
    assert not missing, f"docs/architecture.md does not name: {', '.join(missing)}"


def test_the_architecture_notes_name_no_missing_module():
    """Module paths in the architecture's module list exist (a renamed or deleted file is noticed)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    listed = re.findall(r"^\s*((?:[a-z_]+/)*[a-z_]+\.py)\b", text, flags=re.MULTILINE)
    assert listed, "the module list in docs/architecture.md is empty"
    stale = [name for name in listed if not (PACKAGE / name).exists()]
    assert not stale, f"docs/architecture.md lists modules that do not exist: {', '.join(stale)}"


# ------------------------------------------------------------------------------ CLI


def command_tree():
    """(path, click command) for the root and every subcommand, walked recursively."""
    import typer.main

    from rnntui.cli import app

    def walk(path: tuple[str, ...], command):
        yield path, command
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if not getattr(sub, "hidden", False):
                yield from walk(path + (name,), sub)

    return list(walk((), typer.main.get_command(app)))


def heading_pattern(path: tuple[str, ...]) -> re.Pattern:
    """A Markdown heading that names this command: `rnntui train`, `rnntui train --nproc`, ...

    The root's heading is `rnntui` not followed by a subcommand name."""
    if not path:
        return re.compile(r"^#+ .*\brnntui(?! +[a-z])", re.MULTILINE)
    return re.compile(rf"^#+ .*\brnntui {' '.join(map(re.escape, path))}(?![\w-])", re.MULTILINE)


def sections(text: str, path: tuple[str, ...]) -> str:
    """The text of every section whose heading names the command (up to the next heading)."""
    headings = list(re.finditer(r"^#+ .*$", text, flags=re.MULTILINE))
    pattern = heading_pattern(path)
    parts = []
    for i, heading in enumerate(headings):
        if pattern.match(heading.group(0)):
            end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
            parts.append(text[heading.start():end])
    return "\n".join(parts)


def documented_names(param) -> list[str]:
    """What the reference must show for a parameter: each option spelling, or an argument's NAME."""
    if param.param_type_name == "argument":
        return [param.name.upper()]
    return [opt for opt in (*param.opts, *param.secondary_opts)]


COMMANDS = command_tree()
COMMAND_IDS = [" ".join(("rnntui", *path)) for path, _ in COMMANDS]


@pytest.mark.parametrize("path, command", COMMANDS, ids=COMMAND_IDS)
def test_cli_reference_covers_the_command(path, command):
    text = CLI_REFERENCE.read_text(encoding="utf-8")
    section = sections(text, path)
    name = " ".join(("rnntui", *path))
    assert section, f"docs/cli.md has no heading for `{name}`"
    missing = [
        spelling
        for param in command.params
        if param.name != "help" and (param.name != "lang" or not path)  # --lang: one global option
        for spelling in documented_names(param)
        if not re.search(rf"(?<![\w-]){re.escape(spelling)}(?![\w-])", section)
    ]
    assert not missing, f"docs/cli.md's `{name}` section does not mention: {', '.join(missing)}"


@pytest.mark.parametrize("path, command", COMMANDS, ids=COMMAND_IDS)
def test_cli_reference_documents_only_real_options(path, command):
    """An option in the first column of a command's option table exists (renames are noticed)."""
    section = sections(CLI_REFERENCE.read_text(encoding="utf-8"), path)
    real = {spelling for param in command.params for spelling in documented_names(param)} | {"--help"}
    rows = re.findall(r"^\|([^|\n]*)\|", section, flags=re.MULTILINE)
    listed = {token for row in rows for token in re.findall(r"`(-{1,2}[\w-]+)", row)}
    assert listed <= real, f"`rnntui {' '.join(path)}` has no option {', '.join(sorted(listed - real))}"


def test_every_command_has_a_help_line():
    bare = [" ".join(path) or "rnntui" for path, command in COMMANDS if not (command.help or "").strip()]
    assert not bare, f"commands without help: {bare}"


# ------------------------------------------------------------------------------ keys


def key_classes() -> list[type]:
    """The apps, their stepping screens and every class in the live-training packages that binds keys."""
    from rnntui.tui.app import RnnApp
    from rnntui.tui.demo_app import DemoApp, DemoScreen
    from rnntui.tui.step_screen import StepScreen

    classes: list[type] = [StepScreen, RnnApp, DemoScreen, DemoApp]
    for package_name in KEY_PACKAGES:
        try:
            package = importlib.import_module(package_name)
        except ModuleNotFoundError:
            continue
        modules = [package] + [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(package.__path__, package_name + ".")
        ]
        for module in modules:
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == module.__name__ and "BINDINGS" in vars(cls) and cls not in classes:
                    classes.append(cls)
    return classes


def bound_keys() -> dict[str, str]:
    """key -> the action it runs, for every key bound by the app's classes."""
    from textual.binding import Binding

    keys: dict[str, str] = {}
    for cls in key_classes():
        for binding in cls.BINDINGS:
            if not isinstance(binding, Binding):
                binding = Binding(*binding)
            for key in binding.key.split(","):
                keys.setdefault(key.strip(), binding.action)
    return keys


def key_spellings(key: str) -> set[str]:
    """The ways a key may be written in the README: its name, its character, Textual's display."""
    from textual.keys import format_key, key_to_character

    spellings = {key, format_key(key)}
    character = key_to_character(key)
    if character:
        spellings.add(character)
    return spellings


def readme_key_cells() -> set[str]:
    """Backticked tokens in the first column of the README's key tables."""
    text = README.read_text(encoding="utf-8")
    cells: set[str] = set()
    for table in re.findall(r"^\| *keys? *\|.*\n(?:\|.*\n?)+", text, flags=re.MULTILINE | re.IGNORECASE):
        for row in table.splitlines()[2:]:
            first = row.split("|")[1] if row.count("|") >= 2 else ""
            cells.update(re.findall(r"`([^`]+)`", first))
    return cells


def test_readme_has_a_key_table():
    assert readme_key_cells(), "README.md has no table whose first column is headed 'key'"


@pytest.mark.parametrize("key", sorted(bound_keys()))
def test_every_bound_key_is_in_the_readme(key):
    assert key_spellings(key) & readme_key_cells(), (
        f"README's key table does not show {key!r} (action {bound_keys()[key]!r}); "
        f"write it as one of {sorted(key_spellings(key))}"
    )


# ------------------------------------------------------------------------------ README


def test_readme_is_short():
    size = len(README.read_bytes())
    assert size <= README_LIMIT, f"README.md is {size} bytes; keep it under {README_LIMIT} (the rest goes to docs/)"


LINKED_DOCS = (README, ROOT / "README.zh-CN.md", ROOT / "CHANGELOG.md", ROOT / "bench" / "RESULTS.md",
               *sorted((ROOT / "docs").glob("**/*.md")))


@pytest.mark.parametrize("doc", LINKED_DOCS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_relative_links_resolve(doc):
    """Links between the docs (and to files of the project) point at files that exist."""
    text = doc.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if "://" not in link and not link.startswith("mailto:")]
    missing = [link for link in local if not (doc.parent / link).exists()]
    assert not missing, f"{doc.relative_to(ROOT)} links to missing files: {missing}"


def test_readme_links_into_docs():
    links = re.findall(r"\]\((docs/[^)#\s]+)", README.read_text(encoding="utf-8"))
    assert len(set(links)) >= 4, f"README.md links to too little of docs/: {sorted(set(links))}"


# ------------------------------------------------------------------------------ commands in the docs

COMMAND_DOCS = (README, ROOT / "docs" / "guide.md", CLI_REFERENCE, ROOT / "README.zh-CN.md", ROOT / "docs" / "zh" / "guide.md")


def documented_command_lines() -> list[tuple[str, list[str]]]:
    """(file name, argv) for every `rnntui ...` line in the docs' bash blocks, comments dropped."""
    import shlex

    lines = []
    for path in COMMAND_DOCS:
        for block in re.findall(r"```bash\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S):
            for line in block.splitlines():
                words = shlex.split(line, comments=True)
                if words and words[0] in ("rnntui", ".venv/bin/rnntui"):
                    lines.append((path.name, words[1:]))
    return lines


@pytest.mark.parametrize("where, argv", documented_command_lines(), ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_documented_commands_parse(where, argv):
    """Every command the docs print names a real command and real options with values that parse."""
    import typer.main

    from rnntui.cli import app

    root = typer.main.get_command(app)
    context = root.make_context("rnntui", list(argv))
    if argv and not argv[0].startswith("-"):
        command = root.get_command(context, argv[0])
        assert command is not None, f"{where}: no command {argv[0]!r}"
        command.make_context(argv[0], list(argv[1:]), parent=context)
