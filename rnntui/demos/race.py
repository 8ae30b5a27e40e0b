"""Demo `race`: vanilla RNN, LSTM and GRU, same budget, same task, gaps growing from 2 to 80.

Each model trains STEPS_PER_LENGTH steps at each gap in turn (its weights carry over, as a
curriculum), and after each stage is scored on held-out examples of that gap. The table fills in
live. The seed is fixed so the result is the same on every run; the narration reports the
measured table, including any cell that did better than expected.
"""

from __future__ import annotations

from rnntui.demos import task_training
from rnntui.demos.script import Bilingual, Demo, DemoContext, Figure, Outcome, Scene, Step
from rnntui.engine.numpy_rnn import Clipping
from rnntui.engine.session import StepSession

CELLS = ("rnn", "lstm", "gru")
NAMES = {"rnn": Bilingual("vanilla RNN", "普通 RNN"), "lstm": Bilingual("LSTM", "LSTM"), "gru": Bilingual("GRU", "GRU")}
LENGTHS = (2, 5, 10, 20, 40, 80)  # from 2: a vanilla RNN first learns to remember at all
STEPS_PER_LENGTH = 200
HIDDEN = 16
SEED = 0
PASS = 0.9  # accuracy that counts as "remembers"; chance is 0.25 (four symbols)


def table(results: dict[str, dict[int, float]]) -> Figure:
    rows = [[str(length)] + [f"{results[c][length]:.0%}" if length in results[c] else "…" for c in CELLS]
            for length in LENGTHS]
    return Figure([Bilingual("gap", "间隔")] + [NAMES[c] for c in CELLS], rows)


def run_race(ctx: DemoContext) -> dict:
    learners = {c: task_training.FirstSymbolLearner(c, HIDDEN, SEED, threads=ctx.threads) for c in CELLS}
    results: dict[str, dict[int, float]] = {c: {} for c in CELLS}
    for length in LENGTHS:
        for cell, learner in learners.items():
            learner.train(length, STEPS_PER_LENGTH, ctx)
            results[cell][length] = learner.accuracy(length)
            ctx.report(Outcome(
                Bilingual(f"Racing: gap {length}, {NAMES[cell].en} scored {results[cell][length]:.0%}",
                          f"比赛中:间隔 {length},{NAMES[cell].zh} 得分 {results[cell][length]:.0%}"),
                Scene(figure=table(results)),
            ))
    return {"results": results, "params": {c: l.params() for c, l in learners.items()},
            "configs": {c: l.config for c, l in learners.items()}}


def race(ctx: DemoContext) -> dict:
    return ctx.once("race", lambda: run_race(ctx))


def falls_off(accuracies: dict[int, float]) -> int | None:
    """The first gap scored below PASS, None if the model passed every gap."""
    return next((length for length in LENGTHS if accuracies[length] < PASS), None)


def intro(ctx: DemoContext) -> Outcome:
    example = task_training.TASK.examples(1, seed=task_training.EVAL_SEED, length=LENGTHS[0])[0]
    return Outcome(
        Bilingual(
            f"The task: one of A B C D, then a gap of random x y z, then '=': the answer is the first symbol, "
            f"e.g. {example.text.strip()!r}. Chance is 25%. Three models with {HIDDEN} units each train "
            f"{STEPS_PER_LENGTH} steps (batches of {task_training.BATCH}) at each gap {', '.join(map(str, LENGTHS))} "
            f"in turn, the same budget and the same examples for all (seed {SEED}). Advance to start the race.",
            f"任务:先是 A B C D 之一,接着一段随机的 x y z,然后是 '=':答案是第一个符号,例如 {example.text.strip()!r}。"
            f"随机猜的正确率是 25%。三个各有 {HIDDEN} 个隐藏单元的模型,依次在间隔 {', '.join(map(str, LENGTHS))} 上"
            f"各训练 {STEPS_PER_LENGTH} 步(每批 {task_training.BATCH} 个),预算相同,样本相同(种子 {SEED})。按 → 键开始比赛。",
        ),
        Scene(figure=table({c: {} for c in CELLS})),
    )


def _verdict_en(cell: str, accuracies: dict[int, float]) -> str:
    gap = falls_off(accuracies)
    if gap is None:
        return f"the {NAMES[cell].en} passed every gap"
    return f"the {NAMES[cell].en} fell below {PASS:.0%} at gap {gap}"


def _verdict_zh(cell: str, accuracies: dict[int, float]) -> str:
    gap = falls_off(accuracies)
    if gap is None:
        return f"{NAMES[cell].zh} 通过了所有间隔"
    return f"{NAMES[cell].zh} 在间隔 {gap} 处低于 {PASS:.0%}"


def results_step(ctx: DemoContext) -> Outcome:
    results = race(ctx)["results"]
    longest = LENGTHS[-1]
    scores = {c: results[c][longest] for c in CELLS}
    return Outcome(
        Bilingual(
            f"Result (held-out examples, NumPy engine): {'; '.join(_verdict_en(c, results[c]) for c in CELLS)}. "
            f"At gap {longest}: vanilla RNN {scores['rnn']:.0%}, LSTM {scores['lstm']:.0%}, GRU {scores['gru']:.0%}. "
            "The gated cells keep the cue in a state that the filler cannot overwrite; the vanilla RNN must "
            "pass it through W_hh and tanh at every step, and its gradient to the cue vanishes.",
            f"结果(留出样本,NumPy 引擎):{';'.join(_verdict_zh(c, results[c]) for c in CELLS)}。"
            f"间隔 {longest} 时:普通 RNN {scores['rnn']:.0%},LSTM {scores['lstm']:.0%},GRU {scores['gru']:.0%}。"
            "LSTM 和 GRU 靠门把提示保存在不会被填充字符覆盖的状态里;普通 RNN 每一步都要经过 W_hh 和 tanh,"
            "传回提示的梯度随之消失。",
        ),
        Scene(figure=table(results)),
        {"accuracy": results, "longest": longest},
    )


def longest_example() -> tuple[str, str]:
    example = task_training.TASK.examples(1, seed=task_training.EVAL_SEED + 1, length=LENGTHS[-1])[0]
    return task_training.prompt(example), example.checks[0].expected


def inspect(cell: str):
    def run(ctx: DemoContext) -> Outcome:
        done = race(ctx)
        text, answer = longest_example()
        session = StepSession(text + answer, cell=cell, hidden_size=HIDDEN, params=done["params"][cell],
                              vocab=task_training.VOCAB, clipping=Clipping("off"))
        p = float(session.trace.probs[-2][session.vocab.index[answer]])  # after '='
        norms = session.last_prediction_gradients.grad_norm_h[0]  # the bars on screen
        ratio = float(norms[1] / norms[-2])  # dh at the cue (t = 2, after the leading newline) vs at '='
        return Outcome(
            Bilingual(
                f"The trained {NAMES[cell].en} on a new example with gap {LENGTHS[-1]}: after '=' it gives the right "
                f"answer {answer!r} probability {p:.2f}. The bars show how much of the loss reaches the cue: "
                f"||dL/dh|| at the cue / at '=' = {ratio:.2e}.",
                f"训练后的 {NAMES[cell].zh} 读一个新的、间隔为 {LENGTHS[-1]} 的样本:在 '=' 之后它给正确答案 {answer!r} 的概率是 "
                f"{p:.2f}。梯度条显示损失有多少传回到提示:提示处与 '=' 处的 ||dL/dh|| 之比 = {ratio:.2e}。",
            ),
            Scene(session=session, cursor=2, figure=table(done["results"]), look="gradients"),
            {f"{cell}_p_answer": p, f"{cell}_cue_ratio": ratio},
        )

    return run


DEMO = Demo(
    name="race",
    title=Bilingual("RNN vs LSTM vs GRU on long-range memory", "长程记忆:RNN、LSTM 与 GRU 的比赛"),
    claim=Bilingual(
        "Trained for the same budget on the same task, the vanilla RNN's accuracy falls off as the gap "
        "grows; the gated cells keep remembering.",
        "在同样的预算、同样的任务下训练,随着间隔变长,普通 RNN 的正确率先掉下来;带门控的 LSTM 和 GRU 仍然记得。",
    ),
    steps=(
        Step(Bilingual("The task", "任务"), intro),
        Step(Bilingual("The race", "比赛"), results_step),
        Step(Bilingual("Inside the vanilla RNN", "普通 RNN 内部"), inspect("rnn")),
        Step(Bilingual("Inside the LSTM", "LSTM 内部"), inspect("lstm")),
    ),
    seconds=40,
)
