"""The keys that work now, read from the screen's active bindings, and the command palette over them.

The palette also lists the commands Textual itself adds (theme, quit, keys, screenshot);
`system_commands` gives them the reader's words, keyed by their English title.

Help and the palette both list `screen.active_bindings` (what Textual itself dispatches: the
screen's, the app's, minus those whose `check_action` says no), never a class's BINDINGS, so a
demo lists its own keys beside the app's, and a key that means something else during a training
run is listed with that meaning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import partial

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from rnntui.i18n import catalogue, t


@dataclass(frozen=True)
class KeyRow:
    keys: str  # as shown: "→/l"
    text: str  # the tooltip, or the description
    action: str
    node: DOMNode  # the namespace the action runs in


def active_key_rows(active: dict) -> list[KeyRow]:
    """One row per binding in `screen.active_bindings` (its keys joined), in declaration order."""
    groups: dict[tuple, tuple[Binding, DOMNode, list[str]]] = {}
    for key, active_binding in active.items():
        binding = active_binding.binding
        if not binding.description or not binding.id:
            continue  # every key this project declares has an id; Textual's own (tab, copy) do not
        # "right,l" is two Binding objects with one id: one row
        group = groups.setdefault((binding.id or id(binding), binding.action), (binding, active_binding.node, []))
        group[2].append(key)
    rows = []
    for binding, node, keys in groups.values():
        declared = binding.key_display
        if declared and len(keys) == 1 and "/" in declared:
            declared = None  # "→/l" but only one of them works here: show that one
        shown = declared or "/".join(node.app.get_key_display(replace(binding, key=k, key_display=None))
                                     for k in keys)
        rows.append(KeyRow(shown, binding.tooltip or binding.description, binding.action, node))
    return rows


class ActionCommands(Provider):
    """Offers each active binding of the screen the palette was opened on (its tooltip as the name)."""

    def _commands(self) -> list[KeyRow]:
        return [row for row in active_key_rows(self.screen.active_bindings) if row.action != "command_palette"]

    async def discover(self) -> Hits:
        for row in self._commands():
            yield DiscoveryHit(row.text, partial(self.app.run_action, row.action, row.node),
                               help=t("app.palette.key", keys=row.keys))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for row in self._commands():
            score = matcher.match(row.text)
            if score > 0:
                yield Hit(score, matcher.highlight(row.text), partial(self.app.run_action, row.action, row.node),
                          help=t("app.palette.key", keys=row.keys))


def system_commands(commands: Iterable[SystemCommand]) -> Iterable[SystemCommand]:
    """Textual's own palette commands in the reader's language (one it adds later stays as it is)."""
    for command in commands:
        key = f"app.system.{command.title.lower()}"
        if f"{key}.title" in catalogue("en"):
            command = command._replace(title=t(f"{key}.title"), help=t(f"{key}.help"))
        yield command


def open_palette(app: App) -> None:
    """The command palette, its prompt in the reader's language (Textual's action, with a placeholder)."""
    if app.use_command_palette and not CommandPalette.is_open(app):
        app.push_screen(CommandPalette(id="--command-palette", placeholder=t("app.palette.placeholder")))
