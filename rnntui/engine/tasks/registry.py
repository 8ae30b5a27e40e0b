"""The paper's tasks by name: how to generate them, their one setting, and their success criterion."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnntui.engine.config import MAX_INPUT_DIM
from rnntui.engine.tasks import adding, first_symbol, temporal_order
from rnntui.engine.tasks.batch import TaskBatch
from rnntui.errors import RnntuiError
from rnntui.i18n import t


@dataclass(frozen=True)
class TaskKind:
    """One of the paper's experiments; `Task` is one with its setting chosen."""

    name: str
    experiment: str  # the paper's experiment number, e.g. "4" or "6a"
    head: str  # "linear" (a number at the end) or "softmax" (a class or a symbol)
    make: Callable[[np.random.Generator, int, int | None], TaskBatch]  # (rng, count, setting)
    input_dim: Callable[[int | None], int]
    output_size: Callable[[int | None], int]
    setting: str | None = None  # the lag parameter's name ("T" or "p"); None: fixed by the paper
    default: int | None = None  # the paper's value of the setting
    limits: tuple[int, int] | None = None  # inclusive range of the setting
    tolerance: float | None = None  # linear head: |error| below this counts as processed correctly
    success_fraction: float = 0.95  # a trial succeeds once this share of the test set is correct
    every_step: bool = False  # targets at every step (the next symbol), not only at the end


@dataclass(frozen=True)
class Task:
    kind: TaskKind
    setting: int | None

    @property
    def name(self) -> str:
        return self.kind.name

    @property
    def input_dim(self) -> int:
        return self.kind.input_dim(self.setting)

    @property
    def output_size(self) -> int:
        return self.kind.output_size(self.setting)

    def batch(self, rng: np.random.Generator, count: int) -> TaskBatch:
        return self.kind.make(rng, count, self.setting)

    def to_dict(self) -> dict:
        """What a checkpoint records under "task"."""
        data: dict = {"name": self.name, "experiment": self.kind.experiment}
        if self.kind.setting:
            data[self.kind.setting] = self.setting
        return data


# p + 1 one-hot symbols must fit the engine's input width
MAX_LAG_P = MAX_INPUT_DIM - 1

KINDS: dict[str, TaskKind] = {
    kind.name: kind
    for kind in (
        TaskKind("adding", "4", "linear", lambda rng, n, T: adding.adding(rng, n, T),
                 lambda _: 2, lambda _: 1, "T", 100, (10, 1000), tolerance=0.04),
        TaskKind("multiplication", "5", "linear", lambda rng, n, T: adding.multiplication(rng, n, T),
                 lambda _: 2, lambda _: 1, "T", 100, (10, 1000), tolerance=0.04),
        TaskKind("temporal-order", "6a", "softmax", lambda rng, n, _: temporal_order.temporal_order(rng, n, 2),
                 lambda _: len(temporal_order.SYMBOLS), lambda _: 4, success_fraction=0.99),
        TaskKind("temporal-order-3", "6b", "softmax", lambda rng, n, _: temporal_order.temporal_order(rng, n, 3),
                 lambda _: len(temporal_order.SYMBOLS), lambda _: 8, success_fraction=0.99),
        TaskKind("remember-first", "2a", "softmax",
                 lambda rng, n, p: first_symbol.first_symbol(rng, n, p, random_middle=False),
                 first_symbol.symbol_count, first_symbol.symbol_count, "p", 100, (3, MAX_LAG_P),
                 success_fraction=1.0, every_step=True),
        TaskKind("remember-first-random", "2b", "softmax",
                 lambda rng, n, p: first_symbol.first_symbol(rng, n, p, random_middle=True),
                 first_symbol.symbol_count, first_symbol.symbol_count, "p", 100, (3, MAX_LAG_P),
                 success_fraction=1.0, every_step=True),
    )
}


def task_kind(name: str) -> TaskKind:
    """The task called `name`; an unknown name is one line that lists the tasks."""
    if name not in KINDS:
        raise RnntuiError(t("tasks.error.unknown_task", given=name, choices=", ".join(KINDS)))
    return KINDS[name]


def make_task(name: str, setting: int | None = None) -> Task:
    """A task with its setting (the paper's default when None), checked against the task's range."""
    kind = task_kind(name)
    if kind.setting is None:
        if setting is not None:
            raise RnntuiError(t("tasks.error.no_setting", task=name))
        return Task(kind, None)
    value = kind.default if setting is None else setting
    lo, hi = kind.limits
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise RnntuiError(t("tasks.error.setting_range", task=name, name=kind.setting, lo=lo, hi=hi, given=value))
    return Task(kind, value)
