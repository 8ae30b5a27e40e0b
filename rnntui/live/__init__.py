"""Live training as a service: a Trainer in a child process, driven by method calls, seen through events.

`service.LiveRun` is the one way to run a model on a corpus while watching it (the app uses it
through `tui.training.TrainingController`), `task_run.LiveTaskRun` the way to run one on a paper
task or a series (`tui.training.task_controller`); both are a `child_run.ChildRun`.
`history.RunHistory` is the one consumer of training events (app, demos, CLI bar); `protocol` and
`task_protocol` hold the messages to and from the children (`child`, `task_child`).
No Textual import anywhere here. Importing this package does not import torch: the children do.
"""
