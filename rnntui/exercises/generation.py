"""Exercise on generation: the next character's probabilities at a sampling temperature.

On the notes' ABC example with the output layer the `abc` command trains (it predicts C after AB);
the engine's `next_char_probs` is what `g` and `rnntui sample` draw from.
"""

from __future__ import annotations

from rnntui.engine import abc_example
from rnntui.engine.sampling import next_char_probs
from rnntui.exercises.answers import NumberForm
from rnntui.exercises.exercise import Exercise, Setup, Verdict
from rnntui.exercises.figures import num, vector

TEMPERATURE = 0.5
PROBABILITY_FORM = NumberForm(decimals=4, low=0, high=1)


def setup() -> Setup:
    session = abc_example.abc_session("trained")
    return Setup(session, cursor=session.T)


def p_c(setup: Setup, temperature: float = TEMPERATURE) -> float:
    logits = setup.session.current_step().logits
    return float(next_char_probs(logits, temperature)[abc_example.ALPHABET.index("C")])


def figures(setup: Setup) -> dict[str, str]:
    step = setup.session.current_step()
    scaled = step.logits / TEMPERATURE
    return {"logits": vector(step.logits), "temperature": f"{TEMPERATURE:g}", "scaled": vector(scaled),
            "p1": num(p_c(setup, 1.0)), "answer": num(p_c(setup)), "probs": vector(step.probs)}


TEMPERATURE_EXERCISE = Exercise(
    name="temperature", section="generation", form=PROBABILITY_FORM, setup=setup, figures=figures,
    check=lambda s, value: Verdict(PROBABILITY_FORM.matches(value, p_c(s))),
    intended=lambda s: f"{p_c(s):.4f}", wrong=lambda s: f"{p_c(s, 1.0):.4f}",
)

EXERCISES = (TEMPERATURE_EXERCISE,)
