"""Shared test set-up. Keep this small: fixtures belong in the test files that use them."""

import os

import pytest

# Before any test module imports numpy: tiny BLAS calls are slower threaded (see rnntui/__init__.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Tests read English output unless they choose a language (`--lang zh`, `lang="zh"`): a developer's
# Chinese locale must not change what they see.
os.environ["RNNTUI_LANG"] = "en"


@pytest.fixture
def chinese():
    """The process speaks Chinese for one test (as `--lang zh` makes it), then English again."""
    from rnntui import i18n

    before = i18n.language_state()
    i18n.set_language("zh")
    yield
    i18n.restore_language_state(before)
