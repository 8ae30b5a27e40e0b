"""Round trip, as a property over random states: open a string, take the screen's SVG; encode what
the screen shows, open that, take the SVG again: the two screens are identical.

The states come from a seeded generator (every cell, every clipping mode, the ABC lesson's weights,
weight edits of every kind, fixed vocabularies, samples, corpora). One app runs for all of them: each
state is opened on it as the app opens any state (session, view, corpus, one redraw).
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from textual.widgets import Log

from rnntui.commands.app_commands import open_state as build
from rnntui.engine import abc_example
from rnntui.engine.config import CELLS
from rnntui.engine.corpus import SHIPPED
from rnntui.engine.numpy_rnn import CLIP_MODES
from rnntui.engine.sampling import TEMPERATURES
from rnntui.engine.state_string import decode, encode
from rnntui.engine.step_state import StepState, model_config
from rnntui.engine.weights import Scale, SetEntry, SpectralRadius, gate_rows
from rnntui.errors import RnntuiError
from rnntui.tui.app import RnnApp
from rnntui.tui.shared_state import current_state, open_state

STATES = 210
SEED = 20261203
ALPHABETS = ("ab", "abc", "xyz!", "01 ", "ABC")


def random_edit(rng: random.Random, state: StepState, vocab_size: int):
    shapes = model_config(state, vocab_size).parameter_shapes()
    name = rng.choice(list(shapes))
    kind = rng.randrange(3)
    if kind == 0:
        index = tuple(rng.randrange(n) for n in shapes[name])
        return SetEntry(name, index, round(rng.uniform(-2.5, 2.5), rng.choice((1, 3, 17))))
    if kind == 1:
        return Scale(name, rng.choice((0.8, 1.25, -1.0, 0.5, 1.7)))
    layer = rng.choice((None, *range(state.num_layers)))
    block = rng.choice((None, *gate_rows(model_config(state, vocab_size))))
    return SpectralRadius(rng.choice((0.5, 0.9, 1.3, 2.0)), layer, block)


def random_state(rng: random.Random, index: int) -> StepState:
    """A state the app can show; `index` walks through every cell and every clipping mode in turn."""
    cell = CELLS[index % len(CELLS)]
    clip_mode = CLIP_MODES[(index // len(CELLS)) % len(CLIP_MODES)]
    abc = rng.random() < 0.1
    if abc:
        name = rng.choice(list(abc_example.WEIGHT_SOURCES))
        text = "".join(rng.choice("ABC") for _ in range(rng.randint(1, 10)))
        state = StepState(text, hidden_size=3, vocab="ABC", weights=name, activation=rng.choice(("tanh", "relu")))
    else:
        alphabet = rng.choice(ALPHABETS)
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        vocab = alphabet if rng.random() < 0.3 else None
        state = StepState(text, cell=cell, activation=rng.choice(("tanh", "relu")), hidden_size=rng.randint(1, 7),
                          num_layers=rng.randint(1, 2), vocab=vocab, seed=rng.randrange(1000))
    vocab = state.vocab or "".join(sorted(set(text)))
    edits = tuple(random_edit(rng, state, len(vocab)) for _ in range(rng.choice((0, 0, 1, 2, 4))))
    draws = rng.choice((0, 0, 1, 3))
    return replace(
        state,
        edits=edits,
        clip_mode=clip_mode,
        clip_threshold=rng.choice((0.01, 0.5, 1.0, 5.0)),
        cursor=rng.randint(1, len(text)),
        layer=rng.randrange(state.num_layers),
        unit=rng.randrange(state.hidden_size),
        whole_loss_bars=rng.random() < 0.5,
        temperature=rng.choice(TEMPERATURES),
        sample_draws=draws,
        sample_shown=draws > 0 and rng.random() < 0.7,
        corpus=rng.choice((None, None, *SHIPPED)),
    )


def states(count: int) -> list[StepState]:
    """`count` random states that open (a spectral radius cannot be set on an all-zero block)."""
    rng = random.Random(SEED)
    found, index = [], 0
    while len(found) < count:
        state = random_state(rng, index)
        try:
            build(state)
        except RnntuiError:
            continue
        found.append(state)
        index += 1
    return found


async def screen_of(app, pilot, state: StepState) -> str:
    app.step_screen.query_one("#console-log", Log).clear()  # a fresh screen: no log lines from the previous state
    open_state(app, state, build(state))
    # The settled screen: on a busy machine one pause can return before a late refresh (or a
    # background worker's result) is drawn, so wait until two screenshots in a row agree.
    shot = None
    for _ in range(20):
        await app.workers.wait_for_complete()
        await pilot.pause()
        previous, shot = shot, app.export_screenshot()
        if shot == previous:
            break
    return shot


@pytest.mark.timeout(900)
async def test_round_trip_over_random_states():
    chosen = states(STATES)
    assert {s.cell for s in chosen} == set(CELLS) and {s.clip_mode for s in chosen} == set(CLIP_MODES)
    assert sum(bool(s.edits) for s in chosen) > STATES // 3
    app = RnnApp(build(chosen[0]), start_at_first=False)
    async with app.run_test(size=(120, 40)) as pilot:
        for state in chosen:
            string = encode(state)
            first = await screen_of(app, pilot, decode(string))
            shown = current_state(app)  # what the screen shows, read back from it
            assert shown == state
            again = await screen_of(app, pilot, decode(encode(shown)))
            assert again == first, string
