"""Every sentence a person reads, in their language: `t("area.key", name=value)`.

The catalogues are TOML files, one folder per language (`en/`, `zh/`) and one file per area of
the program (`app.toml`, `cli.toml`, ...), so two people adding strings to different areas never
edit the same file. A key is the file's stem, then the TOML table path: `[status] cell = ...` in
`app.toml` is `app.status.cell`. Values are `str.format` templates with named fields (write a
literal brace as `{{` or `}}`).

English is the fallback: a key missing from the active language shows the English text (a test
keeps both catalogues complete, so this only guards a half-finished edit). The language is
chosen once per process by `set_language`, from `--lang`, then `RNNTUI_LANG`, then the system
locale; it is also written to `RNNTUI_LANG` so child processes (live training, served tabs)
speak the same language.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path

from rnntui.errors import RnntuiError

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
ENV_VAR = "RNNTUI_LANG"
CATALOGUE_DIR = Path(__file__).parent

_language = None  # set by set_language; None means "not chosen yet": resolved lazily


def check_language(lang: str) -> str:
    """`lang` if it is one rnntui speaks, else a one-line error listing the languages."""
    if lang not in LANGUAGES:
        raise RnntuiError(t("cli.error.unknown_language", given=lang, choices=", ".join(LANGUAGES)))
    return lang


def language_from_locale(environ=None) -> str:
    """The language the environment asks for: RNNTUI_LANG, then LC_ALL / LC_MESSAGES / LANG.

    An unknown RNNTUI_LANG or locale falls back to English silently: a locale is a preference the
    user did not type for rnntui, so refusing to start over it would be hostile.
    """
    environ = os.environ if environ is None else environ
    chosen = environ.get(ENV_VAR, "").strip().lower()
    if chosen in LANGUAGES:
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            # "zh_CN.UTF-8", "zh_TW", "zh" all read as Chinese; the first set variable decides.
            prefix = value.split(".")[0].split("_")[0].split("-")[0].lower()
            return prefix if prefix in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def set_language(lang: str | None = None) -> str:
    """Choose the process's language (None: from the environment) and export it to children."""
    global _language
    _language = check_language(lang) if lang else language_from_locale()
    os.environ[ENV_VAR] = _language
    return _language


def language_state() -> tuple[str | None, str | None]:
    """What `set_language` changes (the choice, the exported variable), to put back after a command
    run inside a longer-lived process (a test's CliRunner) so the next one chooses afresh."""
    return _language, os.environ.get(ENV_VAR)


def restore_language_state(state: tuple[str | None, str | None]) -> None:
    global _language
    _language, exported = state
    if exported is None:
        os.environ.pop(ENV_VAR, None)
    else:
        os.environ[ENV_VAR] = exported


def current_language() -> str:
    global _language
    if _language is None:
        _language = language_from_locale()
    return _language


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every key of one language, flattened to "area.table.key" -> template."""
    messages: dict[str, str] = {}
    for path in sorted((CATALOGUE_DIR / lang).glob("*.toml")):
        with path.open("rb") as handle:
            _flatten(tomllib.load(handle), path.stem, messages)
    return messages


def _flatten(table: dict, prefix: str, into: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(value, name, into)
        else:
            into[name] = str(value)


def t(key: str, /, lang: str | None = None, **fields) -> str:
    """The text for `key` in `lang` (default: the process's language), with `fields` filled in."""
    lang = lang or current_language()
    template = catalogue(lang).get(key)
    if template is None:
        template = catalogue(DEFAULT_LANGUAGE).get(key)
    if template is None:
        # A missing key is a programming error; show the key itself rather than crash a UI.
        return key
    return template.format(**fields)
