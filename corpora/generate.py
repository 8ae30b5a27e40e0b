"""Write the small shipped corpora to corpora/NAME.txt from the project's own generators.

The generators in rnntui/engine (corpus.py, long_range.py) are the source of truth and loading a
corpus by name calls them directly; these files are copies to browse or pass as paths.
tests/test_corpus.py checks they are up to date. Run: .venv/bin/python corpora/generate.py
"""

from pathlib import Path

from rnntui.engine.corpus import SHIPPED

if __name__ == "__main__":
    folder = Path(__file__).resolve().parent
    for name, entry in SHIPPED.items():
        if entry.committed:
            (folder / f"{name}.txt").write_text(entry.build(), encoding="utf-8")
            print(f"wrote corpora/{name}.txt")
