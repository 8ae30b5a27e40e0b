"""What a training run is: the model, data and optimiser settings, and the ones a UI may change live.

No torch here, so the app and the CLI can build and validate a run before paying for torch.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace

from rnntui.engine.config import ModelConfig
from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.numbers import check_seed, finite_number

OPTIMIZERS = ("adam", "adamw", "rmsprop", "sgd")
LR_DECAYS = ("none", "cosine")
CLIP_MODES = ("off", "norm", "value")
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "bf16", "fp32")
DATA_MODES = ("streams", "fixed-streams", "windows")

# Fields that define the model or how the data is cut: a resumed run must keep them.
FIXED_ON_RESUME = ("cell", "activation", "hidden_size", "num_layers", "embedding_dim", "seq_len",
                   "batch_size", "val_fraction", "data")
FLAG_NAMES = {"hidden_size": "--hidden", "num_layers": "--layers", "embedding_dim": "--embedding-dim",
              "seq_len": "--seq-len", "batch_size": "--batch-size", "val_fraction": "--val-fraction"}


def flag_for(field: str) -> str:
    """The command-line flag that sets a TrainConfig field: how messages name it in any language."""
    return FLAG_NAMES.get(field, "--" + field.replace("_", "-"))


@dataclass(frozen=True)
class TrainConfig:
    """A training run. Defaults: the most learning in a few minutes on two CPU cores (see README)."""

    # model
    cell: str = "lstm"  # rnn | lstm | gru
    activation: str = "tanh"  # the vanilla RNN's nonlinearity: tanh | relu
    hidden_size: int = 384  # units per layer
    num_layers: int = 2  # stacked recurrent layers
    embedding_dim: int | None = 64  # None: one-hot input; a learned embedding learns far faster (bench/RESULTS.md)
    # Between recurrent layers and before the head; no parameters, so resumable with another. 0.3 measured
    # best of 0.1/0.3/0.5 over a 5-minute run, which reads a 1 MB corpus about seven times (bench/RESULTS.md).
    dropout: float = 0.3
    # data
    data: str = "fixed-streams"  # fixed-streams (char-rnn) | streams (new random cut each epoch) | windows (zero state)
    seq_len: int = 100  # characters per truncated-BPTT chunk
    batch_size: int = 32  # parallel streams through the training text
    val_fraction: float = 0.1  # the last part of the corpus, held out for validation
    # optimisation
    optimizer: str = "adam"  # adam | adamw | rmsprop | sgd
    lr: float = 3e-3  # peak learning rate
    lr_decay: str = "cosine"  # cosine: from decay_from to min_lr_fraction * lr at the end of steps/minutes (none: constant)
    min_lr_fraction: float = 0.1
    warmup: float = 0.0  # fraction of the steps/minutes over which the lr rises linearly to its peak
    decay_from: float = 0.7  # fraction of the steps/minutes after which the decay starts (peak until then)
    weight_decay: float = 0.0
    clip_mode: str = "norm"  # off | norm (global L2 norm) | value (element-wise clamp)
    clip: float = 5.0  # the norm or value threshold
    # how long, and how often to look
    steps: int | None = None  # stop after this many steps (None: no step limit)
    minutes: float | None = None  # stop after this much wall time (None: no time limit)
    eval_every: int = 250  # steps between validation loss + sample (and saving `last`)
    probe_every: int = 100  # steps between NumPy-engine probes of per-timestep ||dL/dh_t|| (a probe costs time)
    sample_length: int = 200  # characters in the sample shown at each evaluation
    max_bad_steps: int = 5  # non-finite steps among the last 2x this many stop training
    # machine
    seed: int = 0
    threads: int | None = None  # torch threads (None: every core)
    device: str = "auto"  # auto | cpu | cuda
    precision: str = "auto"  # auto (bf16 autocast where the hardware has it) | bf16 | fp32

    def __post_init__(self) -> None:
        for name, allowed in (("optimizer", OPTIMIZERS), ("lr_decay", LR_DECAYS),
                              ("clip_mode", CLIP_MODES), ("device", DEVICES), ("precision", PRECISIONS),
                              ("data", DATA_MODES)):
            if getattr(self, name) not in allowed:
                raise RnntuiError(t("train.settings.unknown_choice", flag=flag_for(name), value=getattr(self, name),
                                    choices=", ".join(allowed)))
        self.model_config(vocab_size=1)  # validates cell, activation and sizes
        for name in ("lr", "min_lr_fraction", "weight_decay", "clip", "dropout", "val_fraction", "minutes"):
            if getattr(self, name) is not None:
                finite_number(getattr(self, name), flag_for(name))
        positive = {"seq_len": self.seq_len, "batch_size": self.batch_size, "eval_every": self.eval_every,
                    "probe_every": self.probe_every, "max_bad_steps": self.max_bad_steps}
        for name, value in positive.items():
            if not isinstance(value, int) or value < 1:
                raise RnntuiError(t("errors.config.whole_number", name=flag_for(name), value=value))
        check_lr_and_clip(self.lr, self.clip)
        if not 0.0 <= self.dropout < 1.0:
            raise RnntuiError(t("train.settings.dropout", value=self.dropout))
        if not 0.0 <= self.warmup < 1.0:
            raise RnntuiError(t("train.settings.warmup", value=self.warmup))
        if not 0.0 <= self.decay_from < 1.0:
            raise RnntuiError(t("train.settings.decay_from", value=self.decay_from))
        if not self.weight_decay >= 0.0:
            raise RnntuiError(t("train.settings.weight_decay", value=self.weight_decay))
        check_seed(self.seed, "seed")
        if self.threads is not None and (not isinstance(self.threads, int) or self.threads < 1):
            raise RnntuiError(t("errors.config.whole_number", name="--threads", value=self.threads))
        if self.steps is not None and self.steps < 1:
            raise RnntuiError(t("train.settings.steps", value=self.steps))
        if self.minutes is not None and not self.minutes > 0:
            raise RnntuiError(t("train.settings.minutes", value=self.minutes))
        if self.sample_length < 0:
            raise RnntuiError(t("train.settings.sample_length", value=self.sample_length))

    def model_config(self, vocab_size: int) -> ModelConfig:
        return ModelConfig(cell=self.cell, activation=self.activation, hidden_size=self.hidden_size,
                           num_layers=self.num_layers, vocab_size=vocab_size,
                           embedding_dim=self.embedding_dim)

    def with_(self, **changes) -> "TrainConfig":
        return replace(self, **changes)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        data = json.loads(text)
        data.setdefault("data", "fixed-streams")  # runs saved before the data modes existed cut fixed streams
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def resumed_with(self, flags: dict) -> "TrainConfig":
        """This saved config with the flags the user gave; changing the model or data cut is refused."""
        for name in FIXED_ON_RESUME:
            if name in flags and flags[name] != getattr(self, name):
                raise RnntuiError(t("train.settings.fixed_on_resume", flag=flag_for(name), saved=getattr(self, name),
                                    given=flags[name]))
        return self.with_(**flags)

    def changes_to(self, other: "TrainConfig") -> list[str]:
        """What differs in `other`, as "--dropout 0 -> 0.2", for saying what a resume changed."""
        return [f"{flag_for(f.name)} {getattr(self, f.name)} -> {getattr(other, f.name)}"
                for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]


@dataclass(frozen=True)
class TrainSettings:
    """What may change between steps while training runs (the app's sliders)."""

    lr: float  # peak learning rate; the decay schedule scales it
    clip_mode: str  # off | norm | value
    clip: float  # threshold

    def __post_init__(self) -> None:
        if self.clip_mode not in CLIP_MODES:
            raise RnntuiError(t("train.settings.unknown_clip_mode", value=self.clip_mode, choices=", ".join(CLIP_MODES)))
        finite_number(self.lr, t("train.settings.lr_name"))
        finite_number(self.clip, t("train.settings.clip_name"))
        check_lr_and_clip(self.lr, self.clip)


def check_lr_and_clip(lr: float, clip: float) -> None:
    """Both a run's config and a live change of its settings need a step size and a threshold above 0."""
    if not lr > 0:
        raise RnntuiError(t("train.settings.lr", value=lr))
    if not clip > 0:
        raise RnntuiError(t("train.settings.clip", value=clip))
