"""The plain-text walk-through: a demo printed step by step (for pipes, logs and screen readers).

`rnntui demo NAME --plain` uses it; the app shows the same narration in its panel.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable

from rnntui.demos.figure_text import figure_lines
from rnntui.demos.player import DemoPlayer
from rnntui.demos.script import Demo, DemoContext

WIDTH = 100


def read_line(prompt: str) -> str:
    """input(), with a closed stdin (`<&-`) read as input at its end."""
    if sys.stdin is None or sys.stdin.closed:
        raise EOFError
    return input(prompt)


def walk(demo: Demo, lang: str, autoplay: bool, echo: Callable[[str], None],
         ask: Callable[[str], str] = read_line) -> DemoPlayer:
    """Print every step; without autoplay, wait for Enter between steps (q + Enter leaves).

    Input at its end (no terminal: a pipe, /dev/null, cron) is nobody to wait for: the rest runs."""
    player = DemoPlayer(demo, DemoContext())
    echo(f"{demo.title(lang)}\n{textwrap.fill(demo.claim(lang), WIDTH)}\n")
    for index, step in enumerate(demo.steps):
        outcome = player.run(index)
        echo(f"[{index + 1}/{player.count}] {step.title(lang)}")
        echo(textwrap.fill(outcome.narration(lang), WIDTH))
        for line in figure_lines(outcome.scene.figure, WIDTH, lang):
            echo("  " + line)
        echo("")
        if not autoplay and index < player.count - 1:
            try:
                answer = ask("Enter: next step, q: leave ")
            except EOFError:
                echo("")  # ends the prompt's line
                autoplay = True
                continue
            if answer.strip().lower() == "q":
                break
    return player
