"""The plain-text walk-through: a demo printed step by step (for pipes, logs and screen readers).

`rnntui demo NAME --plain` uses it; the app shows the same narration in its panel.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from rnntui.demos.figure_text import figure_lines
from rnntui.demos.player import DemoPlayer
from rnntui.demos.script import Demo, DemoContext
from rnntui.i18n import t
from rnntui.textwidth import wrap

WIDTH = 100  # terminal cells (a Chinese character takes two)


def fill(text: str, width: int = WIDTH) -> str:
    """`text` wrapped to `width` cells, never inside a number or a formula."""
    return "\n".join(wrap(text, width))


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
    echo(f"{demo.title(lang)}\n{fill(demo.claim(lang))}\n")
    for index, step in enumerate(demo.steps):
        outcome = player.run(index)
        echo(f"[{index + 1}/{player.count}] {step.title(lang)}")
        echo(fill(outcome.narration(lang)))
        for line in figure_lines(outcome.scene.figure, WIDTH, lang):
            echo("  " + line)
        echo("")
        if not autoplay and index < player.count - 1:
            try:
                answer = ask(t("demo.plain.prompt", lang=lang))
            except EOFError:
                echo("")  # ends the prompt's line
                autoplay = True
                continue
            if answer.strip().lower() == "q":
                break
    return player
