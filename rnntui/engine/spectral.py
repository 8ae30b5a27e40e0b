"""Spectral radii of the recurrent blocks, each computed once per set of values.

The status line prints ρ of every weight_hh block (see weights.py for why blocks). An eigenvalue
decomposition of an H×H block costs O(H³): at H = 384 it is the largest single cost of a weight
edit, and a 2-layer LSTM has eight blocks. Most edits change few blocks, or change them in a way
whose effect on ρ is known exactly:

  scaling a block by c          ρ(cW) = |c| ρ(W): no decomposition
  setting ρ to r                the block's ρ is r by construction
  editing one entry             only that entry's block is new
  anything else (new weights)   every block is new

`KnownRadii` carries what is known from one set of weights to the next; `complete` runs
`numpy.linalg.eigvals` only on the blocks that are still unknown. The result is the exact radius
(eigvals itself, not an iteration that might stop short on the clustered or complex leading
eigenvalues that random and trained recurrent matrices have).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnntui.engine.config import ModelConfig

Radii = dict[str, dict[str, float]]  # {"rnn.weight_hh_l{k}": {block label: radius}}


def gate_rows(config: ModelConfig) -> dict[str, slice]:
    """Row range of each gate block in weight_ih/weight_hh/biases ("h" for a vanilla RNN)."""
    H = config.hidden_size
    labels = config.gate_names or ("h",)
    return {label: slice(g * H, (g + 1) * H) for g, label in enumerate(labels)}


def spectral_radius(matrix: np.ndarray) -> float:
    """max |eigenvalue| of a square matrix: > 1 lets the recurrence grow, < 1 makes it fade."""
    return float(np.max(np.abs(np.linalg.eigvals(matrix)))) if matrix.size else 0.0


def recurrent_names(config: ModelConfig) -> list[str]:
    return [f"rnn.weight_hh_l{layer}" for layer in range(config.num_layers)]


@dataclass(frozen=True)
class KnownRadii:
    """The radii known for one set of weights: (weight_hh name, block label) -> radius."""

    values: dict[tuple[str, str], float] = field(default_factory=dict)

    def scaled(self, name: str, factor: float) -> "KnownRadii":
        """After `params[name] *= factor`: that parameter's blocks scale by |factor|."""
        return KnownRadii(
            {key: abs(factor) * radius if key[0] == name else radius for key, radius in self.values.items()}
        )

    def without(self, name: str, blocks) -> "KnownRadii":
        """After an edit that changed these blocks of `name` in a way that must be recomputed."""
        dropped = {(name, block) for block in blocks}
        return KnownRadii({key: r for key, r in self.values.items() if key not in dropped})

    def with_radii(self, radii: dict[tuple[str, str], float]) -> "KnownRadii":
        return KnownRadii({**self.values, **radii})

    def missing(self, config: ModelConfig) -> list[tuple[str, str]]:
        return [(name, block) for name in recurrent_names(config) for block in gate_rows(config)
                if (name, block) not in self.values]

    def complete(self, params: dict[str, np.ndarray], config: ModelConfig) -> "KnownRadii":
        """Every block's radius: the known ones kept, eigvals only for the others."""
        rows = gate_rows(config)
        found = {(name, block): spectral_radius(params[name][rows[block]]) for name, block in self.missing(config)}
        return self.with_radii(found) if found else self

    def nested(self, config: ModelConfig) -> Radii:
        """{"rnn.weight_hh_l{k}": {block: radius}} in layer and gate order (all must be known)."""
        return {name: {block: self.values[(name, block)] for block in gate_rows(config)}
                for name in recurrent_names(config)}


def after_entry_edit(known: KnownRadii, config: ModelConfig, name: str, index) -> KnownRadii:
    """After setting one entry of `name`: only the block holding that row of weight_hh is new."""
    if name not in recurrent_names(config):
        return known
    row = int(index[0])
    return known.without(name, [block for block, rows in gate_rows(config).items() if rows.start <= row < rows.stop])
