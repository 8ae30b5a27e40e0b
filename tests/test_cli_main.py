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


def test_version_exits_zero():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("rnntui ")
