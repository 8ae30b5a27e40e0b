"""The NumPy step-engine: vanilla RNN (tanh/ReLU), LSTM and GRU, forward trace and BPTT.

Parameters use PyTorch's names, shapes and gate order (see docs/architecture.md), so a checkpoint
trained with `nn.RNN/LSTM/GRU` steps through here unchanged. Every quantity a learner may want to
see (pre-activations, gates, h_t, c_t, probabilities, dL/dh_t) is kept in the returned trace.

Layers are processed one at a time over the whole sequence: the input projections W_ih x_t of a
layer are one matrix product for all t, and only the recurrent part loops over time. That keeps the
per-timestep Python work to a handful of small vector operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from rnntui.engine.config import GATES_PER_CELL, ModelConfig
from rnntui.engine.recurrent_products import (RecurrentProducts, matmul_rows, single_precision_fits,
                                               sum_of_outer_products)
from rnntui.errors import RnntuiError

CLIP_MODES = ("off", "norm", "value")


def sigmoid(x: np.ndarray) -> np.ndarray:
    # The tanh form never overflows and avoids masked indexing, which dominates at small H.
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax over the last axis, stable for any finite logits."""
    scaled = logits / temperature
    shifted = scaled - scaled.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def init_params(config: ModelConfig, seed: int = 0, dtype=np.float64) -> dict[str, np.ndarray]:
    """Weights initialised as PyTorch does: U(-1/sqrt(H), 1/sqrt(H)); embedding N(0, 1).

    Drawn from `np.random.default_rng(seed)` in `parameter_shapes()` order, so the same seed gives
    the same weights on every machine.
    """
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(config.hidden_size)
    params = {}
    for name, shape in config.parameter_shapes().items():
        if name == "embedding.weight":
            params[name] = rng.standard_normal(shape).astype(dtype)
        else:
            params[name] = rng.uniform(-bound, bound, size=shape).astype(dtype)
    return params


@dataclass(frozen=True)
class Clipping:
    """How gradients are clipped before an update."""

    mode: str = "norm"  # "off" | "norm" (clip_grad_norm_ semantics) | "value" (element-wise clamp)
    threshold: float = 5.0  # max global norm, or max |g| per element

    def __post_init__(self) -> None:
        if self.mode not in CLIP_MODES:
            raise RnntuiError(f"unknown clipping mode {self.mode!r}: choose off, norm or value")
        if not (np.isfinite(self.threshold) and self.threshold > 0):
            raise RnntuiError(f"clipping threshold must be a finite number > 0, got {self.threshold!r}")


def global_norm(grads: dict[str, np.ndarray]) -> float:
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


def clip_gradients(
    grads: dict[str, np.ndarray], clipping: Clipping
) -> tuple[dict[str, np.ndarray], float, float]:
    """Return (clipped grads, norm before, norm after). Inputs are never modified."""
    before = global_norm(grads)
    if clipping.mode == "off":
        return grads, before, before
    if clipping.mode == "norm":
        # torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6), never scale up.
        coef = min(clipping.threshold / (before + 1e-6), 1.0)
        clipped = {name: g * coef for name, g in grads.items()}
    else:
        t = clipping.threshold
        clipped = {name: np.clip(g, -t, t) for name, g in grads.items()}
    return clipped, before, global_norm(clipped)


@dataclass
class Trace:
    """A forward pass over T inputs; arrays are indexed [layer, time, unit]."""

    indices: np.ndarray  # (T,) character indices; -1 everywhere when the inputs are real values
    x: np.ndarray  # (T, input_size) what layer 0 sees: one-hot row, embedding row or the values
    h: np.ndarray  # (L, T+1, H); h[:, 0] is h0, h[:, t] is h_t for t = 1..T
    c: np.ndarray | None  # (L, T+1, H) LSTM cell states, else None
    pre: np.ndarray  # (L, T, G*H) pre-activations in PyTorch's gate-block order
    gates: dict[str, np.ndarray]  # name -> (L, T, H): LSTM i f g o; GRU r z n; vanilla RNN: {}
    logits: np.ndarray  # (T, V) the head's outputs: logits, or the predicted values of a linear head
    probs: np.ndarray | None  # (T, V) softmax head: distribution of the class after position t; linear: None
    # GRU only: W_hn h_{t-1} + b_hn, needed by the backward pass (r multiplies it).
    hidden_n: np.ndarray | None = field(default=None, repr=False)

    @property
    def T(self) -> int:
        return int(self.x.shape[0])

    @cached_property
    def states_finite(self) -> bool:
        """No nan or inf in h (or c): asked at every redraw, and a trace never changes once made."""
        return all(np.isfinite(a).all() for a in ([self.h] if self.c is None else [self.h, self.c]))


@dataclass
class HiddenGradients:
    """Backprop through time to the hidden states only: what the gradient bars draw."""

    loss: float | None  # cross-entropy or squared error, averaged over positions with a target (None if none)
    dh: np.ndarray  # (L, T, H) total derivative dL/dh_t through all later timesteps, t = 1..T
    grad_norm_h: np.ndarray  # (L, T) ||dL/dh_t||


@dataclass
class Gradients(HiddenGradients):
    """Backprop through time over one Trace, down to every parameter."""

    grads: dict[str, np.ndarray]  # dL/dparam before clipping, same keys and shapes as params
    grad_norm: float  # global norm before clipping
    clipped: dict[str, np.ndarray]  # after clipping (the same arrays when clipping is off)
    grad_norm_clipped: float  # global norm after clipping
    param_grad_norms: dict[str, float]  # per parameter, before clipping

    # Cached: the panes read these at every redraw, stepping included, and for a big model they
    # walk every gradient (millions of numbers). A change of clipping makes a new Gradients.
    @cached_property
    def clipped_param_norms(self) -> dict[str, float]:
        """Per parameter, after clipping (the same as before where clipping changed nothing)."""
        return {name: float(np.linalg.norm(g)) for name, g in self.clipped.items()}

    @cached_property
    def clip_cosine(self) -> float:
        """Cosine between the whole gradient before and after clipping: 1 when clipping kept its
        direction (clipping by norm always does), below 1 when it turned it (clipping by value can)."""
        before = np.concatenate([g.ravel() for g in self.grads.values()])
        after = np.concatenate([self.clipped[name].ravel() for name in self.grads])
        scale = float(np.linalg.norm(before) * np.linalg.norm(after))
        return float(before @ after / scale) if scale > 0 and np.isfinite(scale) else 1.0


class NumpyRNN:
    """A stacked RNN/LSTM/GRU with an optional embedding and a linear head, in NumPy."""

    def __init__(self, config: ModelConfig, params: dict[str, np.ndarray], dtype=np.float64,
                 single_precision_products: bool = False):
        """`single_precision_products`: BPTT's products with W_hh in scaled float32, which keeps the
        printed figures (see recurrent_products.py) and reads half the memory per step back. The
        default, plain float64, is what the parity tests check."""
        expected = config.parameter_shapes()
        missing = expected.keys() - params.keys()
        extra = params.keys() - expected.keys()
        if missing or extra:
            detail = ", ".join(
                [f"missing {n}" for n in sorted(missing)] + [f"unexpected {n}" for n in sorted(extra)]
            )
            raise RnntuiError(f"parameters do not match the model config: {detail}")
        self.config = config
        self.dtype = np.dtype(dtype)
        self.params: dict[str, np.ndarray] = {}
        for name, shape in expected.items():
            value = np.asarray(params[name], dtype=self.dtype)
            if value.shape != shape:
                raise RnntuiError(f"{name} has shape {value.shape}, expected {shape}")
            if not np.all(np.isfinite(value)):
                raise RnntuiError(f"{name} contains a non-finite value (nan or inf)")
            self.params[name] = value
        self.products = [
            RecurrentProducts(w_hh, single_precision_products and single_precision_fits(w_hh))
            for w_hh in (self.params[f"rnn.weight_hh_l{layer}"] for layer in range(config.num_layers))
        ]

    @classmethod
    def random(cls, config: ModelConfig, seed: int = 0, dtype=np.float64) -> "NumpyRNN":
        return cls(config, init_params(config, seed, dtype), dtype)

    # ------------------------------------------------------------------ forward

    def embed(self, indices: np.ndarray) -> np.ndarray:
        """x_t for every position: one-hot rows, or rows of the embedding matrix."""
        if "embedding.weight" in self.params:
            return self.params["embedding.weight"][indices]
        x = np.zeros((len(indices), self.config.vocab_size), dtype=self.dtype)
        x[np.arange(len(indices)), indices] = 1.0
        return x

    def inputs_to_x(self, inputs) -> tuple[np.ndarray, np.ndarray]:
        """(indices, x) for either kind of input: character indices, or (T, input_dim) real values."""
        cfg = self.config
        if cfg.input_kind == "values":
            x = np.asarray(inputs, dtype=self.dtype)
            if x.ndim != 2 or x.shape[1] != cfg.input_dim:
                raise RnntuiError(f"this model reads vectors of {cfg.input_dim} values per timestep, "
                                  f"got an array of shape {x.shape}")
            if not np.all(np.isfinite(x)):
                raise RnntuiError("an input value is nan or inf")
            return np.full(x.shape[0], -1, dtype=np.int64), x
        indices = np.asarray(inputs, dtype=np.int64).reshape(-1)
        if indices.size and (indices.min() < 0 or indices.max() >= cfg.vocab_size):
            raise RnntuiError(f"character index out of range 0..{cfg.vocab_size - 1}")
        return indices, self.embed(indices)

    def forward(
        self,
        inputs,
        h0: np.ndarray | None = None,
        c0: np.ndarray | None = None,
    ) -> Trace:
        """Run the model over `inputs`: character indices (T,), or real values (T, input_dim)."""
        cfg = self.config
        indices, x = self.inputs_to_x(inputs)
        T, L, H = len(indices), cfg.num_layers, cfg.hidden_size
        G = GATES_PER_CELL[cfg.cell]
        h = np.zeros((L, T + 1, H), dtype=self.dtype)
        if h0 is not None:
            h[:, 0] = h0
        c = None
        if cfg.cell == "lstm":
            c = np.zeros((L, T + 1, H), dtype=self.dtype)
            if c0 is not None:
                c[:, 0] = c0
        pre = np.zeros((L, T, G * H), dtype=self.dtype)
        gates = {name: np.zeros((L, T, H), dtype=self.dtype) for name in cfg.gate_names}
        hidden_n = np.zeros((L, T, H), dtype=self.dtype) if cfg.cell == "gru" else None

        layer_input = x
        for layer in range(L):
            p = self._layer_params(layer)
            # Input projections for all timesteps at once; only the recurrence loops over t.
            projected = layer_input @ p["w_ih"].T + p["b_ih"]
            if cfg.cell == "rnn":
                self._rnn_layer(projected, p, h[layer], pre[layer])
            elif cfg.cell == "lstm":
                self._lstm_layer(projected, p, h[layer], c[layer], pre[layer], gates, layer)
            else:
                self._gru_layer(projected, p, h[layer], pre[layer], gates, layer, hidden_n[layer])
            layer_input = h[layer, 1:]

        logits = h[L - 1, 1:] @ self.params["head.weight"].T + self.params["head.bias"]
        probs = softmax(logits) if cfg.head == "softmax" else None
        return Trace(indices, x, h, c, pre, gates, logits, probs, hidden_n)

    def _layer_params(self, layer: int) -> dict[str, np.ndarray]:
        p = self.params
        return {
            "w_ih": p[f"rnn.weight_ih_l{layer}"],
            "w_hh": p[f"rnn.weight_hh_l{layer}"],
            "b_ih": p[f"rnn.bias_ih_l{layer}"],
            "b_hh": p[f"rnn.bias_hh_l{layer}"],
            "products": self.products[layer],
        }

    def _rnn_layer(self, projected, p, h, pre) -> None:
        hh_products = p["products"]
        projected = projected + p["b_hh"]  # both biases folded in before the loop
        activation = (lambda a: np.maximum(a, 0.0)) if self.config.activation == "relu" else np.tanh
        for t in range(projected.shape[0]):
            a = np.add(projected[t], hh_products.times_hidden(h[t]), out=pre[t])
            h[t + 1] = activation(a)

    def _lstm_layer(self, projected, p, h, c, pre, gates, layer) -> None:
        H = self.config.hidden_size
        hh_products = p["products"]
        projected = projected + p["b_hh"]
        # sigmoid(x) = 0.5 * tanh(x / 2) + 0.5, so all four gates are one tanh per step:
        # act = tanh(a * scale) * scale + shift, with the g block (plain tanh) at scale 1, shift 0.
        scale = np.full(4 * H, 0.5, dtype=self.dtype)
        scale[2 * H : 3 * H] = 1.0
        shift = np.full(4 * H, 0.5, dtype=self.dtype)
        shift[2 * H : 3 * H] = 0.0
        acts = np.empty_like(pre)
        for t in range(projected.shape[0]):
            a = np.add(projected[t], hh_products.times_hidden(h[t]), out=pre[t])
            act = acts[t]
            np.tanh(a * scale, out=act)
            act *= scale
            act += shift
            c[t + 1] = act[H : 2 * H] * c[t] + act[:H] * act[2 * H : 3 * H]
            h[t + 1] = act[3 * H :] * np.tanh(c[t + 1])
        for k, name in enumerate(("i", "f", "g", "o")):
            gates[name][layer] = acts[:, k * H : (k + 1) * H]

    def _gru_layer(self, projected, p, h, pre, gates, layer, hidden_n) -> None:
        H = self.config.hidden_size
        hh_products, b_hh = p["products"], p["b_hh"]
        gr, gz, gn = (gates[n][layer] for n in ("r", "z", "n"))
        for t in range(projected.shape[0]):
            hh = hh_products.times_hidden(h[t]) + b_hh
            rz = sigmoid(projected[t, : 2 * H] + hh[: 2 * H])
            gr[t], gz[t] = rz[:H], rz[H:]
            hidden_n[t] = hh[2 * H :]
            a_n = projected[t, 2 * H :] + gr[t] * hidden_n[t]
            pre[t, : 2 * H] = projected[t, : 2 * H] + hh[: 2 * H]
            pre[t, 2 * H :] = a_n
            gn[t] = np.tanh(a_n)
            h[t + 1] = (1.0 - gz[t]) * gn[t] + gz[t] * h[t]

    # ------------------------------------------------------------------ backward

    @staticmethod
    def next_targets(indices) -> np.ndarray:
        """Next-character targets: targets[t] = indices[t+1]; the last position has none (-1)."""
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        targets = np.full_like(indices, -1)
        targets[:-1] = indices[1:]
        return targets

    def targets_array(self, targets, T: int) -> tuple[np.ndarray, np.ndarray]:
        """(targets, valid): a softmax head takes class indices (T,) with -1 for "no target"; a
        linear head takes values (T, V), or (T,) when V is 1, with nan for "no target"."""
        if self.config.head == "softmax":
            targets = np.asarray(targets, dtype=np.int64).reshape(-1)
            valid = targets >= 0
        else:
            targets = np.asarray(targets, dtype=self.dtype)
            if targets.ndim == 1 and self.config.vocab_size == 1:
                targets = targets[:, None]
            if targets.ndim != 2 or targets.shape[1] != self.config.vocab_size:
                raise RnntuiError(f"a linear head of {self.config.vocab_size} outputs needs targets of shape "
                                  f"({T}, {self.config.vocab_size}), got {targets.shape}")
            valid = ~np.isnan(targets).any(axis=1)
        if targets.shape[0] != T:
            raise RnntuiError(f"{targets.shape[0]} targets for {T} timesteps")
        return targets, valid

    def loss(self, trace: Trace, targets) -> float | None:
        """Mean cross-entropy (softmax head) or mean squared error per output (linear head) over the
        positions that have a target, as F.cross_entropy(ignore_index=-1) and F.mse_loss compute them."""
        targets, valid = self.targets_array(targets, trace.T)
        if not valid.any():
            return None
        if self.config.head == "linear":
            return float(np.mean((trace.logits[valid] - targets[valid]) ** 2))
        p = trace.probs[valid, targets[valid]]
        return float(-np.mean(np.log(np.maximum(p, np.finfo(self.dtype).tiny))))

    def output_gradient(self, trace: Trace, targets) -> np.ndarray:
        """dL/d(head outputs) for every position; zero where there is no target."""
        targets, valid = self.targets_array(targets, trace.T)
        n_valid = int(valid.sum())
        d = np.zeros_like(trace.logits)
        if not n_valid:
            return d
        if self.config.head == "linear":
            d[valid] = 2.0 * (trace.logits[valid] - targets[valid]) / (n_valid * self.config.vocab_size)
        else:
            d[valid] = trace.probs[valid]
            d[np.flatnonzero(valid), targets[valid]] -= 1.0
            d /= n_valid
        return d

    def backward(self, trace: Trace, targets, clipping: Clipping = Clipping()) -> Gradients:
        """Backprop through time: every parameter's gradient and the total dL/dh_t per layer."""
        dh_total, grads = self._backprop(trace, [targets], parameters=True)
        return self._gradients(trace, targets, dh_total[0], grads, clipping)

    def backward_hidden(self, trace: Trace, targets) -> HiddenGradients:
        """dL/dh_t alone: the same recursion as `backward`, without the parameters' gradients
        (the matrix products that turn dL/da_t into dL/dW cost as much as the recursion)."""
        dh_total, _ = self._backprop(trace, [targets], parameters=False)
        return self._hidden(trace, targets, dh_total[0])

    def backward_with_hidden(
        self, trace: Trace, targets, hidden_targets, clipping: Clipping = Clipping()
    ) -> tuple[Gradients, HiddenGradients]:
        """`backward(trace, targets)` and `backward_hidden(trace, hidden_targets)` in one pass back
        through time: the two recursions share the loop, the local derivatives and every
        element-wise step (see RecurrentProducts.rows_times for why each still multiplies by W_hh on its own)."""
        dh_total, grads = self._backprop(trace, [targets, hidden_targets], parameters=True)
        return (self._gradients(trace, targets, dh_total[0], grads, clipping),
                self._hidden(trace, hidden_targets, dh_total[1]))

    def _hidden(self, trace: Trace, targets, dh: np.ndarray) -> HiddenGradients:
        return HiddenGradients(self.loss(trace, targets), dh, np.linalg.norm(dh, axis=2))

    def _gradients(self, trace: Trace, targets, dh: np.ndarray, grads, clipping: Clipping) -> Gradients:
        clipped, before, after = clip_gradients(grads, clipping)
        return Gradients(
            loss=self.loss(trace, targets),
            dh=dh,
            grad_norm_h=np.linalg.norm(dh, axis=2),
            grads=grads,
            grad_norm=before,
            clipped=clipped,
            grad_norm_clipped=after,
            param_grad_norms={name: float(np.linalg.norm(g)) for name, g in grads.items()},
        )

    def _backprop(self, trace: Trace, target_sets, parameters: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """dL/dh_t per layer for each loss in `target_sets` (K, L, T, H), and dL/dparam of the
        first loss if `parameters` (else {}). The K recursions run side by side."""
        cfg = self.config
        T, L, H = trace.T, cfg.num_layers, cfg.hidden_size
        d_out = np.stack([self.output_gradient(trace, targets) for targets in target_sets])  # (K, T, V)
        grads = {}
        if parameters:
            grads["head.weight"] = d_out[0].T @ trace.h[L - 1, 1:]
            grads["head.bias"] = d_out[0].sum(axis=0)
        d_out = d_out @ self.params["head.weight"]  # dL/dh_t of the top layer through the head

        dh_total = np.zeros((len(target_sets), L, T, H), dtype=self.dtype)
        for layer in reversed(range(L)):
            p = self._layer_params(layer)
            single = p["products"].single  # W_hh's products in scaled float32: the others too
            layer_input = trace.x if layer == 0 else trace.h[layer - 1, 1:]
            if cfg.cell == "rnn":
                da_i, da_h = self._rnn_backward(trace, layer, p, d_out, dh_total[:, layer])
            elif cfg.cell == "lstm":
                da_i, da_h = self._lstm_backward(trace, layer, p, d_out, dh_total[:, layer])
            else:
                da_i, da_h = self._gru_backward(trace, layer, p, d_out, dh_total[:, layer])
            if parameters:
                grads[f"rnn.weight_ih_l{layer}"] = sum_of_outer_products(da_i[0], layer_input, single)
                grads[f"rnn.weight_hh_l{layer}"] = sum_of_outer_products(da_h[0], trace.h[layer, :-1], single)
                grads[f"rnn.bias_ih_l{layer}"] = da_i[0].sum(axis=0)
                grads[f"rnn.bias_hh_l{layer}"] = da_h[0].sum(axis=0)
            if layer > 0:  # dL/d(input of this layer): the layer below's output, for every loss
                d_out = matmul_rows(da_i, p["w_ih"], single)
            elif "embedding.weight" in self.params and parameters:  # the embedding's, for the first
                d_out = matmul_rows(da_i[:1], p["w_ih"], single)

        if parameters:
            if "embedding.weight" in self.params:
                grads["embedding.weight"] = np.zeros_like(self.params["embedding.weight"])
                np.add.at(grads["embedding.weight"], trace.indices, d_out[0])
            grads = {name: grads[name] for name in self.params}  # in the parameters' order
        return dh_total, grads

    # Each *_backward walks t = T..1, adds the recurrent gradient to what arrives from above
    # (d_out), records that total in dh (the dL/dh_t the gradient bars draw), and returns the
    # gradients of the input-side and hidden-side pre-activations for all t. The leading axis
    # of d_out, dh and the results runs over the losses followed side by side.

    def _rnn_backward(self, trace, layer, p, d_out, dh):
        T = trace.T
        hh_products = p["products"]
        h = trace.h[layer]
        relu = self.config.activation == "relu"
        # ReLU's derivative is 0 where the output is 0, as in torch's threshold_backward.
        local = (h[1:] > 0).astype(self.dtype) if relu else 1.0 - h[1:] ** 2
        da = np.empty(d_out.shape[:2] + trace.pre[layer].shape[1:], dtype=self.dtype)
        carry = np.zeros((d_out.shape[0], self.config.hidden_size), dtype=self.dtype)
        for t in reversed(range(T)):
            dh[:, t] = d_out[:, t] + carry
            da[:, t] = dh[:, t] * local[t]
            hh_products.rows_times(da[:, t], out=carry)
        return da, da

    def _lstm_backward(self, trace, layer, p, d_out, dh):
        T, H = trace.T, self.config.hidden_size
        hh_products = p["products"]
        c = trace.c[layer]
        gi, gf, gg, go = (trace.gates[n][layer] for n in ("i", "f", "g", "o"))
        # Everything that does not depend on the incoming gradient, for all t at once, so the
        # loop below is a few vector operations per timestep.
        tanh_c = np.tanh(c[1:])
        dc_from_dh = go * (1.0 - tanh_c**2)
        # d pre-activation = [dc, dc, dc, dh] * local, per gate block i | f | g | o.
        local = np.concatenate(
            [gg * gi * (1.0 - gi), c[:-1] * gf * (1.0 - gf), gi * (1.0 - gg**2), tanh_c * go * (1.0 - go)],
            axis=1,
        )
        K = d_out.shape[0]
        da = np.empty((K,) + trace.pre[layer].shape, dtype=self.dtype)
        # Views by gate block: the loop writes each step's results in place, since the number of
        # array operations per step is what it costs beside the product with W_hh.
        da_blocks, local_blocks = da.reshape(K, T, 4, H), local.reshape(T, 4, H)
        carry_h = np.zeros((K, H), dtype=self.dtype)
        carry_c = np.zeros((K, H), dtype=self.dtype)
        for t in reversed(range(T)):
            dh_t = np.add(d_out[:, t], carry_h, out=dh[:, t])
            dc = np.multiply(dh_t, dc_from_dh[t])
            dc += carry_c
            np.multiply(dc[:, None, :], local_blocks[t, :3], out=da_blocks[:, t, :3])  # i, f, g
            np.multiply(dh_t, local_blocks[t, 3], out=da_blocks[:, t, 3])  # o
            carry_c = np.multiply(dc, gf[t], out=carry_c)
            hh_products.rows_times(da[:, t], out=carry_h)
        return da, da

    def _gru_backward(self, trace, layer, p, d_out, dh):
        T, H = trace.T, self.config.hidden_size
        hh_products = p["products"]
        h = trace.h[layer]
        gr, gz, gn = (trace.gates[n][layer] for n in ("r", "z", "n"))
        hidden_n = trace.hidden_n[layer]
        # Local derivatives for all t at once; the loop only chains them.
        dn_local = (1.0 - gz) * (1.0 - gn**2)  # d a_n / d h_t
        dz_local = (h[:-1] - gn) * gz * (1.0 - gz)  # d a_z / d h_t
        dr_local = hidden_n * gr * (1.0 - gr)  # d a_r / d a_n
        K = d_out.shape[0]
        da_i = np.empty((K,) + trace.pre[layer].shape, dtype=self.dtype)
        da_h = np.empty((K,) + trace.pre[layer].shape, dtype=self.dtype)
        carry = np.zeros((K, H), dtype=self.dtype)
        recurrent = np.empty((K, H), dtype=self.dtype)
        for t in reversed(range(T)):
            dh_t = d_out[:, t] + carry
            dh[:, t] = dh_t
            da_n = dh_t * dn_local[t]
            da_r = da_n * dr_local[t]
            da_z = dh_t * dz_local[t]
            da_i[:, t] = np.concatenate((da_r, da_z, da_n), axis=1)
            da_h[:, t] = np.concatenate((da_r, da_z, da_n * gr[t]), axis=1)
            carry = dh_t * gz[t] + hh_products.rows_times(da_h[:, t], out=recurrent)
        return da_i, da_h
