"""The shipped Chinese corpus: five-character quatrains, simplified, large enough, licensed."""

import re

from rnntui.engine.corpus import PACKAGED, SHIPPED, load_corpus

QUATRAIN = re.compile(r"^[\u4e00-\u9fff]{5}，[\u4e00-\u9fff]{5}[。？！][\u4e00-\u9fff]{5}，[\u4e00-\u9fff]{5}[。？！]$")
# Characters whose simplified forms differ: none of them may be left in a simplified text.
TRADITIONAL = set("國門風東長馬鳥書雲來時為與後見無聞開問說從這飛將歸還")


def test_wujue_is_a_shipped_corpus_of_quatrains_in_simplified_characters():
    assert "wujue" in SHIPPED
    corpus = load_corpus("wujue")
    lines = corpus.text.splitlines()
    assert len(corpus.text.encode("utf-8")) >= 300_000
    assert all(QUATRAIN.match(line) for line in lines)
    assert len(set(lines)) == len(lines)  # no poem twice
    assert TRADITIONAL.isdisjoint(corpus.text)
    assert 3000 <= len(corpus.vocab) <= 7000
    assert "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。" in lines  # 孟浩然《春晓》, converted


def test_its_licence_ships_beside_it():
    licence = (PACKAGED / "wujue.LICENSE.txt").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Permission is hereby granted" in licence
