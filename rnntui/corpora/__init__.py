"""Corpora that ship as files rather than being generated: `wujue.txt` (五言绝句, simplified),
built by corpora/build_wujue.py from chinese-poetry, with its MIT licence in `wujue.LICENSE.txt`."""
