"""Keypress-to-repaint latency of the stepping app, per kind of key, and how soon an edit's figures are current.

Each key event is posted to the running app (`app.post_message(events.Key(...))`); the action
it triggers ends in `render_session`, which here also schedules `call_after_refresh(stop)`, so
the clock stops once the screen has been repainted. Pilot's press/pause are not used: they wait
for the whole process to go idle and overstate latency. For edits (`]`, `[`, `c`) the benchmark also waits
until the session has nothing pending and that state has been painted: "every pane current".

Keys: stepping (→ ←), unit (↓), edits (] [), clip (k), and, at the end, cell (c: a new model
from the seed, so it comes last when a checkpoint is stepped). `--busy` runs one CPU-bound
process beside the app, to stand in for a slower or busier machine.

    ./dev bench ui                                   # H=32 RNN, 64 characters (python -m bench.ui)
    ./dev bench ui --checkpoint runs/x/best.safetensors --chars 400
    ./dev bench ui --cell lstm --layers 2 --hidden 384 --embedding 64 --chars 1000 --busy
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path

from textual import events

from bench.common import busy_beside, default_corpus, machine_line, percentile
from rnntui.engine.corpus import load_corpus
from rnntui.engine.session import StepSession
from rnntui.tui.app import RnnApp
from rnntui.tui.step_screen import StepScreen

SHORT_TEXT = "To be, or not to be, that is the question: whether 'tis nobler i"  # 64 characters
# Mostly stepping (what people do most), plus keys that recompute forward and backward passes.
KEY_MIX = ["right"] * 6 + ["left"] * 2 + ["right_square_bracket", "left_square_bracket", "down", "k"]
CELL_PRESSES = 3  # c cycles through the three cells and back
CHARACTERS = {"right_square_bracket": "]", "left_square_bracket": "[", "k": "k", "c": "c"}
KINDS = {"right": "step", "left": "step", "home": "step", "down": "unit", "right_square_bracket": "edit",
         "left_square_bracket": "edit", "k": "clip", "c": "cell"}
EDITS = {"right_square_bracket", "left_square_bracket", "c"}
CURRENT_TIMEOUT = 120.0  # seconds an edit's figures may take before the run is called stuck


class Clock:
    """Stopped by the first repaint after a re-render: `render_session` is wrapped to schedule it.
    `current` is stopped by the first repaint after a re-render with nothing pending."""

    pending: asyncio.Future | None = None
    current: asyncio.Future | None = None

    @classmethod
    def hook(cls, owner: type) -> None:
        original = owner.render_session

        def render_session(self, *args, **kwargs):
            original(self, *args, **kwargs)
            for future in (cls.pending, cls.current):
                if future is None or future.done():
                    continue
                if future is cls.current and shown_session(self.app).pending(shown_parts(self.app)):
                    continue
                self.call_after_refresh(lambda f=future: f.done() or f.set_result(time.perf_counter()))

        owner.render_session = render_session


def shown_session(app: RnnApp) -> StepSession:
    return app.step_screen.session


def shown_parts(app: RnnApp) -> tuple[str, ...]:
    return app.step_screen.shown_parts()


async def press(app: RnnApp, key: str, timings: dict, current: list[float]) -> None:
    loop = asyncio.get_running_loop()
    Clock.pending = loop.create_future()
    Clock.current = loop.create_future() if key in EDITS else None
    start = time.perf_counter()
    app.post_message(events.Key(key, CHARACTERS.get(key)))
    timings.setdefault(KINDS[key], []).append((await asyncio.wait_for(Clock.pending, CURRENT_TIMEOUT) - start) * 1000)
    if Clock.current is not None:
        current.append((await asyncio.wait_for(Clock.current, CURRENT_TIMEOUT) - start) * 1000)


def memory_mb(session: StepSession) -> float:
    """What the session keeps per text: the trace, both gradients' arrays and their clipped copy."""
    arrays = []
    trace = session.trace
    arrays += [trace.x, trace.h, trace.pre, trace.logits, trace.probs, *trace.gates.values()]
    arrays += [a for a in (trace.c, trace.hidden_n) if a is not None]
    grads = session.gradients
    arrays += [grads.dh, *grads.grads.values()]
    if grads.clipped is not grads.grads:
        arrays += list(grads.clipped.values())
    last = session.last_prediction_gradients
    if last is not None:
        arrays.append(last.dh)
    return sum(a.nbytes for a in arrays) / 1e6


async def measure(make_session, presses: int, size: tuple[int, int]) -> dict:
    Clock.hook(StepScreen)
    loop = asyncio.get_running_loop()
    Clock.pending, Clock.current = loop.create_future(), loop.create_future()
    start = time.perf_counter()
    session = make_session()
    app = RnnApp(session)
    timings: dict[str, list[float]] = {}
    current: list[float] = []
    async with app.run_test(size=size):
        first_paint = (await asyncio.wait_for(Clock.pending, CURRENT_TIMEOUT) - start) * 1000
        first_current = (await asyncio.wait_for(Clock.current, CURRENT_TIMEOUT) - start) * 1000
        trace_mb = memory_mb(shown_session(app))
        for i in range(presses):
            key = KEY_MIX[i % len(KEY_MIX)]
            s = shown_session(app)
            if key == "right" and s.cursor == s.T:
                key = "home"
            await press(app, key, timings, current)
        for _ in range(CELL_PRESSES):
            await press(app, "c", timings, current)
    return {"timings": timings, "current": current, "first_paint": first_paint, "first_current": first_current,
            "trace_mb": trace_mb}


def row(label: str, values: list[float]) -> str:
    return (f"| {label} | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 0.95):.1f} | "
            f"{max(values):.1f} |")


def text_for(chars: int, vocab: list[str] | None) -> str:
    """The first `chars` characters of the default corpus (those the model knows), or the short line."""
    if chars <= len(SHORT_TEXT) and vocab is None:
        return SHORT_TEXT[:chars]
    corpus = load_corpus(default_corpus())
    text = corpus.text if vocab is None else "".join(ch for ch in corpus.text[: chars * 2] if ch in set(vocab))
    return text[:chars]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, help="step a trained rnntui/1 .safetensors model")
    parser.add_argument("--cell", default="rnn", choices=("rnn", "lstm", "gru"))
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--embedding", type=int, default=0, help="embedding size; 0: one-hot input")
    parser.add_argument("--chars", type=int, default=64, help="characters of text to step through")
    parser.add_argument("--presses", type=int, default=240)
    parser.add_argument("--width", type=int, default=120)
    parser.add_argument("--height", type=int, default=40)
    parser.add_argument("--busy", action="store_true", help="run one CPU-bound process beside the app")
    args = parser.parse_args()

    if args.checkpoint is not None:
        from rnntui.engine.checkpoint import load_checkpoint

        text = text_for(args.chars, load_checkpoint(args.checkpoint).vocab)

        def make_session() -> StepSession:
            return StepSession.from_checkpoint(args.checkpoint, text=text)

        model = f"checkpoint {args.checkpoint.name}"
    else:
        text = text_for(args.chars, None)

        def make_session() -> StepSession:
            return StepSession(text, cell=args.cell, hidden_size=args.hidden, num_layers=args.layers,
                               embedding_dim=args.embedding or None, seed=0)

        model = "fresh weights (seed 0)"
    config = make_session().config
    with busy_beside(args.busy):
        result = asyncio.run(measure(make_session, args.presses, (args.width, args.height)))
    print(machine_line() + (", one busy process beside" if args.busy else ""))
    print(f"{config.num_layers}x{config.hidden_size} {config.cell}, embedding {config.embedding_dim or 'one-hot'}, "
          f"{model}, T={len(text)}, {args.width}x{args.height}, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', '?')}")
    print(f"first screen: painted {result['first_paint']:.0f} ms, every pane current {result['first_current']:.0f} ms "
          f"(session built, app started); trace and gradients {result['trace_mb']:.1f} MB")
    print("| keys | n | median ms | p95 ms | max ms |")
    print("| --- | --- | --- | --- | --- |")
    timings = result["timings"]
    for kind in ("step", "unit", "edit", "clip", "cell"):
        if kind in timings:
            print(row(f"keypress → repaint: {kind}", timings[kind]))
    print(row("keypress → repaint: every key", [t for values in timings.values() for t in values]))
    print(row("edit → every pane current", result["current"]))


if __name__ == "__main__":
    main()
