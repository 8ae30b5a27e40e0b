"""Links into `rnntui serve` (/s/STRING): checked before anything starts, passed in the environment.

The server runs in this process (aiohttp's test server); every process it would start is recorded
and replaced by a Python that exits at once, so the tests see exactly what would have been run.
"""

from __future__ import annotations

import asyncio
import sys

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

import rnntui.serve
from rnntui.commands import app_commands
from rnntui.demos.presets import PRESETS
from rnntui.engine.state_string import MAX_CHARS, encode
from rnntui.commands.app_commands import SERVE_URL_ENV
from rnntui.serve import STATE_ENV, RnntuiServer, ServeConfig
from test_state_string import pack

GOOD = encode(PRESETS["abccba-lstm"].build())
SHELL_PATHS = [  # percent-encoded as a browser sends them
    "/s/1.abc%3Btouch%20PWNED",
    "/s/%24(touch%20PWNED)",
    "/s/1.a%60touch%20PWNED%60",
    "/s/1.a%7C%7Csh",
    "/s/1.a%26%26touch%20PWNED",
    "/s/'%3Btouch%20PWNED%3B'",
    "/s/%22%24%7BIFS%7D%22",
    "/s/1.a%0Atouch%20PWNED",
    "/s/" + GOOD + "%3Btouch%20PWNED",
    "/s/" + GOOD + "%20--checkpoint%3D%2Fetc%2Fpasswd",
]


@pytest.fixture
def started(monkeypatch):
    """(argv, environment) of every process the server starts; a shell is never acceptable."""
    calls = []
    real_exec = asyncio.create_subprocess_exec

    async def record(*argv, env=None, **options):
        calls.append((list(argv), dict(env or {})))
        return await real_exec(sys.executable, "-c", "pass", env=env, **options)

    async def shell(*args, **kwargs):
        raise AssertionError(f"a shell was asked to run {args!r}")

    monkeypatch.setattr(rnntui.serve.asyncio, "create_subprocess_exec", record)
    monkeypatch.setattr(rnntui.serve.asyncio, "create_subprocess_shell", shell)
    return calls


@pytest.fixture
async def client():
    config = ServeConfig(("app", "--cell=gru"), max_tabs=4, check_state=app_commands.check_state_string)
    rnntui_server = RnntuiServer(config)
    async with TestClient(TestServer(await rnntui_server._make_app(), host="127.0.0.1")) as client:
        yield client
    # A tab's app ends in a task of its own (AppProcess.stop): let it finish inside this event loop.
    others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    if others:
        await asyncio.wait(others, timeout=10)


async def status_of_socket(client, path: str, started: list | None = None) -> int:
    """The handshake's HTTP status (101: the tab's app was started, and `started` has it)."""
    try:
        async with client.ws_connect(path):
            await until(lambda: started)
    except aiohttp.WSServerHandshakeError as error:
        return error.status
    return 101


async def until(check, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)


async def test_shell_metacharacters_in_a_link_start_nothing(client, started, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a `touch PWNED` would land
    for path in SHELL_PATHS:
        page = await client.get(path)
        assert page.status in (400, 404), path
        assert await status_of_socket(client, path + "/ws") in (400, 404), path
    assert started == []
    assert list(tmp_path.iterdir()) == []


async def test_a_refused_link_says_why_in_one_line(client, started):
    page = await client.get("/s/" + GOOD[:-4])
    assert page.status == 400
    text = await page.text()
    assert text == "rnntui serve: state string refused: it is cut off (was it copied whole?)"
    too_big = await client.get("/s/1." + "A" * (MAX_CHARS + 1))  # the cap applies before decoding
    assert too_big.status == 400 and f"at most {MAX_CHARS}" in await too_big.text()
    huge = await client.get("/s/" + pack({"t": "ab", "h": 10**9}))
    assert huge.status == 400 and "hidden size must be 1..1024" in await huge.text()
    assert started == []


async def test_a_link_passes_its_string_in_the_environment_only(client, started):
    page = await client.get("/s/" + GOOD)
    assert page.status == 200
    assert f"/s/{GOOD}/ws" in await page.text()  # the page's socket is the link's
    assert await status_of_socket(client, f"/s/{GOOD}/ws", started) == 101
    ((argv, env),) = started
    assert argv == [sys.executable, "-m", "rnntui", "app"]  # fixed: the string is never an argument
    assert env[STATE_ENV] == GOOD
    assert env[SERVE_URL_ENV] == str(client.make_url("")).rstrip("/")  # for the share screen's link


async def test_a_plain_tab_never_inherits_a_state(client, started, monkeypatch):
    monkeypatch.setenv(STATE_ENV, GOOD)  # left in the server's shell
    assert await status_of_socket(client, "/ws", started) == 101
    ((argv, env),) = started
    assert argv == [sys.executable, "-m", "rnntui", "app", "--cell=gru"]
    assert STATE_ENV not in env


async def test_a_server_without_a_checker_serves_no_links(started):
    server = TestServer(await RnntuiServer(ServeConfig(("app",), max_tabs=1))._make_app(), host="127.0.0.1")
    async with TestClient(server) as plain:
        assert (await plain.get("/s/" + GOOD)).status == 404
        assert await status_of_socket(plain, f"/s/{GOOD}/ws") == 404
    assert started == []
