"""The footer fits the terminal: on 80 columns it drops keys from its right, never ? and q."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.widgets._footer import FooterKey

from app_helpers import screen_text
from rnntui.engine.session import StepSession
from rnntui.i18n import t
from rnntui.tui.app import RnnApp
from rnntui.tui.widgets.key_footer import KeyFooter, key_width


def footer_keys(app) -> tuple[list[FooterKey], list[FooterKey]]:
    """(every key the footer holds, the ones it shows), in their order."""
    keys = list(app.screen.query_one(KeyFooter).query(FooterKey))
    return keys, [key for key in keys if key.display]


@pytest.fixture(params=["en", "zh"])
def lang(request):
    from rnntui import i18n

    before = i18n.language_state()
    i18n.set_language(request.param)
    yield request.param
    i18n.restore_language_state(before)


async def test_at_80x24_help_and_quit_stay_and_the_keys_that_do_not_fit_go_from_the_right(lang):
    app = RnnApp(StepSession("hello world", hidden_size=8, seed=0))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys, shown = footer_keys(app)
        actions = [key.action for key in shown]
        assert actions[-2:] == ["help", "quit"] and len(shown) < len(keys)
        assert shown[:-2] == keys[:len(shown) - 2]  # the first keys, in order: the dropped ones are the last
        assert sum(key_width(key) for key in shown) <= 80
        assert not ("scale_w_hh(-1)" in actions) ^ ("scale_w_hh(1)" in actions)  # [ and ] come or go together
        footer = screen_text(app).splitlines()[-1]
        more, quit_label = t("footer.help.more"), t("keys.quit.label")
        assert footer.rstrip().endswith(f"? {more} q {quit_label}"), footer
        assert t("keys.step-forward.label") in footer

        await pilot.press("question_mark")  # help lists the keys the footer had no room for
        await pilot.pause()
        table = Console(width=200, file=io.StringIO(), record=True)
        table.print(app.screen.query_one("#help-keys").content)
        listed = table.export_text()
        hidden = [key for key in keys if not key.display]
        assert hidden and all(key.tooltip in listed for key in hidden), listed


async def test_a_wide_terminal_shows_every_key_and_a_resize_cuts_them_again(lang):
    app = RnnApp(StepSession("hello world", hidden_size=8, seed=0))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        keys, shown = footer_keys(app)
        assert shown == keys and shown[-2].description == t("keys.help.label")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        keys, shown = footer_keys(app)
        assert len(shown) < len(keys) and [key.action for key in shown][-2:] == ["help", "quit"]
