"""What a run reads: the training batches, the validation streams, and the losses scored over them.

Training (`TrainConfig.data`): `batch_size` streams read the training text side by side, each chunk
continuing where the previous one stopped, with the hidden state carried (detached) across chunks,
as char-rnn does, so the model learns to use context longer than one chunk, which is the state it
meets when sampling. `fixed-streams` cuts the text at the same places every epoch; `streams`
rotates it by a fresh random offset each epoch, so the cuts move; `windows` draws random windows,
each read from a zero state. Every batch is drawn whole from the seed alone (workers take their
rows of it), so a run resumes exactly.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from rnntui.i18n import t
from rnntui.train.torch_model import CharRNN
from rnntui.train.train_config import TrainConfig

VAL_STREAMS = 128  # parallel streams for the validation pass
BURN_IN = 100  # characters of context each validation stream reads before it is scored
IGNORE = -100  # target index cross_entropy skips


def data_rng(seed: int, *keys: int) -> np.random.Generator:
    """A generator for one epoch or batch, from the run's seed alone: resuming needs no saved stream."""
    return np.random.default_rng([seed, *keys])


class StreamBatches:
    """`batch` streams over `data`: chunk k of stream b is text[b*S + k*T : b*S + (k+1)*T] (+1 for targets).

    `text` is `data` rotated left by the epoch's offset (always 0 for fixed streams), so each epoch
    cuts the streams and chunks at new places; where the rotation joins the end to the start, one
    target crosses the seam, like a document boundary.
    """

    carries_state = True

    def __init__(self, data: np.ndarray, batch: int, seq_len: int, device: torch.device,
                 seed: int = 0, random_offsets: bool = False):
        self.data, self.device, self.seed, self.random_offsets = data, device, seed, random_offsets
        usable = len(data) - 1
        self.seq_len = min(seq_len, usable)
        self.streams = max(1, min(batch, usable // self.seq_len))
        self.stream_len = usable // self.streams
        self.chunks = self.stream_len // self.seq_len
        self.offset = 0
        self.start_epoch(0)

    def epoch_offset(self, epoch: int) -> int:
        if not self.random_offsets:
            return 0
        return int(data_rng(self.seed, epoch).integers(len(self.data) - 1))

    def start_epoch(self, epoch: int, offset: int | None = None) -> None:
        """Cut the streams for `epoch` (at the recorded `offset` when resuming)."""
        self.offset = self.epoch_offset(epoch) if offset is None else offset
        text = np.ascontiguousarray(np.roll(self.data, -self.offset) if self.offset else self.data)
        span = self.chunks * self.seq_len
        # Stream b is text[b * stream_len:][:span + 1]: a strided view of the text in its compact
        # index type, not a copy; each chunk's inputs and targets are two overlapping slices of it,
        # widened to int64 only chunk by chunk.
        rows = np.lib.stride_tricks.as_strided(text, (self.streams, span + 1),
                                               (self.stream_len * text.itemsize, text.itemsize))
        self.tokens = torch.from_numpy(rows).to(self.device)

    def chunk(self, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        start = k * self.seq_len
        window = self.tokens[:, start:start + self.seq_len + 1].long()
        return window[:, :-1], window[:, 1:]


class WindowBatches:
    """`batch` windows of `seq_len` at random places, each read from a zero state (no carried context).

    An epoch is as many batches as cover the text once; batch k of epoch e is drawn from (seed, e, k).
    """

    carries_state = False

    def __init__(self, data: np.ndarray, batch: int, seq_len: int, device: torch.device, seed: int = 0):
        self.data, self.device, self.seed = data, device, seed
        usable = len(data) - 1
        self.seq_len = min(seq_len, usable)
        self.streams = batch
        self.chunks = max(1, usable // (batch * self.seq_len))
        self.offset = 0
        self.epoch = 0

    def start_epoch(self, epoch: int, offset: int | None = None) -> None:
        self.epoch = epoch

    def chunk(self, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        starts = data_rng(self.seed, self.epoch, k).integers(len(self.data) - self.seq_len, size=self.streams)
        rows = torch.from_numpy(self.data[starts[:, None] + np.arange(self.seq_len + 1)]).to(self.device).long()
        return rows[:, :-1], rows[:, 1:]


def train_batches(data: np.ndarray, config: TrainConfig, device: torch.device) -> StreamBatches | WindowBatches:
    if config.data == "windows":
        return WindowBatches(data, config.batch_size, config.seq_len, device, config.seed)
    return StreamBatches(data, config.batch_size, config.seq_len, device, config.seed,
                         random_offsets=config.data == "streams")


class ValidationStreams:
    """The validation text as up to VAL_STREAMS streams, each scored after BURN_IN chars of context.

    Many streams keep the forward pass's matrix products wide (four times faster than 32 here);
    the burn-in gives each stream the state it would have had reading from the start, so the
    loss does not pay for every stream starting cold. Every target is scored exactly once.
    """

    def __init__(self, data: np.ndarray, seq_len: int, device: torch.device):
        targets_total = len(data) - 1
        self.seq_len = max(1, min(seq_len, targets_total))
        self.streams = max(1, min(VAL_STREAMS, targets_total // self.seq_len))
        span = targets_total // self.streams
        burn = min(BURN_IN, span)
        length = burn + span
        # The text's own compact index type; targets need a signed one for IGNORE. Widened per chunk.
        inputs = np.zeros((self.streams, length), dtype=data.dtype)
        targets = np.full((self.streams, length), IGNORE, dtype=np.promote_types(data.dtype, np.int16))
        # Stream 0 starts at the text's start, from zeros as training does, and scores its first
        # `span` targets (what it reads after them is unscored); every other stream reads `burn`
        # characters of the preceding text first and scores its last `span` targets.
        head = data[:min(length, targets_total)]
        inputs[0, :len(head)] = head
        targets[0, :span] = data[1:span + 1]
        for b in range(1, self.streams):
            start = b * span
            inputs[b] = data[start - burn:start + span]
            targets[b, burn:] = data[start + 1:start + span + 1]
        self.inputs = torch.from_numpy(inputs).to(device)
        self.targets = torch.from_numpy(targets).to(device)
        self.chunks = math.ceil(length / self.seq_len)

    def chunk(self, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        cols = slice(k * self.seq_len, (k + 1) * self.seq_len)
        return self.inputs[:, cols].long(), self.targets[:, cols].long()


def stream_loss_sums(model: CharRNN, data: ValidationStreams, rows: slice = slice(None)) -> tuple[float, int]:
    """(summed cross-entropy, targets scored) over `data`'s streams `rows`, float32, state carried."""
    streams = range(data.streams)[rows]
    if not streams:
        return 0.0, 0
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    state = model.zero_state(len(streams))
    with torch.no_grad():
        for k in range(data.chunks):
            x, y = data.chunk(k)
            x, y = x[rows], y[rows]
            logits, state = model(x, state)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                                     ignore_index=IGNORE, reduction="sum").item()
            count += int((y != IGNORE).sum())
    model.train(was_training)
    return total, count


def stream_loss(model: CharRNN, data: ValidationStreams) -> float:
    """Mean cross-entropy of `model` over all of `data`'s streams (one process)."""
    total, count = stream_loss_sums(model, data)
    return total / count


def window_loss(model: CharRNN, data: np.ndarray, length: int, device: torch.device, batch: int = 256) -> float:
    """Mean cross-entropy over consecutive `length`-character windows of `data`, each from a zero state.

    The other common way to score a char model (nanoGPT's): no context beyond the window, so it is
    higher than `stream_loss` and favours models trained from zero states.
    """
    windows = (len(data) - 1) // length
    if windows < 1:
        raise ValueError(t("train.data.no_windows", length=length))
    rows = torch.from_numpy(np.ascontiguousarray(data[:windows * length + 1])).long()
    inputs = rows[:-1].view(windows, length).to(device)
    targets = rows[1:].view(windows, length).to(device)
    was_training = model.training
    model.eval()
    total = 0.0
    with torch.no_grad():
        for b in range(0, windows, batch):
            logits, _ = model(inputs[b:b + batch])
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets[b:b + batch].reshape(-1),
                                     reduction="sum").item()
    model.train(was_training)
    return total / targets.numel()

