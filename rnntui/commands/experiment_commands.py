"""`rnntui experiment TASK`: the paper's long-lag experiments, rerun with a vanilla RNN, an LSTM and a GRU.

`rnntui series [NAME]`: one-step forecasting of a time series, always beside "tomorrow equals today"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from rnntui.commands.common import user_errors
from rnntui.commands.language import help_text
from rnntui.errors import RnntuiError
from rnntui.i18n import t

MAX_SEEDS = 100
MAX_HIDDEN = 1024
QUICK_SECONDS_PER_RUN = 50.0  # three cells, one seed: the whole --quick table in under three minutes
QUICK_TEST_SIZE = 512
LR_RANGE = (1e-6, 1.0)
BIAS_RANGE = (-10.0, 10.0)  # beyond it a sigmoid gate starts shut or open to within 5e-5


def check_range(value: int, lo: int, hi: int, flag: str) -> int:
    if not lo <= value <= hi:
        raise RnntuiError(t("tasks.error.option_range", flag=flag, lo=lo, hi=hi, given=value))
    return value


def task_setting(task_name: str, T: int | None, p: int | None) -> int | None:
    """--T for the adding and multiplication problems, --p for remembering the first symbol."""
    from rnntui.engine.tasks import task_kind

    kind = task_kind(task_name)
    for flag, value in (("T", T), ("p", p)):
        if value is not None and kind.setting != flag:
            raise RnntuiError(t("tasks.error.wrong_setting", flag="--" + flag, task=task_name,
                                takes="--" + kind.setting if kind.setting else t("tasks.error.takes_none")))
    return T if T is not None else p


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    register_series(app)

    @app.command("experiment", help=help_text("tasks.help.experiment.command"))
    @user_errors
    def experiment(
        task: str = typer.Argument(..., help=help_text("tasks.help.experiment.task")),
        quick: bool = typer.Option(False, "--quick", help=help_text("tasks.help.experiment.quick")),
        seeds: Optional[int] = typer.Option(None, "--seeds", help=help_text("tasks.help.experiment.seeds")),
        T: Optional[int] = typer.Option(None, "--T", help=help_text("tasks.help.experiment.T")),
        p: Optional[int] = typer.Option(None, "--p", help=help_text("tasks.help.experiment.p")),
        cells: str = typer.Option("rnn,lstm,gru", "--cells", help=help_text("tasks.help.experiment.cells")),
        hidden: int = typer.Option(16, "--hidden", help=help_text("tasks.help.experiment.hidden")),
        lr: Optional[float] = typer.Option(None, "--lr", help=help_text("paper.help.lr")),
        input_bias: Optional[float] = typer.Option(None, "--input-bias", help=help_text("paper.help.input_bias")),
        paper_loss: bool = typer.Option(False, "--paper-loss", help=help_text("paper.help.paper_loss")),
        max_sequences: Optional[int] = typer.Option(None, "--max-sequences",
                                                    help=help_text("tasks.help.experiment.max_sequences")),
        json_path: Optional[Path] = typer.Option(None, "--json", help=help_text("tasks.help.experiment.json")),
        save: Optional[Path] = typer.Option(None, "--save", help=help_text("tasks.help.experiment.save")),
    ) -> None:
        from dataclasses import replace

        from rnntui.engine.tasks import make_task
        from rnntui.train.experiment import CELLS

        chosen = make_task(task, task_setting(task, T, p))
        n_seeds = check_range(seeds if seeds is not None else (1 if quick else 5), 1, MAX_SEEDS, "--seeds")
        check_range(hidden, 1, MAX_HIDDEN, "--hidden")
        cell_list = tuple(c.strip() for c in cells.split(",") if c.strip())
        unknown = [c for c in cell_list if c not in CELLS]
        if unknown or not cell_list:
            raise RnntuiError(t("tasks.error.unknown_cell", given=",".join(unknown) or cells, choices=", ".join(CELLS)))
        if max_sequences is not None:
            check_range(max_sequences, 1, 100_000_000, "--max-sequences")
        for flag, value, (lo, hi) in (("--lr", lr, LR_RANGE), ("--input-bias", input_bias, BIAS_RANGE)):
            if value is not None and not lo <= value <= hi:
                raise RnntuiError(t("paper.error.number_range", flag=flag, lo=lo, hi=hi, given=value))
        if paper_loss and not chosen.kind.every_step:
            raise RnntuiError(t("paper.error.paper_loss_end_only", task=task))
        if json_path is not None and not json_path.parent.is_dir():
            raise RnntuiError(t("tasks.error.no_folder", path=str(json_path)))
        if save is not None and not save.is_dir():
            raise RnntuiError(t("tasks.error.no_save_folder", path=str(save)))

        from rnntui.commands.experiment_table import result_lines
        from rnntui.train.experiment import ExperimentPlan, run_experiment
        from rnntui.train.task_runs import TaskRunConfig

        run = TaskRunConfig(hidden_size=hidden)
        if quick:
            run = replace(run, test_size=QUICK_TEST_SIZE, max_seconds=QUICK_SECONDS_PER_RUN)
        if max_sequences is not None:
            run = replace(run, max_sequences=max_sequences)
        if lr is not None:
            run = replace(run, lr=lr)
        if input_bias is not None:
            run = replace(run, input_bias=input_bias)
        if paper_loss:
            run = replace(run, judged_share=None)
        plan = ExperimentPlan(chosen, cell_list, n_seeds, run, save_to=save)

        def progress(record: dict) -> None:
            typer.echo(t("tasks.progress.run", cell=record["cell"], seed=record["seed"],
                         outcome=outcome(record), seconds=f"{record['seconds']:.0f}"), err=True)

        result = run_experiment(plan, on_run=progress)
        for line in result_lines(result, chosen.kind.head):
            typer.echo(line)
        if json_path is not None:
            json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def register_series(app: typer.Typer) -> None:
    @app.command("series", help=help_text("tasks.help.series.command"))
    @user_errors
    def series(
        name: Optional[str] = typer.Argument(None, help=help_text("tasks.help.series.name")),
        file: Optional[Path] = typer.Option(None, "--file", help=help_text("tasks.help.series.file")),
        test_points: int = typer.Option(36, "--test-points", help=help_text("tasks.help.series.test_points")),
        log: bool = typer.Option(False, "--log", help=help_text("tasks.help.series.log")),
        cell: str = typer.Option("lstm", "--cell", help=help_text("tasks.help.series.cell")),
        seeds: int = typer.Option(3, "--seeds", help=help_text("tasks.help.series.seeds")),
        steps: int = typer.Option(600, "--steps", help=help_text("tasks.help.series.steps")),
        hidden: int = typer.Option(16, "--hidden", help=help_text("tasks.help.series.hidden")),
        json_path: Optional[Path] = typer.Option(None, "--json", help=help_text("tasks.help.series.json")),
    ) -> None:
        from rnntui.engine.series import SERIES, get_series
        from rnntui.engine.series.series_file import read_series
        from rnntui.train.experiment import CELLS

        if name is not None and file is not None:
            raise RnntuiError(t("tasks.series.name_or_file"))
        if cell not in CELLS:
            raise RnntuiError(t("tasks.error.unknown_cell", given=cell, choices=", ".join(CELLS)))
        check_range(seeds, 1, MAX_SEEDS, "--seeds")
        check_range(steps, 1, 1_000_000, "--steps")
        check_range(hidden, 1, MAX_HIDDEN, "--hidden")
        if json_path is not None and not json_path.parent.is_dir():
            raise RnntuiError(t("tasks.error.no_folder", path=str(json_path)))
        if file is not None:
            values = read_series(file)
            check_range(test_points, 2, len(values) // 2, "--test-points")
            if log and (values <= 0).any():
                raise RnntuiError(t("tasks.series.log_needs_positive", name=str(file)))
            named = {file.name: (values, test_points, log)}
        else:
            chosen = [get_series(name)] if name is not None else list(SERIES.values())
            named = {s.name: (s.values(), s.test_points, s.log) for s in chosen}

        from rnntui.commands.series_table import series_lines
        from rnntui.train.series_experiment import run_series
        from rnntui.train.series_runs import SeriesRunConfig

        def progress(series_name: str, record: dict) -> None:
            typer.echo(t("tasks.series.progress", series=series_name, seed=record["seed"],
                         ratio=f"{record['ratio']:.3f}", seconds=f"{record['seconds']:.0f}"), err=True)

        result = run_series(named, SeriesRunConfig(cell=cell, steps=steps, hidden_size=hidden), seeds, progress)
        for line in series_lines(result, cell):
            typer.echo(line)
        if json_path is not None:
            json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def outcome(record: dict) -> str:
    if record["solved_after"] is not None:
        return t("tasks.progress.solved", sequences=f"{record['solved_after']:,}")
    key = "tasks.progress.out_of_time" if record["stopped_by"] == "time" else "tasks.progress.out_of_budget"
    return t(key, sequences=f"{record['sequences']:,}", correct=f"{record['correct']:.1%}")
