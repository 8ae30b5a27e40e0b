"""Text measured in terminal cells, not characters: CJK characters and emoji take two cells,
combining marks and zero-width characters none. Padding, cutting and wrapping by `len()` shifts
every column after a Chinese character; these helpers are what tables and wrapped prose use.

The width table is Rich's (`rich.cells`, already there under Textual), so the CLI, the app and
the terminal agree on every character.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, set_cell_size

# The pieces wrapping works on: a run of letters, digits and the signs numbers and formulas are
# made of ("0.76", "h_{t-1}", "-2.5e+03"), a run of spaces, or any other single character.
PIECE = re.compile(r"[0-9A-Za-z_.,:;+\-−×·/%=<>()\[\]{}'\"‖|^*~#@$&!?…→←⁻¹²³⁰]+|\s+|.", re.S)
# Chinese punctuation that must not begin a line, and that must not end one.
NO_LINE_START = set("，。、；：？！）」』】》〉”’…—%")
NO_LINE_END = set("（「『【《〈“‘")


def cells(text: str) -> int:
    """How many terminal cells `text` takes."""
    return cell_len(text)


def pad(text: str, width: int, align: str = "<") -> str:
    """`text` padded with spaces to `width` cells ("<" left, ">" right, "^" centre); never cut."""
    gap = max(0, width - cell_len(text))
    if align == ">":
        return " " * gap + text
    if align == "^":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def cut(text: str, width: int, ellipsis: str = "") -> str:
    """`text` cut to at most `width` cells (a wide character that would straddle the edge is
    dropped, not halved); with `ellipsis`, a cut text ends with it."""
    if cell_len(text) <= width:
        return text
    room = max(0, width - cell_len(ellipsis))
    return set_cell_size(text, room).rstrip() + ellipsis


def wide(piece: str) -> bool:
    """Whether a piece is a CJK character (or other two-cell one): a line may break beside it."""
    return cell_len(piece[0]) == 2


def breakable(before: str, after: str) -> bool:
    """May a line end between two touching characters? Beside a wide (CJK) character, yes, except
    between a digit and a CJK character ("36步"), before closing or after opening punctuation."""
    if not (wide(before) or wide(after)) or before.isdigit() or after.isdigit():
        return False
    return after not in NO_LINE_START and before not in NO_LINE_END


def words(paragraph: str) -> list[tuple[str, str]]:
    """(space before, unbreakable run) pairs. A space breaks a line unless it joins a number to a
    CJK character: "第 0 维" and "36 步" stay whole, "状态 h_t" may break."""
    out: list[tuple[str, str]] = []
    space = ""
    for piece in PIECE.findall(paragraph):
        if piece.isspace():
            space += piece
            continue
        if out:
            before = out[-1][1][-1]
            joined = (before.isdigit() and wide(piece[0])) or (wide(before) and piece[0].isdigit())
            if space and not joined:
                out.append((" ", piece))
            elif not space and breakable(before, piece[0]):
                out.append(("", piece))
            else:
                out[-1] = (out[-1][0], out[-1][1] + space + piece)
        else:
            out.append(("", piece))
        space = ""
    return out


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` cells, broken between words or between CJK characters, never
    inside a number or a formula; a run wider than a line gets a line of its own."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for space, word in words(paragraph):
            if line and cell_len(line) + cell_len(space) + cell_len(word) > width:
                lines.append(line)
                line = word
            else:
                line += space + word if line else word
        lines.append(line)
    return lines
