"""Walking through a demo without any UI: which step is shown, and what running it produced.

The app and the plain-text walk-through both use this; going back re-runs the earlier step, which
is instant because every measurement is cached in the DemoContext.
"""

from __future__ import annotations

from typing import Any

from rnntui.demos.script import Demo, DemoContext, Outcome


class DemoPlayer:
    def __init__(self, demo: Demo, context: DemoContext | None = None):
        self.demo = demo
        self.context = context or DemoContext()
        self.index = -1  # -1: the title card, before the first step
        self.outcomes: dict[int, Outcome] = {}

    @property
    def count(self) -> int:
        return len(self.demo.steps)

    @property
    def at_end(self) -> bool:
        return self.index >= self.count - 1

    def measure(self, index: int) -> Outcome:
        """Run step `index` (measuring, or reading the cache); safe in a worker thread."""
        return self.demo.steps[index].run(self.context)

    def record(self, index: int, outcome: Outcome) -> None:
        """Make step `index` the current one (on the thread that owns the UI)."""
        self.outcomes[index] = outcome
        self.index = index

    def run(self, index: int) -> Outcome:
        outcome = self.measure(index)
        self.record(index, outcome)
        return outcome

    def all_facts(self) -> dict[str, Any]:
        """Facts of every step run so far, merged (later steps win on a shared name)."""
        merged: dict[str, Any] = {}
        for _, outcome in sorted(self.outcomes.items()):
            merged.update(outcome.facts)
        return merged
