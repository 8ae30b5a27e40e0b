"""State strings: small, exact, and every malformed one refused in one line before anything is built.

Exactness is checked against the session itself: the weights a string rebuilds (base weights, then
the recorded edits replayed) are compared bit for bit with the weights of the session it came from.
"""

from __future__ import annotations

import base64
import json
import random
import zlib

import numpy as np
import pytest

from rnntui.engine import state_string
from rnntui.engine.abc_example import abc_session
from rnntui.engine.checkpoint import file_sha256, save_checkpoint
from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import init_params
from rnntui.engine.session import StepSession
from rnntui.engine.state_string import MAX_CHARS, decode, encode, readable
from rnntui.engine.step_state import CheckpointRef, StepState, build_session, capture
from rnntui.engine.weights import Scale, SetEntry, SpectralRadius
from rnntui.errors import RnntuiError


def pack(payload) -> str:
    """A string as encode makes it, around any JSON text (or object) at all."""
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return "1." + base64.urlsafe_b64encode(zlib.compress(raw.encode())).decode().rstrip("=")


def same_weights(a: StepSession, b: StepSession) -> bool:
    return a.params.keys() == b.params.keys() and all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


def reopened(session: StepSession, **view) -> tuple[StepState, StepSession]:
    state = capture(session, **view)
    again = decode(encode(state))
    assert again == state
    return again, build_session(again)


def test_a_teaching_state_fits_in_200_characters():
    session = abc_session()  # the ABC example from the notes
    session.set_text("ABCCBA")
    session.set_weight("rnn.weight_hh_l0", (0, 1), 0.5)
    session.scale_weight("rnn.weight_hh_l0", 1.25)
    session.set_spectral_radius(1.3)
    session.set_clipping("norm", 1.0)
    session.move_to(5)
    state, rebuilt = reopened(session, whole_loss_bars=True)
    assert len(encode(state)) <= 200, encode(state)
    assert same_weights(rebuilt, session) and rebuilt.cursor == 5 and rebuilt.clipping == session.clipping


def test_fifty_weight_edits_fit_in_2000_characters():
    rng = random.Random(7)
    session = StepSession("the quick brown fox jumps", cell="lstm", hidden_size=16, num_layers=2)
    names = list(session.params)
    for _ in range(50):
        name = rng.choice(names)
        index = tuple(rng.randrange(n) for n in session.params[name].shape)
        session.set_weight(name, index, rng.uniform(-3, 3))
    state, rebuilt = reopened(session)
    assert len(state.edits) == 50
    assert len(encode(state)) <= 2000
    assert same_weights(rebuilt, session)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_every_kind_of_weight_change_replays_bit_for_bit(cell):
    session = StepSession("abcabd", cell=cell, hidden_size=5, num_layers=2, seed=3)
    session.set_weight("rnn.weight_ih_l1", (2, 1), -1.75)
    session.set_activation("relu")  # keeps the weights and the edits
    session.scale_weight("rnn.weight_hh_l0", 1 / 1.25)
    block = None if cell == "rnn" else session.config.gate_names[-1]
    session.set_spectral_radius(1.1, layer=1, block=block)
    session.set_text("abba")  # the same characters: the model and its edits stay
    session.set_clipping("value", 0.25)
    session.move_to(3)
    state, rebuilt = reopened(session, layer=1, unit=4, temperature=0.5, sample_draws=3, sample_shown=True)
    assert same_weights(rebuilt, session)
    assert (rebuilt.text, rebuilt.config, rebuilt.clipping, rebuilt.cursor) == (
        session.text, session.config, session.clipping, session.cursor)


def test_the_edit_log_follows_undo_reset_and_randomise():
    session = StepSession("hello", hidden_size=4, seed=2)
    session.set_weight("head.bias", (0,), 1.5)
    session.scale_weight("rnn.weight_hh_l0", 2.0)
    session.undo()
    assert session.edits == (SetEntry("head.bias", (0,), 1.5),)
    session.reset_weights()
    assert session.edits == ()
    session.undo()
    assert session.edits == (SetEntry("head.bias", (0,), 1.5),)
    session.randomize(9)
    assert (session.seed, session.edits) == (9, ())
    session.undo()  # the seed comes back with the weights
    assert (session.seed, session.edits) == (2, (SetEntry("head.bias", (0,), 1.5),))
    assert same_weights(reopened(session)[1], session)


def test_a_new_model_starts_a_new_log():
    session = abc_session()
    session.scale_weight("rnn.weight_hh_l0", 3.0)
    session.set_cell("gru")  # new shapes: weights from the seed; the vocabulary stays fixed
    state, rebuilt = reopened(session)
    assert (state.weights, state.edits, state.vocab) == ("seed", (), "ABC")
    assert same_weights(rebuilt, session)


def test_weights_from_a_training_run_are_not_shareable():
    session = StepSession("ab", hidden_size=2, params=init_params(ModelConfig(hidden_size=2, vocab_size=2), 5))
    with pytest.raises(RnntuiError, match="training run"):
        capture(session)


def test_the_decoded_form_names_every_field():
    session = StepSession("abc", cell="gru")
    session.set_spectral_radius(0.9, block="z")
    doc = readable(decode(encode(capture(session))))
    assert doc["version"] == 1 and doc["cell"] == "gru" and doc["text"] == "abc"
    assert doc["edits"] == [{"spectral_radius": 0.9, "layer": None, "block": "z"}]
    json.dumps(doc)  # plain JSON


# ------------------------------------------------------------------ checkpoints


@pytest.fixture
def checkpoint(tmp_path):
    config = ModelConfig(cell="lstm", hidden_size=4, vocab_size=3)
    path = tmp_path / "model.safetensors"
    save_checkpoint(path, init_params(config, 11), config, ["a", "b", "c"])
    return path


def test_a_checkpoint_is_named_by_its_hash_and_found_again(checkpoint, tmp_path):
    session = StepSession.from_checkpoint(checkpoint, text="abcab")
    session.set_weight("head.bias", (1,), 0.25)
    state, rebuilt = reopened(session)
    assert state.checkpoint == CheckpointRef(str(checkpoint), file_sha256(checkpoint))
    assert same_weights(rebuilt, session)
    moved = tmp_path / "elsewhere.safetensors"
    checkpoint.rename(moved)
    with pytest.raises(RnntuiError, match="model.safetensors") as missing:
        build_session(state)
    assert state.checkpoint.sha256[:16] in str(missing.value)
    assert same_weights(build_session(state, moved), session)  # told where it is: the same model


def test_a_checkpoint_with_other_bytes_is_refused(checkpoint):
    state = capture(StepSession.from_checkpoint(checkpoint, text="ab"))
    config = ModelConfig(cell="lstm", hidden_size=4, vocab_size=3)
    save_checkpoint(checkpoint, init_params(config, 12), config, ["a", "b", "c"])  # same name, other weights
    with pytest.raises(RnntuiError, match="not the checkpoint the state was made with"):
        build_session(state)


# ------------------------------------------------------------------ refusals


def good() -> str:
    session = StepSession("hello", cell="lstm", hidden_size=4)
    session.scale_weight("head.weight", 2.0)
    return encode(capture(session))


@pytest.mark.parametrize(
    "string, fragment",
    [
        ("", "it is empty"),
        (good()[:-6], "cut off"),
        (good()[:25], "cut off"),
        (good()[:-3] + ("A" if good()[-3] != "A" else "B") + good()[-2:], "garbled"),
        ("2" + good()[1:], "version 2, made by a newer rnntui"),
        ("0" + good()[1:], "version 0"),
        ("1." + "A" * (MAX_CHARS + 10), f"at most {MAX_CHARS}"),
        ('"' + good() + '"', "copied with quotes"),
        ("1.abc def", "' '"),
        ("hello", "garbled"),
        (pack({"t": "ab", "h": 10**9}), "hidden size must be 1..1024, got 1000000000"),
        (pack({"t": "ab", "l": 0}), "layers must be 1..64"),
        (pack('{"t":"ab","E":[["s",0,[0,0],NaN]]}'), "garbled"),
        (pack({"t": "ab", "E": [["s", 0, [0, 0], 1e400]]}), "garbled"),
        (pack({"t": "ab", "x": 3}), "cursor must be 1..2, got 3"),
        (pack({"t": "ab", "y": 1}), "selected layer must be 0..0"),
        (pack({"t": "ab", "u": 8}), "selected unit must be 0..7"),
        (pack({"t": "ab", "z": 1, "q": 2}), "unknown keys 'q', 'z'"),
        (pack({"t": ""}), "no text"),
        (pack({"h": 3}), "no text"),
        (pack({"t": "ab", "c": "transformer"}), "cell must be one of rnn, lstm, gru"),
        (pack({"t": "ab", "K": -1.0}), "clipping threshold must be 0.0..inf"),
        (pack({"t": "ab", "k": "sometimes"}), "clipping must be one of off, norm, value"),
        (pack({"t": "ab", "T": 0.3}), "temperature must be one of 0.1, 0.25"),
        (pack({"t": "ab", "G": 1}), "shows a sample but has drawn none"),
        (pack({"t": "ab", "b": 2}), "must be 0 or 1"),
        (pack({"t": "ab", "o": "/etc/passwd"}), "corpus must be one of"),
        (pack({"t": "ab", "v": "a"}), "'b', which the model's vocabulary 'a' lacks"),
        (pack({"t": "ab", "w": "abc"}), "ABC lesson's 3-unit"),
        (pack({"t": "ab", "w": "checkpoint", "f": "m.safetensors", "H": "00"}), "64 hex digits"),
        (pack({"t": "ab", "w": "checkpoint", "H": "0" * 64}), "file name is not usable"),
        (pack({"t": "ab", "f": "m.safetensors", "H": "0" * 64}), "its weights do not come from one"),
        (pack({"t": "ab", "E": [["s", 0, [9, 0], 1.0]]}), "outside rnn.weight_ih_l0 of shape (8, 2)"),
        (pack({"t": "ab", "E": [["s", 99, [0, 0], 1.0]]}), "malformed"),
        (pack({"t": "ab", "E": [["x", 0, "big"]]}), "malformed"),
        (pack({"t": "ab", "E": [["r", -1.0]]}), "spectral radius must be 0.0..inf"),
        (pack({"t": "ab", "E": [["r", 1.0, 3]]}), "layer must be 0..0"),
        (pack({"t": "ab", "E": [["r", 1.0, None, "f"]]}), "block must be one of h"),
        (pack({"t": "ab", "E": [["?"]]}), "malformed"),
        (pack({"t": "ab", "E": [["x", 0, 2.0]] * 1001}), "weight edits must be 0..1000"),
        (pack([1, 2]), "garbled"),
        (pack("not json"), "garbled"),
        ("1." + base64.urlsafe_b64encode(zlib.compress(b"\0" * 70_000)).decode().rstrip("="), "inflates to more"),
    ],
)
def test_malformed_strings_are_refused_in_one_line(string, fragment):
    with pytest.raises(RnntuiError) as refused:
        decode(string)
    message = str(refused.value)
    assert "\n" not in message and message.startswith("state string refused: ")
    assert fragment in message


def test_the_length_cap_applies_before_decoding(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("decoded a string over the cap")

    monkeypatch.setattr(state_string.base64, "urlsafe_b64decode", never)
    monkeypatch.setattr(state_string.zlib, "decompressobj", never)
    with pytest.raises(RnntuiError, match="at most"):
        decode("1." + "A" * MAX_CHARS)


def test_a_weight_edit_that_overflows_is_refused_when_replayed():
    string = pack({"t": "ab", "E": [["s", 0, [0, 0], 1e300], ["x", 0, 1e300]]})
    state = decode(string)  # every value is a finite number ...
    with pytest.raises(RnntuiError, match="non-finite"):  # ... but the product is not
        build_session(state)


def test_a_state_too_long_for_a_link_is_refused_when_encoding():
    rng = random.Random(1)
    text = "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(4000))  # Chinese: 3 bytes, ~14 bits each
    with pytest.raises(RnntuiError, match="more than the 6000 a link can carry"):
        encode(StepState(text=text))


def test_edits_of_every_kind_survive_the_wire():
    edits = (SetEntry("rnn.weight_hh_l0", (1, 2), -0.1), Scale("head.weight", 0.8),
             SpectralRadius(1.3), SpectralRadius(0.5, 0, "f"))
    state = StepState(text="hello", cell="lstm", edits=edits)
    assert decode(encode(state)).edits == edits


def test_every_field_a_refusal_names_is_in_the_catalogues():
    import re
    from pathlib import Path

    from rnntui import i18n
    from rnntui.engine import step_state

    source = Path(step_state.__file__).read_text(encoding="utf-8") + Path(state_string.__file__).read_text(encoding="utf-8")
    named = set(re.findall(r'_(?:whole|real|choice)\([^"\n]*"(\w+)"', source)) | set(re.findall(r'what="(\w+)"', source))
    assert {"hidden_size", "cursor", "edited_weight", "weight_edits"} <= named
    for lang in i18n.LANGUAGES:
        assert {f"state.field.{name}" for name in named} <= set(i18n.catalogue(lang)), lang


def test_a_refusal_reads_in_the_chosen_language(monkeypatch):
    from rnntui import i18n

    monkeypatch.setattr(i18n, "_language", "zh")
    with pytest.raises(RnntuiError) as refused:
        decode(pack({"t": "ab", "h": 10**9}))
    assert "隐藏状态大小" in str(refused.value) and "状态字符串被拒绝" in str(refused.value)
