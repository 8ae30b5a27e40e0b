"""The architecture of a model, shared by the NumPy engine, the PyTorch engine and checkpoints."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from rnntui.errors import RnntuiError
from rnntui.i18n import t

CELLS = ("rnn", "lstm", "gru")
ACTIVATIONS = ("tanh", "relu")
# Rows per gate block in weight_ih / weight_hh, as PyTorch lays them out.
GATES_PER_CELL = {"rnn": 1, "lstm": 4, "gru": 3}
# Gate names in PyTorch's row order: LSTM i|f|g|o, GRU r|z|n.
GATE_NAMES = {"rnn": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
# softmax: probabilities over the outputs, trained with cross-entropy; linear: the outputs are the
# prediction itself (a number per output), trained with mean squared error.
HEADS = ("softmax", "linear")
# Real-valued inputs are a handful of channels (the adding problem has two) or one-hot codes of
# the paper's symbol tasks (p + 1 symbols for a lag p of at most a few hundred).
MAX_INPUT_DIM = 1024


@dataclass(frozen=True)
class ModelConfig:
    """What a model is; with a vocabulary and a seed (or weights) it is fully determined."""

    cell: str = "rnn"  # rnn | lstm | gru
    activation: str = "tanh"  # tanh | relu: the vanilla RNN's nonlinearity (ignored by LSTM/GRU)
    hidden_size: int = 8  # units per layer
    num_layers: int = 1  # stacked recurrent layers
    vocab_size: int = 3  # characters in the vocabulary; also the head's output size
    embedding_dim: int | None = None  # None: one-hot input (as in the notes)
    # None: inputs are symbols (one-hot over the vocabulary, or embedded); a number: inputs are
    # real-valued vectors of that width, and vocab_size only sizes the head (classes or values)
    input_dim: int | None = None
    head: str = "softmax"  # softmax (cross-entropy) | linear (mean squared error)

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise RnntuiError(t("errors.config.cell", cell=self.cell, choices=', '.join(CELLS)))
        if self.activation not in ACTIVATIONS:
            raise RnntuiError(
                t("errors.config.activation", activation=self.activation, choices=', '.join(ACTIVATIONS))
            )
        for name in ("hidden_size", "num_layers", "vocab_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise RnntuiError(t("errors.config.whole_number", name=name.replace('_', ' '), value=value))
        if self.embedding_dim is not None and (
            not isinstance(self.embedding_dim, int) or self.embedding_dim < 1
        ):
            raise RnntuiError(t("errors.config.embedding", value=self.embedding_dim))
        if self.input_dim is not None:
            if not isinstance(self.input_dim, int) or isinstance(self.input_dim, bool) or not (
                1 <= self.input_dim <= MAX_INPUT_DIM
            ):
                raise RnntuiError(t("tasks.config.input_dim", most=MAX_INPUT_DIM, value=self.input_dim))
            if self.embedding_dim is not None:
                raise RnntuiError(t("tasks.config.no_embedding"))
        if self.head not in HEADS:
            raise RnntuiError(t("tasks.config.unknown_head", given=self.head, choices=", ".join(HEADS)))

    @property
    def input_size(self) -> int:
        """Width of x_t fed to the first layer: the real-valued input's width, the embedding size,
        or the vocabulary (one-hot)."""
        if self.input_dim is not None:
            return self.input_dim
        return self.embedding_dim if self.embedding_dim is not None else self.vocab_size

    @property
    def input_kind(self) -> str:
        """"symbols" (characters of a vocabulary) or "values" (real-valued vectors)."""
        return "symbols" if self.input_dim is None else "values"

    @property
    def gate_names(self) -> tuple[str, ...]:
        return GATE_NAMES[self.cell]

    def with_(self, **changes) -> "ModelConfig":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_json(self) -> str:
        data = asdict(self)
        # A character model's header stays as it was before tasks existed, so older readers open it.
        for name, default in (("input_dim", None), ("head", "softmax")):
            if data[name] == default:
                del data[name]
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        fields = ("cell", "activation", "hidden_size", "num_layers", "vocab_size", "embedding_dim", "input_dim", "head")
        known = {k: data[k] for k in fields if k in data}
        missing = {"cell", "hidden_size", "num_layers", "vocab_size"} - known.keys()
        if missing:
            raise RnntuiError(t("errors.config.lacks", missing=', '.join(sorted(missing))))
        return cls(**known)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every parameter's name and shape, exactly as the checkpoint and PyTorch name them."""
        gates = GATES_PER_CELL[self.cell]
        h = self.hidden_size
        shapes: dict[str, tuple[int, ...]] = {}
        if self.embedding_dim is not None:
            shapes["embedding.weight"] = (self.vocab_size, self.embedding_dim)
        for layer in range(self.num_layers):
            in_size = self.input_size if layer == 0 else h
            shapes[f"rnn.weight_ih_l{layer}"] = (gates * h, in_size)
            shapes[f"rnn.weight_hh_l{layer}"] = (gates * h, h)
            shapes[f"rnn.bias_ih_l{layer}"] = (gates * h,)
            shapes[f"rnn.bias_hh_l{layer}"] = (gates * h,)
        shapes["head.weight"] = (self.vocab_size, h)
        shapes["head.bias"] = (self.vocab_size,)
        return shapes
