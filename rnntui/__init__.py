"""rnntui: watch a recurrent network think, one timestep at a time."""

import os

# The step-engine's matrices are tiny (at most a few hundred rows): OpenBLAS threading only adds
# synchronisation, which on a busy machine made the engine several times slower (figures in
# bench/RESULTS.md). Set before anything imports numpy; a user's value wins.
# torch does not read this variable (it uses its own thread pool), so training is unaffected.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
