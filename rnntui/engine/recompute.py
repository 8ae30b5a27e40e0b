"""A StepSession's caches recomputed as a job that may run in another thread.

A weight edit, a new text or a new cell leaves the session's trace, gradients and spectral radii
stale. `StepSession.job()` captures what they are computed from in a `Job`: the model object, the
character indices, the previous trace (whose unchanged prefix is reused), the clipping and the
radii known so far. None of these is ever modified in place (an edit installs new ones), so
`Job.stages()` reads nothing the session can change under it. It computes one part at a time and
yields a `Computed` after each, so whoever runs it elsewhere can hand each part over as soon as
it is ready, and can stop between parts when a newer edit has made the job worthless.
`StepSession.adopt` installs a Computed only while the session still holds the state the job
was made for: a result that arrives late is dropped, never shown as current.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from rnntui.engine.config import GATES_PER_CELL, ModelConfig
from rnntui.engine.numpy_rnn import Clipping, Gradients, HiddenGradients, NumpyRNN, Trace
from rnntui.engine.spectral import KnownRadii

# What a redraw reads, in the order a job computes them: the forward pass first (every pane but
# the gradients and the status line's ρ draws from it), the spectral radii last (the slowest when
# the weights are new, and shown in one place).
PARTS = ("trace", "gradients", "last", "radii")


@dataclass(frozen=True)
class Computed:
    """The parts computed so far by one job (None: not computed, or not asked for)."""

    key: tuple  # identifies the state the job was made for (see StepSession.adopt)
    clipping: Clipping  # what `gradients.clipped` was clipped with
    trace: Trace | None = None
    gradients: Gradients | None = None
    last: tuple[HiddenGradients | None] | None = None  # a 1-tuple: its content may be None (T < 2)
    radii: KnownRadii | None = None


@dataclass(frozen=True)
class Job:
    """Everything the missing parts are computed from; nothing here changes after creation."""

    key: tuple
    parts: tuple[str, ...]  # the parts to compute, in PARTS order
    model: NumpyRNN
    config: ModelConfig
    indices: np.ndarray
    clipping: Clipping
    trace: Trace | None  # already computed for this state, if it is
    previous_trace: Trace | None  # a trace of the same model over an earlier text: its prefix is reused
    radii: KnownRadii

    def stages(self) -> Iterator[Computed]:
        """Compute the parts one by one; after each, everything computed so far."""
        done = Computed(self.key, self.clipping, trace=self.trace)
        needs_trace = any(part in self.parts for part in ("trace", "gradients", "last"))
        if needs_trace and done.trace is None:
            done = _with(done, trace=self._forward())
            yield done
        targets = NumpyRNN.next_targets(self.indices)
        both = "gradients" in self.parts and "last" in self.parts and done.trace.T >= 2
        if both:  # one pass back through time for the two losses
            gradients, last = self.model.backward_with_hidden(
                done.trace, targets, last_prediction_targets(targets), self.clipping)
            done = _with(done, gradients=gradients, last=(last,))
            yield done
        if "gradients" in self.parts and not both:
            done = _with(done, gradients=self.model.backward(done.trace, targets, self.clipping))
            yield done
        if "last" in self.parts and not both:
            done = _with(done, last=(last_prediction_gradients(self.model, done.trace, targets),))
            yield done
        if "radii" in self.parts:
            done = _with(done, radii=self.radii.complete(self.model.params, self.config))
            yield done

    def work(self) -> int:
        """Multiply-adds the job takes, roughly: the size of the job, for deciding where to run it."""
        cfg = self.config
        width = GATES_PER_CELL[cfg.cell] * cfg.hidden_size
        per_pass = len(self.indices) * cfg.num_layers * width * (cfg.hidden_size + max(cfg.input_size, cfg.hidden_size))
        passes = sum(part in self.parts for part in ("gradients", "last")) * 2  # BPTT: about two forward passes
        if self.trace is None and any(part in self.parts for part in ("trace", "gradients", "last")):
            passes += 1
        # an eigen-decomposition takes about 10 H³ flops (Hessenberg reduction, then QR steps)
        eigen = len(self.radii.missing(cfg)) * 10 * cfg.hidden_size**3 if "radii" in self.parts else 0
        return passes * per_pass + eigen

    def run(self) -> Computed:
        """All the parts, in the caller's thread."""
        done = Computed(self.key, self.clipping, trace=self.trace)
        for done in self.stages():
            pass
        return done

    def _forward(self) -> Trace:
        if self.previous_trace is None:
            return self.model.forward(self.indices)
        return extend_trace(self.model, self.previous_trace, self.indices)


def _with(done: Computed, **parts) -> Computed:
    return Computed(**{**done.__dict__, **parts})


def last_prediction_targets(targets: np.ndarray) -> np.ndarray:
    """The targets of the last prediction's loss alone (position T-1 predicting character T)."""
    only_last = np.full(len(targets), -1, dtype=np.int64)
    only_last[-2] = targets[-2]
    return only_last


def last_prediction_gradients(model: NumpyRNN, trace: Trace, targets: np.ndarray) -> HiddenGradients | None:
    """dL/dh_t for the last prediction's loss alone; None without a prediction (T < 2)."""
    if trace.T < 2:
        return None
    return model.backward_hidden(trace, last_prediction_targets(targets))


def concat_traces(old: Trace, k: int, new: Trace | None) -> Trace:
    """old's first k timesteps followed by `new` (run from old's state after step k), if any."""

    def join(a, b, axis=1):  # arrays are [layer, time, unit]; per-time arrays use axis 0
        return a if b is None else np.concatenate([a, b], axis=axis)

    def part(name):
        return None if new is None else getattr(new, name)

    return Trace(
        indices=join(old.indices[:k], part("indices"), axis=0),
        x=join(old.x[:k], part("x"), axis=0),
        h=join(old.h[:, : k + 1], None if new is None else new.h[:, 1:]),
        c=None if old.c is None else join(old.c[:, : k + 1], None if new is None else new.c[:, 1:]),
        pre=join(old.pre[:, :k], part("pre")),
        gates={n: join(g[:, :k], None if new is None else new.gates[n]) for n, g in old.gates.items()},
        logits=join(old.logits[:k], part("logits"), axis=0),
        probs=join(old.probs[:k], part("probs"), axis=0),
        hidden_n=None if old.hidden_n is None else join(old.hidden_n[:, :k], part("hidden_n")),
    )


def extend_trace(model: NumpyRNN, old: Trace, indices: np.ndarray) -> Trace:
    """The trace over `indices`, running the forward pass only from the first character that
    differs from the text `old` was run over."""
    n = min(len(old.indices), len(indices))
    changed = np.flatnonzero(old.indices[:n] != indices[:n])
    k = int(changed[0]) if changed.size else n  # timesteps that stay the same
    if k == len(indices) == len(old.indices):
        return old
    if k == len(indices):  # the new text is a prefix of the old one: nothing to run
        return concat_traces(old, k, None)
    if k == 0:
        return model.forward(indices)
    c0 = None if old.c is None else old.c[:, k]
    tail = model.forward(indices[k:], h0=old.h[:, k], c0=c0)
    return concat_traces(old, k, tail)
