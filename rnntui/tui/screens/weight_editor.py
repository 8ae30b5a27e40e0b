"""The weight editor: pick a parameter, move over its entries, type a value, Enter applies.

All changes go through the StepSession (`set_weight`, `undo`, `reset_weights`), which refuses a
malformed or non-finite value with WeightEditError and changes nothing; the refusal is shown
here. After every accepted change `on_change` redraws the app's panes underneath, at once.
"""

from __future__ import annotations

from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from rnntui.engine.session import StepSession
from rnntui.engine.weights import gate_rows
from rnntui.errors import RnntuiError
from rnntui.tui.widgets.matrix import MatrixGrid

HINT = "arrows move · enter edit · u undo · R reset to seed · n/p next/previous matrix · escape close"


class WeightEditorScreen(ModalScreen[None]):
    """Edits `session`'s weights in place; calls `on_change()` after each accepted change."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="close-editor"),
        Binding("enter", "edit", "Edit entry", id="edit-entry"),
        Binding("u", "undo", "Undo", id="undo-edit"),
        Binding("R", "reset", "Reset to seed", id="reset-weights"),
        Binding("n", "next_matrix(1)", "Next matrix", id="next-matrix"),
        Binding("p", "next_matrix(-1)", "Previous matrix", id="previous-matrix"),
    ]

    def __init__(self, session: StepSession, on_change: Callable[[], None]) -> None:
        super().__init__()
        self.session = session
        self.on_change = on_change
        self.names = list(session.params)
        self.param_name = next((n for n in self.names if "weight_hh" in n), self.names[0])

    def compose(self) -> ComposeResult:
        with Vertical(id="editor-box"):
            yield Label("Weight editor", id="editor-title")
            with Horizontal(id="editor-main"):
                options = [Option(f"{n} {tuple(self.session.params[n].shape)}", id=n) for n in self.names]
                yield OptionList(*options, id="param-list")
                yield MatrixGrid(id="matrix")
            with Horizontal(id="editor-input-row"):
                yield Label("new value ", id="value-label")
                yield Input(placeholder="type a number, enter applies", id="value")
            yield Static("", id="editor-message")
            yield Static(HINT, id="editor-hint")

    def on_mount(self) -> None:
        params = self.query_one("#param-list", OptionList)
        params.highlighted = self.names.index(self.param_name)
        self.redraw()
        self.query_one(MatrixGrid).focus()

    # -- reading ------------------------------------------------------------------------------
    @property
    def grid(self) -> MatrixGrid:
        return self.query_one(MatrixGrid)

    @property
    def index(self) -> tuple[int, ...]:
        """The selected entry as an index into the parameter (1-D for biases)."""
        if self.session.params[self.param_name].ndim == 1:
            return (self.grid.row,)
        return (self.grid.row, self.grid.col)

    def redraw(self) -> None:
        values = self.session.params[self.param_name]
        caption = f"{self.param_name}  shape {tuple(values.shape)}"
        if self.param_name.startswith("rnn.") and self.session.config.gate_names:
            # PyTorch stacks the gates' rows: say which rows belong to which gate
            blocks = gate_rows(self.session.config)
            caption += "  rows " + " | ".join(f"{g} {r.start}-{r.stop - 1}" for g, r in blocks.items())
        self.grid.show(values, caption)

    def say(self, message: str, error: bool = False) -> None:
        widget = self.query_one("#editor-message", Static)
        widget.update(message)
        widget.set_class(error, "error")

    # -- actions ------------------------------------------------------------------------------
    @on(OptionList.OptionHighlighted, "#param-list")
    def picked(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and event.option.id != self.param_name:
            self.param_name = event.option.id
            self.grid.row = self.grid.col = 0
            self.redraw()

    def action_next_matrix(self, step: int) -> None:
        params = self.query_one("#param-list", OptionList)
        params.highlighted = (self.names.index(self.param_name) + step) % len(self.names)

    def action_edit(self) -> None:
        value = self.query_one("#value", Input)
        value.value = ""
        value.placeholder = f"{self.grid.selected_value:+.6g}: type a number, enter applies, escape returns"
        value.focus()

    @on(Input.Submitted, "#value")
    def apply(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        try:
            self.session.set_weight(self.param_name, self.index, text)
        except RnntuiError as error:
            self.say(f"refused: {error}", error=True)
            return
        self.say(f"{self.param_name}{list(self.index)} = {self.session.params[self.param_name][self.index]:+.6g}")
        event.input.value = ""
        event.input.placeholder = "type a number, enter applies"
        self.grid.focus()
        self.changed()

    def action_undo(self) -> None:
        try:
            self.session.undo()
        except RnntuiError as error:
            self.say(str(error), error=True)
            return
        self.say("undid the last edit")
        self.changed()

    def action_reset(self) -> None:
        self.session.reset_weights()
        self.say("weights reset to the seed's (u undoes this)")
        self.changed()

    def action_close(self) -> None:
        if self.focused is self.query_one("#value", Input):
            self.grid.focus()
            return
        self.dismiss(None)

    def changed(self) -> None:
        self.redraw()
        self.on_change()
