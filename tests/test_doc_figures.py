"""Every measured figure the README and the guide quote, recomputed: the one place tests read them.

Each row names a document, the exact words that quote a figure, and how the engine measures it
today. A figure that drifts (new defaults, a changed demo) fails here with the sentence to rewrite.
Claims that depend on a training run (the race, the trained ABC model) are stated in the documents
as what `tests/test_demos.py` asserts, without numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnntui.demos import vanishing
from rnntui.demos.gradient_flow import gradient_flow
from rnntui.engine import abc_example

ROOT = Path(__file__).resolve().parents[1]
README, GUIDE = ROOT / "README.md", ROOT / "docs" / "guide.md"


def abc():
    return abc_example.run_abc_example()


def heads():
    return {head.name: head for head in abc().heads}


def h(t: int) -> np.ndarray:
    return abc().steps[t - 1].h


def adding_reach(cell: str) -> str:
    """What the task screen's reach line prints at the first marked step of `--task adding`."""
    from rnntui.engine.task_session import TaskSession
    from rnntui.engine.tasks import make_task
    from rnntui.tui.task_views import ratio

    session = TaskSession(make_task("adding"), cell=cell)
    return ratio(session.reach()[int(session.marked[0])])


CLAIMS = [
    # (document, the words quoting the figure with {} where it goes, the measured figure as printed)
    (README, "It opens at\nh_1 = [{}", lambda: f"{h(1)[0]:.4f} 0 0]"),
    (README, "press `→` for h_2 = [{}", lambda: f"{h(2)[0]:.4f} {h(2)[1]:.4f} 0]"),
    (GUIDE, "vectors h1 = [{}", lambda: f"{h(1)[0]:.4f}, 0, 0]"),
    (GUIDE, "and h2 = [{}", lambda: f"{h(2)[0]:.4f}, {h(2)[1]:.4f}, 0]"),
    (GUIDE, "and so favours B (P = {})", lambda: f"{heads()['identity'].probs[1]:.2f}"),
    (GUIDE, "falls from ln 3 = {}", lambda: f"{heads()['trained'].training_loss[0]:.4f}"),
    (GUIDE, "to {} and it predicts C", lambda: f"{heads()['trained'].training_loss[1]:.4f}"),
    (GUIDE, "it predicts C (P = {})", lambda: f"{heads()['trained'].probs[2]:.3f}"),
    (GUIDE, "multiplies the gradient by about {} and", lambda: f"{gradient_flow(vanishing.rnn_session()).per_step:.2f}"),
    (GUIDE, "h1 = tanh(1) = {}", lambda: f"{h(1)[0]:.4f}"),
    (GUIDE, "a fresh vanilla RNN keeps {} of the last step's", lambda: adding_reach("rnn")),
    (GUIDE, "forget-gate bias raised by 5,\nas training on a task starts) keeps {} there", lambda: adding_reach("lstm")),
]


@pytest.mark.parametrize("document, words, measure", CLAIMS, ids=[c[1][:30] for c in CLAIMS])
def test_quoted_figure_is_what_the_engine_measures(document, words, measure):
    text = document.read_text(encoding="utf-8")
    expected = words.format(measure())
    assert expected in text, f"{document.name} should say {expected!r} (measured now); rewrite the sentence"


def test_no_document_claims_chance_for_the_race():
    """Measured, the vanilla RNN stays above chance at the longest gap; the documents say what the
    race test asserts instead: it falls off first, the LSTM keeps at least 90%."""
    for document in (README, GUIDE):
        assert "falls to chance" not in document.read_text(encoding="utf-8")


def test_the_guides_demo_steps_exist_and_say_what_the_table_claims():
    """`demo NAME step N` in the notes table points at a step of that demo whose title matches."""
    import re

    from rnntui.demos import get_demo

    expected = {  # the table's row, the demo, a step number it cites, words of that step's title
        "forget gate – remove": ("gates", 4, "forget gate removes"),
        "output gate – relevant": ("gates", 5, "output gate"),
        "remedy: ReLU": ("vanishing", 3, "ReLU"),
        "clipping by value": ("exploding", 5, "By norm or by value"),
        "exploding: bad initialisation": ("exploding", 1, "bars grow"),
    }
    text = GUIDE.read_text(encoding="utf-8")
    for row, (demo, step, words) in expected.items():
        line = next(line for line in text.splitlines() if line.startswith(f"| {row}"))
        assert f"`demo {demo}` step" in line and re.search(rf"\b{step}\b", line), line
        assert words.lower() in get_demo(demo).steps[step - 1].title.en.lower()
    for demo, numbers in re.findall(r"`demo (\w+)` steps? ([\d–, and]+)", text):
        count = len(get_demo(demo).steps)
        assert all(1 <= int(n) <= count for n in re.findall(r"\d+", numbers)), (demo, numbers)
