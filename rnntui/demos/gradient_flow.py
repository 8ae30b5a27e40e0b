"""How a loss at the last timestep flows back in time: the numbers the vanishing/exploding demos cite.

Read off a session's BPTT (`Gradients.grad_norm_h`), never recomputed here: the bars on screen
and the figures in the narration are the same arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnntui.engine.session import StepSession


@dataclass(frozen=True)
class GradientFlow:
    norms: np.ndarray  # (T,) ||dL/dh_t|| of layer 0, t = 1..T
    ratio: float  # ||dL/dh_1|| / ||dL/dh_T||: what is left of the gradient after T-1 steps back
    per_step: float  # median of ||dL/dh_t|| / ||dL/dh_t+1||: the typical factor of one step back
    first_step: float  # ||dL/dh_T-1|| / ||dL/dh_T||: the very first step back
    spectral_radius: dict[str, float]  # per weight_hh block of layer 0 ("h" for a vanilla RNN)
    grad_norm: float  # global parameter-gradient norm before clipping
    grad_norm_clipped: float  # ... after clipping
    mean_forget: float | None  # LSTM: the forget gate averaged over units and time, else None


def gradient_flow(session: StepSession) -> GradientFlow:
    grads = session.gradients
    norms = grads.grad_norm_h[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = norms[:-1] / norms[1:]
    gates = session.trace.gates
    return GradientFlow(
        norms=norms,
        ratio=float(norms[0] / norms[-1]),
        per_step=float(np.median(steps)),
        first_step=float(steps[-1]),
        spectral_radius=session.spectral_radii()["rnn.weight_hh_l0"],
        grad_norm=grads.grad_norm,
        grad_norm_clipped=grads.grad_norm_clipped,
        mean_forget=float(gates["f"][0].mean()) if "f" in gates else None,
    )
