"""`rnntui serve` refuses bad options in one line with exit code 2, before any server starts, and
builds each tab's command from the checked values only."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import rnntui.serve
from rnntui.cli import app


@pytest.fixture
def started(monkeypatch):
    """Records the ServeConfig `rnntui serve` would run instead of serving."""
    configs = []
    monkeypatch.setattr(rnntui.serve, "serve", lambda config, say: configs.append(config))
    return configs


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--cell", "transformer"], "cell"),
        (["--hidden", "0"], "hidden"),
        (["--demo", "nosuch"], "no demo named 'nosuch'"),
        (["--demo", "abc", "--lang", "fr"], "unknown language 'fr'"),
        (["--demo", "abc", "--text", "hi"], "drop --text"),
        (["--corpus", "no/such/file.txt"], "no/such/file.txt"),
        (["--checkpoint", "no/such.safetensors"], "no/such.safetensors"),
        (["--checkpoint", "x.safetensors", "--cell", "lstm"], "checkpoint fixes the model"),
        (["--public-url", "ftp://example.org"], "--public-url"),
        (["--public-url", "http://host:99999"], "--public-url"),
        (["--text", "a\0b"], "NUL"),
        (["--max-tabs", "0"], "--max-tabs"),
        (["--task", "nosuch"], "adding"),  # an unknown task lists the tasks
        (["--task", "adding", "--T", "1"], "10..1000"),
        (["--task", "adding", "--text", "hi"], "--text"),
        (["--series", "nosuch"], "airline"),
        (["--series", "sines", "--layers", "2"], "--layers"),
        (["--demo", "abc", "--task", "adding"], "drop --task"),
    ],
)
def test_bad_values_are_refused_before_serving(started, args, fragment):
    result = CliRunner().invoke(app, ["serve", *args])
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert started == []


def test_the_served_command_is_rebuilt_from_checked_values(started):
    result = CliRunner().invoke(app, ["serve", "--text", "-x y", "--cell", "lstm", "--hidden", "5", "--port", "0"])
    assert result.exit_code == 0, result.output
    (config,) = started
    assert config.command == [sys.executable, "-m", "rnntui", "app", "--text=-x y", "--cell=lstm", "--hidden=5",
                              "--lang=en"]
    assert (config.host, config.port) == ("127.0.0.1", 0)


def test_a_task_or_a_series_is_served_with_its_settings(started):
    runner = CliRunner()
    assert runner.invoke(app, ["serve", "--task", "adding", "--T", "50", "--cell", "lstm"]).exit_code == 0
    assert runner.invoke(app, ["serve", "--series", "airline"]).exit_code == 0
    assert [config.argv for config in started] == [
        ("app", "--cell=lstm", "--task=adding", "--T=50", "--lang=en"),
        ("app", "--series=airline", "--lang=en"),
    ]


def test_a_task_checkpoint_is_served_and_a_foreign_one_refused(started, tmp_path):
    import json

    from rnntui.engine.checkpoint import save_checkpoint
    from rnntui.engine.task_session import TaskSession, fresh_params
    from rnntui.engine.tasks import make_task

    task = make_task("adding")
    session = TaskSession(task, cell="lstm", hidden_size=3)
    path = save_checkpoint(tmp_path / "adding.safetensors", session.params, session.config, [],
                           {"task": json.dumps(task.to_dict())})
    assert CliRunner().invoke(app, ["serve", "--checkpoint", str(path)]).exit_code == 0
    assert started[0].argv == ("app", f"--checkpoint={path}", "--lang=en")
    bare = save_checkpoint(tmp_path / "bare.safetensors", fresh_params(session.config, 0), session.config, [])
    result = CliRunner().invoke(app, ["serve", "--checkpoint", str(bare)])
    assert result.exit_code == 2 and "records no task" in result.output and len(started) == 1


def test_a_demo_is_served_with_its_language(started):
    assert CliRunner().invoke(app, ["serve", "--demo", "abc", "--lang", "zh"]).exit_code == 0
    assert started[0].argv == ("demo", "abc", "--lang=zh")


def test_the_app_is_served_in_the_chosen_language(started, monkeypatch):
    monkeypatch.setenv("RNNTUI_LANG", "zh")  # the environment's choice reaches every tab, like --lang
    assert CliRunner().invoke(app, ["serve", "--cell", "gru"]).exit_code == 0
    assert CliRunner().invoke(app, ["serve", "--lang", "en"]).exit_code == 0
    assert [config.argv for config in started] == [("app", "--cell=gru", "--lang=zh"), ("app", "--lang=en")]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnntui", *args], capture_output=True, text=True, timeout=60)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_a_port_in_use_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert one_line(run_cli("serve", "--port", str(port))) == (
            f"error: port {port} on 127.0.0.1 is already in use: stop what uses it, or choose another --port")


def test_an_out_of_range_port_is_one_line():
    assert "--port" in one_line(run_cli("serve", "--port", "70000"))


def test_importing_the_cli_loads_no_server_and_no_torch():
    probe = "import sys, rnntui.cli; print(sorted(m for m in ('torch', 'aiohttp', 'textual_serve', 'textual') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


async def handshake(url: str, headers: dict) -> int:
    """The HTTP status a websocket handshake with these headers gets (101: an app was started)."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url + "/ws", headers=headers):
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


async def test_other_sites_pages_cannot_open_an_app():
    from serve_harness import served

    with served() as server:
        assert await handshake(server.url, {"Origin": "http://elsewhere.example"}) == 403
        assert await handshake(server.url, {"Host": "rebound.example:80"}) == 403  # DNS rebinding
        assert server.pids() == []
        assert await handshake(server.url, {"Origin": server.url}) == 101


async def test_the_page_asks_only_its_own_server():
    """No third-party request (textual-serve's page links a web font): fine offline, private."""
    import re

    import aiohttp
    from serve_harness import served

    with served() as server:
        async with aiohttp.ClientSession() as session:
            async with session.get(server.url + "/") as response:
                page = await response.text()
    addresses = re.findall(r'(?:href|src|url)[=(]"([^"]+)"', page) + re.findall(r'data-[\w-]+-url="([^"]+)"', page)
    assert addresses
    assert [a for a in addresses if not a.split("://", 1)[-1].startswith(server.url.split("://", 1)[1])] == []
