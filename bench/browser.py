"""`rnntui serve` measured through a real Chromium: first screen, key press -> visible change, memory.

The clocks run inside the page. First screen: from navigation start to the first xterm.js render
whose buffer shows the app's hidden-state pane. Key -> visible change: from the keydown event the
page receives to the first xterm.js render (`onRender`) whose screen text differs from before the
key. Each tab's memory is its app process's resident set (VmRSS). After every tab is closed, the
script waits for the server's processes to be gone and says how long that took.

    flock /tmp/rnntui-bench.lock ./dev bench browser             (one tab, then 10 at once)
    .venv/bin/python bench/browser.py --tabs 1 --presses 100
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.common import load, machine_line, percentile, rss_mb
from tests.serve_harness import HAS_TEXT, chromium, focus_terminal, open_tab, served, wait_until  # the tests' harness

# The same model and text as bench/ui.py, so the two latencies can be compared.
TEXT = "To be, or not to be, that is the question: whether 'tis nobler i"
HIDDEN = 32
READY = "Hidden state"
SETTLE_SECONDS = 0.15  # between presses: latency, not throughput, is what is measured
GONE_SECONDS = 30.0

FIRST_SCREEN = """(needle) => new Promise((resolve) => {
  const check = () => {
    const term = window.rnntuiTerminal;
    if (term && (%s)(needle)) { resolve(performance.now()); return true; }
    return false;
  };
  if (check()) return;
  const wait = setInterval(() => {
    const term = window.rnntuiTerminal;
    if (!term) return;
    clearInterval(wait);
    const sub = term.onRender(() => { if (check()) sub.dispose(); });
    check() && sub.dispose();
  }, 5);
})""" % HAS_TEXT

ARM = """() => {
  const term = window.rnntuiTerminal, buffer = () => term.buffer.active;
  const text = () => { let s = ''; for (let y = 0; y < term.rows; y++) s += buffer().getLine(buffer().viewportY + y).translateToString(true) + '\\n'; return s; };
  const before = text();
  let pressed = null;
  document.addEventListener('keydown', () => { pressed = performance.now(); }, {capture: true, once: true});
  window.rnntuiLatency = new Promise((resolve) => {
    const sub = term.onRender(() => {
      if (pressed !== null && text() !== before) { sub.dispose(); resolve(performance.now() - pressed); }
    });
  });
}"""


def press(page, key: str, timeout_ms: float) -> float:
    page.evaluate(ARM)
    page.keyboard.press(key)
    return page.evaluate(f"() => Promise.race([window.rnntuiLatency, new Promise(r => setTimeout(() => r(-1), {timeout_ms}))])")


def run(tabs: int, presses: int, browser) -> dict:
    with served("--text", TEXT, "--hidden", str(HIDDEN)) as server:
        pages = []
        first = []
        for _ in range(tabs):  # opened at once: each navigation starts before any screen is checked
            pages.append(open_tab(browser, server.url, wait=False))
        for page in pages:
            first.append(page.evaluate(FIRST_SCREEN, READY) / 1000)
        pids = wait_until(lambda: len(server.pids()) >= tabs and server.pids(), 30)
        for page in pages:
            focus_terminal(page)
        latencies: list[list[float]] = [[] for _ in pages]
        for i in range(presses):
            key = "ArrowRight" if (i // 8) % 2 == 0 else "ArrowLeft"  # walk along the text and back
            for tab, page in enumerate(pages):
                latencies[tab].append(press(page, key, 5000))
                time.sleep(SETTLE_SECONDS / tabs)
        memory = {pid: rss_mb(pid) for pid in pids}
        started = time.monotonic()
        for page in pages:
            page.close()
        left = wait_until(lambda: not server.pids(), GONE_SECONDS)
        gone = time.monotonic() - started if left else None
    return {"first": first, "latencies": latencies, "memory": memory, "gone": gone}


def report(tabs: int, result: dict) -> None:
    every = [ms for tab in result["latencies"] for ms in tab]
    lost = sum(1 for ms in every if ms < 0)
    answered = [ms for ms in every if ms >= 0]
    print(f"{tabs} tab(s): first screen max {max(result['first']):.2f} s "
          f"(each: {', '.join(f'{s:.2f}' for s in result['first'])})")
    print(f"  key -> visible change: median {statistics.median(answered):.0f} ms, p95 {percentile(answered, 0.95):.0f} ms, "
          f"max {max(answered):.0f} ms over {len(answered)} presses; unanswered within 5 s: {lost}")
    if tabs > 1:
        worst = [max(tab) for tab in result["latencies"]]
        print(f"  each tab's slowest answer (ms): {', '.join(f'{ms:.0f}' for ms in worst)}")
    print(f"  app RSS per tab (MB): {', '.join(f'{mb:.0f}' for mb in result['memory'].values())}")
    gone = result["gone"]
    print(f"  after closing every tab: {'no rnntui process left after %.1f s' % gone if gone is not None else 'PROCESSES LEFT'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, nargs="+", default=[1, 10], help="tab counts to measure, in turn")
    parser.add_argument("--presses", type=int, default=60, help="key presses per tab")
    args = parser.parse_args()
    print(machine_line())
    with chromium() as browser:
        for tabs in args.tabs:
            report(tabs, run(tabs, args.presses, browser))
            print(f"  load {load()}")


if __name__ == "__main__":
    main()
