"""Exercises the engine checks: a question about a live model, answered by a number, a choice or keys.

`all_exercises()` lists them in the notes' order; `get_exercise(name)` refuses an unknown name in
one line. The model is in `exercise.py`, the answer forms in `answers.py`, progress in `progress.py`.
"""

from __future__ import annotations

from rnntui.errors import RnntuiError
from rnntui.exercises.exercise import SECTIONS, Exercise
from rnntui.i18n import t


def all_exercises() -> dict[str, Exercise]:
    from rnntui.exercises import clipping, forward, gates, generation, gradient_flow_exercises

    found = [*forward.EXERCISES, *gradient_flow_exercises.EXERCISES, *clipping.EXERCISES, *gates.EXERCISES,
             *generation.EXERCISES]
    found.sort(key=lambda exercise: SECTIONS.index(exercise.section))  # stable: each module's order kept
    return {exercise.name: exercise for exercise in found}


def get_exercise(name: str) -> Exercise:
    exercises = all_exercises()
    if name not in exercises:
        raise RnntuiError(t("exercises.ui.unknown", given=name, choices=", ".join(exercises)))
    return exercises[name]
