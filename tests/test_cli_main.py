"""The console entry point turns usage errors into one line with exit code 2 (no Rich box)."""

import subprocess
import sys

import pytest


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rnntui", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("step", "ab", "--hidden", "x"), "--hidden"),
        (("nosuch",), "No such command"),
        (("step",), "Missing argument"),
        (("step", "ab", "--cell", "transformer"), "cell"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(args, fragment):
    result = run_cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args, key, fields", [
    (("step",), "usage.error.missing_argument", {"name": "'text'"}),
    (("nosuch",), "usage.error.no_such_command", {}),
    (("step", "ab", "--bogus"), "usage.error.no_such_option", {"name": "--bogus"}),
], ids=["missing", "command", "option"])
def test_usage_errors_speak_the_chosen_language(args, key, fields):
    """The whole line: click's words, the `error:` before them and the pointer to --help after."""
    from rnntui.i18n import t

    result = run_cli(*args, "--lang", "zh")
    assert result.returncode == 2
    detail = t(key, lang="zh", **fields).format(name="nosuch")  # Typer fills in the name it was given
    assert result.stderr.strip() == t("cli.error.line", lang="zh", message=t("cli.error.usage", lang="zh", detail=detail))


def test_version_exits_zero():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("rnntui ")
