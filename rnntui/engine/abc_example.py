"""The ABC lesson's example (the notes' section 过程), computed by the engine.

Alphabet A, B, C one-hot; "W_xh and W_hh are all 1", h0 = 0, tanh. The notes get h1 ≈ 0.76 and
h2 ≈ 0.64. Read as matrices, "all weights 1" is W_xh = W_hh = I (3×3 identity) with zero biases,
and the full hidden vectors are h1 = [0.7616, 0, 0], h2 = [0.6420, 0.7616, 0]: the notes' numbers
are their first components. The notes also write W_hh x_{t-1} where they mean W_hh h_{t-1}.

To predict the character after "AB" the example needs an output layer, which the notes never give.
Two are shown, both run through the same engine:
  * identity head (W_hy = I, b_y = 0): "all weights 1" carried over to the output layer. It only
    echoes h_t, so after "AB" it favours B: an untrained head knows nothing about the alphabet.
  * trained head: W_hy and b_y start at zero and take HEAD_STEPS steps of plain gradient descent
    (learning rate HEAD_LR, no clipping) on the cross-entropy of the sequence "ABC" (after A comes
    B, after AB comes C), with the recurrent weights frozen at the notes' identity matrices. It
    then predicts C after "AB". Nothing is typed in: every number comes from NumpyRNN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import Clipping, NumpyRNN
from rnntui.engine.session import StepSession
from rnntui.i18n import t

ALPHABET = ["A", "B", "C"]
INPUT = "AB"
TRAINING_TEXT = "ABC"  # the pattern the task implies: A is followed by B, AB by C
HEAD_STEPS = 100
HEAD_LR = 1.0
NOTES_VALUES = {1: 0.76, 2: 0.64}  # h_t as the notes write it (first component, two decimals)
NOTES_FORMULAS = {
    1: "h1 = tanh(1*[1,0,0] + 1*0) = tanh(1) ≈ 0.76",
    2: "h2 = tanh(1*[0,1,0] + 1*0.76) = tanh(0.76) ≈ 0.64",
}
CONFIG = ModelConfig(cell="rnn", activation="tanh", hidden_size=3, num_layers=1, vocab_size=3)

# How the notes' shorthand maps onto the correct computation (shown by `rnntui abc`): catalogue
# keys of abc.toml, read when the example runs so the text is in the chosen language.
SHORTHAND = ("abc.shorthand.typo", "abc.shorthand.identity", "abc.shorthand.h1", "abc.shorthand.h2")


@dataclass
class AbcStep:
    t: int
    char: str
    x: np.ndarray  # one-hot input x_t
    h_prev: np.ndarray  # h_{t-1}
    input_term: np.ndarray  # W_xh x_t
    recurrent_term: np.ndarray  # W_hh h_{t-1}
    pre: np.ndarray  # W_xh x_t + W_hh h_{t-1} + b_h
    h: np.ndarray  # h_t = tanh(pre)
    notes_value: float  # what the notes write for h_t
    notes_formula: str  # how the notes write it


@dataclass
class HeadPrediction:
    name: str  # "identity" | "trained"
    description: str
    weight: np.ndarray  # W_hy (V×H)
    bias: np.ndarray  # b_y (V,)
    logits: np.ndarray  # after "AB"
    probs: np.ndarray  # after "AB"
    predicted: str  # argmax
    training_loss: tuple[float, float] | None  # (before, after) cross-entropy on TRAINING_TEXT


@dataclass
class AbcExample:
    alphabet: list[str]
    steps: list[AbcStep]
    heads: list[HeadPrediction]
    shorthand: tuple[str, ...]


def seed_params(head_weight: np.ndarray | None = None, head_bias: np.ndarray | None = None) -> dict:
    """The notes' weights: W_xh = W_hh = I, zero biases; the head is given (default zeros)."""
    n = len(ALPHABET)
    return {
        "rnn.weight_ih_l0": np.eye(n),
        "rnn.weight_hh_l0": np.eye(n),
        "rnn.bias_ih_l0": np.zeros(n),
        "rnn.bias_hh_l0": np.zeros(n),
        "head.weight": np.zeros((n, n)) if head_weight is None else head_weight,
        "head.bias": np.zeros(n) if head_bias is None else head_bias,
    }


def train_head(steps: int = HEAD_STEPS, lr: float = HEAD_LR) -> tuple[dict, float, float]:
    """Gradient descent on the output layer only, from zeros, on TRAINING_TEXT.

    Returns (params, loss before, loss after); the recurrent weights stay the identity.
    """
    indices = np.array([ALPHABET.index(ch) for ch in TRAINING_TEXT])
    targets = NumpyRNN.next_targets(indices)
    params = seed_params()
    first = None
    for _ in range(steps):
        model = NumpyRNN(CONFIG, params)
        grads = model.backward(model.forward(indices), targets, Clipping("off"))
        first = grads.loss if first is None else first
        params = {
            **params,
            "head.weight": params["head.weight"] - lr * grads.grads["head.weight"],
            "head.bias": params["head.bias"] - lr * grads.grads["head.bias"],
        }
    model = NumpyRNN(CONFIG, params)
    return params, float(first), float(model.loss(model.forward(indices), targets))


# The notes' weights by name, as a state string names them: source name -> head.
WEIGHT_SOURCES = {"abc": "trained", "abc-identity": "identity"}


def abc_session(head: str = "trained", text: str = INPUT, seed: int = 0) -> StepSession:
    """A StepSession on `text` (default "AB") with the notes' weights and the chosen head (what the
    app opens on)."""
    if head == "trained":
        params = train_head()[0]
    else:
        params = seed_params(np.eye(len(ALPHABET)))
    source = next(name for name, kind in WEIGHT_SOURCES.items() if kind == head)
    return StepSession(text, hidden_size=3, seed=seed, params=params, vocab=ALPHABET, source=source)


def run_abc_example() -> AbcExample:
    session = abc_session("identity")
    w_ih = session.params["rnn.weight_ih_l0"]
    w_hh = session.params["rnn.weight_hh_l0"]
    steps = []
    for step in range(1, session.T + 1):
        view = session.step_view(step)
        h_prev = view.h_prev[0]
        steps.append(
            AbcStep(
                t=step,
                char=view.char,
                x=view.x,
                h_prev=h_prev,
                input_term=w_ih @ view.x,
                recurrent_term=w_hh @ h_prev,
                pre=view.pre[0],
                h=view.h[0],
                notes_value=NOTES_VALUES[step],
                notes_formula=NOTES_FORMULAS[step],
            )
        )
    trained_params, before, after = train_head()
    heads = [
        _prediction(
            "identity",
            t("abc.head.identity"),
            session,
            None,
        ),
        _prediction(
            "trained",
            t("abc.head.trained", steps=HEAD_STEPS, lr=HEAD_LR, text=repr(TRAINING_TEXT)),
            StepSession(INPUT, hidden_size=3, params=trained_params, vocab=ALPHABET),
            (before, after),
        ),
    ]
    return AbcExample(alphabet=list(ALPHABET), steps=steps, heads=heads, shorthand=tuple(t(key) for key in SHORTHAND))


def _prediction(name, description, session: StepSession, losses) -> HeadPrediction:
    view = session.step_view(session.T)
    return HeadPrediction(
        name=name,
        description=description,
        weight=session.params["head.weight"],
        bias=session.params["head.bias"],
        logits=view.logits,
        probs=view.probs,
        predicted=session.vocab.chars[int(np.argmax(view.probs))],
        training_loss=losses,
    )
