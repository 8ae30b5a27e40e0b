"""Live training as a service: a Trainer in a child process, driven by method calls, seen through events.

`service.LiveRun` is the one way to run a model while watching it (the app uses it through
`tui.training.TrainingController`); `history.RunHistory` is the one consumer of training events
(app, demos, CLI bar); `protocol` holds the messages to and from the child (`child`).
No Textual import anywhere here. Importing this package does not import torch: the child does.
"""
