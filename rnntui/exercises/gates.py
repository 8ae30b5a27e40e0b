"""Exercises on the LSTM's three gates (the notes' table: forget removes, input adds, output relates).

`forget` asks for c_t = f ⊙ c_t-1 + i ⊙ g on the unit whose forget gate is most closed, `output`
for h_t = o ⊙ tanh(c_t), and `carrier` for the unit that carries the first character to the end,
which the engine finds by reading the text again with another first character.
"""

from __future__ import annotations

import numpy as np

from rnntui.engine.numpy_rnn import Clipping
from rnntui.engine.session import StepSession
from rnntui.exercises.answers import ChoiceForm, NumberForm
from rnntui.exercises.exercise import Exercise, Setup, Verdict
from rnntui.exercises.figures import num

GATE_TEXT = "hello world"
HIDDEN = 8
CELL_FORM = NumberForm(decimals=4, low=-100, high=100)
H_FORM = NumberForm(decimals=4, low=-1, high=1)


def lstm_setup(pick) -> Setup:
    session = StepSession(GATE_TEXT, cell="lstm", hidden_size=HIDDEN, seed=0, clipping=Clipping("off"))
    step = session.step_view(session.T)
    return Setup(session, cursor=session.T, unit=int(pick(step)))


def gate_figures(setup: Setup) -> dict[str, str]:
    step, u = setup.session.current_step(), setup.unit
    f, i, g, o = (float(step.gates[name][0, u]) for name in ("f", "i", "g", "o"))
    c_prev = float(setup.session.trace.c[0, step.t - 1, u])
    return {"t": str(step.t), "unit": str(u), "char": step.char, "f": num(f), "i": num(i), "g": num(g), "o": num(o),
            "c_prev": num(c_prev), "kept": num(f * c_prev), "added": num(i * g), "c": num(step.c[0, u]),
            "tanh_c": num(np.tanh(step.c[0, u])), "h": num(step.h[0, u]), "removed": f"{1 - f:.0%}"}


def cell_value(setup: Setup) -> float:
    return float(setup.session.current_step().c[0, setup.unit])


def h_value(setup: Setup) -> float:
    return float(setup.session.current_step().h[0, setup.unit])


FORGET = Exercise(
    name="forget", section="gates", form=CELL_FORM,
    setup=lambda: lstm_setup(lambda step: np.argmin(step.gates["f"][0])), figures=gate_figures,
    check=lambda s, value: Verdict(CELL_FORM.matches(value, cell_value(s))),
    intended=lambda s: f"{cell_value(s):.4f}", wrong="0",
)

OUTPUT = Exercise(
    name="output", section="gates", form=H_FORM,
    setup=lambda: lstm_setup(lambda step: np.argmax(np.abs(step.h[0]))), figures=gate_figures,
    check=lambda s, value: Verdict(H_FORM.matches(value, h_value(s))),
    intended=lambda s: f"{h_value(s):.4f}", wrong="0",
)

# ------------------------------------------------------------------------ the memory unit
CARRIER_TEXT = "A" + "-" * 12
CARRIER_OTHER = "B"
CARRIER_VOCAB = ["A", "B", "-"]
CARRIER_SEED = 3
FORGET_BIAS = 3.0  # open forget gates, as a trained LSTM that must remember sets them


def carrier_session(first: str) -> StepSession:
    text = first + CARRIER_TEXT[1:]
    plain = StepSession(text, cell="lstm", hidden_size=HIDDEN, seed=CARRIER_SEED, vocab=CARRIER_VOCAB)
    bias = plain.params["rnn.bias_hh_l0"].copy()
    bias[HIDDEN : 2 * HIDDEN] += FORGET_BIAS  # gate rows i|f|g|o: the f block
    return StepSession(text, cell="lstm", hidden_size=HIDDEN, params={**plain.params, "rnn.bias_hh_l0": bias},
                       vocab=CARRIER_VOCAB, clipping=Clipping("off"))


def carried(setup: Setup) -> np.ndarray:
    """|h_T| difference per unit between reading A first and reading B first: what reached the end."""
    if "carried" not in setup.extra:
        other = carrier_session(CARRIER_OTHER)
        setup.extra["carried"] = np.abs(setup.session.trace.h[0, -1] - other.trace.h[0, -1])
    return setup.extra["carried"]


def carrier_check(setup: Setup, unit: str) -> Verdict:
    difference = carried(setup)
    return Verdict(int(unit) == int(np.argmax(difference)), {"difference": num(difference[int(unit)])})


def carrier_figures(setup: Setup) -> dict[str, str]:
    difference = carried(setup)
    order = np.argsort(-difference)
    best, second = int(order[0]), int(order[1])
    return {"T": str(setup.session.T), "best": str(best), "best_difference": num(difference[best]),
            "second": str(second), "second_difference": num(difference[second]), "other": CARRIER_OTHER,
            "bias": f"{FORGET_BIAS:g}", "f_best": num(setup.session.trace.gates["f"][0, :, best].mean())}


CARRIER = Exercise(
    name="carrier", section="gates",
    form=ChoiceForm("carrier", tuple(str(u) for u in range(HIDDEN)), by_key=True),
    setup=lambda: Setup(carrier_session("A"), cursor=len(CARRIER_TEXT)), figures=carrier_figures,
    check=carrier_check, intended=lambda s: str(int(np.argmax(carried(s)))),
    wrong=lambda s: str(int(np.argmin(carried(s)))),
)

EXERCISES = (FORGET, OUTPUT, CARRIER)
