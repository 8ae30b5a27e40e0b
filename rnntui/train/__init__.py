"""The PyTorch side: training config and events, the torch model, the trainer and its loop,
precision, threads, distributed training, run folders and what loss to expect.

Nothing in this package imports textual or typer. Importing it may import torch, so the app and
`rnntui --help` reach it only when a run starts.
"""
