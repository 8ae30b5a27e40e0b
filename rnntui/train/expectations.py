"""What validation loss to expect: the table `bench/baselines.py` measures, and how a run compares to it.

The figures live in `expectations.json` beside this module (written by the benchmark, never typed
in), so `rnntui train` can end with one line placing its own result. A corpus file is recognised
by its content, whatever its path; a shipped corpus by its name. No torch here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from rnntui.i18n import t
from rnntui.train.cpu_features import cpu_kind, has_bf16_instructions, speed_features

TABLE = Path(__file__).with_name("expectations.json")


@dataclass(frozen=True)
class Baseline:
    """One measured row: the defaults (but `cell`) trained `minutes` on `corpus`."""

    corpus: str  # shipped name, or the file's name when measured
    sha256: str  # of the corpus text, so a copy anywhere is recognised
    cell: str
    hidden_size: int
    num_layers: int
    minutes: float
    val_loss: float  # warm-stream validation loss, nats/char, at the end of the run
    chance: float  # ln V: the loss of guessing uniformly
    steps: int
    tokens_per_second: float
    precision: str
    threads: str  # the count at the end ("adaptive: 1") or as fixed
    load: float  # the machine's 1-minute load average at the end
    date: str
    commit: str
    cpu: str
    best_val_loss: float | None = None  # the lowest validation loss of the run (best.safetensors); older rows: None
    epochs: float | None = None  # how many times the run read its training text; older rows: None
    # The CPU's speed flags (cpu_features.speed_features, "amx_bf16 avx512_bf16 avx512f avx2"); older rows: None
    cpu_features: str | None = None

    @property
    def key(self) -> tuple[str, str, float]:
        return self.sha256, self.cell, self.minutes


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_table(path: Path = TABLE) -> list[Baseline]:
    if not path.is_file():
        return []
    return [Baseline(**row) for row in json.loads(path.read_text(encoding="utf-8"))]


def save_table(rows: list[Baseline], path: Path = TABLE) -> None:
    """Write `rows`, one row per (corpus, cell, minutes): a new measurement replaces the old one."""
    by_key = {row.key: row for row in rows}
    ordered = sorted(by_key.values(), key=lambda r: (r.corpus, r.cell, r.minutes))
    path.write_text(json.dumps([asdict(r) for r in ordered], indent=1) + "\n", encoding="utf-8")


def other_cpu(row: Baseline, here: str) -> str | None:
    """Why `row` was measured on another kind of CPU than one with the speed flags `here`; None when alike.

    A row from before the table recorded flags is known only by its precision: one that ran in
    bf16 had bf16 instructions.
    """
    if row.cpu_features is not None:
        if cpu_kind(row.cpu_features) == cpu_kind(here):
            return None
        return t("precision.expectations.other_cpu", row=cpu_kind(row.cpu_features), here=cpu_kind(here))
    if row.precision == "bf16" and not has_bf16_instructions(here):
        return t("precision.expectations.other_cpu", row="bf16", here=cpu_kind(here))
    return None


def comparison(text: str, shipped_name: str | None, cell: str, hidden_size: int, num_layers: int, minutes: float,
               val_loss: float, rows: list[Baseline] | None = None, cpu_features: str | None = None) -> str | None:
    """One line placing a finished run against the table, or None when its corpus, cell and size are not in it.

    A shipped corpus matches by name too: pydoc's text depends on the Python version. Another model
    size gets no line: the table says nothing about it. A row measured on another kind of CPU
    (`cpu_features`: this machine's speed flags unless given) says so.
    """
    digest = text_digest(text)
    matches = [r for r in (load_table() if rows is None else rows)
               if r.cell == cell and (r.hidden_size, r.num_layers) == (hidden_size, num_layers)
               and (r.sha256 == digest or (shipped_name is not None and r.corpus == shipped_name))]
    if not matches:
        return None
    row = min(matches, key=lambda r: abs(r.minutes - minutes))
    verdict = "better" if val_loss < row.val_loss - 0.01 else "worse" if val_loss > row.val_loss + 0.01 else "on_par"
    line = t("train.expectations.line", val=f"{row.val_loss:.3f}", minutes=f"{row.minutes:g}", layers=row.num_layers,
             units=row.hidden_size, cell=row.cell, corpus=row.corpus, rate=f"{row.tokens_per_second / 1000:.1f}",
             cpu=row.cpu, loss=f"{val_loss:.3f}", run_minutes=f"{minutes:.1f}",
             verdict=t(f"train.expectations.{verdict}"))
    elsewhere = other_cpu(row, speed_features() if cpu_features is None else cpu_features)
    return line if elsewhere is None else f"{line}; {elsewhere}"
