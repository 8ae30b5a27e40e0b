"""A scrollable pane drawn with Textual's line API from strips cached when its data changes.

Subclasses implement `build_lines(width)`; the pane calls it only when `show(...)` gives it new
data or its width changes, and `render_line` is a list lookup plus a crop. This keeps a keypress
at a few milliseconds of rendering even for a 64 x 200 heatmap.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class LinePane(ScrollView, can_focus=False):
    """Base for the app's panes: `lines` (Rich-free strips) rebuilt on data or width change."""

    DEFAULT_CSS = """
    LinePane {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._lines: list[Strip] = []
        self._pinned: list[Strip] = []
        self._built_width = -1
        self._dirty = True

    # -- what subclasses implement -------------------------------------------------------------
    def build_lines(self, width: int) -> list[Strip]:
        """Draw the pane's content as strips `width` cells wide (or narrower). Data only; no math."""
        raise NotImplementedError

    def build_pinned(self, width: int) -> list[Strip]:
        """Lines that stay on top while the rest scrolls (column headers, the selected value)."""
        return []

    # -- the refresh path ------------------------------------------------------------------------
    def invalidate(self) -> None:
        """Mark the data as changed: rebuild the strips before the next paint, and repaint once."""
        self._dirty = True
        self.refresh()

    def _ensure_lines(self) -> None:
        width = max(1, self.scrollable_content_region.width)
        if self._dirty or width != self._built_width:
            self._pinned = self.build_pinned(width)
            self._lines = self.build_lines(width)
            self._built_width = width
            self._dirty = False
            self.virtual_size = Size(width, len(self._pinned) + len(self._lines))

    def on_resize(self) -> None:
        self.invalidate()

    @property
    def text_lines(self) -> list[str]:
        """The pane's whole content as plain text (all lines, not just the visible ones): for tests."""
        self._ensure_lines()
        return [strip.text for strip in self._pinned + self._lines]

    def render_line(self, y: int) -> Strip:
        self._ensure_lines()
        width = self.scrollable_content_region.width
        if y < len(self._pinned):
            return self._pinned[y].crop_extend(0, width, self.rich_style)
        index = y - len(self._pinned) + round(self.scroll_y)
        if index >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        return self._lines[index].crop_extend(0, width, self.rich_style)

    def scroll_line_into_view(self, line: int) -> None:
        """Scroll vertically so that line `line` of the scrolling part is visible."""
        height = self.scrollable_content_region.height - len(self._pinned)
        top = round(self.scroll_y)
        if line < top:
            self.scroll_to(y=line, animate=False)
        elif line >= top + height:
            self.scroll_to(y=line - height + 1, animate=False)


def text_strip(*parts: tuple[str, Style] | str) -> Strip:
    """A strip from (text, style) pairs or plain strings; a convenience for label lines."""
    segments = [Segment(p) if isinstance(p, str) else Segment(p[0], p[1]) for p in parts]
    return Strip(segments)
