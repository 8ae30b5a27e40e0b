"""The step's equation with numbers: every substituted value is the engine's, on the notes' example too."""

from __future__ import annotations

import numpy as np
import pytest

from rnntui.engine import abc_example
from rnntui.engine.session import StepSession
from rnntui.equation import names_line, step_equation
from rnntui.number_format import format_number


def test_the_notes_example_at_step_2():
    session = abc_example.abc_session("identity")
    session.move_to(2)
    h1 = np.tanh([1.0, 0, 0])  # W_xh = W_hh = I, b = 0: the notes' h_1
    h2 = np.tanh(np.array([0, 1.0, 0]) + h1)
    line = step_equation(session)
    assert line.startswith(f"a_2 = W_xh·[0, 1, 0] + W_hh·[{h1[0]:.4f}, 0, 0] + b = [{h1[0]:.4f}, 1.0000, 0]")
    assert line.endswith(f"h_2 = tanh(a_2) = [{h2[0]:.4f}, {h2[1]:.4f}, 0]")


def test_big_hidden_states_are_shortened():
    session = StepSession("hello world", hidden_size=32)
    line = step_equation(session, limit=4)
    assert line.count("…") == 4 and len(line) < 250


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_cells_write_the_selected_units_update(cell):
    session = StepSession("hello", cell=cell, hidden_size=8, seed=2)
    step, unit = session.current_step(), 5
    line = step_equation(session, unit)
    assert line.startswith(f"unit {unit}, x_5:")
    assert line.endswith(f"= {format_number(float(step.h[0, unit]), 4)}")
    for name, values in step.gates.items():
        if name in ("i", "f", "g", "o", "z", "n"):
            assert format_number(float(values[0, unit]), 4) in line


def test_names_map_the_notes_onto_pytorch():
    line = names_line("en")
    for name in ("W_xh = weight_ih_l0", "W_hh = weight_hh_l0", "b_h = bias_ih_l0 + bias_hh_l0"):
        assert name in line
