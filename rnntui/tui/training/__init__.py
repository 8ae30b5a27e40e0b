"""Live training inside the app (issue 5): a Trainer in a thread worker, seen through messages.

`run.TrainingRun` owns one Trainer and turns its callbacks into throttled messages
(`messages`); `actions.TrainingActions` gives the app its keys (o t T s n p L), keeps the
StepSession on the current weights and streams samples. torch is imported only when a run starts.
"""
