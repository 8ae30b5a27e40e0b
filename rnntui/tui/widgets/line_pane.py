"""A scrollable pane drawn with Textual's line API from strips cached when its data changes.

Subclasses implement `build_lines(width)`; the pane calls it only when `show(...)` gives it new
data or its width changes, and `render_line` is a list lookup plus a crop. A line may also be a
zero-argument callable that draws it: it is called only when the line is first shown, so a tall
pane (an LSTM's four gates × 64 units) pays only for the rows on screen.
"""

from __future__ import annotations

from typing import Callable, Union

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


Line = Union[Strip, Callable[[], Strip]]  # a strip, or how to draw it when it is first shown


class LinePane(ScrollView, can_focus=False):
    """Base for the app's panes: `lines` (Rich-free strips) rebuilt on data or width change."""

    DEFAULT_CSS = """
    LinePane {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    LinePane.stale {
        opacity: 55%;  /* figures of an earlier state, while the current ones are computed */
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._lines: list[Line] = []
        self._pinned: list[Strip] = []
        self._base_style = Style()
        self._built_width = -1
        self._dirty = True
        self.placeholder: str | None = None  # shown instead of the content until its data arrives

    # -- what subclasses implement -------------------------------------------------------------
    def build_lines(self, width: int) -> list[Line]:
        """Draw the pane's content as strips `width` cells wide (or narrower). Data only; no math."""
        raise NotImplementedError

    def build_pinned(self, width: int) -> list[Strip]:
        """Lines that stay on top while the rest scrolls (column headers, the selected value)."""
        return []

    def wait(self, text: str | None) -> None:
        """Say `text` (dimmed) instead of the content until its data arrives; None shows the content."""
        if text != self.placeholder:
            self.placeholder = text
            self.invalidate()

    # -- the refresh path ------------------------------------------------------------------------
    def invalidate(self) -> None:
        """The data changed: rebuild the strips now and repaint only the visible lines that differ.

        Stepping changes a few lines of each pane (the cursor column, the marker, the numbers);
        repainting just those keeps the compositor's work, and so the keypress latency, small."""
        built = self._built_width
        self._dirty = True
        if not self.is_mounted or built < 0 or self.scrollable_content_region.width != built:
            self.refresh()
            return
        before, count = self._visible(), len(self._pinned) + len(self._lines)
        self._ensure_lines()
        if len(self._pinned) + len(self._lines) != count:
            self.refresh()  # the content grew or shrank: scrollbars and everything below move
            return
        changed = [y for y, (old, new) in enumerate(zip(before, self._visible())) if old is not new and old != new]
        width = self.size.width
        for start, stop in _runs(changed):
            self.refresh(Region(0, start, width, stop - start))

    def _visible(self) -> list[Strip | None]:
        """The strips on screen now, top to bottom (None past the end of the content)."""
        height = self.scrollable_content_region.height
        pinned = self._pinned[:height]
        top = round(self.scroll_y)
        body = [self._line(i) for i in range(top, min(len(self._lines), top + height - len(pinned)))]
        return pinned + body + [None] * (height - len(pinned) - len(body))

    def _line(self, index: int) -> Strip:
        """Line `index` of the scrolling part, drawn now if it was deferred."""
        line = self._lines[index]
        if not isinstance(line, Strip):
            line = self._lines[index] = line().apply_style(self._base_style)
        return line

    def _ensure_lines(self) -> None:
        width = max(1, self.scrollable_content_region.width)
        if self._dirty or width != self._built_width:
            # segments without a background get the pane's own (else the terminal default shows)
            base = self._base_style = self.rich_style  # walks every ancestor's styles: once per build
            if self.placeholder is not None:
                pinned, lines = [], [text_strip((self.placeholder, Style(dim=True)))]
            else:
                pinned, lines = self.build_pinned(width), self.build_lines(width)
            self._pinned = [strip.apply_style(base) for strip in pinned]
            self._lines = [line.apply_style(base) if isinstance(line, Strip) else line for line in lines]
            self._built_width = width
            self._dirty = False
            self.virtual_size = Size(width, len(self._pinned) + len(self._lines))

    def on_resize(self) -> None:
        self.invalidate()

    @property
    def text_lines(self) -> list[str]:
        """The pane's whole content as plain text (all lines, not just the visible ones): for tests."""
        self._ensure_lines()
        return [strip.text for strip in self._pinned] + [self._line(i).text for i in range(len(self._lines))]

    def render_line(self, y: int) -> Strip:
        self._ensure_lines()
        width = self.scrollable_content_region.width
        base = self._base_style
        if y < len(self._pinned):
            return self._pinned[y].crop_extend(0, width, base)
        index = y - len(self._pinned) + round(self.scroll_y)
        if index >= len(self._lines):
            return Strip.blank(width, base)
        return self._line(index).crop_extend(0, width, base)

    def scroll_line_into_view(self, line: int) -> None:
        """Scroll vertically so that line `line` of the scrolling part is visible."""
        height = self.scrollable_content_region.height - len(self._pinned)
        top = round(self.scroll_y)
        if line < top:
            self.scroll_to(y=line, animate=False)
        elif line >= top + height:
            self.scroll_to(y=line - height + 1, animate=False)


class ViewPane(LinePane):
    """A pane drawn from one view object (a small dataclass its owner builds); `show` replaces it."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view = None

    def show(self, view) -> None:
        self.view = view
        self.invalidate()


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7] -> [(1, 4), (7, 8)]: contiguous rows as half-open ranges."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row:
            runs[-1] = (runs[-1][0], row + 1)
        else:
            runs.append((row, row + 1))
    return runs


def text_strip(*parts: tuple[str, Style] | str) -> Strip:
    """A strip from (text, style) pairs or plain strings; a convenience for label lines."""
    segments = [Segment(p) if isinstance(p, str) else Segment(p[0], p[1]) for p in parts]
    return Strip(segments)
