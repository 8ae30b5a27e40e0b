"""How the last prediction's loss flows back in time: the numbers the vanishing/exploding demos cite.

The app's gradient bars follow ONE loss, the last prediction's (position T-1 predicting character
T), back through time; `StepSession.last_prediction_gradients` computes exactly that with the engine's BPTT,
so the figures in the narration are the bars on screen. The global norms (before and after
clipping) are the session's, over the full loss, as the gradient pane prints them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnntui.engine.gradient_trend import growth_per_step
from rnntui.engine.session import StepSession


@dataclass(frozen=True)
class GradientFlow:
    norms: np.ndarray  # (T-1,) ||dL/dh_t|| of layer 0 for t = 1..T-1 (h_T feeds no loss)
    ratio: float  # ||dL/dh_1|| / ||dL/dh_T-1||: what is left of the gradient after T-2 steps back
    per_step: float  # median of ||dL/dh_t|| / ||dL/dh_t+1||: the typical factor of one step back
    first_step: float  # ||dL/dh_T-2|| / ||dL/dh_T-1||: the very first step back
    spectral_radius: dict[str, float]  # per weight_hh block of layer 0 ("h" for a vanilla RNN)
    grad_norm: float  # global parameter-gradient norm of the full loss, before clipping
    grad_norm_clipped: float  # ... after the session's clipping
    mean_forget: float | None  # LSTM: the forget gate averaged over units and time, else None


def gradient_flow(session: StepSession) -> GradientFlow:
    norms = session.last_prediction_gradients.grad_norm_h[0][:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = norms[:-1] / norms[1:]  # the first step back, on its own, is part of the narration
    gates = session.trace.gates
    full = session.gradients
    return GradientFlow(
        norms=norms,
        ratio=float(norms[0] / norms[-1]),
        per_step=growth_per_step(norms),
        first_step=float(steps[-1]),
        spectral_radius=session.spectral_radii()["rnn.weight_hh_l0"],
        grad_norm=full.grad_norm,
        grad_norm_clipped=full.grad_norm_clipped,
        mean_forget=float(gates["f"][0].mean()) if "f" in gates else None,
    )
