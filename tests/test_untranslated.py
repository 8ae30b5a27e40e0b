"""No sentence a person reads bypasses the catalogue: an AST scan of the CLI commands, the app and
the trainer (rnntui/train, and rnntui/live, which runs it for the app).

A string literal (or the literal parts of an f-string) that reads as English prose, two words or
more, fails the test unless it is a docstring, a catalogue key (the first argument of t() or
help_text()), or on the short allow-list of formulas, symbols and key names below. Fix a failure
by moving the text into rnntui/i18n/{en,zh}/AREA.toml and calling t("AREA.key", ...).
"""

import ast
import re
from pathlib import Path

import pytest

import rnntui

PACKAGE = Path(rnntui.__file__).parent
SCANNED = ("commands", "tui", "train", "live")

# Scanned files whose text is not translated yet: remove a file from this list as soon
# as it is converted, and the scan keeps it converted.
NOT_YET_CONVERTED: set[str] = set()

# Text that stays as it is in every language: formulas, symbols, key names, proper names.
ALLOWED = [
    r"h_t = tanh\(W_xh x_t \+ W_hh h_\{t-1\} \+ b_h\)",  # the lesson's formula
    r"identity 3x3",  # `abc --json` values: data, not prose
    r"W_xh x_\{t\}|W_hh h_\{t_prev\}|h_\{t\} = tanh\(\.\)",  # formula names in `abc`
    r"\{\}-\{\}-step\{\}\.safetensors",  # a checkpoint's default file name
    r"rnntui app",  # a checkpoint's `source` metadata: the program that wrote it
    r"\{\}-\{\}-seed\{\}\.safetensors",  # a task model's default file name
    r"run \{\} reader",  # a thread's name, seen only in a debugger
    r"No such command \{name!r\}\.|Missing command\.",  # Typer's own messages, looked up to translate them
]

KEY_CALLS = {"t", "help_text"}
WORD = re.compile(r"\b[A-Za-z][a-z]{1,}\b")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def scanned_files():
    for folder in SCANNED:
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            yield path.relative_to(PACKAGE).as_posix(), path


def docstring_nodes(tree: ast.AST) -> set[int]:
    """Docstrings, and any other bare string statement (an attribute's docstring): never shown."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}


def key_nodes(tree: ast.AST) -> set[int]:
    """Catalogue keys: the first argument of t(...) / help_text(...)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEY_CALLS and node.args:
            found.add(id(node.args[0]))
    return found


def prose(text: str) -> bool:
    """Two or more English words: a sentence or a phrase someone would read."""
    if any(re.fullmatch(pattern, text.strip()) for pattern in ALLOWED):
        return False
    text = PLACEHOLDER.sub(" ", text)
    if any(re.fullmatch(pattern, text.strip()) for pattern in ALLOWED):
        return False
    return len(WORD.findall(text)) >= 2 and " " in text.strip()


def literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    return None


def compared_nodes(tree: ast.AST) -> set[int]:
    """Strings a value is compared with (`"closed by peer" in str(error)`, `line.startswith("model
    name")`): matched, not shown."""
    compared = {id(operand) for node in ast.walk(tree) if isinstance(node, ast.Compare)
                for operand in (node.left, *node.comparators)}
    return compared | {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call)
                       and isinstance(node.func, ast.Attribute) and node.func.attr in ("startswith", "endswith")
                       for arg in node.args}


def stylesheet_nodes(tree: ast.AST) -> set[int]:
    """Textual CSS (`DEFAULT_CSS = "..."`): selectors and rules, not text."""
    return {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id in ("CSS", "DEFAULT_CSS") for target in node.targets)}


def untranslated(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = docstring_nodes(tree) | key_nodes(tree) | compared_nodes(tree) | stylesheet_nodes(tree)
    inside_fstring = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in inside_fstring:
            continue
        text = literal_text(node)
        if text is not None and prose(text):
            found.append(f"{node.lineno}: {text!r}")
    return found


@pytest.mark.parametrize("name, path", list(scanned_files()), ids=lambda v: v if isinstance(v, str) else "")
def test_user_visible_text_goes_through_the_catalogue(name, path):
    if name in NOT_YET_CONVERTED:
        pytest.skip("not converted yet (NOT_YET_CONVERTED)")
    assert untranslated(path) == [], f"{name}: English text outside the catalogue"


def test_the_scan_finds_english_and_spares_keys_formulas_and_docstrings(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""A docstring is for developers."""\n'
        'from rnntui.i18n import t\n'
        'def f(name):\n'
        '    """So is this one."""\n'
        '    print(t("cli.error.line", message=name))\n'
        '    print("h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h)")\n'
        '    print("--cell", "rnn")\n'
        '    print(f"cannot read {name}: no such file")\n'
        '    return name.startswith("model name") or "step"\n',
        encoding="utf-8",
    )
    assert untranslated(sample) == ["8: 'cannot read {}: no such file'"]


def test_the_list_of_files_to_convert_names_only_files_that_exist():
    present = {name for name, _ in scanned_files()}
    assert sorted(NOT_YET_CONVERTED - present) == []


def test_converted_files_stay_off_the_list():
    """A file that already passes the scan is removed from NOT_YET_CONVERTED, so it stays converted."""
    clean = [name for name, path in scanned_files() if name in NOT_YET_CONVERTED and not untranslated(path)]
    assert clean == []
