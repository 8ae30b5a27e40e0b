"""The sequence tasks of Hochreiter & Schmidhuber (1997), "Long Short-Term Memory", as generators.

Each task feeds real-valued vectors (one-hot symbols count as such) and asks for a number or a
class at the end (or the next symbol at every step), and says when a network has solved it by the
paper's own criterion. `paper` holds the paper's reported figures for comparison.
"""

from rnntui.engine.tasks.batch import TaskBatch
from rnntui.engine.tasks.registry import KINDS, Task, TaskKind, make_task, task_kind
from rnntui.engine.tasks.scoring import Score, score

__all__ = ["KINDS", "Score", "Task", "TaskBatch", "TaskKind", "make_task", "score", "task_kind"]
