"""Shared test set-up. Keep this small: fixtures belong in the test files that use them."""

import os

# Before any test module imports numpy: tiny BLAS calls are slower threaded (see rnntui/__init__.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Tests read English output unless they choose a language (`--lang zh`, `lang="zh"`): a developer's
# Chinese locale must not change what they see.
os.environ["RNNTUI_LANG"] = "en"
