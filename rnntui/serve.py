"""The server behind `rnntui serve`: textual-serve's page and protocol, with rnntui owning the processes.

textual-serve (an aiohttp server that draws each app with xterm.js) starts one app process per browser
tab through a shell, and when a tab closes it asks the app to quit and waits however long that takes;
on shutdown it leaves the processes to chance. Here each tab's app is started without a shell, from the
argument list `rnntui serve` built and validated, as the leader of a process group of its own, and it
ends with its whole group (a training child included): asked to quit, then terminated, then killed.

A link `/s/STRING` opens a tab in the state a state string describes. The string is checked before
anything starts (its length before it is decoded, then its characters, then the state it holds,
by `ServeConfig.check_state`) and reaches the tab's `rnntui app` in its environment (STATE_ENV),
never on a command line; the tab's command is the fixed `rnntui app`.

aiohttp and textual-serve are imported by this module only, which the CLI imports inside `serve`.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import ipaddress
import logging
import os
import re
import shlex
import signal
import socket
import sys
from dataclasses import dataclass
from typing import Any, Callable

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int
from yarl import URL

from rnntui.commands.app_commands import SERVE_URL_ENV, STATE_ENV
from rnntui.errors import RnntuiError
from rnntui.i18n import t

log = logging.getLogger("rnntui.serve")

QUIT_GRACE_SECONDS = 3.0  # a closed tab's app may take this long to quit by itself before SIGTERM
KILL_GRACE_SECONDS = 2.0  # and its group this long after SIGTERM before SIGKILL
POLL_SECONDS = 0.05  # how often the group is checked while it winds down
HEARTBEAT_SECONDS = 15.0  # a browser that vanished without closing its socket is noticed after this
SERVED_BY = "RNNTUI_SERVED_BY"  # in every served app's environment: the server's pid, to find its processes
STATE_ROUTE = "/s/{state}"  # a link into a state; its tab's socket is at STATE_ROUTE + "/ws"
LOOPBACK_NAMES = ("localhost",)
WEB_FONT_LINK = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>")  # in textual-serve's page
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# The largest terminal a tab may ask for: a 4K screen at a 6-pixel font is about 640 x 360 cells.
# A page can send any size; the app's screen costs memory per cell, so larger ones are cut to this.
MAX_COLUMNS, MAX_ROWS = 1000, 500


def terminal_size(width: Any, height: Any) -> tuple[int, int]:
    """(columns, rows) from what a page sent, each clamped to 1..MAX; a value that is no number counts as 1."""
    def clamp(value: Any, largest: int) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):
            number = 1
        return min(max(number, 1), largest)

    return clamp(width, MAX_COLUMNS), clamp(height, MAX_ROWS)


@dataclass(frozen=True)
class ServeConfig:
    """What `rnntui serve` serves and where; every value is validated before it gets here."""

    argv: tuple[str, ...]  # rnntui's arguments for each tab's app, e.g. ("app", "--cell=lstm")
    max_tabs: int  # tabs with an app at once; past it a new tab is told so instead of starting a process
    host: str = "127.0.0.1"  # the address to listen on; loopback keeps the server to this machine
    port: int = 8000  # 0 picks any free port (the printed URL says which)
    public_url: str | None = None  # the URL browsers use when it is not the listening address (a proxy)
    # Refuses a link's state string (RnntuiError) before any process starts; None serves no links.
    check_state: Callable[[str], object] | None = None

    @property
    def command(self) -> list[str]:
        """The command each tab's app runs: this Python, this rnntui, never text from a URL."""
        return [sys.executable, "-m", "rnntui", *self.argv]

    @property
    def state_command(self) -> list[str]:
        """The command a link's tab runs: the app, which finds its state in STATE_ENV."""
        return [sys.executable, "-m", "rnntui", "app"]


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _linux_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _linux_prctl()  # resolved here: the forked child only calls it


def _end_with_server() -> None:
    """Runs in each app process before exec: if the server dies without ending it, it gets SIGTERM."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)


def signal_group(pgid: int, signum: int) -> bool:
    """Send `signum` to a process group; False when the group has no process left."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    except PermissionError:  # a pid reused by someone else's group: not ours to touch
        return False
    return True


async def end_group(process: asyncio.subprocess.Process) -> None:
    """Give the app time to quit, then end whatever is left of its group: SIGTERM, then SIGKILL."""
    try:
        await asyncio.wait_for(process.wait(), QUIT_GRACE_SECONDS)
    except TimeoutError:
        pass
    for signum in (signal.SIGTERM, signal.SIGKILL):
        if not signal_group(process.pid, signum):
            break
        if await _group_gone(process.pid, KILL_GRACE_SECONDS):
            break
    await process.wait()


async def _group_gone(pgid: int, seconds: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if not signal_group(pgid, 0):
            return True
        await asyncio.sleep(POLL_SECONDS)
    return not signal_group(pgid, 0)


class AppProcess(AppService):
    """One browser tab's app: started from an argument list in its own process group, ended with it."""

    def __init__(self, command: list[str], state: str | None = None, page_base: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(shlex.join(command), **kwargs)
        self.argv = command
        self.state = state  # a link's checked state string, for the app's environment only
        self.page_base = page_base  # the server's URL as this tab's browser reached it: for share links
        self._stopping: asyncio.Future[None] | None = None

    async def set_terminal_size(self, width: int, height: int) -> None:
        """A resize from the page, clamped: one tab must not size its app's screen past any real display."""
        await super().set_terminal_size(*terminal_size(width, height))

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        width, height = terminal_size(width, height)
        environment = self._build_environment(width=width, height=height)
        environment[SERVED_BY] = str(os.getpid())
        environment.pop(STATE_ENV, None)  # a plain tab never inherits one from the server's shell
        if self.state is not None:
            environment[STATE_ENV] = self.state
        if self.page_base is not None:
            environment[SERVE_URL_ENV] = self.page_base
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=environment,
            start_new_session=True,  # its own group: Ctrl-C on the server's terminal reaches only the server
            preexec_fn=_end_with_server,
        )
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        """End the app and its group and close the tab's socket; callers may overlap, it runs once."""
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop())
        await asyncio.shield(self._stopping)

    async def _stop(self) -> None:
        process = self._process
        if process is not None:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            if process.returncode is None:
                await self.send_meta({"type": "quit"})
            await end_group(process)
        if self._task is not None:
            try:  # its output ends with the group, unless something that left the group still holds it
                await asyncio.wait_for(self._task, KILL_GRACE_SECONDS)
            except TimeoutError:
                pass
            self._task = None
        await self.remote_close()


class RnntuiServer(Server):
    """textual-serve's Server, serving `config.command` to each tab through AppProcess."""

    def __init__(self, config: ServeConfig) -> None:
        super().__init__(shlex.join(config.command), host=config.host, port=config.port,
                         title="rnntui", public_url=config.public_url)
        self.config = config
        # Without --public-url, each page points its socket at the address its browser used.
        self.public_url = config.public_url.rstrip("/") if config.public_url else None
        self.apps: set[AppProcess] = set()
        self.refused: set[web.WebSocketResponse] = set()  # tabs past --max-tabs, showing why

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints a banner here; `run` prints rnntui's lines instead."""

    async def _make_app(self) -> web.Application:
        """textual-serve's routes, and the links into a state: its page and its tab's socket."""
        app = await super()._make_app()
        app.router.add_get(STATE_ROUTE, self.handle_index, name="state")
        app.router.add_get(STATE_ROUTE + "/ws", self.handle_websocket, name="state-websocket")
        return app

    def link_state(self, request: web.Request) -> str | None:
        """A link's state string, checked; None on the plain page. A bad one is refused with 400 and
        its one-line reason before anything starts."""
        state = request.match_info.get("state")
        if state is None:
            return None
        if self.config.check_state is None:
            raise web.HTTPNotFound(text=t("state.serve.no_links"))
        try:
            self.config.check_state(state)
        except RnntuiError as error:
            raise web.HTTPBadRequest(text=t("state.serve.refused", reason=error)) from None
        return state

    def page_base(self, request: web.Request) -> str:
        return self.public_url or str(request.url.origin())

    async def handle_index(self, request: web.Request) -> web.Response:
        """textual-serve's page, with its URLs built from `page_base` instead of the bound address,
        and without its web-font link: a classroom offline would wait on it, and opening the page
        should not tell a third party who did (xterm.js falls back to the local monospace font)."""
        state = self.link_state(request)
        base = self.page_base(request)
        websocket = ("wss:" if base.startswith("https:") else "ws:") + base.split(":", 1)[1]
        static = request.app.router["static"].url_for(filename="/")
        socket_path = (request.app.router["websocket"].url_for() if state is None
                       else request.app.router["state-websocket"].url_for(state=state))
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": websocket + str(socket_path),
            "config": {"static": {"url": base + str(static).rstrip("/") + "/"}},
            "application": {"name": self.title},
        }
        page = aiohttp_jinja2.render_string("app_index.html", request, context)
        return web.Response(text=WEB_FONT_LINK.sub("", page), content_type="text/html")

    def trusted(self, request: web.Request) -> bool:
        """Refuse sockets opened by other sites' pages (cross-site websocket hijacking) and, on
        loopback, requests for other host names (DNS rebinding): either would drive an app here."""
        origin = request.headers.get("Origin")
        expected = URL(self.page_base(request)).host
        if origin is not None and URL(origin).host != expected:
            return False
        if is_loopback(self.config.host) and self.public_url is None:
            return is_loopback(request.url.host or "")
        return True

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One tab: start its app, relay its bytes both ways, end it when the socket closes."""
        if not self.trusted(request):
            raise web.HTTPForbidden(text="rnntui serve: this page's origin may not open an app here")
        state = self.link_state(request)  # checked again: a socket can be opened without the page
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        if len(self.apps) >= self.config.max_tabs:
            await self.refuse(websocket)
            return websocket
        command = self.config.command if state is None else self.config.state_command
        app = AppProcess(command, state=state, page_base=self.page_base(request), write_bytes=websocket.send_bytes,
                         write_str=websocket.send_str, close=websocket.close, download_manager=self.download_manager)
        self.apps.add(app)
        try:
            await app.start(width, height)
            await self._process_messages(websocket, app)
        except Exception as error:  # one tab's failure is logged and ends that tab only
            log.error("a tab's app failed: %s", error)
        finally:
            try:
                await app.stop()  # shielded: it finishes even when this handler is cancelled
            finally:
                self.apps.discard(app)
        return websocket

    async def refuse(self, websocket: web.WebSocketResponse) -> None:
        """Say in the tab's terminal that every app slot is taken; the socket stays open (closing it
        would cover the message with the page's "Session ended") until the person closes the tab."""
        await websocket.send_bytes(
            f"rnntui serve: this server runs at most {self.config.max_tabs} apps at once (--max-tabs) and all "
            "are in use; close a tab elsewhere, then reload this page.\r\n".encode())
        self.refused.add(websocket)
        try:
            async for _ in websocket:  # input is ignored: no app is listening
                pass
        finally:
            self.refused.discard(websocket)

    def display_url(self, port: int) -> str:
        if self.public_url:
            return self.public_url
        host = self.config.host
        if host in ("0.0.0.0", "::", ""):
            host = socket.gethostname()
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    async def run(self, say: Callable[[str], None]) -> None:
        """Serve until SIGINT or SIGTERM, then end every tab's app before returning."""
        runner = web.AppRunner(await self._make_app(), handle_signals=False, access_log=None,
                               shutdown_timeout=KILL_GRACE_SECONDS)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.config.host, self.config.port)
            try:
                await site.start()
            except OSError as error:
                raise RnntuiError(listen_error(self.config.host, self.config.port, error)) from None
            port = runner.addresses[0][1]
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            for line in startup_lines(self, port):
                say(line)
            await stop.wait()
        finally:
            await asyncio.gather(*(app.stop() for app in list(self.apps)),
                                 *(websocket.close() for websocket in list(self.refused)))
            await runner.cleanup()


def listen_error(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use: stop what uses it, or choose another --port"
    return f"cannot listen on {host} port {port}: {error.strerror or error}"


def startup_lines(server: RnntuiServer, port: int) -> list[str]:
    shown = shlex.join(["rnntui", *server.config.argv])
    lines = [f"serving `{shown}` at {server.display_url(port)}: every browser tab gets its own app; "
             "Ctrl-C stops the server and every app it started"]
    if is_loopback(server.config.host):
        lines.append("only this machine can connect; to let others in, add --host 0.0.0.0 (and --public-url): "
                     "anyone who reaches the port then gets an app on this machine with no login, "
                     "able to read and write your files and use its CPUs")
    else:
        lines.append(f"warning: listening on {server.config.host}: anyone who reaches port {port} gets an app "
                     "on this machine with no login, able to read and write your files and use its CPUs")
    return lines


def serve(config: ServeConfig, say: Callable[[str], None] = print) -> None:
    """Run the server in this thread until Ctrl-C (or SIGTERM); raises RnntuiError if it cannot listen."""
    logging.basicConfig(level=logging.WARNING, format="rnntui serve: %(message)s")
    asyncio.run(RnntuiServer(config).run(say))
