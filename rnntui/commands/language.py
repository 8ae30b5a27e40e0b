"""`--lang` for every command: the language is read off the command line before click parses it.

Typer builds its click commands, help texts included, before any option callback runs, and
`--help` is eager; so a language given as an option would arrive too late for the help it should
translate. Instead `LocalizedGroup.main` takes `--lang X` (anywhere before `--`) out of the
arguments, chooses the language (else `RNNTUI_LANG`, else the locale), and translates the help
of the freshly built commands in place; every command also declares `--lang`, for its --help and
for code that parses without `main` (the docs' tests). Help texts are declared with `help_text(key)`: the
English text, remembered with its catalogue key, so the same declaration reads in any language.
click's and Typer's own words (the usage line, the error panel, a missing argument or an unknown
option) are put in the chosen language too (`usage.toml`); kinds of error not listed stay English.
"""

from __future__ import annotations

import copy
import inspect
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import typer
from typer.core import TyperGroup

from rnntui import i18n
from rnntui.errors import RnntuiError

LANG_OPTION = "--lang"
USAGE_ERROR = 2

# English help text (as written and as click cleans it) -> (catalogue key, fields).
_HELP_KEYS: dict[str, tuple[str, dict]] = {}

# Typer's own words on a help screen (module constants of typer.rich_utils) -> catalogue key.
TYPER_WORDS = {
    "ARGUMENTS_PANEL_TITLE": "cli.typer.arguments",
    "OPTIONS_PANEL_TITLE": "cli.typer.options",
    "COMMANDS_PANEL_TITLE": "cli.typer.commands",
    "DEFAULT_STRING": "cli.typer.default",
    "REQUIRED_LONG_STRING": "cli.typer.required",
    "ERRORS_PANEL_TITLE": "usage.help.error_title",
    "RICH_HELP": "usage.help.try_help",
    "ABORTED_TEXT": "usage.help.aborted",
}
# Typer's messages it passes through gettext when they happen (typer.core's `_`) -> catalogue key.
TYPER_MESSAGES = {
    "No such command {name!r}.": "usage.error.no_such_command",
    "Missing command.": "usage.error.missing_command",
    "Aborted!": "usage.help.aborted",
}
_typer_english: dict[str, str] = {}


def help_text(key: str, **fields) -> str:
    """The English help for `key`, translated when a command line chooses another language."""
    english = i18n.t(key, lang=i18n.DEFAULT_LANGUAGE, **fields)
    _HELP_KEYS[english] = _HELP_KEYS[inspect.cleandoc(english)] = (key, fields)
    return english


def take_language(args: Sequence[str]) -> tuple[str | None, list[str]]:
    """(the value of `--lang`, the arguments without it); `--` ends the options, as in click.

    Taking it out lets `--lang` stand anywhere, even between a command's arguments."""
    rest, given, index = [], None, 0
    args = list(args)
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        if arg == LANG_OPTION and index + 1 < len(args):
            given, index = args[index + 1], index + 2
            continue
        if arg.startswith(LANG_OPTION + "="):
            given, index = arg.partition("=")[2], index + 1
            continue
        rest.append(arg)
        index += 1
    return given, rest


def translate(text: str | None) -> str | None:
    entry = _HELP_KEYS.get(text) if text else None
    return text if entry is None else i18n.t(entry[0], **entry[1])


def localize(command) -> None:
    """Translate the help of `command`, its parameters and its subcommands, in place."""
    command.help = translate(command.help)
    command.short_help = translate(command.short_help)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = translate(param.help)
    for sub in getattr(command, "commands", {}).values():
        localize(sub)
    made = command.get_help_option  # click makes the --help option when it is first needed

    def get_help_option(ctx):
        option = made(ctx)
        if option is not None:
            option.help = i18n.t("cli.typer.help")
        return option

    command.get_help_option = get_help_option

    def format_usage(ctx, formatter):
        """click's own, with "Usage: " in the chosen language."""
        formatter.write_usage(ctx.command_path, " ".join(command.collect_usage_pieces(ctx)),
                              prefix=i18n.t("usage.help.usage"))

    command.format_usage = format_usage


def localize_typer_words() -> None:
    """Typer's panel titles and `[default: ...]` in the chosen language (English restores them).

    Rich wraps help text at spaces only and ends a longer run with "…"; Chinese has no spaces, so
    its help texts are folded at the column's edge instead (what a Chinese terminal reader expects).
    """
    english = i18n.current_language() == i18n.DEFAULT_LANGUAGE
    if english and not _typer_english:
        return  # nothing was changed: no need to import rich
    from typer import rich_utils

    for name, key in TYPER_WORDS.items():
        _typer_english.setdefault(name, getattr(rich_utils, name))
        setattr(rich_utils, name, _typer_english[name] if english else i18n.t(key))
    plain = _typer_english.setdefault("_make_rich_text", rich_utils._make_rich_text)
    rich_utils._make_rich_text = plain if english else _folding(plain)
    import typer.core

    gettext = _typer_english.setdefault("gettext", typer.core._)
    typer.core._ = gettext if english else _translated_gettext


def _translated_gettext(message: str) -> str:
    key = TYPER_MESSAGES.get(message)
    return message if key is None else i18n.t(key)


def usage_error_text(error) -> str:
    """click's message for a usage error, in the chosen language where its kind is known (a missing
    argument or option, an unknown option, a value that does not parse); other kinds as click says."""
    from typer._click.exceptions import BadParameter, MissingParameter, NoSuchOption, _join_param_hints

    if isinstance(error, BadParameter):
        hint = _join_param_hints(error.param_hint if error.param_hint is not None
                                 else error.param.get_error_hint() if error.param is not None else None)
        if isinstance(error, MissingParameter):
            missing = error.message or (error.param.get_missing_message(error.ctx) if error.param else None)
            if missing:  # a reason of its own (the choices it takes): click's words carry it
                return error.format_message()
            kind = error.param_type or (error.param.param_type_name if error.param is not None else "")
            key = {"argument": "usage.error.missing_argument", "option": "usage.error.missing_option"}
            return i18n.t(key.get(kind, "usage.error.missing"), name=hint or "")
        if hint:
            return i18n.t("usage.error.invalid_value_for", name=hint, reason=error.message)
        return i18n.t("usage.error.invalid_value", reason=error.message)
    if isinstance(error, NoSuchOption):
        possible = ", ".join(sorted(error.possibilities or ()))
        return i18n.t("usage.error.no_such_option", name=error.option_name) + (
            i18n.t("usage.error.possible", options=possible) if possible else "")
    return error.format_message()


@contextmanager
def usage_errors_in_language() -> Iterator[None]:
    """click's usage errors raised inside, said again in the chosen language (same context, same exit code)."""
    from typer._click.exceptions import NoArgsIsHelpError, UsageError

    try:
        yield
    except NoArgsIsHelpError:
        raise
    except UsageError as error:
        text = usage_error_text(error)
        if text == error.format_message():
            raise
        raise UsageError(text, error.ctx) from None


def _folding(make_text):
    def make(*args, **kwargs):
        text = make_text(*args, **kwargs)
        if hasattr(text, "overflow"):
            text.overflow = "fold"
        return text

    return make


class LocalizedGroup(TyperGroup):
    """The `rnntui` command group: chooses the language, then runs click as usual.

    Its callback declares `--lang`; every subcommand gets a copy (its value is already used), so
    `rnntui abc --lang zh` parses and each command's --help lists it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        (lang,) = [param for param in self.params if param.name == "lang"]
        for command in self.commands.values():
            if not any(param.name == "lang" for param in command.params):
                copied = copy.copy(lang)
                copied.expose_value = False
                command.params.append(copied)

    def main(self, args: Sequence[str] | None = None, *pos, **kwargs):
        given, rest = take_language(sys.argv[1:] if args is None else args)
        before = i18n.language_state()
        try:
            try:
                i18n.set_language(given)
            except RnntuiError as error:
                typer.echo(i18n.t("cli.error.line", message=error), err=True)
                sys.exit(USAGE_ERROR)
            localize(self)
            localize_typer_words()
            return super().main(rest, *pos, **kwargs)
        finally:
            i18n.restore_language_state(before)

    # click reports a bad command line from these two (its own options, then a command's), with
    # its messages in English: they are translated on their way out.
    def make_context(self, *args, **kwargs):
        with usage_errors_in_language():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with usage_errors_in_language():
            return super().invoke(ctx)
