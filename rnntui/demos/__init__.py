"""Scripted, narrated walkthroughs: each demo drives the stepping state and says what to look at.

`DEMOS` lists them in teaching order; `get_demo(name)` refuses an unknown name in one line.
"""

from __future__ import annotations

from rnntui.demos.script import Demo
from rnntui.errors import RnntuiError
from rnntui.i18n import t


def all_demos() -> dict[str, Demo]:
    from rnntui.demos import abc, adding, exploding, forecast, gates, race, train, vanishing

    return {d.name: d for d in (abc.DEMO, vanishing.DEMO, exploding.DEMO, gates.DEMO, race.DEMO, adding.DEMO,
                                train.DEMO, forecast.DEMO)}


def get_demo(name: str) -> Demo:
    demos = all_demos()
    if name not in demos:
        raise RnntuiError(t("cli.error.no_demo", name=repr(name), choices=", ".join(demos)))
    return demos[name]
