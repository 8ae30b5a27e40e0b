"""The recurrence's matrix-vector products: W_hh @ h_{t-1} forward, dL/da_t @ W_hh back.

Every step forward or back in time waits for one product with the whole of W_hh, and for a big
model that product is bound by memory, not arithmetic: a 384-unit LSTM's W_hh is 4.7 MB in float64,
more than a core's cache holds, so each step reads it again from further away. Read in float32 it
is half as much. `RecurrentProducts(w_hh, single=True)` does the backward products that way, and
only those:

- Backward, the recursion is linear in the gradient, so float32's rounding stays a relative error
  of about 1e-5 over hundreds of steps, far below the 3 significant digits the panes print. The
  gradients that reach early timesteps vanish far below float32's smallest number (showing that
  is what the gradient pane is for), so each row is scaled by a power of two into [0.5, 1) before
  the product and scaled back after it: a power of two scales exactly, so the product keeps
  float32's precision at any magnitude float64 can hold.
- The rest of BPTT's matrix products (dL/dW, and the gradient handed to the layer below) are
  matrix-matrix products bound by arithmetic, which float32 does twice as fast; `matmul_rows` and
  `sum_of_outer_products` do them with the same scaling, rows by a power of two each.
- Forward stays float64. A model whose W_hh was scaled up (`]`) is chaotic, and there float32's
  rounding grows until the hidden state differs in the third decimal (measured on a trained
  2x384 LSTM after three presses of `]`: 0.007).

Weights beyond 1e30 (an edit can make them) keep float64 products, so a product cannot overflow
float32. The parity and gradient-check tests run the engine in plain float64 (the default), so its
agreement with PyTorch is checked without this shortcut.
"""

from __future__ import annotations

import numpy as np

# Largest |W_hh| entry whose products with a scaled row (entries below 1) stay far inside
# float32's range: (gate rows) x this, for every size the engine accepts, is below 3.4e38.
SINGLE_PRECISION_WEIGHT_LIMIT = 1e30


def single_precision_fits(w_hh: np.ndarray) -> bool:
    """Float32 backward products keep what is printed: the weights are finite and not huge."""
    return bool(np.all(np.abs(w_hh) < SINGLE_PRECISION_WEIGHT_LIMIT))


class RecurrentProducts:
    """The products of one layer's W_hh: forward in its own dtype, backward too or (single=True)
    in scaled float32."""

    def __init__(self, w_hh: np.ndarray, single: bool = False):
        self.w_hh = w_hh
        self._w32 = w_hh.astype(np.float32) if single else None

    @property
    def single(self) -> bool:
        return self._w32 is not None

    def times_hidden(self, h: np.ndarray) -> np.ndarray:
        """W_hh @ h, always in the weights' own dtype (see the module's docstring for why)."""
        return self.w_hh @ h

    def rows_times(self, rows: np.ndarray, out: np.ndarray) -> np.ndarray:
        """out[k] = rows[k] @ W_hh, one matrix-vector product per row. OpenBLAS multiplies two rows
        by a wide matrix several times slower as one matrix product than as two vector products: it
        repacks the whole matrix for the product, and that is what a step back in time waits for."""
        largest = np.max(np.abs(rows), axis=1)
        if self._w32 is None or not (largest.min() > 0.0 and largest.max() < np.inf):
            return self._rows_times_each(rows, out, largest)
        # Every row is non-zero and finite: scale them all at once (a step back is a few small array
        # operations, so their count is what it costs beside the products themselves).
        exponents = np.frexp(largest)[1][:, None]  # largest = m * 2**exponent with m in [0.5, 1)
        scaled = np.ldexp(rows, -exponents).astype(np.float32)
        products = np.empty(out.shape, dtype=np.float32)
        for k in range(rows.shape[0]):
            np.matmul(scaled[k], self._w32, out=products[k])
        return np.ldexp(products, exponents, out=out, dtype=out.dtype, casting="same_kind")

    def _rows_times_each(self, rows: np.ndarray, out: np.ndarray, largest: np.ndarray) -> np.ndarray:
        """rows_times row by row, for rows that have vanished to 0, overflowed, or float64 products."""
        for k in range(rows.shape[0]):
            row = rows[k]
            if largest[k] == 0.0:  # a gradient that has vanished to exactly 0 stays 0 (W_hh is finite)
                out[k] = 0.0
            elif self._w32 is None or not np.isfinite(largest[k]):  # float64, or nothing float32 can hold
                np.matmul(row, self.w_hh, out=out[k])
            else:
                exponent = int(np.frexp(largest[k])[1])
                product = np.matmul(np.ldexp(row, -exponent).astype(np.float32), self._w32)
                np.ldexp(product, exponent, out=out[k], dtype=out.dtype, casting="same_kind")
        return out


def _power_of_two_scales(a: np.ndarray, axis=None) -> np.ndarray | None:
    """Exponents e with |a| / 2**e below 1 (per row along `axis`, or one for all), or None
    when `a` holds a non-finite value (float32 cannot carry it: the caller stays in float64)."""
    largest = np.max(np.abs(a), axis=axis, keepdims=axis is not None)
    if not np.all(largest < np.inf):  # also False for nan
        return None
    return np.frexp(largest)[1]  # largest = m * 2**e with m in [0.5, 1); 0 gives e = 0


def matmul_rows(rows: np.ndarray, w: np.ndarray, single: bool) -> np.ndarray:
    """rows @ w, in scaled float32 when `single` (each row by its own power of two, so a row that
    has vanished far below float32's range keeps its digits): the gradient one layer hands down,
    one row per step, whose size the gradient pane prints per step."""
    exponents = _power_of_two_scales(rows, axis=-1) if single and single_precision_fits(w) else None
    if exponents is None:
        return rows @ w
    product = np.ldexp(rows, -exponents).astype(np.float32) @ w.astype(np.float32)
    return np.ldexp(product.astype(rows.dtype), exponents)


def sum_of_outer_products(a: np.ndarray, b: np.ndarray, single: bool) -> np.ndarray:
    """a.T @ b = the sum over steps t of outer(a_t, b_t): a weight's gradient. In scaled float32
    when `single`, each factor by one power of two: steps whose terms are below float32's range
    relative to the largest add nothing float64 would print either."""
    ea = _power_of_two_scales(a) if single else None
    eb = _power_of_two_scales(b) if ea is not None else None
    if eb is None:
        return a.T @ b
    product = np.ldexp(a, -ea).astype(np.float32).T @ np.ldexp(b, -eb).astype(np.float32)
    return np.ldexp(product.astype(a.dtype), ea + eb)
