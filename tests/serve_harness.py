"""A real `rnntui serve` and a real Chromium, for the browser tests and bench/browser.py.

The server runs as a user runs it (`python -m rnntui serve --port 0 ...`, 127.0.0.1, a free port);
Chromium is Debian's `chromium` driven by Playwright (`executable_path`), never a downloaded build.
What the terminal shows is read from xterm.js's own buffer API: textual-serve keeps its Terminal in
a closure, so an init script catches the object when the page assigns it (`this.terminal = ...`).
Every process is ended on the way out, even when a test fails; `served_pids` finds them by the
marker the server puts in each app's environment (training children inherit it).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from rnntui.serve import SERVED_BY

STARTUP_SECONDS = 30.0  # generous: the suite may share two cores with other work
EXIT_SECONDS = 15.0  # the server's own shutdown ends apps within its quit and kill graces
BROWSERS = ("chromium", "chromium-browser")
URL_PATTERN = re.compile(r"https?://\S+:\d+")

# Runs before the page's scripts: the first object that gets a `terminal` property holding an xterm.js
# Terminal publishes it as window.rnntuiTerminal; every assignment still lands as an own property.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, 'terminal', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, 'terminal', {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && value.buffer.active && !window.rnntuiTerminal) {
      window.rnntuiTerminal = value;
    }
  },
});
"""

READ_LINES = """() => {
  const term = window.rnntuiTerminal, buffer = term.buffer.active, lines = [];
  for (let y = 0; y < term.rows; y++) lines.push(buffer.getLine(buffer.viewportY + y).translateToString(true));
  return lines;
}"""

# Each row as [chars, width] per cell: a wide character is one cell of width 2 and an empty one of width 0.
READ_CELLS = """() => {
  const term = window.rnntuiTerminal, buffer = term.buffer.active, rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y), row = [];
    for (let x = 0; x < term.cols; x++) { const cell = line.getCell(x); row.push([cell.getChars(), cell.getWidth()]); }
    rows.push(row);
  }
  return rows;
}"""

HAS_TEXT = """(needle) => {
  const term = window.rnntuiTerminal;
  if (!term) return false;
  const buffer = term.buffer.active;
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    if (line && line.translateToString(true).includes(needle)) return true;
  }
  return false;
}"""


class BrowserUnavailable(RuntimeError):
    """Chromium or Playwright is missing: the message says what to install, in one line."""


def chromium_path() -> str:
    """Debian's Chromium (or $RNNTUI_CHROMIUM); never a browser downloaded at test time."""
    chosen = os.environ.get("RNNTUI_CHROMIUM")
    if chosen:
        if not os.access(chosen, os.X_OK):
            raise BrowserUnavailable(f"RNNTUI_CHROMIUM={chosen} is not an executable")
        return chosen
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable("no Chromium: apt-get install chromium (or set RNNTUI_CHROMIUM to its path)")


def served_pids(server_pid: int) -> list[int]:
    """Live processes started by the server with this pid: its apps and anything they started."""
    marker = f"{SERVED_BY}={server_pid}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environment = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if marker in environment.split(b"\0"):
            found.append(int(entry.name))
    return found


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


def wait_until(check, seconds: float, poll: float = 0.1):
    """Poll `check` until it returns something truthy, or return its last value after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(poll)


class Served:
    """A running `rnntui serve`: its process, its URL, the lines it printed."""

    def __init__(self, process: subprocess.Popen, url: str, lines: list[str], reader: threading.Thread) -> None:
        self.process = process
        self.url = url
        self.lines = lines
        self.reader = reader

    def pids(self) -> list[int]:
        return served_pids(self.process.pid)

    def stop(self) -> int:
        """Ctrl-C, as a terminal sends it (to the server's whole process group); returns the exit code."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        code = self.process.wait(EXIT_SECONDS)
        self.reader.join(EXIT_SECONDS)  # every line it printed is in `lines`
        return code


@contextmanager
def served(*args: str) -> Iterator[Served]:
    """Start `rnntui serve --port 0 ARGS` on 127.0.0.1; on the way out end it and all it started."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rnntui", "serve", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:  # keeps draining, so the server never blocks on a full pipe
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if URL_PATTERN.search(line):
                found.set()
        found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not found.wait(STARTUP_SECONDS) or process.poll() is not None:
            raise RuntimeError("rnntui serve did not start: " + " | ".join(lines))
        url = URL_PATTERN.search(next(line for line in lines if URL_PATTERN.search(line))).group(0)
        yield Served(process, url.rstrip(":"), lines, reader)
    finally:
        end_everything(process)


def end_everything(process: subprocess.Popen) -> None:
    """Stop the server and kill whatever it started that is still alive (a failed test's leftovers)."""
    leftovers = served_pids(process.pid)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pid in set(leftovers) | set(served_pids(process.pid)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@contextmanager
def chromium(headless: bool = True):
    """A Playwright Chromium browser (Debian's build) that can reach only 127.0.0.1."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise BrowserUnavailable("Playwright is missing: run ./dev setup (it installs the dev dependencies)") from None
    path = chromium_path()
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=path, headless=headless)
        except Error as error:  # present but unable to start (missing libraries, not a browser)
            first = next((line for line in str(error).splitlines() if line.strip()), "no reason given")
            raise BrowserUnavailable(f"{path} would not start: {first}") from None
        try:
            yield browser
        finally:
            browser.close()


def open_tab(browser, url: str, width: int = 1280, height: int = 800, wait: bool = True):
    """A new tab on `url` with the terminal catcher in place and every other host refused (the page
    asks for a web font; tests stay on this machine). `wait=False` returns once the page's response
    has arrived, without waiting for its load event."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.add_init_script(CATCH_TERMINAL)
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(url))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(origin) else route.abort())
    page.goto(url, wait_until="load" if wait else "commit")
    return page


def wait_for_text(page, needle: str, seconds: float = STARTUP_SECONDS) -> None:
    page.wait_for_function(HAS_TEXT, arg=needle, timeout=seconds * 1000, polling=20)


def screen_lines(page) -> list[str]:
    return page.evaluate(READ_LINES)


def screen_cells(page) -> list[list[tuple[str, int]]]:
    return [[tuple(cell) for cell in row] for row in page.evaluate(READ_CELLS)]


def focus_terminal(page) -> None:
    page.focus(".xterm-helper-textarea")
