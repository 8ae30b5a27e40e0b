"""The benchmarks: one module each, run from the repository root as `./dev bench NAME` (python -m bench.NAME)."""
