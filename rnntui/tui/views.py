"""From the StepSession to what each pane shows: labels, formulas, colour scales, number lines.

Only reading and formatting happens here: every number comes from the session's trace, gradients
or `current_step()`. The app calls these after each change and hands the results to the panes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from textual.strip import Strip

from rnntui.engine.numpy_rnn import HiddenGradients
from rnntui.engine.session import StepSession
from rnntui.equation import names_line, step_equation
from rnntui.i18n import t
from rnntui.number_format import format_number
from rnntui.tui.widgets import glyphs, palette
from rnntui.tui.widgets.console import TOP_K, ConsoleView
from rnntui.tui.widgets.gradients import GradientView
from rnntui.tui.widgets.heatmap import HeatBlock, legend_strip, token_glyph
from rnntui.tui.widgets.line_pane import text_strip
from rnntui.tui.widgets.sequence import format_vector

GATE_FORMULAS = {  # biases folded into b_* (PyTorch has b_i* and b_h*: both are added); names: panes.gate.*
    "i": "σ(W_ii x + W_hi h + b_i)",
    "f": "σ(W_if x + W_hf h + b_f)",
    "g": "tanh(W_ig x + W_hg h + b_g)",
    "o": "σ(W_io x + W_ho h + b_o)",
    "r": "σ(W_ir x + W_hr h + b_r)",
    "z": "σ(W_iz x + W_hz h + b_z)",
    "n": "tanh(W_in x + b_in + r⊙(W_hn h + b_hn))",
}
TANH_GATES = {"g", "n"}
HIDDEN_FORMULAS = {
    "rnn": "h_t = {act}(W_ih x_t + b_ih + W_hh h_t-1 + b_hh)",
    "lstm": "h_t = o ⊙ tanh(c_t)",
    "gru": "h_t = (1 − z) ⊙ n + z ⊙ h_t-1",
}
VECTOR_LIMIT = 8  # print h_t in full (4 decimals) up to this many units


def cell_name(cell: str) -> str:
    """"vanilla RNN", "LSTM", "GRU" (in the reader's language)."""
    return t("panes.cell.rnn") if cell == "rnn" else cell.upper()


def gate_formula(name: str) -> str:
    return f"{t(f'panes.gate.{name}')} {GATE_FORMULAS[name]}"


# Scaling W_hh up far enough (`]` a few thousand times) overflows the forward pass: the weights
# are still finite numbers, but what they produce is not, and every pane would show nan
# (panes.hidden.not_finite says so).


@dataclass
class Selection:
    """Which hidden unit the number line reports: (layer, unit)."""

    layer: int = 0
    unit: int = 0

    def moved(self, step: int, layers: int, units: int) -> "Selection":
        flat = max(0, min(layers * units - 1, self.layer * units + self.unit + step))
        return Selection(flat // units, flat % units)

    def clamped(self, layers: int, units: int) -> "Selection":
        return Selection(min(self.layer, layers - 1), min(self.unit, units - 1))


def _limit(values: np.ndarray, floor: float = 1.0) -> float:
    """A symmetric colour range that covers the data, at least `floor`, in 'nice' steps."""
    biggest = float(np.max(np.abs(values))) if values.size else 0.0
    if not np.isfinite(biggest):
        return floor
    return max(floor, float(np.ceil(biggest * 2) / 2))


def not_finite(session: StepSession) -> bool:
    """The forward or the backward pass left the range of floats (nan or inf somewhere). Judged
    from the passes computed so far: a pass still being computed is not waited for."""
    pending = session.pending(("trace", "gradients"))
    if "trace" in pending:
        return False
    if not session.trace.states_finite:
        return True
    if "gradients" in pending:
        return False
    grads = session.gradients
    norms = [grads.grad_norm] if grads.loss is None else [grads.grad_norm, grads.loss]
    return not np.isfinite(norms).all()


def tokens(session: StepSession) -> list[str]:
    return list(session.text)


def x_line(session: StepSession) -> str:
    step = session.current_step()
    if session.config.embedding_dim is None:
        index = session.vocab.index[step.char]
        vector = format_vector(step.x, digits=0) if len(step.x) <= 16 else t("panes.hidden.index_of", index=index, size=len(step.x))
        return t("panes.hidden.one_hot", t=step.t, char=repr(token_glyph(step.char)), vector=vector)
    return t("panes.hidden.embedded", t=step.t, char=repr(token_glyph(step.char)),
             vector=format_vector(step.x, digits=3, limit=8))


def hidden_blocks(session: StepSession) -> tuple[list[HeatBlock], dict[tuple[int, int], int]]:
    """h (and c) for every layer, units × timesteps; and which block holds h of each layer."""
    cfg, trace = session.config, session.trace
    blocks: list[HeatBlock] = []
    h_block: dict[tuple[int, int], int] = {}
    for layer in range(cfg.num_layers):
        h = trace.h[layer, 1:].T
        relu = cfg.cell == "rnn" and cfg.activation == "relu"
        formula = HIDDEN_FORMULAS[cfg.cell].format(act=cfg.activation)
        h_block[(layer, 0)] = len(blocks)
        blocks.append(HeatBlock(t("panes.hidden.block", name="h", layer=layer), h, limit=_limit(h) if relu else 1.0, formula=formula, layer=layer))
        if trace.c is not None:
            c = trace.c[layer, 1:].T
            blocks.append(
                HeatBlock(t("panes.hidden.block", name="c", layer=layer), c, limit=_limit(c),
                          formula=t("panes.hidden.cell_state", formula="c_t = f ⊙ c_t-1 + i ⊙ g"), layer=layer)
            )
    return blocks, h_block


def hidden_numbers(session: StepSession, selection: Selection, legend: bool = True) -> list[Strip]:
    """The selected cell's value and the h_t vector, as numbers (the ABC example's 0.7616, 0.6420)."""
    step = session.current_step()
    where = t("panes.hidden.where", t=step.t, char=repr(token_glyph(step.char)))
    layer, unit = selection.layer, selection.unit
    h_name = "h" if session.config.num_layers == 1 else t("panes.hidden.layer_name", name="h", layer=layer)
    parts = [(t("panes.hidden.value_at", name=h_name, unit=unit, where=where), palette.LABEL), (format_number(float(step.h[layer, unit])), palette.BOLD)]
    if step.c is not None:
        parts += [(f"   c[{unit}] = ", palette.LABEL), (format_number(float(step.c[layer, unit])), palette.BOLD)]
    lines = [text_strip(*parts)]
    if not_finite(session):
        lines.insert(0, text_strip((t("panes.hidden.not_finite_short"), palette.ALERT)))
    small = session.config.hidden_size <= VECTOR_LIMIT
    for layer in range(session.config.num_layers):
        name = f"h_{step.t}" if session.config.num_layers == 1 else t("panes.hidden.vector_layer", name=f"h_{step.t}", layer=layer)
        vector = format_vector(step.h[layer], digits=4 if small else 3, limit=VECTOR_LIMIT if small else 6)
        lines.append(text_strip((f"{name} = ", palette.LABEL), (vector, palette.PLAIN)))
    if legend:
        lines.append(legend_line(session))
    return lines


def legend_line(session: StepSession) -> Strip:
    limit = 1.0 if session.config.activation == "tanh" or session.config.cell != "rnn" else _limit(session.trace.h)
    return Strip.join(
        [text_strip((t("panes.hidden.colour"), palette.LABEL)), legend_strip("diverging", limit),
         text_strip((t("panes.hidden.selected", marker=glyphs.marker()), palette.DIM))]
    )


def gate_blocks(session: StepSession) -> list[HeatBlock]:
    """LSTM i f g o / GRU r z n per layer; for the vanilla RNN the pre-activation and saturation."""
    cfg, trace, step = session.config, session.trace, session.current_step()
    blocks: list[HeatBlock] = []
    for layer in range(cfg.num_layers):
        if cfg.cell == "rnn":
            pre = trace.pre[layer].T
            a = step.pre[layer]
            if cfg.activation == "tanh":
                saturated = int(np.sum(np.abs(step.h[layer]) > 0.9))
                note = t("panes.hidden.saturated", t=step.t, count=saturated, units=cfg.hidden_size)
            else:
                off = int(np.sum(a <= 0))
                note = t("panes.hidden.relu_off", t=step.t, count=off, units=cfg.hidden_size)
            blocks.append(
                HeatBlock(
                    t("panes.hidden.block", name="a", layer=layer), pre, limit=_limit(pre),
                    formula=t("panes.hidden.pre_activation",
                              formula=f"a_t = W_ih x_t + b_ih + W_hh h_t-1 + b_hh; h_t = {cfg.activation}(a_t)"),
                    notes=[note],
                    layer=layer,
                )
            )
            continue
        for name in cfg.gate_names:
            values = trace.gates[name][layer].T
            tanh = name in TANH_GATES
            title = t("panes.hidden.block", name=name, layer=layer) if cfg.num_layers > 1 else name
            blocks.append(
                HeatBlock(
                    title, values, scale="diverging" if tanh else "sequential", limit=1.0,
                    formula=gate_formula(name), layer=layer,
                )
            )
    return blocks


def gate_legend(session: StepSession, selection: Selection | None = None, compact: bool = False) -> list[Strip | str]:
    """Above the gates: the selected unit's gate values at the cursor, the step's equation with its
    numbers (equation.step_equation; text, wrapped by the pane), and the colour legend. A short
    terminal (compact) keeps the values only."""
    selection = (selection or Selection()).clamped(session.config.num_layers, session.config.hidden_size)
    layer, unit = selection.layer, selection.unit
    step = session.current_step()
    lines: list[Strip | str] = []
    if session.config.cell != "rnn":
        values = "  ".join(f"{name} {format_number(float(g[layer, unit]), 4)}" for name, g in step.gates.items())
        lines.append(t("gates.values", unit=unit, t=step.t) + values)
    if compact:
        return lines
    lines.append(step_equation(session, unit, layer))
    if session.config.cell != "rnn":
        lines.append(
            Strip.join(
                [text_strip((t("panes.hidden.sigma_gates"), palette.LABEL)), legend_strip("sequential", 1.0),
                 text_strip(("  tanh ", palette.LABEL)), legend_strip("diverging", 1.0)]
            )
        )
    return lines


def gate_footer(session: StepSession) -> list[str]:
    """Under the gates: the notes' names against PyTorch's (the engine speaks PyTorch's)."""
    return [names_line()]


def last_prediction_gradients(session: StepSession) -> HiddenGradients | None:
    """The last prediction's loss traced back in time (see StepSession.last_prediction_gradients)."""
    return session.last_prediction_gradients


def gradient_view(session: StepSession, last: HiddenGradients | None, whole: bool = False) -> GradientView | None:
    """Bars from the last prediction's loss (or, `whole`, from the whole sequence's loss: the
    total dL/dh_t); global and per-parameter norms always from the whole loss, which is what
    clipping sees."""
    grads = session.gradients
    if grads.loss is None or (last is None and not whole):
        return None
    layer = session.config.num_layers - 1
    return GradientView(
        norms=(grads if whole else last).grad_norm_h[layer],
        source=t("panes.gradients.whole_loss") if whole else t("panes.gradients.last_loss"),
        layer=layer,
        cursor=session.cursor - 1,
        tokens=tokens(session),
        clip_mode=session.clipping.mode,
        threshold=session.clipping.threshold,
        grad_norm=grads.grad_norm,
        grad_norm_clipped=grads.grad_norm_clipped,
        loss=grads.loss,
        param_norms=grads.param_grad_norms,
        param_norms_clipped={} if session.clipping.mode == "off" else grads.clipped_param_norms,
        clip_cosine=grads.clip_cosine,
        alert=t("panes.hidden.not_finite") if not_finite(session) else None,
    )


def console_view(session: StepSession, temperature: float, sample: str | None) -> ConsoleView:
    step = session.current_step()
    order = np.argsort(-step.probs, kind="stable")[:TOP_K]
    top = [(session.vocab.chars[int(i)], float(step.probs[int(i)])) for i in order]
    return ConsoleView(after=step.char, top=top, temperature=temperature, sample=sample, target=step.target)


def status_text(
    session: StepSession, playing: bool, speed: float, width: int, radii: dict[str, dict[str, float]] | None
) -> str:
    """The status line; below 110 columns, or with a warning in front, in a terse form so that it
    still fits on one line. The loss and the radii say so while they are being computed (radii None)."""
    cfg = session.config
    alert = not_finite(session)
    terse = width < 110 or alert
    if session.clipping.mode == "off":
        clip = t("panes.status.clip_off")
    else:
        threshold = format_number(session.clipping.threshold, 4, significant=True)
        clip = t("panes.status.clip_terse" if terse else "panes.status.clip", mode=t(f"panes.clip_mode.{session.clipping.mode}"), threshold=threshold)
    loss = None if session.pending(("gradients",)) else session.gradients.loss
    radii = None if radii is None else radii[f"rnn.weight_hh_l{cfg.num_layers - 1}"]
    if radii is None:
        radius = t("stepping.pending.radius")
    elif terse:
        radius = f"ρ {format_number(max(radii.values()), 2)}"
    elif len(radii) > 1:
        radius = "ρ(W_hh) " + " ".join(f"{block}:{format_number(r, 2)}" for block, r in radii.items())
    else:
        radius = f"ρ(W_hh) {format_number(next(iter(radii.values())), 3)}"
    activation = f" {cfg.activation}" if cfg.cell == "rnn" else ""
    cell = f"{t('panes.cell.rnn_short') if terse and cfg.cell == 'rnn' else cell_name(cfg.cell)}{activation}"
    parts = [
        cell,
        f"H={cfg.hidden_size}",
        f"L={cfg.num_layers}" if terse else t("panes.status.layers", layers=cfg.num_layers),
        clip,
        f"t {session.cursor}/{session.T}",
        t("stepping.pending.loss") if session.pending(("gradients",)) else
        t("panes.status.loss_none") if loss is None else t("panes.status.loss", loss=format_number(loss)),
        radius,
    ]
    if not terse:
        parts.append(t("panes.status.seed", seed=session.seed))
    if alert:  # on a narrow line the warning takes the place of the model's description
        parts = [t("panes.hidden.not_finite_short")] + parts[4 if width < 110 else 0:]
    parts.append(f"▶ {speed:g}/s" if playing else f"‖ {speed:g}/s")
    return " · ".join(parts)
