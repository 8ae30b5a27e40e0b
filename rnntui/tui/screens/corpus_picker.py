"""The corpus picker (o): the shipped corpora with size and vocabulary, or the path of any text file.

Dismisses with the chosen `Corpus`; a path that cannot be used shows its one-line error under the
input and the picker stays open, so nothing typed is lost.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from rnntui.engine.corpus import SHIPPED, Corpus, load_corpus, shipped_corpus
from rnntui.errors import RnntuiError


def corpus_line(corpus: Corpus) -> str:
    """'abc  12 KB  3 chars  the ABC lesson's A B C …': what `rnntui corpora` prints, one corpus."""
    return f"{corpus.name:<13} {len(corpus.text) / 1000:>4.0f} KB {len(corpus.vocab):>4} chars  {corpus.description}"


class CorpusPickerScreen(ModalScreen[Corpus | None]):
    """Pick a shipped corpus (enter) or type a path (enter); escape cancels."""

    DEFAULT_CSS = """
    CorpusPickerScreen { align: center middle; }
    #picker-box { width: 100; max-width: 100%; height: auto; max-height: 90%;
                  border: round $accent; padding: 0 1; background: $surface; }
    #picker-list { height: auto; max-height: 12; }
    #picker-message { color: $text-muted; height: auto; }
    #picker-message.error { color: $error; text-style: bold; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel-picker")]

    def __init__(self, current: str | None = None) -> None:
        super().__init__()
        self.current = current
        self.shipped = [shipped_corpus(name) for name in SHIPPED]  # generated: well under a second

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Label("Corpus to train on", id="picker-title")
            yield OptionList(*[Option(corpus_line(c), id=c.name) for c in self.shipped], id="picker-list")
            yield Label("…or the path of a UTF-8 text file:")
            yield Input(placeholder="path/to/text.txt", id="picker-path")
            yield Static("enter chooses · tab moves between the list and the path · escape cancels",
                         id="picker-message", markup=False)  # quotes the path that was typed

    def on_mount(self) -> None:
        names = [c.name for c in self.shipped]
        option_list = self.query_one(OptionList)
        option_list.highlighted = names.index(self.current) if self.current in names else 0
        option_list.focus()

    @on(OptionList.OptionSelected)
    def shipped_chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(next(c for c in self.shipped if c.name == event.option.id))

    @on(Input.Submitted, "#picker-path")
    def path_given(self, event: Input.Submitted) -> None:
        try:
            if not event.value.strip():
                raise RnntuiError("type the path of a text file, or pick a corpus above")
            self.dismiss(load_corpus(event.value.strip()))
        except RnntuiError as error:
            message = self.query_one("#picker-message", Static)
            message.update(f"refused: {error}")
            message.add_class("error")

    def action_cancel(self) -> None:
        self.dismiss(None)
