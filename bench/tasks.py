"""The tables of docs/tasks.md: the 1997 paper's tasks and the shipped time series, rerun.

Each experiment is `rnntui experiment` / `rnntui series` with the settings below; every result is
written as JSON under the output folder (default bench/tasks-results/) and printed as the CLI
prints it. Run under the benchmark lock on a shared machine: the seconds depend on the load.

    ./dev bench tasks                 # everything below (about an hour on 2 busy cores)
    ./dev bench tasks adding series   # only these parts
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

# part -> [(result file stem, rnntui arguments)]
PARTS = {
    "adding": [("adding-T100", ["experiment", "adding", "--seeds", "5", "--max-sequences", "200000"])],
    "temporal-order": [("temporal-order", ["experiment", "temporal-order", "--seeds", "3",
                                           "--max-sequences", "200000"])],
    "remember-first": [(f"remember-first-p{p}", ["experiment", "remember-first", "--p", str(p), "--seeds", "3",
                                                 "--max-sequences", "50000"]) for p in (5, 10, 20, 50, 100)],
    "series": [("series", ["series", "--seeds", "5"])],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", help=f"which tables: {', '.join(PARTS)} (default: all)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "tasks-results")
    args = parser.parse_args()
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


if __name__ == "__main__":
    sys.exit(main())
