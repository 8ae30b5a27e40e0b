"""The corpus picker (o): the shipped corpora with size and vocabulary, or the path of any text file;
and below them the 1997 LSTM paper's tasks and the time series, which open their own screen.

Dismisses with the chosen `Corpus`, or a `Picked` task or series; a path that cannot be used
shows its one-line error under the input and the picker stays open, so nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from rnntui.engine.corpus import SHIPPED, Corpus, load_corpus, shipped_corpus
from rnntui.engine.series import SERIES, get_series
from rnntui.engine.tasks import KINDS
from rnntui.errors import RnntuiError
from rnntui.i18n import t
from rnntui.textwidth import pad
from rnntui.tui.keys import key, localize_bindings


@dataclass(frozen=True)
class Picked:
    """A task or a series chosen in the picker: the app opens its screen."""

    kind: str  # "task" | "series"
    name: str

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.name}"


class Chosen(Message):
    """A pick a screen leaves to its app: a corpus (back to the text), or a task or a series that
    another screen shows. The screen that posts it is left."""

    def __init__(self, choice: Corpus | Picked) -> None:
        super().__init__()
        self.choice = choice


def task_line(name: str) -> str:
    kind = KINDS[name]
    setting = f"{kind.setting}={kind.default}" if kind.setting else ""
    return t("taskapp.picker.task_line", name=pad(name, 22), experiment=pad(kind.experiment, 3), setting=pad(setting, 6),
             description=t(f"taskapp.picker.task.{name}"))


def series_line(name: str) -> str:
    series = get_series(name)
    return t("taskapp.picker.series_line", name=pad(name, 22), points=f"{len(series.values()):>4}",
             description=t(f"taskapp.picker.series.{name}"))


def picks() -> list[tuple[Picked, str]]:
    """The tasks and the series the picker lists after the corpora, each with its line."""
    return ([(Picked("task", name), task_line(name)) for name in KINDS]
            + [(Picked("series", name), series_line(name)) for name in SERIES])


def corpus_line(corpus: Corpus) -> str:
    """'abc  12 KB  3 chars  the ABC lesson's A B C …': what `rnntui corpora` prints, one corpus."""
    return t("screens.picker.line", name=pad(corpus.name, 13), size=f"{len(corpus.text) / 1000:>4.0f}",
             symbols=f"{len(corpus.vocab):>4}", description=corpus.description)


class CorpusPickerScreen(ModalScreen[Corpus | Picked | None]):
    """Pick a shipped corpus, a task or a series (enter) or type a path (enter); escape cancels."""

    DEFAULT_CSS = """
    CorpusPickerScreen { align: center middle; }
    #picker-box { width: 100; max-width: 100%; height: auto; max-height: 90%;
                  border: round $accent; padding: 0 1; background: $surface; }
    #picker-list { height: auto; max-height: 20; }
    #picker-message { color: $text-muted; height: auto; }
    #picker-message.error { color: $error; text-style: bold; }
    """
    BINDINGS = [key("escape", "cancel", "cancel-picker")]

    def __init__(self, current: str | None = None) -> None:
        super().__init__()
        localize_bindings(self)  # the words in the language chosen now
        self.current = current  # a corpus name, or a Picked's id ("task:adding")
        self.shipped = [shipped_corpus(name) for name in SHIPPED]  # generated: well under a second
        self.picks = picks()

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Label(t("screens.picker.title"), id="picker-title")
            yield OptionList(*[Option(corpus_line(c), id=c.name) for c in self.shipped],
                             Option(t("taskapp.picker.tasks_heading"), disabled=True),
                             *[Option(line, id=pick.id) for pick, line in self.picks if pick.kind == "task"],
                             Option(t("taskapp.picker.series_heading"), disabled=True),
                             *[Option(line, id=pick.id) for pick, line in self.picks if pick.kind == "series"],
                             id="picker-list")
            yield Label(t("screens.picker.or_path"))
            yield Input(placeholder=t("screens.picker.placeholder"), id="picker-path")
            yield Static(t("screens.picker.hint"), id="picker-message", markup=False)  # quotes the path that was typed

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        try:
            option_list.highlighted = option_list.get_option_index(self.current) if self.current else 0
        except OptionDoesNotExist:  # not listed (a text file's corpus)
            option_list.highlighted = 0
        option_list.focus()

    @on(OptionList.OptionSelected)
    def shipped_chosen(self, event: OptionList.OptionSelected) -> None:
        chosen = [c for c in self.shipped if c.name == event.option.id] + [
            pick for pick, _ in self.picks if pick.id == event.option.id]
        self.dismiss(chosen[0])

    @on(Input.Submitted, "#picker-path")
    def path_given(self, event: Input.Submitted) -> None:
        try:
            if not event.value.strip():
                raise RnntuiError(t("screens.picker.empty_path"))
            self.dismiss(load_corpus(event.value.strip()))
        except RnntuiError as error:
            message = self.query_one("#picker-message", Static)
            message.update(t("screens.common.refused", error=error))
            message.add_class("error")

    def action_cancel(self) -> None:
        self.dismiss(None)
