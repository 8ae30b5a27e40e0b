"""Weight editing: set one entry, scale a matrix, set the recurrent spectral radius, re-randomise.

Every function takes a parameter dict and returns a NEW dict in which only the edited arrays are
new copies; the input is never modified. A refused edit (unknown name, bad index, non-finite value,
a result that overflows) raises WeightEditError before anything changes, so callers can keep the
old dict for undo at no cost.

Spectral radius of a gated cell: PyTorch stacks the gate blocks of `weight_hh` (LSTM i|f|g|o, GRU
r|z|n) into a (G*H)×H matrix, which is not square and so has no eigenvalues. Each H×H block is the
recurrent map of one gate, so radii are reported and rescaled per block. For the vanilla RNN the
single block is the whole matrix, labelled "h".
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Union

import numpy as np

from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import init_params
from rnntui.engine.spectral import KnownRadii, Radii, after_entry_edit, gate_rows, spectral_radius  # noqa: F401 - gate_rows is part of this module's API
from rnntui.errors import WeightEditError

Params = dict[str, np.ndarray]
W_HH_STEP = 1.25  # the app's `]` multiplies W_hh by this, `[` divides: the two undo each other


def _finite_number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise WeightEditError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(value):
        raise WeightEditError(f"{what} must be finite, got {value!r}")
    return float(value)


def _array(params: Params, name: str) -> np.ndarray:
    if name not in params:
        known = ", ".join(params)
        raise WeightEditError(f"no parameter named {name!r} (known: {known})")
    return params[name]


def _replaced(params: Params, name: str, value: np.ndarray) -> Params:
    if not np.all(np.isfinite(value)):
        raise WeightEditError(f"the edit would make {name} non-finite; nothing changed")
    return {**params, name: value}


def set_entry(params: Params, name: str, index, value) -> Params:
    """Set params[name][index] = value; index is a tuple with one int per axis."""
    array = _array(params, name)
    value = _finite_number(value, "a weight")
    index = tuple(index) if isinstance(index, (tuple, list)) else (index,)
    if len(index) != array.ndim or not all(
        isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in index
    ):
        raise WeightEditError(f"{name} needs {array.ndim} whole-number indices, got {index!r}")
    if not all(0 <= i < n for i, n in zip(index, array.shape)):
        raise WeightEditError(f"index {index} is outside {name} of shape {array.shape}")
    edited = array.copy()
    edited[index] = value
    return _replaced(params, name, edited)


def scale(params: Params, name: str, factor) -> Params:
    """Multiply a whole parameter by `factor`."""
    array = _array(params, name)
    factor = _finite_number(factor, "the scale factor")
    with np.errstate(over="ignore"):
        return _replaced(params, name, array * factor)


def spectral_radii(params: Params, config: ModelConfig) -> Radii:
    """{"rnn.weight_hh_l{k}": {block: radius}}; blocks are the gate names, or "h" for a vanilla RNN."""
    return KnownRadii().complete(params, config).nested(config)


def edited_blocks(config: ModelConfig, layer: int | None = None, block: str | None = None) -> list[tuple[str, str]]:
    """The (weight_hh name, block) pairs that set_spectral_radius(..., layer, block) rescales."""
    layers = range(config.num_layers) if layer is None else [layer]
    return [(f"rnn.weight_hh_l{k}", label) for k in layers for label in gate_rows(config) if block in (None, label)]


def set_spectral_radius(
    params: Params,
    config: ModelConfig,
    radius,
    layer: int | None = None,
    block: str | None = None,
    known: KnownRadii = KnownRadii(),
) -> Params:
    """Rescale weight_hh blocks so each has spectral radius `radius` (all layers/blocks by default).
    `known` holds radii already computed for `params`: those blocks need no eigen-decomposition."""
    radius = _finite_number(radius, "the spectral radius")
    if radius < 0:
        raise WeightEditError(f"a spectral radius cannot be negative, got {radius}")
    if layer is not None and not (isinstance(layer, int) and 0 <= layer < config.num_layers):
        raise WeightEditError(f"layer must be 0..{config.num_layers - 1}, got {layer!r}")
    rows = gate_rows(config)
    if block is not None and block not in rows:
        raise WeightEditError(f"{config.cell} has no block {block!r} (blocks: {', '.join(rows)})")
    edited: dict[str, np.ndarray] = {}
    for name, label in edited_blocks(config, layer, block):
        w = edited.setdefault(name, params[name].copy())
        current = known.values.get((name, label))
        if current is None:
            current = spectral_radius(w[rows[label]])
        if current == 0.0:
            if radius == 0.0:
                continue
            raise WeightEditError(f"{name} block {label!r} has spectral radius 0: scaling cannot give it {radius}")
        w[rows[label]] *= radius / current
    result = dict(params)
    for name, w in edited.items():
        result = _replaced(result, name, w)
    return result


def rerandomize(params: Params, config: ModelConfig, seed, names=None) -> Params:
    """Fresh PyTorch-style weights from `seed` for `names` (default: every parameter)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise WeightEditError(f"a seed must be a whole number >= 0, got {seed!r}")
    dtype = next(iter(params.values())).dtype
    fresh = init_params(config, int(seed), dtype)
    names = list(fresh) if names is None else list(names)
    for name in names:
        _array(params, name)
    return {**params, **{name: fresh[name] for name in names}}


# ---------------------------------------------------------------------------------- edit records
# The edits a person makes, as values: the session applies them, keeps them in order since its base
# weights, and a state string carries them, so replaying the list on the same base gives the same
# weights bit for bit (on one machine; the spectral radius uses LAPACK's eigen-solver).


@dataclass(frozen=True)
class SetEntry:
    """params[name][index] = value (the weight editor's Enter)."""

    name: str
    index: tuple[int, ...]
    value: float

    @classmethod
    def of(cls, name: str, index, value) -> "SetEntry":
        """From what a person typed: the value parsed and checked, the index as a tuple of ints."""
        index = tuple(index) if isinstance(index, (tuple, list)) else (index,)
        index = tuple(int(i) if isinstance(i, numbers.Integral) and not isinstance(i, bool) else i for i in index)
        return cls(name, index, _finite_number(value, "a weight"))

    def apply(self, params: Params, config: ModelConfig, known: KnownRadii = KnownRadii()) -> Params:
        return set_entry(params, self.name, self.index, self.value)

    def radii_after(self, known: KnownRadii, config: ModelConfig) -> KnownRadii:
        """Only the block holding the edited row of a weight_hh is new."""
        return after_entry_edit(known, config, self.name, self.index)


@dataclass(frozen=True)
class Scale:
    """params[name] *= factor (`[` and `]` on every layer's W_hh)."""

    name: str
    factor: float

    @classmethod
    def of(cls, name: str, factor) -> "Scale":
        return cls(name, _finite_number(factor, "the scale factor"))

    def apply(self, params: Params, config: ModelConfig, known: KnownRadii = KnownRadii()) -> Params:
        return scale(params, self.name, self.factor)

    def radii_after(self, known: KnownRadii, config: ModelConfig) -> KnownRadii:
        """ρ(cW) = |c| ρ(W): no block needs decomposing again."""
        return known.scaled(self.name, self.factor)


@dataclass(frozen=True)
class SpectralRadius:
    """Rescale W_hh blocks to spectral radius `radius` (one layer and/or block, or all)."""

    radius: float
    layer: int | None = None
    block: str | None = None

    @classmethod
    def of(cls, radius, layer: int | None = None, block: str | None = None) -> "SpectralRadius":
        return cls(_finite_number(radius, "the spectral radius"), layer, block)

    def apply(self, params: Params, config: ModelConfig, known: KnownRadii = KnownRadii()) -> Params:
        """`known`: radii already computed for `params` (those blocks need no decomposition)."""
        return set_spectral_radius(params, config, self.radius, self.layer, self.block, known=known)

    def radii_after(self, known: KnownRadii, config: ModelConfig) -> KnownRadii:
        """The rescaled blocks have the radius asked for, by construction."""
        return known.with_radii({pair: self.radius for pair in edited_blocks(config, self.layer, self.block)})


WeightEdit = Union[SetEntry, Scale, SpectralRadius]
