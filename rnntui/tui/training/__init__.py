"""Live training inside the app: `controller.TrainingController`, owned by the app, drives a
`rnntui.live.LiveRun` (the Trainer in a child process): its life, its settings and its news.
`saving.RunSaving` saves it (s, and q while it runs); `curve` draws a run's loss curve, for the app
and for the demos. torch is imported only by the child, so opening the app stays torch-free.
"""
