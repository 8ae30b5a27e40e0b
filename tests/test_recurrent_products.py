"""BPTT's products with W_hh in scaled float32 (big models) against plain float64.

The shortcut must not change what the panes print: the gradients agree with float64 far below
their printed precision, vanishing ones included, and the forward pass is float64 untouched.
"""

import numpy as np
import pytest

from rnntui.engine import session as session_module
from rnntui.engine.numpy_rnn import NumpyRNN
from rnntui.engine.recurrent_products import (SINGLE_PRECISION_WEIGHT_LIMIT, RecurrentProducts, matmul_rows,
                                               sum_of_outer_products)
from rnntui.engine.session import SINGLE_PRECISION_PRODUCTS_FROM, StepSession
from rnntui.number_format import format_number

TEXT = ("the quick brown fox jumps over the lazy dog " * 4)[:150]


def products(w, single):
    return RecurrentProducts(w, single=single)


@pytest.mark.parametrize("magnitude", [1e-250, 1e-40, 1.0, 1e40, 1e250])
def test_scaled_float32_rows_agree_with_float64_at_any_magnitude(magnitude):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((48, 12))
    rows = rng.standard_normal((2, 48)) * magnitude
    exact = products(w, False).rows_times(rows, np.empty((2, 12)))
    single = products(w, True).rows_times(rows, np.empty((2, 12)))
    assert np.all(np.isfinite(single)) and np.all(single != 0)
    np.testing.assert_allclose(single, exact, rtol=1e-5, atol=1e-6 * np.abs(exact).max())


def test_matrix_products_keep_each_rows_digits_whatever_its_size():
    """The gradient handed to the layer below: rows from 1e-300 to 1e300 in one product (a
    vanishing gradient beside a live one), each agreeing with float64 relative to its own size."""
    rng = np.random.default_rng(2)
    w = rng.standard_normal((40, 16))
    rows = rng.standard_normal((2, 5, 40)) * np.logspace(-300, 300, 10).reshape(2, 5, 1)
    single = matmul_rows(rows, w, single=True)
    exact = matmul_rows(rows, w, single=False)
    np.testing.assert_array_equal(exact, rows @ w)
    scale = np.abs(exact).max(axis=-1, keepdims=True)
    assert np.all(np.abs(single - exact) <= 1e-6 * scale)


def test_weight_gradients_agree_with_float64_and_non_finite_ones_stay_float64():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((30, 24)) * 1e-200, rng.standard_normal((30, 8))
    exact = a.T @ b
    np.testing.assert_allclose(sum_of_outer_products(a, b, single=True), exact, rtol=0, atol=1e-5 * np.abs(exact).max())
    a[3, 4] = np.inf
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(sum_of_outer_products(a, b, single=True), a.T @ b)
        huge = np.full((40, 16), 2 * SINGLE_PRECISION_WEIGHT_LIMIT)  # float32 would overflow: float64 kept
        rows = np.ones((1, 40))
        np.testing.assert_array_equal(matmul_rows(rows, huge, single=True), rows @ huge)


def test_zero_and_non_finite_rows_give_what_float64_gives():
    w = np.random.default_rng(1).standard_normal((8, 4))
    rows = np.array([[0.0] * 8, [np.inf] + [1.0] * 7])
    with np.errstate(all="ignore"):
        exact = products(w, False).rows_times(rows, np.empty((2, 4)))
        single = products(w, True).rows_times(rows, np.empty((2, 4)))
    np.testing.assert_array_equal(single, exact)


def test_huge_weights_keep_float64_products():
    big = StepSession("abc", cell="lstm", hidden_size=SINGLE_PRECISION_PRODUCTS_FROM, seed=0)
    assert big.model.products[0].single
    largest = np.abs(big.params["rnn.weight_hh_l0"]).max()
    big.scale_weight("rnn.weight_hh_l0", 2 * SINGLE_PRECISION_WEIGHT_LIMIT / largest)
    assert not big.model.products[0].single


def test_small_models_and_the_default_engine_stay_plain_float64():
    assert not StepSession("abc", hidden_size=SINGLE_PRECISION_PRODUCTS_FROM - 1).model.products[0].single
    model = StepSession("abc", hidden_size=SINGLE_PRECISION_PRODUCTS_FROM).model
    assert not NumpyRNN(model.config, model.params).products[0].single


def sessions(monkeypatch, **kwargs):
    """The same big session with the shortcut and without it."""
    single = StepSession(TEXT, **kwargs)
    monkeypatch.setattr(session_module, "SINGLE_PRECISION_PRODUCTS_FROM", 10**9)
    exact = StepSession(TEXT, **kwargs)
    assert single.model.products[0].single and not exact.model.products[0].single
    return single, exact


@pytest.mark.parametrize("cell,activation", [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu")])
@pytest.mark.parametrize("w_hh_scale", [1.0, 1.25**3])  # trained-like, and scaled up as `]` does
def test_big_model_gradients_print_as_in_float64(monkeypatch, cell, activation, w_hh_scale):
    single, exact = sessions(monkeypatch, cell=cell, activation=activation, hidden_size=128, num_layers=2, seed=3)
    for s in (single, exact):
        for layer in range(2):
            s.scale_weight(f"rnn.weight_hh_l{layer}", w_hh_scale)
    np.testing.assert_array_equal(single.trace.h, exact.trace.h)  # the forward pass is untouched
    assert single.gradients.loss == exact.gradients.loss
    for name, g in exact.gradients.grads.items():
        np.testing.assert_allclose(single.gradients.grads[name], g, rtol=1e-4, atol=1e-4 * np.abs(g).max())
    a = single.last_prediction_gradients.grad_norm_h
    b = exact.last_prediction_gradients.grad_norm_h
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=0)  # relative at every step, vanished ones included
    for x, y in zip(a.ravel()[b.ravel() > 0], b.ravel()[b.ravel() > 0]):
        # printed to 3 significant digits, they agree but for a rounding boundary a 1e-4 step can cross
        assert format_number(x, 3, significant=True) == format_number(y, 3, significant=True) \
            or abs(x - y) <= 1e-4 * y


def test_a_vanishing_gradient_below_float32s_range_is_still_printed(monkeypatch):
    single, exact = sessions(monkeypatch, cell="lstm", hidden_size=128, num_layers=2, seed=0)
    text = ("the quick brown fox jumps over the lazy dog " * 8)[:300]
    for s in (single, exact):
        s.set_text(text)
    norms = single.last_prediction_gradients.grad_norm_h[-1]
    reference = exact.last_prediction_gradients.grad_norm_h[-1]
    assert reference[0] < np.finfo(np.float32).tiny  # this would be 0 in float32 ...
    ratio, expected = norms[0] / norms[-2], reference[0] / reference[-2]
    assert format_number(ratio, 3, significant=True) == format_number(expected, 3, significant=True)  # ... not here
