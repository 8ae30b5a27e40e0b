"""Key bindings whose words come from the catalogue (`keys.toml`), in the language chosen now.

A binding is declared once, by its id: `key("right,l", "step(1)", "step-forward")` reads its
footer label and its tooltip from `keys.step-forward.*`. BINDINGS are class attributes, built when
the module is imported, and a process (a test run) may choose its language later; so each screen
and app calls `localize_bindings(self)` in `__init__`, which rereads every binding's words in the
language of the moment. Footer, help and the palette all read the node's bindings, so all three
speak that language.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding
from textual.dom import DOMNode

from rnntui.i18n import DEFAULT_LANGUAGE, catalogue, t

AREA = "keys"


def key(keys: str, action: str, id: str, **options) -> Binding:
    """A binding with its label and tooltip from the catalogue (`keys.ID.label`, `keys.ID.tooltip`)."""
    return Binding(keys, action, t(f"{AREA}.{id}.label"), tooltip=t(f"{AREA}.{id}.tooltip"), id=id, **options)


def localized(binding: Binding) -> Binding:
    """`binding` with its words in the current language (Textual's own bindings, without an id, as they are)."""
    if not binding.id or f"{AREA}.{binding.id}.label" not in catalogue(DEFAULT_LANGUAGE):
        return binding  # Textual's own, or one declared with its words at hand
    return replace(binding, description=t(f"{AREA}.{binding.id}.label"), tooltip=t(f"{AREA}.{binding.id}.tooltip"))


def localize_bindings(node: DOMNode) -> None:
    """Reread the words of `node`'s bindings (its class's BINDINGS, merged) in the current language."""
    table = node._bindings.key_to_bindings  # Textual's per-node copy of the merged class bindings
    for name, bindings in table.items():
        table[name] = [localized(binding) for binding in bindings]
