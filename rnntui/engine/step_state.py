"""StepState: everything that decides what the stepping screen shows, as plain values.

A StepSession holds the model, the text, the clipping and the cursor; the screen adds its view: the
selected unit, which loss the gradient bars follow, the sampling temperature and the sample shown,
and the corpus `t` trains on. `capture` reads both into a StepState; `build_session` makes the
StepSession again: the base weights (from the seed, the ABC lesson's, or a checkpoint found by the
SHA-256 of its file), then the weight edits replayed in order, so the weights come back bit for bit
without ever being stored. `check` refuses a state that could not be built, before anything is.
state_string.py turns a StepState into a short string and back.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from pathlib import Path

from rnntui.engine import abc_example
from rnntui.engine.checkpoint import file_sha256
from rnntui.engine.config import ACTIVATIONS, CELLS, ModelConfig
from rnntui.engine.corpus import SHIPPED
from rnntui.engine.numpy_rnn import CLIP_MODES, Clipping
from rnntui.engine.sampling import TEMPERATURES
from rnntui.engine.session import CHECKPOINT_WEIGHTS, SEED_WEIGHTS, StepSession
from rnntui.engine.weights import Scale, SetEntry, SpectralRadius, WeightEdit, gate_rows
from rnntui.errors import RnntuiError
from rnntui.i18n import t

# What a state may ask for. The app's panes show a few dozen units, so MAX_HIDDEN is the app's own
# limit; the rest bound what one string can make a process do before anything is drawn.
MAX_HIDDEN = 1024
MAX_LAYERS = 64
MAX_TEXT = 4096  # characters of input text
MAX_EDITS = 1000  # weight edits replayed when the state opens
MAX_SEED = 2**64 - 1  # NumPy's generator takes any size; this keeps the number printable
MAX_SAMPLE_DRAWS = 10**9
MAX_FILE_NAME = 1024  # characters of a checkpoint's path
SHA256 = re.compile(r"[0-9a-f]{64}")
WEIGHT_BASES = (SEED_WEIGHTS, *abc_example.WEIGHT_SOURCES, CHECKPOINT_WEIGHTS)


@dataclass(frozen=True)
class CheckpointRef:
    """A trained model too big for a string: the file it was opened from and its bytes' hash."""

    file: str  # the path as it was opened; opening the state looks there unless told elsewhere
    sha256: str  # hex; a file with other bytes is refused, whatever its name


@dataclass(frozen=True)
class StepState:
    """The stepping screen, as values. Defaults are what the app opens with."""

    text: str
    cell: str = "rnn"
    activation: str = "tanh"
    hidden_size: int = 8
    num_layers: int = 1
    embedding_dim: int | None = None  # None: one-hot input
    vocab: str | None = None  # a fixed vocabulary, in index order; None: the text's characters
    seed: int = 0
    weights: str = SEED_WEIGHTS  # the base weights: "seed", "abc", "abc-identity" or "checkpoint"
    checkpoint: CheckpointRef | None = None  # with weights == "checkpoint" only
    edits: tuple[WeightEdit, ...] = ()  # replayed on the base weights, in order
    clip_mode: str = "norm"
    clip_threshold: float = 5.0
    cursor: int = 1  # the timestep shown, 1..len(text)
    layer: int = 0  # the selected unit: layer ...
    unit: int = 0  # ... and unit
    whole_loss_bars: bool = False  # the gradient bars follow the whole sequence's loss, not the last prediction's
    temperature: float = 1.0
    sample_draws: int = 0  # how many samples `g` has drawn (the next one continues the count)
    sample_shown: bool = False  # the last draw is on screen
    corpus: str | None = None  # a shipped corpus (or long-range task) `t` trains on


def refuse(key: str, **fields) -> RnntuiError:
    """The one-line refusal `state.error.KEY`; a `what` field names a field of the state by its key
    in `state.field`, so the message reads in the person's language."""
    if "what" in fields:
        fields["what"] = t(f"state.field.{fields['what']}")
    return RnntuiError(t("state.error.refused", reason=t(f"state.error.{key}", **fields)))


# ------------------------------------------------------------------------------ capture


def capture(
    session: StepSession,
    layer: int = 0,
    unit: int = 0,
    whole_loss_bars: bool = False,
    temperature: float = 1.0,
    sample_draws: int = 0,
    sample_shown: bool = False,
    corpus: str | None = None,
) -> StepState:
    """The state of `session` under this view; refused when its weights cannot be named (a run's)."""
    source = session.weights_source
    if source is None:
        raise refuse("unnamed_weights")
    cfg = session.config
    fixed = session.vocab_is_fixed and source != CHECKPOINT_WEIGHTS
    checkpoint = None
    if source == CHECKPOINT_WEIGHTS:
        checkpoint = CheckpointRef(session.checkpoint_path, session.checkpoint_sha256)
    state = StepState(
        text=session.text,
        cell=cfg.cell,
        activation=cfg.activation,
        hidden_size=cfg.hidden_size,
        num_layers=cfg.num_layers,
        embedding_dim=cfg.embedding_dim,
        vocab="".join(session.vocab.chars) if fixed else None,
        seed=session.seed,
        weights=source,
        checkpoint=checkpoint,
        edits=session.edits,
        clip_mode=session.clipping.mode,
        clip_threshold=session.clipping.threshold,
        cursor=session.cursor,
        layer=layer,
        unit=unit,
        whole_loss_bars=whole_loss_bars,
        temperature=temperature,
        sample_draws=sample_draws,
        sample_shown=sample_shown,
        corpus=corpus,
    )
    check(state)
    return state


# ------------------------------------------------------------------------------ validation


def _whole(value, low: int, high: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
        raise refuse("range", what=what, low=low, high=high, given=_shown(value))


def _real(value, what: str, low: float, high: float, low_open: bool = False) -> None:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok:
        raise refuse("not_finite", what=what, given=_shown(value))
    if value > high or value < low or (low_open and value == low):
        raise refuse("range", what=what, low=low, high=high, given=_shown(value))


def _choice(value, choices, what: str) -> None:
    if value not in choices:
        shown = ", ".join(f"{choice:g}" if isinstance(choice, float) else str(choice) for choice in choices)
        raise refuse("choice", what=what, given=_shown(value), choices=shown)


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def model_config(state: StepState, vocab_size: int) -> ModelConfig:
    return ModelConfig(cell=state.cell, activation=state.activation, hidden_size=state.hidden_size,
                       num_layers=state.num_layers, vocab_size=vocab_size, embedding_dim=state.embedding_dim)


def check(state: StepState) -> None:
    """Refuse (RnntuiError, one line) a state that could not be built as it says; builds nothing.

    A checkpoint's vocabulary and shapes are only known from its file: those edits are checked when
    `build_session` replays them, still before anything is drawn."""
    if not isinstance(state.text, str) or not state.text:
        raise refuse("empty_text")
    if len(state.text) > MAX_TEXT:
        raise refuse("range", what="text_length", low=1, high=MAX_TEXT, given=len(state.text))
    _choice(state.cell, CELLS, "cell")
    _choice(state.activation, ACTIVATIONS, "activation")
    _whole(state.hidden_size, 1, MAX_HIDDEN, "hidden_size")
    _whole(state.num_layers, 1, MAX_LAYERS, "layers")
    if state.embedding_dim is not None:
        _whole(state.embedding_dim, 1, MAX_HIDDEN, "embedding_dim")
    _whole(state.seed, 0, MAX_SEED, "seed")
    _choice(state.weights, WEIGHT_BASES, "weights")
    _check_base(state)
    vocab = _check_vocab(state)
    if len(state.edits) > MAX_EDITS:
        raise refuse("range", what="weight_edits", low=0, high=MAX_EDITS, given=len(state.edits))
    shapes = None if vocab is None else model_config(state, len(vocab)).parameter_shapes()
    for edit in state.edits:
        _check_edit(edit, state, shapes)
    _choice(state.clip_mode, CLIP_MODES, "clipping")
    _real(state.clip_threshold, "clipping_threshold", 0.0, math.inf, low_open=True)
    _whole(state.cursor, 1, len(state.text), "cursor")
    _whole(state.layer, 0, state.num_layers - 1, "selected_layer")
    _whole(state.unit, 0, state.hidden_size - 1, "selected_unit")
    if not isinstance(state.whole_loss_bars, bool):
        raise refuse("not_bool", what="whole_loss_bars", given=_shown(state.whole_loss_bars))
    _real(state.temperature, "temperature", 0.0, math.inf, low_open=True)
    _choice(state.temperature, TEMPERATURES, "temperature")
    _whole(state.sample_draws, 0, MAX_SAMPLE_DRAWS, "sample_draws")
    if not isinstance(state.sample_shown, bool):
        raise refuse("not_bool", what="sample_shown", given=_shown(state.sample_shown))
    if state.sample_shown and state.sample_draws < 1:
        raise refuse("sample_without_draw")
    if state.corpus is not None:
        _choice(state.corpus, tuple(SHIPPED), "corpus")


def _check_base(state: StepState) -> None:
    ref = state.checkpoint
    if state.weights != CHECKPOINT_WEIGHTS:
        if ref is not None:
            raise refuse("checkpoint_without_base")
        if state.weights in abc_example.WEIGHT_SOURCES:
            cfg = abc_example.CONFIG
            if (state.cell, state.hidden_size, state.num_layers, state.embedding_dim, state.vocab) != (
                    cfg.cell, cfg.hidden_size, cfg.num_layers, cfg.embedding_dim, "".join(abc_example.ALPHABET)):
                raise refuse("abc_model", name=state.weights)
        return
    if ref is None or not isinstance(ref, CheckpointRef):
        raise refuse("checkpoint_unnamed")
    if not isinstance(ref.sha256, str) or not SHA256.fullmatch(ref.sha256):
        raise refuse("checkpoint_hash", given=_shown(ref.sha256))
    if (not isinstance(ref.file, str) or not ref.file or len(ref.file) > MAX_FILE_NAME
            or any(ord(ch) < 32 for ch in ref.file)):
        raise refuse("checkpoint_file", given=_shown(ref.file))
    if state.vocab is not None:
        raise refuse("checkpoint_vocab")


def _check_vocab(state: StepState) -> str | None:
    """The vocabulary the model has, or None when only the checkpoint's file knows it."""
    if state.weights == CHECKPOINT_WEIGHTS:
        return None
    if state.vocab is None:
        return "".join(sorted(set(state.text)))
    if not isinstance(state.vocab, str) or not state.vocab or len(set(state.vocab)) != len(state.vocab):
        raise refuse("vocab", given=_shown(state.vocab))
    unknown = sorted(set(state.text) - set(state.vocab))
    if unknown:
        raise refuse("text_outside_vocab", char=unknown[0], vocab=state.vocab)
    return state.vocab


def _check_edit(edit, state: StepState, shapes: dict[str, tuple[int, ...]] | None) -> None:
    if isinstance(edit, SetEntry):
        _real(edit.value, "edited_weight", -math.inf, math.inf)
        if shapes is not None:
            _check_parameter(edit.name, shapes)
            shape = shapes[edit.name]
            index = edit.index
            if (not isinstance(index, tuple) or len(index) != len(shape)
                    or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n
                               for i, n in zip(index, shape))):
                raise refuse("edit_index", index=_shown(index), name=edit.name, shape=shape)
    elif isinstance(edit, Scale):
        _real(edit.factor, "scale_factor", -math.inf, math.inf)
        if shapes is not None:
            _check_parameter(edit.name, shapes)
    elif isinstance(edit, SpectralRadius):
        _real(edit.radius, "spectral_radius", 0.0, math.inf)
        if edit.layer is not None:
            _whole(edit.layer, 0, state.num_layers - 1, "radius_layer")
        if edit.block is not None:
            blocks = tuple(gate_rows(model_config(state, 1)))
            _choice(edit.block, blocks, "radius_block")
    else:
        raise refuse("edit_kind", given=_shown(edit))


def _check_parameter(name, shapes) -> None:
    if name not in shapes:
        raise refuse("choice", what="parameter", given=_shown(name), choices=", ".join(shapes))


# ------------------------------------------------------------------------------ building


def build_session(state: StepState, checkpoint: str | Path | None = None) -> StepSession:
    """The StepSession `state` describes: base weights, replayed edits, clipping and cursor.

    `checkpoint` points at the file when it is not where the state says; either way its SHA-256
    must be the state's. Any refusal is one RnntuiError line, raised before anything is shown."""
    check(state)
    clipping = Clipping(state.clip_mode, float(state.clip_threshold))
    if state.weights == SEED_WEIGHTS:
        session = StepSession(
            state.text, cell=state.cell, activation=state.activation, hidden_size=state.hidden_size,
            num_layers=state.num_layers, embedding_dim=state.embedding_dim, seed=state.seed,
            clipping=clipping, vocab=None if state.vocab is None else list(state.vocab),
        )
    elif state.weights in abc_example.WEIGHT_SOURCES:
        session = abc_example.abc_session(abc_example.WEIGHT_SOURCES[state.weights], state.text, state.seed)
        session.set_clipping(clipping.mode, clipping.threshold)
    else:
        session = _open_checkpoint(state, clipping, checkpoint)
    if session.config.activation != state.activation:
        session.set_activation(state.activation)
    for edit in state.edits:
        try:
            session.apply_edit(edit)
        except RnntuiError as error:
            raise RnntuiError(t("state.error.refused", reason=str(error))) from None
    session.move_to(state.cursor)
    return session


def _open_checkpoint(state: StepState, clipping: Clipping, given: str | Path | None) -> StepSession:
    ref = state.checkpoint
    path = Path(given if given is not None else ref.file)
    if not path.is_file():
        raise refuse("checkpoint_missing", file=ref.file, sha=ref.sha256[:16])
    found = file_sha256(path)
    if found != ref.sha256:
        raise refuse("checkpoint_mismatch", file=str(path), found=found[:16], sha=ref.sha256[:16])
    session = StepSession.from_checkpoint(path, state.text, clipping, state.seed)
    cfg = session.config
    wanted = (state.cell, state.hidden_size, state.num_layers, state.embedding_dim)
    if (cfg.cell, cfg.hidden_size, cfg.num_layers, cfg.embedding_dim) != wanted:
        raise refuse("checkpoint_model", file=str(path))
    session.checkpoint_path = ref.file  # the name the state gives it, whichever path found it
    return session
