"""Command palette provider: every key action of the app, findable by name (ctrl+p)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ActionCommands(Provider):
    """Offers each binding of the app (its tooltip as the command name, its key as help)."""

    def _commands(self) -> list[tuple[str, str, str]]:
        app = self.app
        return [
            (binding.tooltip or binding.description, binding.action, f"key: {binding.key_display or binding.key}")
            for binding in app.BINDINGS
            if binding.description and binding.action != "command_palette"
        ]

    async def discover(self) -> Hits:
        for name, action, help_text in self._commands():
            yield DiscoveryHit(name, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), partial(self.app.run_action, action), help=help_text)
