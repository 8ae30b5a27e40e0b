"""What the benchmarks share: the machine their figures are stated with, percentiles, memory, corpus.

Benchmarks run as modules of this package from the repository root (`./dev bench NAME` runs
`python -m bench.NAME`), so they import each other and this module by name, with no path edits.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rnntui.train.cpu_features import speed_features  # the CPU's speed flags (no torch import)
from rnntui.train.threads import usable_cores  # the cores this process may use (no torch import)

ROOT = Path(__file__).resolve().parents[1]
CORPUS_NAME = "tinyshakespeare.txt"  # the text the training figures are measured on (not shipped: 1 MB)
WARMUP = 3  # first steps of each measured loop, not counted: oneDNN builds its kernels then
WINDOW = 100  # characters per zero-state scoring window


def default_corpus() -> str:
    """shared/corpora/tinyshakespeare.txt beside the checkout, or beside the folder that holds it (a worktree)."""
    for folder in ROOT.parents:
        candidate = folder / "shared" / "corpora" / CORPUS_NAME
        if candidate.is_file():
            return str(candidate)
    return str(ROOT.parent / "shared" / "corpora" / CORPUS_NAME)  # missing: load_corpus says so in one line


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "CPU"


def commit() -> str:
    """The checkout's short commit, with + when it has uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True).stdout.strip()

    short = git("rev-parse", "--short", "HEAD") or "?"
    return short + ("+" if git("status", "--porcelain", "--untracked-files=no") else "")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine_info() -> dict[str, str]:
    """Date, commit, CPU model, its speed flags and usable cores: what every published figure is stated with."""
    return {"date": datetime.date.today().isoformat(), "commit": commit(), "cpu": cpu_model(),
            "cores": str(usable_cores()), "features": speed_features()}


def machine_line() -> str:
    """Time, commit, CPU, cores and load: the line a benchmark prints before its figures."""
    info = machine_info()
    return (f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit {info['commit']}, "
            f"{info['cpu']} ({info['features'] or 'no AVX2'}), {info['cores']} cores, load {load()}")


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank `q` quantile (0..1) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class StopsTheClock:
    """For a benchmark's stepping screen: a timed key waits on the app's `pending`, which the first
    refresh after the key's handler resolves with the time (pilot.pause would wait for the whole
    process to be idle)."""

    def stop_clock_after_refresh(self) -> None:
        future = getattr(self.app, "pending", None)  # an asyncio.Future, set before a key is posted
        if future is not None and not future.done():
            self.call_after_refresh(lambda: future.done() or future.set_result(time.perf_counter()))


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def busy_beside(busy: bool) -> Iterator[None]:
    """With `busy`, one CPU-bound process runs beside the block: a stand-in for a slower or busier machine."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        yield
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
