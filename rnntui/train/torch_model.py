"""The PyTorch model: optional embedding -> nn.RNN/LSTM/GRU -> linear head, named as checkpoints.

Inputs are character indices (one-hot or embedded) or, for the paper's tasks and time series,
real-valued vectors; the head's outputs are logits (softmax head) or predicted values (linear
head), and `sequence_loss` scores either with the loss the NumPy engine computes.

The submodules are called `embedding`, `rnn` and `head`, so `state_dict()` keys are exactly the
checkpoint tensor names (`rnn.weight_ih_l0`, `head.bias`, ...) and the NumPy engine can step
through any trained model. Imports torch: only torch-side code imports this module.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnntui.engine.config import ModelConfig

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]  # h, or (h, c) for an LSTM; each (L, B, H)


class CharRNN(nn.Module):
    def __init__(self, config: ModelConfig, dropout: float = 0.0):
        super().__init__()
        self.config = config
        if config.embedding_dim is not None:
            self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim)
        kwargs = dict(
            input_size=config.input_size,
            hidden_size=config.hidden_size,
            num_layers=config.num_layers,
            batch_first=True,
            # PyTorch applies dropout between layers only, and warns when there is one layer.
            dropout=dropout if config.num_layers > 1 else 0.0,
        )
        if config.cell == "lstm":
            self.rnn = nn.LSTM(**kwargs)
        elif config.cell == "gru":
            self.rnn = nn.GRU(**kwargs)
        else:
            self.rnn = nn.RNN(nonlinearity=config.activation, **kwargs)
        # Also before the head, so a one-layer model is regularised too; it has no parameters, so
        # checkpoints do not change and a run may resume with another rate.
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, indices: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """indices (B, T) int64, or values (B, T, input_dim) -> outputs (B, T, V) and the state after
        the last timestep."""
        if self.config.input_dim is not None:
            x = indices.to(self.head.weight.dtype)
        elif self.config.embedding_dim is not None:
            x = self.embedding(indices)
        else:
            x = F.one_hot(indices, self.config.vocab_size).to(self.head.weight.dtype)
        out, state = self.rnn(x, state)
        return self.head(self.dropout(out)), state

    def zero_state(self, batch: int) -> State:
        cfg = self.config
        h = self.head.weight.new_zeros(cfg.num_layers, batch, cfg.hidden_size)
        return (h, h.clone()) if cfg.cell == "lstm" else h

    # --- conversion to and from the checkpoint's numpy parameters ---

    def numpy_params(self) -> dict[str, np.ndarray]:
        """float32 copies of every parameter, keyed by checkpoint name, in parameter_shapes() order."""
        state = self.state_dict()
        return {name: state[name].detach().to("cpu", torch.float32).numpy().copy()
                for name in self.config.parameter_shapes()}

    def load_numpy_params(self, params: dict[str, np.ndarray]) -> None:
        self.load_state_dict({name: torch.from_numpy(np.asarray(value, dtype=np.float32))
                              for name, value in params.items()})


def sequence_loss(outputs: torch.Tensor, targets: torch.Tensor, head: str) -> torch.Tensor:
    """The training loss over the positions that have a target, as NumpyRNN.loss computes it.

    softmax: targets (B, T) int64 class indices, -1 where there is none; mean cross-entropy.
    linear: targets (B, T, V) values, nan where there is none; mean squared error per output.
    """
    if head == "softmax":
        return F.cross_entropy(outputs.reshape(-1, outputs.shape[-1]), targets.reshape(-1), ignore_index=-1)
    valid = ~torch.isnan(targets).any(dim=-1)
    return F.mse_loss(outputs[valid], targets[valid])


def detach_state(state: State) -> State:
    """Cut the graph between truncated-BPTT chunks while keeping the values."""
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def state_tensors(state: State) -> dict[str, torch.Tensor]:
    """The state as named tensors, for saving: {"h": ...} or {"h": ..., "c": ...}."""
    if isinstance(state, tuple):
        return {"h": state[0], "c": state[1]}
    return {"h": state}


def state_from_tensors(tensors: dict[str, torch.Tensor]) -> State:
    return (tensors["h"], tensors["c"]) if "c" in tensors else tensors["h"]
