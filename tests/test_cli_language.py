"""One language switch for the CLI: --lang anywhere, RNNTUI_LANG, the locale; help, output and errors."""

import pytest
from typer.testing import CliRunner

from rnntui.cli import app
from rnntui.i18n import t

COMMANDS = ["abc", "step", "corpora", "train", "sample", "app", "demo", "serve", "state"]


def invoke(args, env=None):
    return CliRunner().invoke(app, args, env=env)


@pytest.mark.parametrize("args", [["--lang", "xx"], ["abc", "--lang", "xx"], ["demo", "--lang=fr"],
                                  ["step", "ab", "--lang", "de", "--help"]])
def test_an_unknown_language_is_one_line_listing_the_languages(args):
    result = invoke(args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "en, zh" in lines[0] and "Traceback" not in result.output, result.output


@pytest.mark.parametrize("args", [["--lang", "zh", "abc"], ["abc", "--lang", "zh"], ["abc", "--lang=zh"]])
def test_lang_is_accepted_before_or_after_the_command(args):
    result = invoke(args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(t("abc.text.title", lang="zh"))


@pytest.mark.parametrize("env, chinese", [
    ({"RNNTUI_LANG": "zh"}, True),
    ({"RNNTUI_LANG": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "zh_CN.UTF-8"}, True),
    ({"RNNTUI_LANG": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "fr_FR.UTF-8"}, False),  # silently English
    ({"RNNTUI_LANG": "zh", "LANG": "en_US.UTF-8"}, True),
])
def test_the_environment_chooses_the_language(env, chinese):
    result = invoke(["corpora"], env=env)
    assert result.exit_code == 0, result.output
    assert (t("cli.corpora.or_file", lang="zh") in result.stdout) is chinese


def test_the_command_line_beats_the_environment_and_nothing_leaks_to_the_next_command():
    assert "Or give the path" in invoke(["corpora", "--lang", "en"], env={"RNNTUI_LANG": "zh"}).stdout
    assert "也可以" in invoke(["corpora", "--lang", "zh"]).stdout
    assert "Or give the path" in invoke(["corpora"]).stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_commands_help_is_chinese(command):
    result = invoke([command, "--help", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    for needle in (t("cli.typer.help", lang="zh"), t("cli.typer.options", lang="zh"),
                   t(f"cli.help.{command}.command", lang="zh")[:12]):
        assert needle in text, (command, needle)
    english = invoke([command, "--help"]).stdout
    assert t(f"cli.help.{command}.command", lang="en")[:12] in " ".join(english.split())


def test_the_root_help_lists_lang_and_commands_in_chinese():
    text = " ".join(invoke(["--help", "--lang", "zh"]).stdout.split())
    assert "--lang" in text and t("cli.help.abc.command", lang="zh")[:10] in text


def test_errors_from_the_engine_speak_the_chosen_language():
    result = invoke(["sample", "no/such.safetensors", "--lang", "zh"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "错误：检查点 'no/such.safetensors' 不存在"
    assert invoke(["train", "no/such.txt", "--lang", "zh"]).stderr.startswith("错误：没有这个文件")


@pytest.mark.parametrize("args, message", [
    (["step"], t("usage.error.missing_argument", lang="zh", name="'text'")),
    (["step", "ab", "--hidde", "3"], t("usage.error.no_such_option", lang="zh", name="--hidde")
     + t("usage.error.possible", lang="zh", options="--help, --hidden")),
    (["step", "ab", "--hidden", "x"], t("usage.error.invalid_value_for", lang="zh", name="'--hidden'", reason="")),
    (["nosuch"], t("usage.error.no_such_command", lang="zh").format(name="nosuch")),
], ids=["missing", "option", "value", "command"])
def test_click_usage_errors_speak_chinese_and_english_again_after(args, message):
    result = invoke([*args, "--lang", "zh"])
    assert result.exit_code == 2
    text = " ".join(result.stderr.split())
    assert t("usage.help.usage", lang="zh") in text and t("usage.help.error_title", lang="zh") in text
    assert " ".join(message.split()) in text, text
    assert "Usage:" not in text and "Error" not in text and "Try " not in text
    english = invoke(args)
    assert english.exit_code == 2 and "Usage: " in english.stderr and "Error" in english.stderr


def test_help_says_usage_in_chinese():
    assert invoke(["step", "--help", "--lang", "zh"]).stdout.strip().startswith(t("usage.help.usage", lang="zh"))
    assert invoke(["step", "--help"]).stdout.strip().startswith("Usage: ")


def test_the_demo_listing_speaks_chinese():
    result = invoke(["demo", "--lang", "zh"])
    assert result.exit_code == 0
    assert "梯度消失" in result.stdout and "约" in result.stdout


def test_step_prints_chinese_headings():
    result = invoke(["step", "ab", "--lang", "zh"])
    assert result.exit_code == 0
    assert "平均损失" in result.stdout and "谱半径" in result.stdout
