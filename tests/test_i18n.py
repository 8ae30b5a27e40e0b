"""The catalogues: every key in both languages with the same fields, and every t() key exists."""

import ast
import os
import string
from pathlib import Path

import pytest

import rnntui
from rnntui import i18n
from rnntui.errors import RnntuiError

PACKAGE = Path(rnntui.__file__).parent


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_exists_in_every_language():
    keys = {lang: set(i18n.catalogue(lang)) for lang in i18n.LANGUAGES}
    english = keys[i18n.DEFAULT_LANGUAGE]
    for lang, own in keys.items():
        assert sorted(english - own) == [], f"missing in {lang}"
        assert sorted(own - english) == [], f"only in {lang}"


def test_the_same_fields_in_every_language():
    english = i18n.catalogue("en")
    for lang in i18n.LANGUAGES:
        for key, template in i18n.catalogue(lang).items():
            assert fields(template) == fields(english[key]), f"{lang}: {key}"


def test_every_template_formats():
    for lang in i18n.LANGUAGES:
        for key, template in i18n.catalogue(lang).items():
            template.format(**{name: 1 for name in fields(template)})


def literal_keys():
    """Every t("...") call with a literal key anywhere in the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                yield path.relative_to(PACKAGE), node.lineno, node.args[0].value


def test_every_key_used_in_the_code_exists():
    english = i18n.catalogue("en")
    missing = [f"{path}:{line} {key}" for path, line, key in literal_keys() if key not in english]
    assert missing == []


def test_t_speaks_the_chosen_language_and_falls_back_to_english(monkeypatch):
    key, fill = "cli.error.unknown_language", {"given": "xx", "choices": "en, zh"}
    assert i18n.t(key, lang="en", **fill) == "unknown language 'xx': choose one of en, zh"
    assert "未知语言" in i18n.t(key, lang="zh", **fill)
    monkeypatch.delitem(i18n.catalogue("zh"), key)
    assert i18n.t(key, lang="zh", **fill) == "unknown language 'xx': choose one of en, zh"


@pytest.mark.parametrize("environ, expected", [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),  # unknown locale: English, silently
    ({"LC_ALL": "zh_TW", "LANG": "en_US"}, "zh"),
    ({"RNNTUI_LANG": "zh", "LANG": "en_US"}, "zh"),
    ({"RNNTUI_LANG": "xx", "LANG": "zh_CN"}, "zh"),
    ({"LANG": "C"}, "en"),
])
def test_language_from_the_environment(environ, expected):
    assert i18n.language_from_locale(environ) == expected


def test_an_unknown_language_is_one_line_listing_the_choices():
    with pytest.raises(RnntuiError, match=r"'xx'.*en, zh"):
        i18n.check_language("xx")


def test_set_language_exports_the_choice_to_child_processes(monkeypatch):
    monkeypatch.setattr(i18n, "_language", None)
    monkeypatch.setenv("RNNTUI_LANG", "en")
    assert i18n.set_language("zh") == "zh"
    assert os.environ["RNNTUI_LANG"] == "zh" and i18n.current_language() == "zh"
    monkeypatch.setattr(i18n, "_language", None)
