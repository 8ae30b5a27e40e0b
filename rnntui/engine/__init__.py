"""Model math, with no UI: the NumPy step-engine, the PyTorch trainer, checkpoints, corpora.

Nothing in this package imports textual or typer; torch is imported only by the torch modules.
"""
