"""How a run changes its weights: the optimiser, the learning-rate schedule and gradient clipping."""

from __future__ import annotations

import math

import torch

from rnntui.train.train_config import TrainSettings


def make_optimizer(name: str, params, lr: float, weight_decay: float, device: torch.device) -> torch.optim.Optimizer:
    # Without a flag PyTorch runs its optimisers one tensor and one operation at a time on the CPU:
    # several passes over every weight. The fused Adam makes one pass and is several times faster,
    # which matters most to a worker of a distributed run, which repeats the update on one thread.
    fused = device.type in ("cpu", "cuda")
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay, fused=fused)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, fused=fused)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=weight_decay, foreach=True)
    return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay, foreach=True)


def decayed_lr(peak: float, progress: float | None, decay: str, min_fraction: float, warmup: float = 0.0,
               decay_from: float = 0.0) -> float:
    """Linear warm-up over the first `warmup` of progress, `peak` until `decay_from`, then cosine down
    to `min_fraction * peak` at the end. Constant (`peak`) without a limit: progress is then unknown."""
    if progress is None:
        return peak
    if progress < warmup:
        return peak * max(progress / warmup, min_fraction)
    start = max(warmup, decay_from)
    if decay == "none" or progress <= start:
        return peak
    floor = peak * min_fraction
    rest = (progress - start) / (1.0 - start)
    return floor + (peak - floor) * 0.5 * (1.0 + math.cos(math.pi * min(rest, 1.0)))


def clip_gradients(params: list[torch.Tensor], settings: TrainSettings) -> tuple[float, float]:
    """Clip in place as the settings say; (global norm before, global norm after)."""
    grads = [p.grad for p in params if p.grad is not None]
    if settings.clip_mode == "norm":
        before = float(torch.nn.utils.clip_grad_norm_(params, settings.clip))
        return before, before * min(1.0, settings.clip / (before + 1e-6))
    before = float(torch.nn.utils.get_total_norm(grads))
    if settings.clip_mode == "off" or not math.isfinite(before):
        return before, before
    torch.nn.utils.clip_grad_value_(params, settings.clip)
    return before, float(torch.nn.utils.get_total_norm(grads))
