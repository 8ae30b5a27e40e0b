"""The current step's equation with its numbers substituted, for the pre-activation pane and the guide.

Vanilla RNN: `a_2 = W_xh·[0, 1, 0] + W_hh·[0.7616, 0, 0] + b = [0.7616, 1.0000, 0] → h_2 = tanh(a_2) =
[0.6420, 0.7616, 0]`, vectors shortened with … past `limit` entries. Gated cells write the selected
unit's update (c_t = f·c_t-1 + i·g, h_t = o·tanh(c_t); GRU h_t = (1 − z)·n + z·h_t-1), since their
vectors would not fit. Every number is read off the session's trace; nothing is computed here.
"""

from __future__ import annotations

import numpy as np

from rnntui.engine.session import StepSession
from rnntui.i18n import t
from rnntui.number_format import format_number


def _vector(values, limit: int, exact: bool = False) -> str:
    """`exact`: whole numbers as 0 and 1 (a one-hot input), everything else to four decimals."""
    values = np.asarray(values).reshape(-1)
    shown = [_plain(v) if exact and float(v) in (0.0, 1.0) else format_number(float(v), 4) for v in values[:limit]]
    shown = ["0" if text in ("0.0000", "-0.0000") else text for text in shown]
    return "[" + ", ".join(shown + (["…"] if len(values) > limit else [])) + "]"


def _plain(value: float) -> str:
    return "1" if float(value) == 1.0 else "0"


def _scalar(value: float) -> str:
    """A factor in a product: negatives in parentheses, so that 0.5·(−0.2) never reads as 0.5·−0.2."""
    text = format_number(float(value), 4)
    return f"({text})" if text.startswith("-") else text


def step_equation(session: StepSession, unit: int = 0, layer: int = 0, limit: int = 4) -> str:
    """One line: the equation of the cursor's timestep, values substituted (see the module docstring)."""
    cfg, step = session.config, session.current_step()
    t_, u = step.t, unit
    x = step.x if layer == 0 else step.h[layer - 1]
    x_name = f"x_{t_}" if layer == 0 else f"h_{t_}(layer {layer - 1})"
    if cfg.cell == "rnn":
        a = step.pre[layer]
        return (f"a_{t_} = W_xh·{_vector(x, limit, exact=layer == 0)} + W_hh·{_vector(step.h_prev[layer], limit)} + b = "
                f"{_vector(a, limit)} → h_{t_} = {cfg.activation}(a_{t_}) = {_vector(step.h[layer], limit)}")
    gate = {name: float(values[layer, u]) for name, values in step.gates.items()}
    h_prev, h = float(step.h_prev[layer, u]), float(step.h[layer, u])
    if cfg.cell == "lstm":
        c_prev = float(session.trace.c[layer, t_ - 1, u])
        c = float(step.c[layer, u])
        return (f"unit {u}, {x_name}: c_{t_} = f·c_{t_ - 1} + i·g = {_scalar(gate['f'])}·{_scalar(c_prev)} + "
                f"{_scalar(gate['i'])}·{_scalar(gate['g'])} = {format_number(c, 4)} → h_{t_} = o·tanh(c_{t_}) = "
                f"{_scalar(gate['o'])}·{_scalar(np.tanh(c))} = {format_number(h, 4)}")
    return (f"unit {u}, {x_name}: h_{t_} = (1 − z)·n + z·h_{t_ - 1} = (1 − {_scalar(gate['z'])})·{_scalar(gate['n'])} + "
            f"{_scalar(gate['z'])}·{_scalar(h_prev)} = {format_number(h, 4)}")


def names_line(lang: str | None = None) -> str:
    """The notes' names against PyTorch's: W_xh = weight_ih_l0, W_hh = weight_hh_l0, b_h = both biases."""
    return t("equation.names", lang)
