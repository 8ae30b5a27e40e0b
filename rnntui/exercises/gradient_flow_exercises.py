"""Exercises on vanishing and exploding gradients: keys that make them happen, and what cures them.

Every verdict is the ratio ||dL/dh_1|| / ||dL/dh_T-1|| of the last prediction's loss, measured by
the engine's BPTT on the learner's own model after their keys (the numbers the gradient bars draw).
"""

from __future__ import annotations

from rnntui.demos import vanishing
from rnntui.demos.gradient_flow import gradient_flow
from rnntui.engine.numpy_rnn import Clipping
from rnntui.engine.session import StepSession
from rnntui.exercises.answers import ChoiceForm, KeysForm
from rnntui.exercises.exercise import Exercise, Setup, Verdict
from rnntui.exercises.figures import sig
from rnntui.exercises.keys import press

MODEL_KEYS = ("[", "]", "a", "c")

# ------------------------------------------------------------------------ vanish with keys
VANISH_TEXT = "hello world, hello"
VANISH_SEED = 2
VANISH_RADIUS = 1.2  # ratio about 0.7 here: the gradient reaches h_1 almost whole
VANISH_TARGET = 1e-3  # the answer must make the ratio at most this


def vanish_setup() -> Setup:
    session = StepSession(VANISH_TEXT, hidden_size=8, seed=VANISH_SEED, clipping=Clipping("off"))
    session.set_spectral_radius(VANISH_RADIUS)
    return Setup(session, cursor=1)


def ratio_after(setup: Setup, keys) -> tuple[float, StepSession]:
    session = setup.session.copy()
    press(session, keys)
    return gradient_flow(session).ratio, session


def vanish_check(setup: Setup, keys) -> Verdict:
    ratio, session = ratio_after(setup, keys)
    return Verdict(ratio <= VANISH_TARGET, {"ratio": sig(ratio), "target": sig(VANISH_TARGET), "radius": sig(max(session.spectral_radii()["rnn.weight_hh_l0"].values()))})


def vanish_figures(setup: Setup) -> dict[str, str]:
    flow = gradient_flow(setup.session)
    intended, after = ratio_after(setup, "[[[")
    return {"ratio": sig(flow.ratio), "target": sig(VANISH_TARGET), "radius": sig(flow.spectral_radius["h"]),
            "per_step": sig(flow.per_step), "steps": str(len(flow.norms) - 1), "intended_ratio": sig(intended),
            "intended_radius": sig(after.spectral_radii()["rnn.weight_hh_l0"]["h"]),
            "text": VANISH_TEXT}


VANISH_KEYS = Exercise(
    name="vanish-keys", section="vanishing", form=KeysForm(MODEL_KEYS, 3), setup=vanish_setup,
    figures=vanish_figures, check=vanish_check, intended="[[[", wrong="]]]",
)

# ------------------------------------------------------------------------ which remedy carries it
REMEDIES = {
    "lstm": lambda: vanishing.lstm_session(vanishing.FORGET_BIAS),
    "relu": lambda: _relu_session(),
    "smaller": lambda: _scaled_session(0.8),
}


def _relu_session() -> StepSession:
    session = vanishing.rnn_session()
    session.set_activation("relu")
    return session


def _scaled_session(factor: float) -> StepSession:
    session = vanishing.rnn_session()
    session.scale_weight("rnn.weight_hh_l0", factor)
    return session


def remedy_ratios(setup: Setup) -> dict[str, float]:
    if "ratios" not in setup.extra:
        setup.extra["ratios"] = {key: gradient_flow(make()).ratio for key, make in REMEDIES.items()}
    return setup.extra["ratios"]


def remedy_check(setup: Setup, key: str) -> Verdict:
    ratios = remedy_ratios(setup)
    return Verdict(ratios[key] == max(ratios.values()), {"ratio": sig(ratios[key])})


def remedy_figures(setup: Setup) -> dict[str, str]:
    ratios = remedy_ratios(setup)
    return {"tanh": sig(gradient_flow(setup.session).ratio), "lstm": sig(ratios["lstm"]), "relu": sig(ratios["relu"]),
            "smaller": sig(ratios["smaller"]), "steps": str(setup.session.T - 2), "bias": f"{vanishing.FORGET_BIAS:g}"}


VANISH_REMEDY = Exercise(
    name="vanish-remedy", section="vanishing", form=ChoiceForm("vanish-remedy", tuple(REMEDIES)),
    setup=lambda: Setup(vanishing.rnn_session(), cursor=1), figures=remedy_figures, check=remedy_check,
    intended="1", wrong="2",
)

# ------------------------------------------------------------------------ what causes exploding
EXPLODE_HIDDEN = 16
EXPLODE_SEED = 1
CAUSES = {"init": 2.0, "small": 0.5, "wide": None}  # spectral radius of W_hh; None: PyTorch's init, 32 units


def cause_session(key: str) -> StepSession:
    radius = CAUSES[key]
    hidden = EXPLODE_HIDDEN if radius is not None else 2 * EXPLODE_HIDDEN
    session = StepSession(vanishing.TEXT, activation="relu", hidden_size=hidden, seed=EXPLODE_SEED,
                          clipping=Clipping("off"))
    if radius is not None:
        session.set_spectral_radius(radius)
    return session


def cause_ratios(setup: Setup) -> dict[str, float]:
    if "ratios" not in setup.extra:
        setup.extra["ratios"] = {key: gradient_flow(cause_session(key)).ratio for key in CAUSES}
    return setup.extra["ratios"]


def cause_check(setup: Setup, key: str) -> Verdict:
    ratios = cause_ratios(setup)
    return Verdict(ratios[key] > 1 and ratios[key] == max(ratios.values()), {"ratio": sig(ratios[key])})


def cause_figures(setup: Setup) -> dict[str, str]:
    ratios = cause_ratios(setup)
    return {key: sig(value) for key, value in ratios.items()} | {
        "steps": str(setup.session.T - 2), "hidden": str(EXPLODE_HIDDEN), "wide_hidden": str(2 * EXPLODE_HIDDEN),
        "wide_radius": sig(max(cause_session("wide").spectral_radii()["rnn.weight_hh_l0"].values()))}


EXPLODE_CAUSE = Exercise(
    name="explode-cause", section="exploding", form=ChoiceForm("explode-cause", tuple(CAUSES)),
    setup=lambda: Setup(cause_session("wide"), cursor=1), figures=cause_figures, check=cause_check,
    intended="1", wrong="3",
)

# ------------------------------------------------------------------------ cure exploding with keys


def explode_setup() -> Setup:
    return Setup(cause_session("init"), cursor=1)


def explode_check(setup: Setup, keys) -> Verdict:
    ratio, session = ratio_after(setup, keys)
    return Verdict(ratio <= 1.0, {"ratio": sig(ratio), "cell": session.config.cell,
                                  "activation": session.config.activation})


def explode_figures(setup: Setup) -> dict[str, str]:
    tanh, _ = ratio_after(setup, "a")
    lstm, _ = ratio_after(setup, "c")
    smaller, _ = ratio_after(setup, "[[")
    return {"ratio": sig(gradient_flow(setup.session).ratio), "tanh": sig(tanh), "lstm": sig(lstm), "smaller": sig(smaller),
            "steps": str(setup.session.T - 2)}


EXPLODE_REMEDY = Exercise(
    name="explode-remedy", section="exploding", form=KeysForm(MODEL_KEYS, 2), setup=explode_setup,
    figures=explode_figures, check=explode_check, intended="c", wrong="]",
)

EXERCISES = (VANISH_KEYS, VANISH_REMEDY, EXPLODE_CAUSE, EXPLODE_REMEDY)
