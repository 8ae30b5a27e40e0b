"""`rnntui exercise`: list the exercises, or answer one at the terminal (typed on stdin, or --answer).

The engine checks every answer (exercise.check); this module only prints the texts and reads
lines. Exit codes: 0 solved (or listed), 1 left unsolved, 2 an answer or option was refused.
"""

from __future__ import annotations

import sys
from typing import Optional

import typer

from rnntui.commands.common import RUN_FAILED, user_errors

HINT, WORKED, LEAVE = "?", "!", "q"


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("exercise")(exercise)


@user_errors
def exercise(
    name: Optional[str] = typer.Argument(None, help="Which exercise; leave out (or --list) to list them."),
    list_them: bool = typer.Option(False, "--list", help="List every exercise and whether it is solved."),
    answer: Optional[str] = typer.Option(None, "--answer", help="Check this answer once instead of asking."),
    lang: Optional[str] = typer.Option(None, "--lang", help="en or zh (default: RNNTUI_LANG or the locale)."),
) -> None:
    """Exercises the engine checks: compute a value, pick a unit, or press keys until it holds."""
    from rnntui.errors import RnntuiError
    from rnntui.exercises import all_exercises, get_exercise
    from rnntui.exercises.progress import Progress
    from rnntui.i18n import set_language, t

    set_language(lang)
    progress = Progress.load()
    _notes(progress)
    if list_them and name is not None:
        raise RnntuiError(t("exercises.ui.list_and_name"))
    if name is None:
        if answer is not None:
            raise RnntuiError(t("exercises.ui.answer_needs_name"))
        _list(all_exercises(), progress)
        return
    chosen = get_exercise(name)
    setup = chosen.setup()
    figures = chosen.figures(setup)
    _show(chosen, figures, progress)
    if answer is not None:
        solved = _check(chosen, setup, figures, answer, progress)
    else:
        solved = _ask(chosen, setup, figures, progress)
    _notes(progress)
    if not solved:
        raise typer.Exit(RUN_FAILED)


def _notes(progress) -> None:
    while progress.notes:
        typer.echo(progress.notes.pop(0), err=True)


def _list(exercises, progress) -> None:
    from rnntui.i18n import t

    for exercise in exercises.values():
        mark = t("exercises.ui.solved_mark") if exercise.name in progress.solved else t("exercises.ui.open_mark")
        typer.echo(t("exercises.ui.list_line", mark=mark, name=exercise.name, section=exercise.section_title(),
                     title=exercise.title()))
    solved = sum(name in progress.solved for name in exercises)
    typer.echo(t("exercises.ui.list_summary", solved=solved, total=len(exercises), path=str(progress.path)))


def _show(exercise, figures, progress) -> None:
    from rnntui.exercises.answers import ChoiceForm
    from rnntui.i18n import t

    typer.echo(t("exercises.ui.header", name=exercise.name, section=exercise.section_title(), title=exercise.title()))
    typer.echo(exercise.text("prompt", figures))
    if isinstance(exercise.form, ChoiceForm) and not exercise.form.by_key:
        typer.echo(t("exercises.ui.options"))
        for key, label in exercise.form.options():
            typer.echo(t("exercises.ui.option", key=key, label=label))


def _check(exercise, setup, figures, typed: str, progress) -> bool:
    """One answer: refused (AnswerRefused propagates), right or wrong; right shows the worked answer."""
    from rnntui.i18n import t

    if exercise.slow:
        typer.echo(t("exercises.ui.checking"))
    verdict = exercise.answer(setup, typed)
    _discard_typed_ahead()
    progress.record(exercise.name, verdict.correct)
    if verdict.measured:
        typer.echo(exercise.text("measured", verdict.measured))
    if verdict.correct:
        typer.echo(t("exercises.ui.correct"))
        typer.echo(t("exercises.ui.worked", text=exercise.text("worked", figures)))
    else:
        typer.echo(t("exercises.ui.wrong"))
    return verdict.correct


def _ask(exercise, setup, figures, progress) -> bool:
    from rnntui.exercises.answers import AnswerRefused
    from rnntui.i18n import t

    stdin = typer.get_text_stream("stdin")
    hints = 0
    while True:
        typer.echo(t("exercises.ui.prompt", expected=exercise.form.expected()), nl=False)
        line = stdin.readline()
        if not line:  # end of input: leave, nothing counted
            typer.echo("")
            typer.echo(t("exercises.ui.left", name=exercise.name))
            return False
        typed = line.strip()
        if typed == LEAVE:
            typer.echo(t("exercises.ui.left", name=exercise.name))
            return False
        if typed == HINT:
            if hints < 2:
                hints += 1
                typer.echo(t("exercises.ui.hint", n=hints, text=exercise.text(f"hint{hints}", figures)))
            else:
                typer.echo(t("exercises.ui.no_more_hints"))
            continue
        if typed == WORKED:
            typer.echo(t("exercises.ui.worked", text=exercise.text("worked", figures)))
            continue
        try:
            if _check(exercise, setup, figures, typed, progress):
                return True
        except AnswerRefused as refusal:
            typer.echo(str(refusal))


def _discard_typed_ahead() -> None:
    """Keys typed at a terminal while a check ran are dropped, not read as the next answer."""
    if not sys.stdin.isatty():
        return
    try:
        import termios

        termios.tcflush(sys.stdin, termios.TCIFLUSH)
    except (ImportError, OSError, ValueError):  # not a POSIX terminal: nothing to drop
        pass
