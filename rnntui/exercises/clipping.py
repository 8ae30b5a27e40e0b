"""Exercises on gradient clipping as the notes describe it: by norm, by value, and a threshold that works.

The exploding setting is `explode-cause`'s bad initialisation (ReLU, W_hh at spectral radius 2);
the threshold exercise really trains (plain SGD with the NumPy engine) with the learner's number.
"""

from __future__ import annotations

import numpy as np

from rnntui.engine.corpus import shipped_corpus
from rnntui.engine.numpy_rnn import Clipping, clip_gradients
from rnntui.engine.sgd import sgd_run
from rnntui.engine.session import StepSession
from rnntui.exercises.answers import ChoiceForm, NumberForm
from rnntui.exercises.exercise import Exercise, Setup, Verdict
from rnntui.exercises.figures import num, sig
from rnntui.exercises.gradient_flow_exercises import cause_session

THRESHOLD = 5.0  # the app's default threshold


def exploding_setup(mode: str) -> Setup:
    session = cause_session("init")
    session.set_clipping(mode, THRESHOLD)
    return Setup(session, cursor=session.T)


# ------------------------------------------------------------------------ the norm's scale factor
SCALE_FORM = NumberForm(decimals=3, low=0, high=1, significant=True)


def norm_scale(setup: Setup) -> float:
    """What clipping by norm multiplied every gradient by, read off the engine's clipped gradients."""
    grads = setup.session.gradients
    name = max(grads.grads, key=lambda n: float(np.abs(grads.grads[n]).max()))
    raw, clipped = grads.grads[name], grads.clipped[name]
    biggest = np.unravel_index(np.argmax(np.abs(raw)), raw.shape)
    return float(clipped[biggest] / raw[biggest])


CLIP_NORM = Exercise(
    name="clip-norm", section="clipping", form=SCALE_FORM, setup=lambda: exploding_setup("norm"),
    figures=lambda s: {"norm": sig(s.session.gradients.grad_norm, 6), "threshold": f"{THRESHOLD:g}",
                       "scale": sig(norm_scale(s)), "after": num(s.session.gradients.grad_norm_clipped)},
    check=lambda s, value: Verdict(SCALE_FORM.matches(value, norm_scale(s))),
    intended=lambda s: sig(THRESHOLD / s.session.gradients.grad_norm), wrong="0.5",
)

# ------------------------------------------------------------------------ which keeps the direction


def cosine_after(session: StepSession, mode: str) -> float:
    twin = session.copy()
    twin.set_clipping(mode, THRESHOLD)
    return twin.gradients.clip_cosine


DIRECTION_FORM = ChoiceForm("clip-direction", ("norm", "value"))


def direction_check(setup: Setup, mode: str) -> Verdict:
    cosine = cosine_after(setup.session, mode)
    return Verdict(cosine >= 1 - 1e-9, {"cosine": num(cosine)})


def direction_figures(setup: Setup) -> dict[str, str]:
    session = setup.session
    value, _, value_norm = clip_gradients(session.gradients.grads, Clipping("value", THRESHOLD))
    return {"threshold": f"{THRESHOLD:g}", "norm": sig(session.gradients.grad_norm),
            "cos_norm": num(cosine_after(session, "norm")), "cos_value": num(cosine_after(session, "value")),
            "value_norm": sig(value_norm)}


CLIP_DIRECTION = Exercise(
    name="clip-direction", section="clipping", form=DIRECTION_FORM, setup=lambda: exploding_setup("off"),
    figures=direction_figures, check=direction_check, intended="1", wrong="2",
)

# ------------------------------------------------------------------------ a threshold that trains
RUN_RADIUS = 1.6  # W_hh's spectral radius: a bad initialisation, the loss starts in the hundreds
RUN_LR = 1.0
RUN_STEPS = 60
RUN_TEXT_LENGTH = 60
THRESHOLD_FORM = NumberForm(decimals=4, high=1e12, positive=True)


def threshold_setup() -> Setup:
    text = shipped_corpus("abc").text[:RUN_TEXT_LENGTH]
    session = StepSession(text, activation="relu", hidden_size=16, seed=0, clipping=Clipping("off"))
    session.set_spectral_radius(RUN_RADIUS)
    return Setup(session, cursor=session.T)


def run_with(setup: Setup, threshold: float | None):
    clipping = Clipping("off") if threshold is None else Clipping("norm", threshold)
    return sgd_run(setup.session, clipping, RUN_LR, RUN_STEPS)


def threshold_check(setup: Setup, threshold: float) -> Verdict:
    run = run_with(setup, threshold)
    return Verdict(run.converged, {"first": num(run.losses[0]), "last": num(run.last_loss), "steps": str(len(run.losses)),
                                   "chance": num(run.chance)})


def threshold_figures(setup: Setup) -> dict[str, str]:
    if "figures" not in setup.extra:
        free = run_with(setup, None)
        clipped = run_with(setup, 1.0)
        loose = run_with(setup, 100.0)
        setup.extra["figures"] = {
            "radius": f"{RUN_RADIUS:g}", "lr": f"{RUN_LR:g}", "steps": str(RUN_STEPS), "chance": num(free.chance),
            "first": num(free.losses[0]), "free_steps": str(len(free.losses)), "clipped_last": num(clipped.last_loss),
            "loose_last": num(loose.last_loss), "start_norm": sig(setup.session.gradients.grad_norm),
            "length": str(setup.session.T)}
    return setup.extra["figures"]


CLIP_THRESHOLD = Exercise(
    name="clip-threshold", section="clipping", form=THRESHOLD_FORM, setup=threshold_setup,
    figures=threshold_figures, check=threshold_check, intended="1", wrong="100", slow=True,
)

EXERCISES = (CLIP_NORM, CLIP_DIRECTION, CLIP_THRESHOLD)
