"""How a gradient fares going back in time, judged by its growth per step, not by one end-to-end ratio.

A ratio over the whole sequence depends on its length: ×93.7 over 48 steps is a gradient that grows
by 1.1 at every step, exploding, though 93.7 alone looks harmless. The median factor of one step
back, ||dL/dh_t|| / ||dL/dh_t+1||, is what W_hh and the activation decide; the verdict reads it.
"""

from __future__ import annotations

import numpy as np

STEADY = (0.9, 1.1)  # a factor per step inside this band: the gradient neither vanishes nor explodes


def growth_per_step(norms: np.ndarray) -> float:
    """Median of ||dL/dh_t|| / ||dL/dh_t+1|| over the steps where both are finite and nonzero;
    nan with fewer than two such timesteps."""
    norms = np.asarray(norms, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = norms[:-1] / norms[1:]
    usable = steps[np.isfinite(steps) & (steps > 0)]
    return float(np.median(usable)) if usable.size else float("nan")


def trend(factor: float) -> str:
    """"vanishing", "steady" or "exploding" for a factor per step back; "undefined" for nan."""
    if not np.isfinite(factor):
        return "undefined"
    if factor < STEADY[0]:
        return "vanishing"
    if factor > STEADY[1]:
        return "exploding"
    return "steady"
