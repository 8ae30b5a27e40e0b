"""Exercises on the notes' forward pass and backpropagation: one-hot, h_1, h_2, BPTT, tanh saturation.

All on the notes' ABC example (W_xh = W_hh = I, zero biases, h_0 = 0, tanh), with the identity
output layer the `abc` demo calls "all weights 1", except `chain`, which counts the factors of
the unrolled network on a longer text.
"""

from __future__ import annotations

import numpy as np

from rnntui.engine import abc_example
from rnntui.engine.numpy_rnn import Clipping
from rnntui.engine.session import StepSession
from rnntui.exercises.answers import ChoiceForm, NumberForm
from rnntui.exercises.exercise import Exercise, Setup, Verdict
from rnntui.exercises.figures import num, vector

CHAIN_TEXT = "hello world, hello"


def abc_setup(text: str, cursor: int) -> Setup:
    params = abc_example.seed_params(np.eye(len(abc_example.ALPHABET)))
    session = StepSession(text, hidden_size=3, params=params, vocab=abc_example.ALPHABET,
                          clipping=Clipping("off"))
    return Setup(session, cursor=cursor, unit=0)


def number_check(form: NumberForm, expected):
    """A check that compares the typed number with `expected(setup)`, computed by the engine."""

    def check(setup: Setup, value: float) -> Verdict:
        return Verdict(form.matches(value, expected(setup)))

    return check


# ------------------------------------------------------------------------ one-hot

ONE_HOT = {"100": (1, 0, 0), "010": (0, 1, 0), "001": (0, 0, 1), "110": (1, 1, 0)}
ONE_HOT_FORM = ChoiceForm("one-hot", tuple(ONE_HOT), labels=tuple(vector(v, 0) for v in ONE_HOT.values()))


def one_hot_check(setup: Setup, key: str) -> Verdict:
    return Verdict(bool(np.array_equal(setup.session.step_view(2).x, ONE_HOT[key])))


ONE_HOT_EXERCISE = Exercise(
    name="one-hot", section="abc", form=ONE_HOT_FORM, setup=lambda: abc_setup("AB", 2),
    figures=lambda s: {"x2": vector(s.session.step_view(2).x, 0)},
    check=one_hot_check, intended="2", wrong="1",
)

# ------------------------------------------------------------------------ h_1[0], h_2[0]

H_FORM = NumberForm(decimals=4, low=-1, high=1)


def h_value(t: int, unit: int = 0):
    return lambda setup: float(setup.session.step_view(t).h[0, unit])


def h_figures(setup: Setup) -> dict[str, str]:
    s1, s2 = setup.session.step_view(1), setup.session.step_view(2)
    return {"h1": vector(s1.h[0]), "h1_0": num(s1.h[0, 0]), "a2": vector(s2.pre[0]), "h2": vector(s2.h[0]),
            "h2_0": num(s2.h[0, 0])}


H1_EXERCISE = Exercise(
    name="h1", section="abc", form=H_FORM, setup=lambda: abc_setup("AB", 1), figures=h_figures,
    check=number_check(H_FORM, h_value(1)), intended=f"{np.tanh(1.0):.4f}", wrong="1",
)

H2_EXERCISE = Exercise(
    name="h2", section="abc", form=H_FORM, setup=lambda: abc_setup("AB", 2), figures=h_figures,
    check=number_check(H_FORM, h_value(2)), intended=f"{np.tanh(np.tanh(1.0)):.4f}", wrong="0.7616",
)

# ------------------------------------------------------------------------ one step of BPTT

FACTOR_FORM = NumberForm(decimals=4, low=-10, high=10)


def bptt_factor(setup: Setup) -> float:
    """dL/dh_1[0] / dL/dh_2[0] of the last prediction's loss, from the engine's BPTT."""
    dh = setup.session.last_prediction_gradients.dh[0]
    return float(dh[0, 0] / dh[1, 0])


def bptt_figures(setup: Setup) -> dict[str, str]:
    dh = setup.session.last_prediction_gradients.dh[0]
    h2 = setup.session.step_view(2).h[0, 0]
    return {"h2_0": num(h2), "dh2": num(dh[1, 0]), "dh1": num(dh[0, 0]), "factor": num(bptt_factor(setup))}


BPTT_EXERCISE = Exercise(
    name="bptt-factor", section="bptt", form=FACTOR_FORM, setup=lambda: abc_setup("ABC", 2),
    figures=bptt_figures, check=number_check(FACTOR_FORM, bptt_factor),
    intended=f"{1 - np.tanh(np.tanh(1.0)) ** 2:.4f}", wrong="0.6420",
)

# ------------------------------------------------------------------------ the chain's length


def chain_setup() -> Setup:
    session = StepSession(CHAIN_TEXT, hidden_size=8, seed=0, clipping=Clipping("off"))
    return Setup(session, cursor=1)


def chain_factors(setup: Setup) -> int:
    """Steps back from the last prediction's h_T-1 to h_1 where the engine's gradient is nonzero."""
    norms = setup.session.last_prediction_gradients.grad_norm_h[0]
    reached = np.flatnonzero(norms > 0)
    return int(reached[-1] - reached[0])


CHAIN_FORM = NumberForm(decimals=0, low=0, high=1000, whole=True)

CHAIN_EXERCISE = Exercise(
    name="chain", section="bptt", form=CHAIN_FORM, setup=chain_setup,
    figures=lambda s: {"T": str(s.session.T), "last": str(s.session.T - 1), "text": CHAIN_TEXT,
                       "factors": str(chain_factors(s))},
    check=number_check(CHAIN_FORM, chain_factors), intended=str(len(CHAIN_TEXT) - 2), wrong=str(len(CHAIN_TEXT)),
)

# ------------------------------------------------------------------------ tanh saturation


def saturation_factor(setup: Setup) -> float:
    """dL/dh_2[0] / dL/dh_3[0]: with W_hh = I this is tanh'(a_3) = 1 - h_3[0]^2, measured by BPTT."""
    dh = setup.session.last_prediction_gradients.dh[0]
    return float(dh[1, 0] / dh[2, 0])


def saturation_figures(setup: Setup) -> dict[str, str]:
    h = setup.session.trace.h[0, 1:, 0]
    return {"h1_0": num(h[0]), "h2_0": num(h[1]), "h3_0": num(h[2]), "factor": num(saturation_factor(setup)),
            "passes": f"{saturation_factor(setup):.0%}"}


SATURATION_EXERCISE = Exercise(
    name="saturation", section="tanh", form=FACTOR_FORM, setup=lambda: abc_setup("AAAA", 3),
    figures=saturation_figures, check=number_check(FACTOR_FORM, saturation_factor),
    intended=f"{1 - np.tanh(1 + np.tanh(1 + np.tanh(1.0))) ** 2:.4f}", wrong="1",
)

EXERCISES = (ONE_HOT_EXERCISE, H1_EXERCISE, H2_EXERCISE, BPTT_EXERCISE, CHAIN_EXERCISE, SATURATION_EXERCISE)
