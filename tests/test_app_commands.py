"""`rnntui app` and `rnntui` with no command: the session each opens, and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

import rnntui.cli
from rnntui.commands import app_commands


@pytest.fixture
def opened(monkeypatch):
    """Record the session the command would open instead of starting the terminal UI."""
    sessions = []
    monkeypatch.setattr(app_commands, "run_app", lambda session, *rest, **options: sessions.append(session))
    return sessions


def test_no_command_opens_the_abc_example(opened):
    result = CliRunner().invoke(rnntui.cli.app, [])
    assert result.exit_code == 0, result.output
    (session,) = opened
    assert session.text == "AB" and session.vocab.chars == ["A", "B", "C"]
    assert session.step_view(1).h[0, 0] == pytest.approx(0.7616, abs=1e-4)
    assert session.step_view(2).h[0, 0] == pytest.approx(0.6420, abs=1e-4)


def test_app_options_build_the_session(opened):
    args = ["app", "--text", "hello", "--cell", "gru", "--hidden", "5", "--layers", "2", "--seed", "3"]
    result = CliRunner().invoke(rnntui.cli.app, args)
    assert result.exit_code == 0, result.output
    (session,) = opened
    cfg = session.config
    assert (session.text, cfg.cell, cfg.hidden_size, cfg.num_layers, session.seed) == ("hello", "gru", 5, 2, 3)


def test_app_opens_a_checkpoint(opened, tmp_path):
    from rnntui.engine.checkpoint import save_checkpoint
    from rnntui.engine.session import StepSession

    trained = StepSession("abcabc", cell="lstm", hidden_size=4, seed=7)
    path = tmp_path / "model.safetensors"
    save_checkpoint(path, trained.params, trained.config, trained.vocab.chars)
    result = CliRunner().invoke(rnntui.cli.app, ["app", "--checkpoint", str(path), "--text", "cab"])
    assert result.exit_code == 0, result.output
    (session,) = opened
    assert session.text == "cab" and session.config == trained.config
    assert all((session.params[k] == v).all() for k, v in trained.params.items())


@pytest.mark.parametrize(
    "args, message",
    [
        (["app", "--cell", "transformer"], "unknown cell"),
        (["app", "--hidden", "0"], "hidden size"),
        (["app", "--text", ""], "empty"),
        (["app", "--checkpoint", "/no/such/file.safetensors"], "no/such"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(opened, args, message):
    result = CliRunner().invoke(rnntui.cli.app, args)
    assert result.exit_code == 2 and not opened
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_opening_the_app_never_imports_torch():
    probe = (
        "import asyncio, sys\n"
        "from rnntui.engine.abc_example import abc_session\n"
        "from rnntui.tui.app import RnnApp\n"
        "async def main():\n"
        "    app = RnnApp(abc_session())\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        await pilot.press('right', 'c', 'g')\n"
        "asyncio.run(main())\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
