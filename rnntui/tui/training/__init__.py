"""Live training inside the app: `controller.TrainingController`, owned by the app, drives a
`rnntui.live.LiveRun` (the Trainer in a child process) and turns its events into messages.
torch is imported only by the child, so opening the app stays torch-free.
"""
