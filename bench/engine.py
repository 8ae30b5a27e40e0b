"""Benchmark: the NumPy engine's forward + BPTT against PyTorch eager autograd, and one UI step.

For T = 100 characters, H in {8, 64}, each cell: NumpyRNN.forward + backward versus PyTorch
nn.RNNCell/LSTMCell/GRUCell unrolled over t with retain_grad() on every h_t (the per-timestep
gradients the gradient bars draw), float64, one thread, the same weights. Both are timed in this
run; the figure is the ratio of medians. Then the latency of one UI step at H = 64:
StepSession.step_forward() + current_step() on a cached trace.

Last, a big model's BPTT (2x384 LSTM, 64-wide embedding, 400 characters, both losses the panes
show) with W_hh's products in plain float64 against scaled float32 (recurrent_products.py),
interleaved in this run: the ratio is what the app's big-model shortcut saves per edit.

Targets: NumPy >= 5x faster than that torch path; one UI step under 100 us.
Usage: ./dev bench engine [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import rnntui  # noqa: F401  first, as in the app: it sets the BLAS thread default before numpy loads
import numpy as np

from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import Clipping, NumpyRNN
from rnntui.engine.session import StepSession

T, V = 100, 32


def median_seconds(fns, repeats: int) -> list[float]:
    """Median time of each function, run interleaved so that a busy machine slows all alike."""
    for fn in fns:
        fn()  # warm-up: caches, lazy imports, allocator
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, samples in zip(fns, times):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
    return [statistics.median(samples) for samples in times]


def numpy_run(model: NumpyRNN, indices: np.ndarray):
    targets = model.next_targets(indices)
    clipping = Clipping("norm", 5.0)
    return lambda: model.backward(model.forward(indices), targets, clipping)


def torch_run(cfg: ModelConfig, params: dict, indices: np.ndarray):
    import torch
    import torch.nn.functional as F

    kind = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[cfg.cell]
    cells = []
    for k in range(cfg.num_layers):
        cell = kind(cfg.input_size if k == 0 else cfg.hidden_size, cfg.hidden_size).double()
        with torch.no_grad():
            for part in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, part).copy_(torch.from_numpy(params[f"rnn.{part}_l{k}"]))
        cells.append(cell)
    head = torch.nn.Linear(cfg.hidden_size, cfg.vocab_size).double()
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(params["head.weight"]))
        head.bias.copy_(torch.from_numpy(params["head.bias"]))
    modules = torch.nn.ModuleList([*cells, head])
    idx = torch.from_numpy(indices)
    xs = F.one_hot(idx, cfg.vocab_size).double()
    targets = torch.cat([idx[1:], torch.tensor([-1])])

    def run():
        modules.zero_grad(set_to_none=True)
        h = [torch.zeros(1, cfg.hidden_size, dtype=torch.float64) for _ in cells]
        c = [torch.zeros(1, cfg.hidden_size, dtype=torch.float64) for _ in cells]
        kept, logits = [], []
        for t in range(len(indices)):
            inp = xs[t : t + 1]
            for k, cell in enumerate(cells):
                if cfg.cell == "lstm":
                    h[k], c[k] = cell(inp, (h[k], c[k]))
                else:
                    h[k] = cell(inp, h[k])
                h[k].retain_grad()
                kept.append(h[k])
                inp = h[k]
            logits.append(head(inp))
        loss = F.cross_entropy(torch.cat(logits), targets, ignore_index=-1)
        loss.backward()
        norms = torch.stack([x.grad.norm() for x in kept])  # per-timestep ||dL/dh_t||
        torch.nn.utils.clip_grad_norm_(modules.parameters(), 5.0)
        return norms

    return run


def ui_step_latency(repeats: int) -> float:
    rng = np.random.default_rng(0)
    text = "".join(chr(ord("a") + int(i)) for i in rng.integers(0, 26, size=T))
    session = StepSession(text, cell="lstm", hidden_size=64)
    _ = session.trace, session.gradients  # the UI computes these once per change, not per step
    session.first()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        if not session.step_forward():
            session.first()
        session.current_step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def big_model_backward(single: bool):
    """Both BPTTs a weight edit leaves to compute for the stepping app's panes, on a big model."""
    from rnntui.engine.recompute import last_prediction_targets

    cfg = ModelConfig(cell="lstm", hidden_size=384, num_layers=2, vocab_size=65, embedding_dim=64)
    model = NumpyRNN(cfg, NumpyRNN.random(cfg, seed=0).params, single_precision_products=single)
    indices = np.random.default_rng(2).integers(0, cfg.vocab_size, size=400)
    trace, targets = model.forward(indices), model.next_targets(indices)
    only_last = last_prediction_targets(targets)
    return lambda: model.backward_with_hidden(trace, targets, only_last, Clipping("norm", 5.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed runs per measurement")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    print(f"T = {T}, vocabulary {V}, float64, torch {torch.__version__} with 1 thread, median of {args.repeats}")
    print(f"{'cell':<5} {'H':>3}  {'numpy ms':>9}  {'torch ms':>9}  {'speed-up':>8}")
    indices = np.random.default_rng(1).integers(0, V, size=T)
    worst = float("inf")
    for hidden in (8, 64):
        for cell in ("rnn", "lstm", "gru"):
            cfg = ModelConfig(cell=cell, hidden_size=hidden, vocab_size=V)
            model = NumpyRNN.random(cfg, seed=0)
            np_s, th_s = median_seconds(
                [numpy_run(model, indices), torch_run(cfg, model.params, indices)], args.repeats
            )
            worst = min(worst, th_s / np_s)
            print(f"{cell:<5} {hidden:>3}  {np_s * 1e3:>9.2f}  {th_s * 1e3:>9.2f}  {th_s / np_s:>7.1f}x")
    step_s = ui_step_latency(max(1000, args.repeats * 100))
    plain, scaled = median_seconds([big_model_backward(False), big_model_backward(True)], max(5, args.repeats // 3))
    print(f"\nbig model's BPTT, 2x384 LSTM over 400 characters, both losses: W_hh products in float64 "
          f"{plain * 1e3:.0f} ms, scaled float32 {scaled * 1e3:.0f} ms: {scaled / plain:.2f} of the time")
    print(f"\nslowest speed-up {worst:.1f}x (target >= 5x): {'met' if worst >= 5 else 'MISSED'}")
    print(
        f"one UI step (LSTM, H = 64, step_forward + current_step): {step_s * 1e6:.1f} us "
        f"(target < 100 us): {'met' if step_s < 100e-6 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
