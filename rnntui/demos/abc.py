"""Demo `abc`: the ABC lesson's example, number by number, then training until the model predicts C after AB.

The numbers come from `rnntui.engine.abc_example` (the NumPy engine with the notes' weights);
the training is a real run of the project's Trainer, started from those same weights.
"""

from __future__ import annotations

import numpy as np

from rnntui.demos import trainer_runs
from rnntui.demos.script import Bilingual, Demo, DemoContext, Figure, Outcome, Scene, Step, fmt
from rnntui.engine import abc_example
from rnntui.engine.corpus import Corpus
from rnntui.engine.numpy_rnn import NumpyRNN
from rnntui.engine.session import StepSession
from rnntui.train.train_config import TrainConfig

REPEATS = 400  # "ABC" * REPEATS is the training text
LOSS = Bilingual("loss", "损失")
CONFIDENT = 0.9  # training stops once P(C | AB) reaches this: a clear prediction, not a coin flip
TRAIN = TrainConfig(
    cell="rnn", activation="tanh", hidden_size=len(abc_example.ALPHABET), num_layers=1, seq_len=12,
    batch_size=8, optimizer="adam", lr=0.05, lr_decay="none", clip_mode="norm", clip=5.0, steps=500,
    eval_every=10_000, probe_every=10_000, sample_length=0, seed=0, precision="fp32", device="cpu",
    embedding_dim=None, dropout=0.0,  # one-hot input: the weights the lesson shows are per letter
)


def vec(values) -> str:
    return "[" + ", ".join(f"{v:.4f}" for v in values) + "]"


def example(ctx: DemoContext) -> abc_example.AbcExample:
    return ctx.once("abc.example", abc_example.run_abc_example)


def identity_session() -> StepSession:
    return abc_example.abc_session("identity")


def prob_c_after_ab(params: dict[str, np.ndarray]) -> np.ndarray:
    """The distribution over A, B, C after reading "AB", from the NumPy engine."""
    model = NumpyRNN(abc_example.CONFIG, params)
    return model.forward([0, 1]).probs[-1]


def one_hot(ctx: DemoContext) -> Outcome:
    ex = example(ctx)
    codes = ", ".join(f"{ch} = [{', '.join('1' if j == i else '0' for j in range(3))}]"
                      for i, ch in enumerate(ex.alphabet))
    return Outcome(
        Bilingual(
            f"The task from the notes: the alphabet is A, B, C; given \"AB\", predict the next character. "
            f"Each character becomes a one-hot vector: {codes}. The sequence AB is two vectors, x_1 and x_2 "
            "(the top pane shows x_t under the cursor).",
            f"笔记里的任务:字符集只有 A、B、C,给定 \"AB\",预测下一个字符。每个字符变成 One-hot 向量:{codes}。"
            "序列 AB 就是两个向量 x_1 和 x_2(上方面板显示光标处的 x_t)。",
        ),
        Scene(session=identity_session(), cursor=1),
        {"one_hot": codes},
    )


def step_one(ctx: DemoContext) -> Outcome:
    s = example(ctx).steps[0]
    return Outcome(
        Bilingual(
            f"Timestep 1 reads A. The notes' \"W_xh and W_hh are all 1\" means identity matrices, h_0 = 0: "
            f"pre-activation = W_xh x_1 + W_hh h_0 = {vec(s.pre)}, h_1 = tanh(.) = {vec(s.h)}. "
            f"The notes write tanh(1) ≈ {s.notes_value}: that is h_1[0] = {s.h[0]:.4f}.",
            f"第 1 步读入 A。笔记中『W_xh 和 W_hh 的值均为 1』指单位矩阵,h_0 = 0:"
            f"预激活 = W_xh x_1 + W_hh h_0 = {vec(s.pre)},h_1 = tanh(.) = {vec(s.h)}。"
            f"笔记写 tanh(1) ≈ {s.notes_value}:就是 h_1[0] = {s.h[0]:.4f}。",
        ),
        Scene(cursor=1, unit=0, look="hidden"),
        {"h1": s.h.tolist()},
    )


def step_two(ctx: DemoContext) -> Outcome:
    s = example(ctx).steps[1]
    return Outcome(
        Bilingual(
            f"Timestep 2 reads B: W_xh x_2 = {vec(s.input_term)}, W_hh h_1 = {vec(s.recurrent_term)}, "
            f"h_2 = tanh({vec(s.pre)}) = {vec(s.h)}. The notes' tanh(0.76) ≈ {s.notes_value} is "
            f"h_2[0] = {s.h[0]:.4f}: component 0 carries A's memory (h_1[0]) and nothing of B; B's input lands in "
            f"component 1, h_2[1] = {s.h[1]:.4f}. The notes' shorthand keeps only component 0.",
            f"第 2 步读入 B:W_xh x_2 = {vec(s.input_term)},W_hh h_1 = {vec(s.recurrent_term)},"
            f"h_2 = tanh({vec(s.pre)}) = {vec(s.h)}。笔记里的 tanh(0.76) ≈ {s.notes_value} 是 h_2[0] = {s.h[0]:.4f}:"
            f"第 0 维携带 A 的记忆(h_1[0]),不含 B;B 的输入落在第 1 维,h_2[1] = {s.h[1]:.4f}。笔记的简写只保留了第 0 维。",
        ),
        Scene(cursor=2, unit=0, look="hidden"),
        {"h2": s.h.tolist()},
    )


def formula(ctx: DemoContext) -> Outcome:
    return Outcome(
        Bilingual(
            "The corrected formula: h_t = tanh(W_xh x_t + W_hh h_t-1 + b_h). The notes print W_hh x_t-1; the "
            "recurrence multiplies the previous HIDDEN STATE, which is how A still shows in h_2 after B is read. "
            "The hidden-state pane's title shows the formula the engine runs.",
            "更正后的公式:h_t = tanh(W_xh x_t + W_hh h_t-1 + b_h)。笔记里印成了 W_hh x_t-1;"
            "循环乘的是上一步的隐藏状态,所以读完 B 之后 h_2 里仍然有 A。隐藏状态面板的标题就是引擎实际运行的公式。",
        ),
        Scene(cursor=2, look="hidden"),
    )


def untrained(ctx: DemoContext) -> Outcome:
    head = example(ctx).heads[0]
    probs = "  ".join(f"P({ch}) = {p:.4f}" for ch, p in zip(abc_example.ALPHABET, head.probs))
    return Outcome(
        Bilingual(
            f"To predict, the notes need an output layer they never give. With 'all weights 1' there too "
            f"(W_hy = I), after AB: {probs}: it predicts {head.predicted!r}. An untrained model only echoes its "
            "state; it knows nothing about the alphabet yet.",
            f"要做预测,还需要笔记里没有给出的输出层。如果输出层也是『权重均为 1』(W_hy = I),读完 AB 后:{probs}:"
            f"它预测 {head.predicted!r}。未训练的模型只是复述自己的状态,对字母表一无所知。",
        ),
        Scene(cursor=2, look="console"),
        {"untrained_prediction": head.predicted, "untrained_p_c": float(head.probs[2])},
    )


def _corpus() -> Corpus:
    return Corpus("ABCABC…", "ABC" * REPEATS, "the notes' pattern, repeated", source="shipped")


def _live(result: trainer_runs.RunResult) -> Outcome:
    return Outcome(
        Bilingual(f"Training on ABCABC…: step {result.steps}, loss {fmt(result.losses[-1])}",
                  f"在 ABCABC… 上训练:第 {result.steps} 步,损失 {fmt(result.losses[-1])}"),
        Scene(figure=Figure(curves={LOSS: list(result.losses)}),
              training=trainer_runs.training_view(result, _corpus(), TRAIN, running=True)),
    )


def training(ctx: DemoContext) -> Outcome:
    def run() -> trainer_runs.RunResult:
        return trainer_runs.train(
            ctx, TRAIN, _corpus(),
            initial_params=lambda _: abc_example.seed_params(np.eye(len(abc_example.ALPHABET))),
            until=lambda params: prob_c_after_ab(params)[2] >= CONFIDENT,
            live=_live,
        )

    result = ctx.once("abc.training", run)
    before = prob_c_after_ab(abc_example.seed_params(np.eye(3)))
    after = prob_c_after_ab(result.params)
    predicted = abc_example.ALPHABET[int(np.argmax(after))]
    session = StepSession("ABCABC", hidden_size=3, params=result.params, vocab=abc_example.ALPHABET)
    return Outcome(
        Bilingual(
            f"Now train every weight (W_xh, W_hh, W_hy and the biases), starting from the notes' weights, on "
            f"ABCABC… with Adam (lr {TRAIN.lr:g}), stopping as soon as the model predicts C after AB with P ≥ {CONFIDENT:g}: "
            f"{result.steps} steps, {result.seconds:.1f} s, loss {fmt(result.first_loss)} → {fmt(result.losses[-1])}. "
            f"P(C | AB) went from {before[2]:.4f} to {after[2]:.4f}; the prediction is now {predicted!r}. "
            "The panes show the trained model on ABCABC: step with h/l and watch it predict each next letter.",
            f"现在从笔记里的权重出发,用 Adam(学习率 {TRAIN.lr:g})在 ABCABC… 上训练全部权重(W_xh、W_hh、W_hy 和偏置),"
            f"一旦模型在 AB 之后以 P ≥ {CONFIDENT:g} 预测 C 就停止:{result.steps} 步,{result.seconds:.1f} 秒,损失 "
            f"{fmt(result.first_loss)} → {fmt(result.losses[-1])}。P(C | AB) 从 {before[2]:.4f} 变为 {after[2]:.4f};"
            f"现在预测 {predicted!r}。面板显示训练后的模型读 ABCABC:用 h/l 逐步查看它如何预测下一个字母。",
        ),
        Scene(session=session, cursor=2, figure=Figure(curves={LOSS: list(result.losses)}),
              training=trainer_runs.training_view(result, _corpus(), TRAIN, running=False)),
        {"trained_prediction": predicted, "trained_p_c": float(after[2]), "untrained_p_c": float(before[2]),
         "training_steps": result.steps},
    )


DEMO = Demo(
    name="abc",
    title=Bilingual("The ABC example from the notes", "笔记里的 ABC 例子"),
    claim=Bilingual(
        "One-hot A, B, C through h_t = tanh(W_xh x_t + W_hh h_t-1): the notes' h1 and h2 recomputed as full vectors; "
        "then a short training run teaches the model that C follows AB.",
        "A、B、C 的 One-hot 编码经过 h_t = tanh(W_xh x_t + W_hh h_t-1):用完整向量重新计算笔记里的 h1 和 h2;"
        "然后几秒钟的训练让模型学会 AB 之后是 C。",
    ),
    steps=(
        Step(Bilingual("One-hot encoding", "One-hot 编码"), one_hot),
        Step(Bilingual("h1 = tanh(1)", "h1 = tanh(1)"), step_one),
        Step(Bilingual("h2 and the shorthand", "h2 与笔记的简写"), step_two),
        Step(Bilingual("The corrected formula", "更正后的公式"), formula),
        Step(Bilingual("Untrained prediction", "未训练时的预测"), untrained),
        Step(Bilingual("Training until C follows AB", "训练到 AB 之后是 C"), training),
    ),
    seconds=5,
    opening=identity_session,  # the notes' example from the title card on
)
