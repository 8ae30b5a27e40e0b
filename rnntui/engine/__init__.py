"""The NumPy step-engine, with no UI and no torch: cells, traces, BPTT, weights, the stepping
session, checkpoints, sampling, corpora, long-range tasks and loss floors.

Nothing in this package imports textual, typer or torch; the torch side lives in `rnntui.train`.
"""
