"""Why the stepping engine computes in float64 even for a big model: float32 changes what is printed.

float32 would halve the forward pass and BPTT of a 2×384 LSTM (their matrix-vector products are
bound by memory), but the gradient pane exists to show gradients vanishing over a sentence, and
those fall below float32's smallest number long before the sentence ends. What a big model does
use is BPTT's products with W_hh in float32 with each row scaled by a power of two, which keeps
every printed figure (tests/test_recurrent_products.py); the trace and the sums stay float64.
"""

import numpy as np

from rnntui.engine.session import StepSession
from rnntui.number_format import format_number

TEXT = ("the quick brown fox jumps over the lazy dog " * 8)[:300]


def printed_ratio(session: StepSession) -> str:
    """first/last as the gradient pane prints it: ||dL_T/dh_1|| / ||dL_T/dh_T-1||, 3 significant digits."""
    norms = session.last_prediction_gradients.grad_norm_h[-1]
    return format_number(norms[0] / norms[-2], 3, significant=True)


def test_float32_would_print_a_vanishing_gradient_as_zero():
    figures = {}
    for dtype in (np.float64, np.float32):
        session = StepSession(TEXT, cell="lstm", hidden_size=64, num_layers=2, seed=0, dtype=dtype)
        figures[dtype] = (printed_ratio(session), format_number(session.gradients.loss))
    assert figures[np.float64][1] == figures[np.float32][1]  # the loss agrees to its 4 decimals ...
    assert figures[np.float32][0] == "0"  # ... but the ratio underflows in float32
    assert figures[np.float64][0] != "0" and float(figures[np.float64][0]) < 1e-30


def test_the_engine_steps_big_models_in_float64():
    session = StepSession("to be", cell="lstm", hidden_size=384, num_layers=2, embedding_dim=64)
    assert session.model.dtype == np.float64 and session.trace.h.dtype == np.float64
