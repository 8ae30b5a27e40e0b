"""StepSession: the one state object for stepping through a sequence.

It owns the model (config + weights), the input text and its vocabulary, the cursor and the
clipping setting, and caches the forward trace and the BPTT gradients. The app and `rnntui step`
only call its methods and read `current_step()`; they never index the engine's arrays.

What each change recomputes:
  cursor moves           nothing
  set_text               the forward pass from the first changed character on (the prefix is
                         reused) and BPTT, lazily; a new vocabulary re-initialises the weights
  set_clipping           only the clipped copy of the gradients
  weight edit, settings  forward and backward, lazily on the next read; spectral radii only
                         for the blocks whose radius the edit does not determine (spectral.py)
A refused change raises RnntuiError/WeightEditError and leaves the session exactly as it was.

The weights are always "the base weights, then these edits": the base comes from the seed, a
named source (the ABC lesson's) or a checkpoint (`weights_source`), and every accepted edit is kept
as a value (`edits`), so a state string can name the base and replay the edits instead of
carrying the weights. Undo restores the weights and where they came from together.

Reading `trace`, `gradients`, ... computes what is missing in the caller's thread. A caller that
must not wait (the app's UI thread) asks `pending()`, runs `job()` elsewhere and hands the results
back with `adopt()` (see recompute.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

import numpy as np

from rnntui.engine import weights
from rnntui.engine.checkpoint import Checkpoint, file_sha256, load_checkpoint
from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import Clipping, Gradients, HiddenGradients, NumpyRNN, Trace, clip_gradients, init_params
from rnntui.engine.recompute import PARTS, Computed, Job
from rnntui.engine.spectral import KnownRadii, Radii
from rnntui.engine.vocab import Vocab
from rnntui.errors import RnntuiError
from rnntui.numbers import check_seed

# From this many hidden units on, BPTT's products with W_hh run in scaled float32
# (recurrent_products.py): W_hh no longer fits a core's cache, and each step back waits on memory.
# Below it the lessons' small models keep plain float64, bit for bit what the parity tests check.
SINGLE_PRECISION_PRODUCTS_FROM = 128
MAX_UNDO = 100
# ... and at most this many bytes of weights that only the undo history keeps: each `]` on a
# 2×384 LSTM keeps two 1536×384 matrices (9 MB), so 100 of them would hold almost a gigabyte.
MAX_UNDO_BYTES = 256 * 2**20
SEED_WEIGHTS = "seed"  # weights_source of weights drawn from the session's seed
CHECKPOINT_WEIGHTS = "checkpoint"  # weights_source of weights loaded from `checkpoint_path`


@dataclass(frozen=True)
class WeightHistory:
    """The weights and how they came to be: what reset returns to, and what an undo restores."""

    params: dict[str, np.ndarray]
    base: dict[str, np.ndarray]  # what reset_weights returns to
    seed: int
    source: str | None  # SEED_WEIGHTS, CHECKPOINT_WEIGHTS, a named source, or None: given, origin unknown
    edits: tuple[weights.WeightEdit, ...] = field(default=())  # replayed on `base`, they give `params`
    radii: KnownRadii = KnownRadii()  # what is known of the spectral radii of `params` ...
    base_radii: KnownRadii = KnownRadii()  # ... and of `base`'s
    kept: int = 0  # bytes of weights only this entry keeps alive (the arrays the next change replaced)


@dataclass(frozen=True)
class StepView:
    """Everything about timestep t (1-based) that a widget or the CLI shows. Arrays are views."""

    t: int
    char: str  # the input character x_t encodes
    target: str | None  # the next character (what the model should predict), None at the end
    x: np.ndarray  # (input_size,) one-hot row or embedding row
    h: np.ndarray  # (L, H) h_t for every layer; h[-1] feeds the head
    h_prev: np.ndarray  # (L, H) h_{t-1}
    c: np.ndarray | None  # (L, H) LSTM cell state c_t, else None
    gates: dict[str, np.ndarray]  # name -> (L, H): LSTM i f g o, GRU r z n; {} for a vanilla RNN
    pre: np.ndarray  # (L, G*H) pre-activations in PyTorch gate-block order
    logits: np.ndarray  # (V,)
    probs: np.ndarray  # (V,) distribution over the next character
    loss: float | None  # -log probs[target], None without a target


class StepSession:
    """Model + text + cursor + settings, with the trace and gradients cached."""

    def __init__(
        self,
        text: str = "ABC",
        cell: str = "rnn",
        activation: str = "tanh",
        hidden_size: int = 8,
        num_layers: int = 1,
        embedding_dim: int | None = None,
        seed: int = 0,
        clipping: Clipping = Clipping(),
        dtype=np.float64,  # for every size: float32 prints vanishing gradients as 0 (test_engine_precision)
        params: dict[str, np.ndarray] | None = None,
        vocab: list[str] | None = None,
        source: str | None = None,
    ):
        """`vocab` fixes the vocabulary (as a checkpoint does); otherwise it follows the text.
        `source` names where given `params` come from when a state string can rebuild them ("abc")."""
        self._fixed_vocab = vocab is not None
        self._vocab = Vocab(vocab) if vocab is not None else Vocab.from_text(text)
        indices = self._encode(text, self._vocab)
        self._config = ModelConfig(
            cell=cell,
            activation=activation,
            hidden_size=hidden_size,
            num_layers=num_layers,
            vocab_size=len(self._vocab),
            embedding_dim=embedding_dim,
        )
        self._seed = self._check_seed(seed)
        self._dtype = np.dtype(dtype)
        self._clipping = clipping
        base = init_params(self._config, self._seed, self._dtype) if params is None else params
        self._model = self._new_model(self._config, base)
        self._base_params = self._model.params
        self._radii = KnownRadii()  # what is known of the current weights' spectral radii
        self._base_radii = KnownRadii()  # ... and of the base weights' (reset_weights returns to them)
        self._source = SEED_WEIGHTS if params is None else source
        self._edits: tuple[weights.WeightEdit, ...] = ()
        self._text = text
        self._indices = indices
        self._cursor = len(text)
        self._undo: list[WeightHistory] = []
        self._trace: Trace | None = None
        self._previous_trace: Trace | None = None  # this model over the previous text: a prefix to reuse
        self._gradients: Gradients | None = None
        # (trace, gradients of the last prediction's loss): valid while that trace is current.
        self._last_prediction: tuple[Trace, HiddenGradients | None] | None = None
        self.checkpoint_path: str | None = None
        self.checkpoint_sha256: str | None = None  # of the file as it was loaded

    @classmethod
    def from_checkpoint(
        cls, path, text: str | None = None, clipping: Clipping = Clipping(), seed: int = 0,
        loaded: Checkpoint | None = None,
    ) -> "StepSession":
        """Step a saved model: its config, weights and (fixed) vocabulary; text defaults to the vocab.

        `loaded`: the file at `path` already read (by a caller that checked it first), so it is read once."""
        ckpt = load_checkpoint(path) if loaded is None else loaded
        sha256 = file_sha256(path)
        cfg = ckpt.config
        session = cls(
            text="".join(ckpt.vocab)[:32] if text is None else text,
            cell=cfg.cell,
            activation=cfg.activation,
            hidden_size=cfg.hidden_size,
            num_layers=cfg.num_layers,
            embedding_dim=cfg.embedding_dim,
            seed=seed,
            clipping=clipping,
            params=ckpt.params,
            vocab=ckpt.vocab,
            source=CHECKPOINT_WEIGHTS,
        )
        session.checkpoint_path = str(path)
        session.checkpoint_sha256 = sha256
        return session

    # ------------------------------------------------------------------ reading

    @property
    def text(self) -> str:
        return self._text

    @property
    def vocab(self) -> Vocab:
        return self._vocab

    @property
    def vocab_is_fixed(self) -> bool:
        return self._fixed_vocab

    @property
    def config(self) -> ModelConfig:
        return self._config

    @property
    def seed(self) -> int:
        return self._seed

    @property
    def clipping(self) -> Clipping:
        return self._clipping

    @property
    def weights_source(self) -> str | None:
        """Where the base weights come from: SEED_WEIGHTS, CHECKPOINT_WEIGHTS, a named source such
        as the ABC lesson's, or None when they were given (a training run's) and cannot be named."""
        return self._source

    @property
    def edits(self) -> tuple[weights.WeightEdit, ...]:
        """The weight edits since the base weights, in order: replayed on the base they give `params`."""
        return self._edits

    @property
    def model(self) -> NumpyRNN:
        return self._model

    @property
    def params(self) -> dict[str, np.ndarray]:
        return self._model.params

    @property
    def T(self) -> int:
        return len(self._text)

    @property
    def cursor(self) -> int:
        """The timestep shown, 1..T."""
        return self._cursor

    @property
    def indices(self) -> np.ndarray:
        return self._indices

    @property
    def targets(self) -> np.ndarray:
        """Next-character targets; -1 at the last position."""
        return NumpyRNN.next_targets(self._indices)

    @property
    def trace(self) -> Trace:
        if self._trace is None:
            self._compute(("trace",))
        return self._trace

    @property
    def gradients(self) -> Gradients:
        if self._gradients is None:
            self._compute(("gradients",))
        return self._gradients

    @property
    def last_prediction_gradients(self) -> HiddenGradients | None:
        """BPTT of the last prediction's loss alone (position T-1 predicting character T).

        The total dL/dh_t adds every later position's own loss term, so it never shows vanishing;
        following one loss back through time shows the product of Jacobians shrinking or growing.
        This is what the gradient bars draw by default. None when there is no prediction (T < 2).
        Cached per trace; dL/dh_t only (no parameter's gradient), unclipped: the bars show the raw flow.
        """
        if "last" in self.pending(("last",)):
            self._compute(("last",))
        return self._last_prediction[1]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def current_step(self) -> StepView:
        return self.step_view(self._cursor)

    def step_view(self, t: int) -> StepView:
        """The view of timestep t (1..T)."""
        self._check_t(t)
        tr = self.trace
        i = t - 1
        target = int(self._indices[t]) if t < self.T else None
        probs = tr.probs[i]
        return StepView(
            t=t,
            char=self._text[i],
            target=None if target is None else self._vocab.chars[target],
            x=tr.x[i],
            h=tr.h[:, t],
            h_prev=tr.h[:, i],
            c=None if tr.c is None else tr.c[:, t],
            gates={name: g[:, i] for name, g in tr.gates.items()},
            pre=tr.pre[:, i],
            logits=tr.logits[i],
            probs=probs,
            loss=None if target is None else float(-np.log(max(probs[target], np.finfo(probs.dtype).tiny))),
        )

    def sample(self, length: int, temperature: float = 1.0, seed: int = 0) -> str:
        """`length` characters continuing the text after the cursor, from the model's own state there
        (sampling.generate primed with the character at the cursor); the same seed, the same text."""
        from rnntui.engine.sampling import NumpyStepper, generate

        t = self._cursor
        stepper = NumpyStepper(self._model)  # duck-typed: it reads .config and .params
        stepper.h = self.trace.h[:, t - 1]
        stepper.c = None if self.trace.c is None else self.trace.c[:, t - 1]
        prime = self._text[t - 1]
        return generate(stepper, self._vocab, prime, length, temperature, seed=seed)[len(prime):]

    def spectral_radii(self) -> Radii:
        """Per layer, the spectral radius of each weight_hh block (see weights.py for why blocks).
        Kept across edits that determine it, so a block is decomposed once per set of values."""
        if "radii" in self.pending(("radii",)):
            self._compute(("radii",))
        return self._radii.nested(self._config)

    def copy(self) -> "StepSession":
        """An independent session in the same state, for what-if edits (an exercise replaying keys).
        Edits never modify arrays in place (they install new ones), so the twin shares them safely."""
        twin = copy.copy(self)
        twin._undo = list(self._undo)
        return twin

    def prepare(self) -> "StepSession":
        """Compute every cache a redraw reads (trace, both BPTTs, radii) now, in the caller's
        thread or process, so whoever installs the session only draws it."""
        self._compute(PARTS)
        return self

    # ------------------------------------------------------------------ computing elsewhere

    def pending(self, parts: tuple[str, ...] = PARTS) -> tuple[str, ...]:
        """Which of `parts` (see recompute.PARTS) are not computed for the current state."""
        stale = {
            "trace": self._trace is None,
            "gradients": self._gradients is None,
            "last": self._trace is None or self._last_prediction is None or self._last_prediction[0] is not self._trace,
            "radii": bool(self._radii.missing(self._config)),
        }
        return tuple(part for part in PARTS if part in parts and stale[part])

    def job(self, parts: tuple[str, ...] = PARTS) -> Job:
        """What computing the pending ones among `parts` takes, safe to run in another thread."""
        return Job(
            key=(self._model, self._indices),
            parts=self.pending(parts),
            model=self._model,
            config=self._config,
            indices=self._indices,
            clipping=self._clipping,
            trace=self._trace,
            previous_trace=self._previous_trace,
            radii=self._radii,
        )

    def adopt(self, computed: Computed) -> bool:
        """Install a job's results where the session still holds the state they were computed for;
        False when an edit since then made some of them stale (those are dropped: the spectral
        radii follow the weights alone, the passes the weights and the text)."""
        model, indices = computed.key
        if model is not self._model:
            return False
        if computed.radii is not None and len(computed.radii.values) > len(self._radii.values):
            self._radii = computed.radii
            if model.params is self._base_params:
                self._base_radii = computed.radii
        if indices is not self._indices:
            return computed.trace is None and computed.gradients is None and computed.last is None
        if computed.trace is not None and self._trace is None:
            self._trace, self._previous_trace = computed.trace, None
        if computed.trace is self._trace:
            if computed.gradients is not None and self._gradients is None:
                same = computed.clipping == self._clipping  # else `k` was pressed while it ran
                self._gradients = computed.gradients if same else self._reclipped(computed.gradients)
            if computed.last is not None:
                self._last_prediction = (self._trace, computed.last[0])
        return True

    def _compute(self, parts: tuple[str, ...]) -> None:
        self.adopt(self.job(parts).run())

    # ------------------------------------------------------------------ cursor (recomputes nothing)

    def move_to(self, t: int) -> None:
        self._check_t(t)
        self._cursor = t

    def step_forward(self) -> bool:
        """Advance one timestep; False (and no change) at the end."""
        if self._cursor >= self.T:
            return False
        self._cursor += 1
        return True

    def step_back(self) -> bool:
        if self._cursor <= 1:
            return False
        self._cursor -= 1
        return True

    def first(self) -> None:
        self._cursor = 1

    def last(self) -> None:
        self._cursor = self.T

    # ------------------------------------------------------------------ input

    def set_text(self, text: str) -> None:
        """New input. The forward pass up to the first changed character is reused."""
        if self._fixed_vocab:
            vocab = self._vocab
        else:
            vocab = Vocab.from_text(text)
        indices = self._encode(text, vocab)
        if vocab != self._vocab:
            # A new alphabet changes the one-hot width and the head: fresh weights from the seed.
            config = self._config.with_(vocab_size=len(vocab))
            self._vocab = vocab
            self._replace_model(config, init_params(config, self._seed, self._dtype), new_base=True)
        elif self._trace is not None:
            self._previous_trace, self._trace = self._trace, None  # its unchanged prefix is reused
        self._text = text
        self._indices = indices
        self._gradients = None
        self._cursor = min(max(self._cursor, 1), len(text))

    # ------------------------------------------------------------------ settings

    def set_cell(self, cell: str) -> None:
        """Switch RNN/LSTM/GRU: the weights' shapes change, so they are re-initialised from the seed."""
        self._reconfigure(cell=cell)

    def set_activation(self, activation: str) -> None:
        """tanh/ReLU for the vanilla RNN. The weights keep their values: same weights, other curve."""
        config = self._config.with_(activation=activation)
        self._replace_model(config, self.params, new_base=False, radii=self._radii)

    def set_hidden_size(self, hidden_size: int) -> None:
        self._reconfigure(hidden_size=hidden_size)

    def set_layers(self, num_layers: int) -> None:
        self._reconfigure(num_layers=num_layers)

    def set_clipping(self, mode: str, threshold: float | None = None) -> None:
        """Change clipping; only the clipped copy of the gradients is recomputed."""
        self._clipping = Clipping(mode, self._clipping.threshold if threshold is None else float(threshold))
        if self._gradients is not None:
            self._gradients = self._reclipped(self._gradients)

    def _reclipped(self, gradients: Gradients) -> Gradients:
        """The gradients with the session's clipping applied to the unclipped ones."""
        clipped, _, after = clip_gradients(gradients.grads, self._clipping)
        return replace(gradients, clipped=clipped, grad_norm_clipped=after)

    def _reconfigure(self, **changes) -> None:
        config = self._config.with_(**changes)  # validates: raises before anything changes
        if config != self._config:
            self._replace_model(config, init_params(config, self._seed, self._dtype), new_base=True)

    # ------------------------------------------------------------------ weight edits (undoable)

    def set_weight(self, name: str, index, value) -> None:
        self.apply_edit(weights.SetEntry.of(name, index, value))

    def scale_weight(self, name: str, factor) -> None:
        self.apply_edit(weights.Scale.of(name, factor))

    def set_spectral_radius(self, radius, layer: int | None = None, block: str | None = None) -> None:
        self.apply_edit(weights.SpectralRadius.of(radius, layer, block))

    def apply_edit(self, edit: weights.WeightEdit) -> None:
        """Apply one edit (a key's, the editor's, or one replayed from a state string) and keep it."""
        params = edit.apply(self.params, self._config, self._radii)
        self._change_weights(params, self._base_params, self._seed, self._source, self._edits + (edit,),
                             edit.radii_after(self._radii, self._config))

    def randomize(self, seed: int) -> None:
        """Fresh weights from `seed`, which becomes the session's seed (reset_weights returns here)."""
        params = weights.rerandomize(self.params, self._config, seed)
        self._change_weights(params, params, int(seed), SEED_WEIGHTS, (), KnownRadii(), base_radii=KnownRadii())

    def reset_weights(self) -> None:
        """Back to the seed's (or the checkpoint's) weights; undoable."""
        self._change_weights(dict(self._base_params), self._base_params, self._seed, self._source, (), self._base_radii)

    def undo(self) -> None:
        """Revert the last weight change, and with it the seed and edits it replaced."""
        if not self._undo:
            raise RnntuiError("nothing to undo")
        previous = self._undo.pop()
        self._install(self._new_model(self._config, previous.params), previous.radii)
        self._base_params, self._seed, self._source, self._edits, self._base_radii = (
            previous.base, previous.seed, previous.source, previous.edits, previous.base_radii)

    def _change_weights(self, params, base, seed: int, source: str | None, edits: tuple, radii: KnownRadii,
                        base_radii: KnownRadii | None = None) -> None:
        """Install new weights; `radii` is what the change leaves known of their spectral radii."""
        model = self._new_model(self._config, params)  # validates before anything changes
        kept = sum(a.nbytes for name, a in self.params.items() if model.params[name] is not a)
        self._undo.append(WeightHistory(self.params, self._base_params, self._seed, self._source, self._edits,
                                        self._radii, self._base_radii, kept))
        del self._undo[:-MAX_UNDO]
        while len(self._undo) > 1 and sum(entry.kept for entry in self._undo) > MAX_UNDO_BYTES:
            del self._undo[0]
        self._install(model, radii)
        self._base_params, self._seed, self._source, self._edits = base, seed, source, edits
        if base_radii is not None:
            self._base_radii = base_radii

    # ------------------------------------------------------------------ internals

    def _new_model(self, config: ModelConfig, params) -> NumpyRNN:
        return NumpyRNN(config, params, self._dtype,
                        single_precision_products=config.hidden_size >= SINGLE_PRECISION_PRODUCTS_FROM)

    def _replace_model(self, config: ModelConfig, params, new_base: bool, radii: KnownRadii = KnownRadii()) -> None:
        model = self._new_model(config, params)
        self._config = config
        self._undo.clear()  # old edits refer to other shapes or another model
        self._install(model, radii)
        if new_base:
            self._base_params = model.params
            self._base_radii = radii
            self._source, self._edits = SEED_WEIGHTS, ()
            self.checkpoint_path = self.checkpoint_sha256 = None

    def _install(self, model: NumpyRNN, radii: KnownRadii) -> None:
        self._model = model
        self._radii = radii
        self._trace = None
        self._previous_trace = None
        self._gradients = None

    def _check_t(self, t: int) -> None:
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 1 <= t <= self.T:
            raise RnntuiError(f"timestep must be 1..{self.T}, got {t!r}")

    @staticmethod
    def _encode(text: str, vocab: Vocab) -> np.ndarray:
        if not text:
            raise RnntuiError("the text is empty: type at least one character")
        return vocab.encode(text)

    @staticmethod
    def _check_seed(seed) -> int:
        return check_seed(seed, "a seed")
