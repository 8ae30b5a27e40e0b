"""The weight editor: pick a parameter, move over its entries, type a value, Enter applies.

All changes go through the StepSession (`set_weight`, `undo`, `reset_weights`), which refuses a
malformed or non-finite value with WeightEditError and changes nothing; the refusal is shown
here. After every accepted change the app's panes underneath redraw at once.

The session is always read from its owner (the stepping screen), never kept: a training run or a
demo step installs new sessions while the editor is open, and the editor shows and edits the
current one.
While the owner says the weights are locked (a training run is active) the editor is read-only
and says so in its title, because the run's next sync would replace any edit.
"""

from __future__ import annotations

from typing import Protocol

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


class SessionOwner(Protocol):
    session: StepSession

    def changed(self, keep_sample: bool = False) -> None: ...

    def locked(self) -> str | None: ...


class WeightEditorScreen(ModalScreen[None]):
    """Edits the owner's current session; the owner redraws after each accepted change."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="close-editor"),
        Binding("enter", "edit", "Edit entry", id="edit-entry"),
        Binding("u", "undo", "Undo", id="undo-edit"),
        Binding("R", "reset", "Reset to seed", id="reset-weights"),
        Binding("n", "next_matrix(1)", "Next matrix", id="next-matrix"),
        Binding("p", "next_matrix(-1)", "Previous matrix", id="previous-matrix"),
    ]

    def __init__(self, owner: SessionOwner) -> None:
        super().__init__()
        self.owner = owner
        self.names = list(owner.session.params)
        self.param_name = next((n for n in self.names if "weight_hh" in n), self.names[0])

    def compose(self) -> ComposeResult:
        with Vertical(id="editor-box"):
            yield Label(self.title_text(), id="editor-title", markup=False)
            with Horizontal(id="editor-main"):
                options = [Option(f"{n} {tuple(self.session.params[n].shape)}", id=n) for n in self.names]
                yield OptionList(*options, id="param-list")
                yield MatrixGrid(id="matrix")
            with Horizontal(id="editor-input-row"):
                yield Label("new value ", id="value-label")
                yield Input(placeholder="type a number, enter applies", id="value")
            yield Static("", id="editor-message", markup=False)  # quotes what was typed
            yield Static(HINT, id="editor-hint")

    def on_mount(self) -> None:
        params = self.query_one("#param-list", OptionList)
        params.highlighted = self.names.index(self.param_name)
        self.redraw()
        self.query_one(MatrixGrid).focus()

    # -- reading ------------------------------------------------------------------------------
    @property
    def session(self) -> StepSession:
        return self.owner.session

    def locked(self) -> str | None:
        """Why edits are refused now (a training run is active), or None."""
        return self.owner.locked()

    def title_text(self) -> str:
        return "Weight editor (read-only while training)" if self.locked() else "Weight editor"

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
        if list(self.session.params) != self.names:  # a new model (another cell) was installed
            self.names = list(self.session.params)
            options = self.query_one("#param-list", OptionList)
            options.clear_options()
            options.add_options([Option(f"{n} {tuple(self.session.params[n].shape)}", id=n) for n in self.names])
            if self.param_name not in self.names:
                self.param_name = next((n for n in self.names if "weight_hh" in n), self.names[0])
            options.highlighted = self.names.index(self.param_name)
        self.query_one("#editor-title", Label).update(self.title_text())
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
        if self.refused_while_locked():
            return
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

    def refused_while_locked(self) -> bool:
        reason = self.locked()
        if reason:
            self.say(f"refused: {reason}", error=True)
        return bool(reason)

    def action_undo(self) -> None:
        if self.refused_while_locked():
            return
        try:
            self.session.undo()
        except RnntuiError as error:
            self.say(str(error), error=True)
            return
        self.say("undid the last edit")
        self.changed()

    def action_reset(self) -> None:
        if self.refused_while_locked():
            return
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
        self.owner.changed()
