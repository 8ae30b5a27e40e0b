"""Live training inside the app: `controller.TrainingController`, owned by the app, drives a
`rnntui.live.LiveRun` (the Trainer in a child process): its life, its settings and its news.
`saving.RunSaving` saves it (s, and q while it runs); `curve` draws a run's loss curve, for the app
and for the demos. On the task and series screens `task_controller.TaskTrainingController` drives
a `rnntui.live.task_run.LiveTaskRun` the same way, and `task_curve` feeds its pane. torch is
imported only by the children, so opening the app stays torch-free.
"""
