"""Demo `adding`: the adding problem (Exp. 4 of the 1997 LSTM paper), vanilla RNN against LSTM.

The LSTM trains until the paper's criterion holds on a test set; the vanilla RNN then trains on
as many sequences. Both are scored on the same test set against the constant prediction, and the
NumPy engine runs one test sequence through each trained model to show how much of the final
loss reaches the two marked timesteps: ||dL/dh_t|| over t, on a log scale. Every number in the
narration is measured here. torch is imported only when the training step runs.
"""

from __future__ import annotations

import numpy as np

from rnntui.demos.script import Bilingual, Demo, DemoContext, Figure, Outcome, Scene, Step, fmt
from rnntui.engine.numpy_rnn import NumpyRNN
from rnntui.engine.tasks import make_task
from rnntui.i18n import t

T = 100
SEED = 0
BUDGET = 150_000  # sequences the LSTM may take; the vanilla RNN then gets as many as the LSTM used
TEST_SIZE = 512


def said(key: str, **fields) -> Bilingual:
    """A narration line from the tasks catalogue, in both languages; a Bilingual field fills in per language."""
    def text(lang: str) -> str:
        filled = {k: v(lang) if isinstance(v, Bilingual) else v for k, v in fields.items()}
        return t(f"tasks.demo.{key}", lang=lang, **filled)

    return Bilingual(text("en"), text("zh"))


def example():
    task = make_task("adding", T)
    return task, task.batch(np.random.default_rng(SEED + 1), 1)


def intro(ctx: DemoContext) -> Outcome:
    task, batch = example()
    values, markers = batch.inputs[0, : batch.lengths[0]].T
    marked = np.flatnonzero(markers == 1.0)
    return Outcome(
        said("adding_intro", T=T, length=int(batch.lengths[0]), first=int(marked[0]) + 1, second=int(marked[1]) + 1,
             x1=f"{values[marked[0]]:+.2f}", x2=f"{values[marked[1]]:+.2f}", target=f"{batch.answers[0, 0]:.3f}"),
        Scene(figure=Figure(curves={Bilingual("value", "数值"): list(values),
                                    Bilingual("marker", "标记"): list(markers)})),
        {"length": int(batch.lengths[0]), "marked": [int(m) for m in marked]},
    )


def train_both(ctx: DemoContext) -> dict:
    from rnntui.train.task_runs import TaskRunConfig, test_set, train_on_task

    import torch

    torch.set_num_threads(ctx.threads)
    task = make_task("adding", T)
    test = test_set(task, TEST_SIZE)
    rows: dict[str, list[str]] = {}

    def report(cell: str):
        def on_check(check) -> None:
            rows[cell] = [cell, f"{check.sequences:,}", f"{check.score.error:.4f}", f"{check.score.baseline:.4f}",
                          f"{check.score.correct:.0%}"]
            ctx.report(Outcome(said("adding_training", cell=cell, sequences=f"{check.sequences:,}"),
                               Scene(figure=results_table(rows))))
        return on_check

    def stop() -> bool:
        ctx.check_stop()  # leaving the demo raises here, between two training steps
        return False

    lstm = train_on_task(task, TaskRunConfig(cell="lstm", seed=SEED, max_sequences=BUDGET, test_size=TEST_SIZE),
                         test, on_check=report("LSTM"), should_stop=stop)
    rnn = train_on_task(task, TaskRunConfig(cell="rnn", seed=SEED, max_sequences=lstm.sequences, test_size=TEST_SIZE),
                        test, on_check=report("RNN"), should_stop=stop)
    return {"task": task, "rows": rows, "runs": {"lstm": lstm, "rnn": rnn},
            "params": {"lstm": lstm.model.numpy_params(), "rnn": rnn.model.numpy_params()},
            "configs": {"lstm": lstm.model.config, "rnn": rnn.model.config}}


def results_table(rows: dict[str, list[str]]) -> Figure:
    return Figure([Bilingual("cell", "单元"), Bilingual("sequences", "序列数"), Bilingual("MSE", "均方误差"),
                   Bilingual("constant", "常数基线"), Bilingual("correct", "正确")], list(rows.values()))


def race(ctx: DemoContext) -> dict:
    return ctx.once("adding", lambda: train_both(ctx))


def results(ctx: DemoContext) -> Outcome:
    done = race(ctx)
    lstm, rnn = done["runs"]["lstm"].final, done["runs"]["rnn"].final
    solved = done["runs"]["lstm"].solved_after
    return Outcome(
        said("adding_results", sequences=f"{done['runs']['rnn'].sequences:,}",
             lstm=f"{lstm.error:.4f}", rnn=f"{rnn.error:.4f}", baseline=f"{rnn.baseline:.4f}",
             lstm_correct=f"{lstm.correct:.0%}", rnn_correct=f"{rnn.correct:.0%}",
             solved=said("adding_solved", sequences=f"{solved:,}") if solved else said("adding_unsolved")),
        Scene(figure=results_table(done["rows"])),
        {"lstm_error": lstm.error, "rnn_error": rnn.error, "baseline": rnn.baseline, "lstm_solved_after": solved,
         "rnn_ratio": rnn.ratio, "lstm_correct": lstm.correct},
    )


def gradient_norms(done: dict, cell: str, inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """||dL/dh_t|| of the final loss for every t, from the NumPy engine on the trained weights."""
    model = NumpyRNN(done["configs"][cell], done["params"][cell])
    return model.backward(model.forward(inputs), targets).grad_norm_h[0]


def gradients(ctx: DemoContext) -> Outcome:
    done = race(ctx)
    _, batch = example()
    inputs, targets = batch.sequence(0)
    marked = np.flatnonzero(inputs[:, 1] == 1.0)
    norms = {cell: gradient_norms(done, cell, inputs, targets) for cell in ("rnn", "lstm")}
    # How much of the loss's gradient at the last step is left at the second marker (the nearer one).
    reach = {cell: float(n[marked[1]] / n[-1]) for cell, n in norms.items()}
    floor = 1e-30  # log10 of an exact zero
    curves = {Bilingual(f"log10 ||dL/dh_t||, {name}", f"log10 ||dL/dh_t||,{name}"):
              list(np.log10(np.maximum(norms[cell], floor))) for cell, name in (("rnn", "RNN"), ("lstm", "LSTM"))}
    return Outcome(
        said("adding_gradients", second=int(marked[1]) + 1, length=len(inputs), rnn=fmt(reach["rnn"]),
             lstm=fmt(reach["lstm"])),
        Scene(figure=Figure(curves=curves)),
        {"rnn_reach": reach["rnn"], "lstm_reach": reach["lstm"], "marked": [int(m) for m in marked]},
    )


DEMO = Demo(
    name="adding",
    title=Bilingual("The adding problem: RNN vs LSTM", "加法问题:RNN 与 LSTM"),
    claim=Bilingual(
        "Two numbers marked early in a sequence of 100 must be added at its end: the LSTM learns it, the vanilla "
        "RNN stays at the constant guess, and the gradients at the marked steps show why.",
        "在长度 100 的序列开头标记的两个数,要在末尾相加:LSTM 学会了,普通 RNN 停在常数猜测上,标记处的梯度说明了原因。",
    ),
    steps=(
        Step(Bilingual("The task", "任务"), intro),
        Step(Bilingual("Training", "训练"), results),
        Step(Bilingual("Where the gradient goes", "梯度去了哪里"), gradients),
    ),
    seconds=60,
)
