"""From a TaskSession to what each pane of the task screen shows: tokens, words and numbers.

Only reading and formatting happens here; every number comes from the session's trace, its end
result or its end-loss gradients. The hidden state and the gates are drawn by the stepping
screen's own presenters (`views.hidden_blocks`, `views.gate_blocks`), which read a TaskSession as
they read a StepSession: a config, a trace and `current_step()`.
"""

from __future__ import annotations

import numpy as np
from textual.strip import Strip

from rnntui.engine.task_session import TaskSession, class_names, symbol_names
from rnntui.engine.tasks.adding import BOUNDARY, MARKED
from rnntui.i18n import t
from rnntui.number_format import format_number
from rnntui.tui import views
from rnntui.tui.widgets import palette
from rnntui.tui.widgets.line_pane import text_strip
from rnntui.tui.widgets.sequence import format_vector
from rnntui.tui.widgets.task_gradients import TaskGradientView
from rnntui.tui.widgets.task_output import ClassBar, TaskOutputView
from rnntui.tui.widgets.task_sequence import TaskSequenceView

MARKER_GLYPHS = {MARKED: "^", BOUNDARY: "|"}  # other steps: "."
TOP_CLASSES = 8  # class bars shown at most (remember-first has p + 1 classes)


def number(value: float) -> str:
    return format_number(value, 4)


def ratio(value: float) -> str:
    """A share of the last step's gradient: it spans dozens of orders of magnitude."""
    return format_number(value, 3, significant=True)


def tokens(session: TaskSession) -> list[str]:
    """One glyph per step: the marker of a values task, the symbol (its letter) of a symbol task."""
    names = symbol_names(session.task)
    if names is None:
        return [MARKER_GLYPHS.get(float(m), ".") for m in session.inputs[:, 1]]
    return [names[i][0] for i in session.inputs.argmax(axis=1)]


def marked(session: TaskSession) -> frozenset[int]:
    return frozenset(int(m) for m in session.marked)


def setting_text(session: TaskSession) -> str:
    kind = session.task.kind
    return f"{kind.setting}={session.task.setting}" if kind.setting else ""


def task_title(session: TaskSession) -> str:
    setting = setting_text(session)
    return t("taskapp.title.sequence", task=session.task.name, experiment=session.task.kind.experiment,
             setting=f", {setting}" if setting else "")


def answer_text(session: TaskSession) -> str:
    task, end = session.task, session.end
    names = class_names(task)
    target = number(end.target) if names is None else names[end.target]
    if task.kind.head == "linear":
        # A negative value in brackets, so the formula reads "+ (-0.7514)", not "+ -0.7514".
        x1, x2 = (f"({format_number(v, 4)})" if v < 0 else format_number(v, 4)
                  for v in session.inputs[session.marked, 0])
        return t(f"taskapp.answer.{task.name}", T=session.T, x1=x1, x2=x2, target=target)
    return t(f"taskapp.answer.{task.name}", T=session.T, target=target)


def sequence_view(session: TaskSession) -> TaskSequenceView:
    step = session.current_step()
    names = symbol_names(session.task)
    mark = t("taskapp.sequence.marked") if step.marked else ""
    if names is None:
        detail = t("taskapp.sequence.detail_values", t=step.t, T=session.T, value=format_number(step.x[0], 4, sign=True),
                   marker=format_number(step.x[1], 0, sign=True), marked=mark)
        values, value_range = session.inputs[:, 0], (-1.0 if session.task.name == "adding" else 0.0, 1.0)
    else:
        detail = t("taskapp.sequence.detail_symbol", t=step.t, T=session.T, symbol=names[int(step.x.argmax())],
                   marked=mark)
        values, value_range = None, (0.0, 1.0)
    return TaskSequenceView(tokens(session), values, value_range, marked(session), session.cursor - 1, detail,
                            answer_text(session))


def hidden_header(session: TaskSession) -> list[str]:
    """h_t (and c_t) at the cursor, as numbers, above the heatmaps (the pane wraps them)."""
    step = session.current_step()
    lines = []
    for layer in range(session.config.num_layers):
        suffix = "" if session.config.num_layers == 1 else t("panes.hidden.layer_name", name="", layer=layer)
        lines.append(f"h_{step.t}{suffix} = {format_vector(step.h[layer], 3, 8)}")
        if step.c is not None:
            lines.append(f"c_{step.t}{suffix} = {format_vector(step.c[layer], 3, 8)}")
    return lines


def gate_header(session: TaskSession) -> list[Strip | str]:
    """The gate values of unit 0 at the cursor and the colour legend (nothing for a vanilla RNN)."""
    return views.gate_legend(session, views.Selection(), compact=True)


def output_view(session: TaskSession) -> TaskOutputView:
    step, end = session.current_step(), session.end
    names = class_names(session.task)
    if names is None:
        at_cursor = t("taskapp.output.value_at", t=step.t, value=number(step.output[0]))
        bars: list[ClassBar] = []
        target, prediction = number(end.target), number(end.prediction)
        verdict = t("taskapp.output.met" if end.meets else "taskapp.output.not_met")
        end_lines = [t("taskapp.output.end_value", target=target, prediction=prediction),
                     t("taskapp.output.end_loss_mse", loss=number(end.loss)),
                     t("taskapp.output.error_value", error=number(end.error),
                       relation="<" if end.meets else "≥", tolerance=f"{end.tolerance:g}", verdict=verdict)]
    else:
        at_cursor = t("taskapp.output.classes_at", t=step.t)
        order = [int(k) for k in np.argsort(-step.output, kind="stable")[:TOP_CLASSES]]
        if int(end.target) not in order:
            order[-1] = int(end.target)
        bars = [ClassBar(names[k], float(step.output[k]), k == end.target) for k in order]
        verdict = t("taskapp.output.met" if end.meets else "taskapp.output.not_met")
        end_lines = [t("taskapp.output.end_class", target=names[end.target], prediction=names[end.prediction],
                       p=number(end.output[end.prediction])),
                     t("taskapp.output.end_loss_ce", p=number(end.output[end.target]), loss=number(end.loss)),
                     t("taskapp.output.class_verdict_right" if end.meets else "taskapp.output.class_verdict_wrong",
                       verdict=verdict)]
    return TaskOutputView(at_cursor, bars, end_lines, end.meets)


def gradient_view(session: TaskSession) -> TaskGradientView:
    """Layer 0's ||dL_end/dh_t||: the layer that reads the marked inputs."""
    norms = session.gradient_norms[0]
    reach = session.reach(0)
    shares = ", ".join(t("taskapp.gradients.share", t=m + 1, share=ratio(share)) for m, share in reach.items())
    i = session.cursor - 1
    last = float(norms[-1])
    return TaskGradientView(
        norms=norms, tokens=tokens(session), cursor=i, marked=marked(session),
        heading=t("taskapp.gradients.heading", T=session.T),
        reach=t("taskapp.gradients.reach", shares=shares),
        at_cursor=t("taskapp.gradients.at_cursor", t=i + 1, norm=ratio(float(norms[i])),
                    share=ratio(float(norms[i]) / last) if last > 0 else "—"),
    )


def status_text(session: TaskSession, width: int) -> str:
    """One line; below 100 columns the model in short (the cell only), so that the loss still fits."""
    cfg = session.config
    terse = width < 100
    if terse:
        model = [t("panes.cell.rnn_short") if cfg.cell == "rnn" else views.cell_name(cfg.cell)]
    else:
        model = [views.cell_name(cfg.cell) + (f" {cfg.activation}" if cfg.cell == "rnn" else ""), f"H={cfg.hidden_size}"]
    parts = [session.task.name + (f" {setting_text(session)}" if setting_text(session) else ""), *model,
             t("panes.status.seed", seed=session.seed), t("taskapp.status.sequence", seed=session.sequence_seed),
             f"t {session.cursor}/{session.T}", t("taskapp.status.end_loss", loss=number(session.end.loss))]
    return " · ".join(parts)
