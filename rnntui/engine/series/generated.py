"""Series rnntui generates: a noisy sum of sines (predictable) and a random walk (not).

Both are drawn from a fixed seed, so every run and every machine sees the same numbers.
"""

from __future__ import annotations

import numpy as np

LENGTH = 600
SEED = 0


def noisy_sines(length: int = LENGTH, seed: int = SEED) -> np.ndarray:
    """Two sines (periods 25 and 63 steps) plus Gaussian noise of standard deviation 0.1."""
    t = np.arange(length)
    noise = np.random.default_rng(seed).normal(0.0, 0.1, size=length)
    return np.sin(2 * np.pi * t / 25) + 0.5 * np.sin(2 * np.pi * t / 63 + 1.0) + noise


def random_walk(length: int = LENGTH, seed: int = SEED) -> np.ndarray:
    """A stand-in for a stock price: 100 times the exponential of a Gaussian random walk (1 % steps).

    Each step is independent of the past, so the best forecast of tomorrow is today's price.
    """
    steps = np.random.default_rng(seed).normal(0.0, 0.01, size=length - 1)
    return 100.0 * np.exp(np.concatenate([[0.0], np.cumsum(steps)]))
