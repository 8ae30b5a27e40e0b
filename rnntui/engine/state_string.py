"""A StepState as a short, URL-safe, versioned string, and back, refusing anything malformed.

The string is `1.` (the format's version) followed by base64url, without padding, of the
zlib-compressed compact JSON of the state. Only what differs from the app's defaults is written,
under one-letter keys (WIRE_KEYS); a parameter is named by its place in the model's parameter list
and a weight edit is a short list, so a teaching state stays around a hundred characters. zlib's
checksum catches a changed character, its end marker a cut-off string.

Decoding checks, in this order, before anything is built: the length (MAX_CHARS, so nothing
longer is even looked at), the characters, the version, base64, the compressed stream (at most
MAX_JSON_BYTES once inflated), JSON without NaN or Infinity, the keys, then every value's type and
range (step_state.check). Each refusal is one RnntuiError line.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from typing import Any

from rnntui.engine.step_state import MAX_EDITS, CheckpointRef, StepState, check, model_config, refuse
from rnntui.engine.weights import Scale, SetEntry, SpectralRadius, WeightEdit

VERSION = 1
MAX_CHARS = 6000  # under aiohttp's 8190-byte request line, so a link always reaches `rnntui serve`
MAX_JSON_BYTES = 1 << 16  # inflated; a string that would inflate further is refused
SHAPE = re.compile(r"(\d{1,6})\.([A-Za-z0-9_-]+)")
URL_SAFE = re.compile(r"[A-Za-z0-9_.-]*")
DEFAULTS = StepState(text="x")

# StepState field -> its one-letter key on the wire. Edits, the checkpoint and the selected unit
# have their own forms below.
WIRE_KEYS = {
    "text": "t", "cell": "c", "activation": "a", "hidden_size": "h", "num_layers": "l",
    "embedding_dim": "e", "vocab": "v", "seed": "s", "weights": "w", "clip_mode": "k",
    "clip_threshold": "K", "cursor": "x", "layer": "y", "unit": "u", "whole_loss_bars": "b",
    "temperature": "T", "sample_draws": "g", "sample_shown": "G", "corpus": "o",
}
CHECKPOINT_FILE, CHECKPOINT_SHA, EDITS = "f", "H", "E"
FIELD_OF = {key: name for name, key in WIRE_KEYS.items()}
FLAGS = ("whole_loss_bars", "sample_shown")  # written as 1, absent when false
SET, SCALE, RADIUS = "s", "x", "r"


# ------------------------------------------------------------------------------ encoding


def encode(state: StepState) -> str:
    """The string for a valid state (checked first); the same state always gives the same string."""
    check(state)
    payload = json.dumps(to_wire(state), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    packed = zlib.compress(payload.encode("utf-8"), 9)
    string = f"{VERSION}." + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")
    if len(string) > MAX_CHARS:
        raise refuse("state_too_long", length=len(string), limit=MAX_CHARS)
    return string


def to_wire(state: StepState) -> dict[str, Any]:
    wire: dict[str, Any] = {}
    for name, key in WIRE_KEYS.items():
        value = getattr(state, name)
        if name == "text" or value != getattr(DEFAULTS, name):
            wire[key] = (1 if value else 0) if name in FLAGS else value
    if state.checkpoint is not None:
        wire[CHECKPOINT_FILE] = state.checkpoint.file
        wire[CHECKPOINT_SHA] = state.checkpoint.sha256
    if state.edits:
        names = parameter_names(state)
        wire[EDITS] = [_edit_to_wire(edit, names) for edit in state.edits]
    return wire


def parameter_names(state: StepState) -> list[str]:
    """The model's parameters in PyTorch order: their names depend on cell, layers and embedding only."""
    return list(model_config(state, vocab_size=1).parameter_shapes())


def _edit_to_wire(edit: WeightEdit, names: list[str]) -> list:
    if isinstance(edit, SetEntry):
        return [SET, names.index(edit.name), list(edit.index), edit.value]
    if isinstance(edit, Scale):
        return [SCALE, names.index(edit.name), edit.factor]
    where = [edit.layer, edit.block]
    while where and where[-1] is None:
        where.pop()
    return [RADIUS, edit.radius, *where]


# ------------------------------------------------------------------------------ decoding


def decode(string: str) -> StepState:
    """The state a string holds, fully checked; anything else is refused in one line."""
    return from_wire(unpack(string))


def unpack(string: str) -> dict[str, Any]:
    """The string's JSON object: length, characters, version, base64, zlib and JSON checked."""
    if not isinstance(string, str) or not string.strip():
        raise refuse("empty")
    string = string.strip()
    if len(string) > MAX_CHARS:  # before looking at anything else
        raise refuse("too_long", length=len(string), limit=MAX_CHARS)
    if not URL_SAFE.fullmatch(string):
        bad = next(ch for ch in string if not URL_SAFE.fullmatch(ch))
        raise refuse("charset", char=bad)
    shape = SHAPE.fullmatch(string)
    if shape is None:
        raise refuse("garbled")
    version = int(shape.group(1))
    if version > VERSION:
        raise refuse("future_version", version=version, supported=VERSION)
    if version != VERSION:
        raise refuse("unknown_version", version=version, supported=VERSION)
    body = shape.group(2)
    if len(body) % 4 == 1:  # no whole string ends so: one cut off (zlib then finds its end missing)
        body = body[:-1]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise refuse("garbled") from None
    inflate = zlib.decompressobj()
    try:
        raw = inflate.decompress(packed, MAX_JSON_BYTES)
    except zlib.error:
        raise refuse("garbled") from None
    if inflate.unconsumed_tail:
        raise refuse("inflates_too_far", limit=MAX_JSON_BYTES)
    if not inflate.eof:
        raise refuse("truncated")
    if inflate.unused_data:
        raise refuse("garbled")
    try:
        wire = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError):
        raise refuse("garbled") from None
    if not isinstance(wire, dict):
        raise refuse("garbled")
    return wire


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def from_wire(wire: dict[str, Any]) -> StepState:
    known = set(FIELD_OF) | {CHECKPOINT_FILE, CHECKPOINT_SHA, EDITS}
    unknown = sorted(set(wire) - known)
    if unknown:
        raise refuse("unknown_keys", keys=", ".join(repr(key) for key in unknown))
    if "t" not in wire:
        raise refuse("empty_text")
    fields: dict[str, Any] = {}
    for key, value in wire.items():
        name = FIELD_OF.get(key)
        if name is None:
            continue
        if name in FLAGS:
            if value not in (0, 1) or isinstance(value, float):
                raise refuse("not_bool", what=name, given=repr(value))
            value = bool(value)
        if name in ("clip_threshold", "temperature") and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        fields[name] = value
    if CHECKPOINT_FILE in wire or CHECKPOINT_SHA in wire:
        fields["checkpoint"] = CheckpointRef(wire.get(CHECKPOINT_FILE), wire.get(CHECKPOINT_SHA))
    state = StepState(**fields)
    check(state)  # the model first: the edits' parameter names depend on it
    if EDITS in wire:
        edits = wire[EDITS]
        if not isinstance(edits, list) or not edits:
            raise refuse("edit_kind", given=repr(edits)[:40])
        if len(edits) > MAX_EDITS:
            raise refuse("range", what="weight_edits", low=0, high=MAX_EDITS, given=len(edits))
        names = parameter_names(state)
        state = StepState(**fields, edits=tuple(_edit_from_wire(edit, names) for edit in edits))
        check(state)
    return state


def _edit_from_wire(edit, names: list[str]) -> WeightEdit:
    def number(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise refuse("edit_kind", given=repr(edit)[:40])
        return float(value)

    def parameter(value) -> str:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(names):
            raise refuse("edit_kind", given=repr(edit)[:40])
        return names[value]

    if isinstance(edit, list) and edit:
        kind, args = edit[0], edit[1:]
        if kind == SET and len(args) == 3 and isinstance(args[1], list):
            return SetEntry(parameter(args[0]), tuple(args[1]), number(args[2]))
        if kind == SCALE and len(args) == 2:
            return Scale(parameter(args[0]), number(args[1]))
        if kind == RADIUS and 1 <= len(args) <= 3:
            layer, block = (list(args[1:]) + [None, None])[:2]
            return SpectralRadius(number(args[0]), layer, block)
    raise refuse("edit_kind", given=repr(edit)[:40])


# ------------------------------------------------------------------------------ for people


def readable(state: StepState) -> dict[str, Any]:
    """Every field by its full name (`rnntui state --decode`), edits spelled out."""
    out: dict[str, Any] = {"version": VERSION}
    for name in StepState.__dataclass_fields__:
        value = getattr(state, name)
        if name == "checkpoint":
            value = None if value is None else {"file": value.file, "sha256": value.sha256}
        elif name == "edits":
            value = [_readable_edit(edit) for edit in value]
        out[name] = value
    return out


def _readable_edit(edit: WeightEdit) -> dict[str, Any]:
    if isinstance(edit, SetEntry):
        return {"set": edit.name, "index": list(edit.index), "value": edit.value}
    if isinstance(edit, Scale):
        return {"scale": edit.name, "factor": edit.factor}
    return {"spectral_radius": edit.radius, "layer": edit.layer, "block": edit.block}
