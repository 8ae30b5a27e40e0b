"""The presets in the command palette: "Preset NAME", each opening its starting state."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from rnntui.i18n import t


class PresetCommands(Provider):
    """Offers every preset; choosing one opens it on the stepping screen (shared_state.open_preset)."""

    def _presets(self):
        from rnntui.demos.presets import PRESETS

        return [(t("state.app.preset_command", name=p.name), p) for p in PRESETS.values()]

    def _open(self, name: str) -> None:
        from rnntui.tui.shared_state import open_preset

        open_preset(self.app, name)

    async def discover(self) -> Hits:
        for title, preset in self._presets():
            yield DiscoveryHit(title, partial(self._open, preset.name), help=preset.description())

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, preset in self._presets():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._open, preset.name), help=preset.description())
