"""Build rnntui/corpora/wujue.txt: five-character quatrains (五言绝句), simplified, one per line.

Source: the npm package chinese-poetry (MIT, https://github.com/chinese-poetry/chinese-poetry),
whose Tang and Song poems are in traditional characters. Run it by hand; it is not part of rnntui
and its converter is not a dependency:

    npm pack chinese-poetry && tar xzf chinese-poetry-*.tgz        # -> package/
    python -m venv /tmp/conv && /tmp/conv/bin/pip install opencc-python-reimplemented
    /tmp/conv/bin/python corpora/build_wujue.py package

A poem is kept when it has exactly two paragraphs, each "five characters，five characters。" of
CJK ideographs only (no lacunae, notes or variant markers). All Tang quatrains come first, then
Song ones in the package's file order until the text reaches TARGET_BYTES. Duplicates are dropped.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

from opencc import OpenCC

TARGET_BYTES = 360_000  # UTF-8 bytes: above the 300 KB a character model needs to write verse
LINE = re.compile(r"^[\u4e00-\u9fff]{5}，[\u4e00-\u9fff]{5}[。？！]$")
OUT = Path(__file__).resolve().parent.parent / "rnntui" / "corpora"


def poem_files(package: Path, dynasty: str) -> list[Path]:
    """poet.tang.0.json, poet.tang.1000.json, ... in numeric order."""
    files = (package / "dist" / "quantangshi").glob(f"poet.{dynasty}.*.json")
    return sorted(files, key=lambda path: int(path.stem.rsplit(".", 1)[1]))


def quatrains(package: Path, dynasty: str, convert) -> list[str]:
    """Every five-character quatrain of a dynasty, converted to simplified characters."""
    found = []
    for path in poem_files(package, dynasty):
        for poem in json.loads(path.read_text(encoding="utf-8")):
            lines = [convert(line) for line in poem.get("paragraphs", [])]
            if len(lines) == 2 and all(LINE.match(line) for line in lines):
                found.append("".join(lines))
    return found


def main(package: Path) -> None:
    convert = OpenCC("t2s").convert
    chosen, seen, size = [], set(), 0
    tang = quatrains(package, "tang", convert)
    for poem in tang + quatrains(package, "song", convert):
        if poem in seen:
            continue
        if size >= TARGET_BYTES and len(chosen) >= len(tang):
            break
        seen.add(poem)
        chosen.append(poem)
        size += len(poem.encode("utf-8")) + 1
    OUT.mkdir(exist_ok=True)
    (OUT / "wujue.txt").write_text("\n".join(chosen) + "\n", encoding="utf-8")
    shutil.copyfile(package / "LICENSE", OUT / "wujue.LICENSE.txt")
    print(f"{len(chosen)} quatrains ({len(tang)} Tang), {size} bytes, "
          f"{len(set(''.join(chosen)))} distinct characters -> {OUT / 'wujue.txt'}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "package"))
