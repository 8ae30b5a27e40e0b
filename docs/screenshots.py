"""Regenerate the screenshots under docs/img/ (`./dev screenshots`, or one by name).

Each shot opens the real app headless at 120×40, drives it with the keys a person would press
and saves Textual's own SVG (`App.save_screenshot`). Live training really trains, so that shot
takes about a minute and its numbers differ from run to run.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from textual import events

from rnntui.engine.abc_example import abc_session
from rnntui.engine.session import StepSession
from rnntui.tui.app import RnnApp

OUT = Path(__file__).resolve().parent / "img"
SIZE = (120, 40)
TRAIN_SECONDS = 60.0  # how long the live-training shot trains before it is taken
TRAIN_CORPUS = "pydoc"


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
    await pilot.pause()


async def abc(path: Path) -> None:
    """The ABC example from the notes at its last step: h_2 = [0.6420 0.7616 0]."""
    app = RnnApp(abc_session())
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "end")
        app.save_screenshot(path.name, str(path.parent))


async def lstm(path: Path) -> None:
    """A fresh 16-unit LSTM halfway through a sentence, with a sample drawn from its state."""
    app = RnnApp(StepSession("the cat sat on the mat, the dog sat on the log", cell="lstm", hidden_size=16, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *["right"] * 20, "down", "down", "g")
        app.save_screenshot(path.name, str(path.parent))


async def demo(path: Path) -> None:
    """The `vanishing` demo after its second step: the narration cites the bars on screen."""
    from rnntui.demos import get_demo
    from rnntui.tui.demo_app import DemoApp

    app = DemoApp(get_demo("vanishing"))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(2):
            await press(pilot, "right")
            await app.workers.wait_for_complete()
            await pilot.pause()
        app.save_screenshot(path.name, str(path.parent))


async def training(path: Path) -> None:
    """Live training on pydoc with the app's default settings: o picks the corpus, t and enter start.

    While a run is active the Pilot's press() waits for an idle process, so once training runs
    the keys are posted as events and the script waits by the clock.
    """
    from rnntui.engine.corpus import SHIPPED

    app = RnnApp(StepSession("ABCABCABC", cell="lstm", hidden_size=8, seed=0))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "o", *["down"] * list(SHIPPED).index(TRAIN_CORPUS), "enter")
        await press(pilot, "t")
        await pilot.press("enter")  # the settings screen, prefilled: start
        end = time.monotonic() + TRAIN_SECONDS
        while time.monotonic() < end:
            await asyncio.sleep(0.5)
        app.save_screenshot(path.name, str(path.parent))
        app.post_message(events.Key("T", "T"))  # stop; the weights stay in the panes
        await asyncio.sleep(3)
        app.exit()


SHOTS = {"abc": abc, "lstm": lstm, "demo": demo, "training": training}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"which shots: {', '.join(SHOTS)} (default: all)")
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(SHOTS))
    if unknown:
        parser.error(f"no shot named {', '.join(unknown)}; choose from {', '.join(SHOTS)}")
    OUT.mkdir(exist_ok=True)
    for name in args.names or list(SHOTS):
        path = OUT / f"{name}.svg"
        asyncio.run(SHOTS[name](path))
        print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
