"""The training settings screen: the hyperparameters of a run, prefilled, validated before it closes.

Dismisses with a `TrainConfig` (enter in any field) or None (escape). A bad value shows the
one-line reason under the form and nothing closes, so no typed value is lost.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from rnntui.train.train_config import TrainConfig
from rnntui.errors import RnntuiError
from rnntui.numbers import parse_number

# (field id, label, what the field holds): the order of the form.
FIELDS = [
    ("cell", "cell", "rnn, lstm or gru"),
    ("hidden_size", "hidden size", "units per layer"),
    ("num_layers", "layers", "stacked recurrent layers"),
    ("seq_len", "sequence length", "characters per BPTT chunk"),
    ("batch_size", "batch size", "parallel streams"),
    ("lr", "learning rate", "peak; Adam"),
    ("clip", "clipping", "a global-norm threshold, or off"),
    ("steps", "step budget", "empty: no limit"),
    ("minutes", "time budget", "minutes; empty: no limit"),
    ("threads", "torch threads", "CPU threads for training"),
]
INTS = {"hidden_size", "num_layers", "seq_len", "batch_size", "steps", "threads"}
OPTIONAL = {"steps", "minutes"}


def config_fields(config: TrainConfig) -> dict[str, str]:
    """The form's text for each field of `config`."""
    values = {name: "" if getattr(config, name, None) is None else str(getattr(config, name))
              for name, _, _ in FIELDS if name != "clip"}
    values["clip"] = "off" if config.clip_mode == "off" else f"{config.clip:g}"
    values["lr"] = f"{config.lr:g}"
    return values


def parse_fields(values: dict[str, str], base: TrainConfig) -> TrainConfig:
    """`base` with the form's values; a bad value raises a one-line RnntuiError."""
    changes: dict[str, object] = {}
    for name, label, _ in FIELDS:
        text = values.get(name, "").strip()
        if name == "cell":
            changes["cell"] = text.lower()
        elif name == "clip":
            if text.lower() in ("off", "none", "0", ""):
                changes["clip_mode"] = "off"
            else:
                changes["clip_mode"], changes["clip"] = "norm", parse_number(text, label, float)
        elif not text and name in OPTIONAL:
            changes[name] = None
        else:
            changes[name] = parse_number(text, label, int if name in INTS else float)
    return base.with_(**changes)  # TrainConfig validates ranges and names


class TrainSettingsScreen(ModalScreen[TrainConfig | None]):
    """The run's hyperparameters; enter starts (or applies), escape cancels."""

    DEFAULT_CSS = """
    TrainSettingsScreen { align: center middle; }
    #settings-box { width: 72; max-width: 100%; height: auto; max-height: 95%;
                    border: round $accent; padding: 0 1; background: $surface; }
    #settings-grid { grid-size: 3; grid-columns: 18 14 1fr; grid-rows: 1; height: auto; grid-gutter: 0 1; }
    #settings-grid Input { border: none; height: 1; padding: 0; }
    #settings-grid .hint { color: $text-muted; }
    #settings-message { color: $text-muted; height: auto; margin-top: 1; }
    #settings-message.error { color: $error; text-style: bold; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel-settings")]

    def __init__(self, config: TrainConfig, title: str, hint: str) -> None:
        super().__init__()
        self.config, self.title_text, self.hint = config, title, hint

    def compose(self) -> ComposeResult:
        values = config_fields(self.config)
        with Vertical(id="settings-box"):
            yield Label(self.title_text, id="settings-title", markup=False)
            with Grid(id="settings-grid"):
                for name, label, hint in FIELDS:
                    yield Label(label)
                    yield Input(values[name], id=f"setting-{name}", select_on_focus=False)
                    yield Label(hint, classes="hint")
            yield Static(self.hint, id="settings-message", markup=False)  # quotes what was typed

    def values(self) -> dict[str, str]:
        return {name: self.query_one(f"#setting-{name}", Input).value for name, _, _ in FIELDS}

    @on(Input.Submitted)
    def submitted(self) -> None:
        try:
            config = parse_fields(self.values(), self.config)
        except RnntuiError as error:
            message = self.query_one("#settings-message", Static)
            message.update(f"refused: {error}")
            message.add_class("error")
            return
        self.dismiss(config)

    def action_cancel(self) -> None:
        self.dismiss(None)
