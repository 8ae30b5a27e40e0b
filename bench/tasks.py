"""The tables of docs/tasks.md: the 1997 paper's tasks and the shipped time series, rerun.

Each experiment is `rnntui experiment` / `rnntui series` with the settings below; every result is
written as JSON under the output folder (default bench/tasks-results/) and printed as the CLI
prints it. Run under the benchmark lock on a shared machine: the seconds depend on the load.

    ./dev bench tasks                 # everything below (the tasks: about 35 minutes on 2 busy cores)
    ./dev bench tasks temporal-order  # one part: its JSON files are replaced, the others kept
    ./dev bench tasks adding series   # only these parts
    ./dev bench tasks --markdown      # no training: the tables for docs/tasks.md from the JSON files
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

# part -> [(result file stem, rnntui arguments)]
PARTS = {
    "adding": [("adding-T100", ["experiment", "adding", "--seeds", "5", "--max-sequences", "100000"])],
    "multiplication": [("multiplication-T100", ["experiment", "multiplication", "--seeds", "5",
                                                "--max-sequences", "100000"])],
    "temporal-order": [("temporal-order", ["experiment", "temporal-order", "--seeds", "5",
                                           "--max-sequences", "100000"])],
    "temporal-order-3": [("temporal-order-3", ["experiment", "temporal-order-3", "--seeds", "5",
                                               "--max-sequences", "150000"])],
    "remember-first": [(f"remember-first-p{p}", ["experiment", "remember-first", "--p", str(p), "--seeds", "3",
                                                 "--max-sequences", "50000"]) for p in (5, 10, 20, 50, 100)],
    # Between the lags where the vanilla RNN still solves it and where it no longer does.
    "remember-first-rnn": [(f"remember-first-rnn-p{p}", ["experiment", "remember-first", "--p", str(p), "--cells",
                                                         "rnn", "--seeds", "5", "--max-sequences", "50000"])
                           for p in (6, 7, 8, 9)],
    "remember-first-random": [("remember-first-random-p100", ["experiment", "remember-first-random", "--p", "100",
                                                              "--seeds", "5", "--max-sequences", "50000"])],
    # The two departures from the paper's setup that the LSTM rows rest on, each taken away again.
    "ablations": [
        ("temporal-order-input-bias-0", ["experiment", "temporal-order", "--cells", "lstm", "--seeds", "5",
                                         "--input-bias", "0", "--max-sequences", "100000"]),
        ("adding-T100-input-bias-0", ["experiment", "adding", "--cells", "lstm", "--seeds", "5",
                                      "--input-bias", "0", "--max-sequences", "200000"]),
        ("remember-first-p100-paper-loss", ["experiment", "remember-first", "--p", "100", "--cells", "lstm",
                                            "--seeds", "3", "--paper-loss", "--max-sequences", "50000"]),
        ("remember-first-p100-input-bias-0", ["experiment", "remember-first", "--p", "100", "--cells", "lstm",
                                              "--seeds", "3", "--input-bias", "0", "--max-sequences", "50000"]),
    ],
    "series": [("series", ["series", "--seeds", "5"])],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", help=f"which tables: {', '.join(PARTS)} (default: all)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "tasks-results")
    parser.add_argument("--markdown", action="store_true", help="print the docs tables from the JSON files and stop")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(args.out))
        return 0
    unknown = [p for p in args.parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part {unknown[0]!r}: choose from {', '.join(PARTS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip() or "?"
    print(f"commit {commit}", flush=True)
    for part in args.parts or PARTS:
        for stem, command in PARTS[part]:
            target = args.out / f"{stem}.json"
            print(f"\n$ rnntui {' '.join(command)}", flush=True)
            subprocess.run([sys.executable, "-m", "rnntui", *command, "--json", str(target)], check=True)
    return 0


NAMES = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}


def variant(settings: dict) -> str:
    """The training settings of a run that differ from the experiment's defaults, e.g. "input bias 0"."""
    from dataclasses import asdict

    from rnntui.train.task_runs import TaskRunConfig

    defaults = asdict(TaskRunConfig())
    changed = [(k, v) for k, v in settings.items()
               if k in ("lr", "input_bias", "forget_bias", "hidden_size", "judged_share") and v != defaults[k]]
    return ", ".join("every step weighted the same" if k == "judged_share" and v is None
                     else f"{k.replace('_', ' ')} {v:g}" for k, v in changed)


def task_rows(doc: dict) -> list[str]:
    linear = doc["task"]["name"] in ("adding", "multiplication")
    setting = ", ".join(f"{k} = {v}" for k, v in doc["task"].items() if k not in ("name", "experiment"))
    task = f"{doc['task']['name']} {setting}".rstrip()
    if variant(doc["settings"]):
        task += f" ({variant(doc['settings'])})"
    rows = []
    for cell, s in doc["cells"].items():
        sequences = "—" if s["median_sequences"] is None else f"{int(s['median_sequences']):,}"
        error = f"{s['error']:.4f} / {s['baseline']:.4f}" if linear else f"{s['error']:.1%} / {s['baseline']:.1%}"
        seconds = max(r["seconds"] for r in doc["runs"] if r["cell"] == cell)
        rows.append(f"| {task} | {NAMES[cell]} | {s['solved']}/{s['runs']} | {sequences} | "
                    f"{error} | {s['correct']:.1%} | {seconds:.0f} |")
    return rows


def markdown(folder: Path) -> str:
    lines = ["| task | cell | solved | sequences to success (median) | final error / constant | correct | "
             "longest run, s |", "| --- | --- | --- | --- | --- | --- | --- |"]
    machines = []
    for stem, command in [entry for part in PARTS.values() for entry in part]:
        path = folder / f"{stem}.json"
        if command[0] == "experiment" and path.exists():
            doc = json.loads(path.read_text())
            lines += task_rows(doc)
            machines.append(doc["machine"])
    series = folder / "series.json"
    if series.exists():
        doc = json.loads(series.read_text())
        lines += ["", "| series | model MSE | persistence MSE | ratio (mean, range over seeds) | free-running ratio |",
                  "| --- | --- | --- | --- | --- |"]
        for name, r in doc["series"].items():
            low, high = r["ratio_range"]
            lines.append(f"| {name} | {r['mse']:.4g} | {r['persistence']:.4g} | {r['ratio']:.3f} ({low:.3f}–{high:.3f}) | "
                         f"{r['free_running_ratio']:.2f} |")
        machines.append(doc["machine"])
    loads = [m["load_1min"] for m in machines if m.get("load_1min") is not None]
    if machines:
        dates = sorted(m["date"] for m in machines)
        lines += ["", f"Runs ended between {dates[0]} and {dates[-1]} on {machines[0]['cpu']}, "
                      f"{machines[0]['cores']} cores, 1-minute load {min(loads):.1f} to {max(loads):.1f}."]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
