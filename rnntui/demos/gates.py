"""Demo `gates`: train an LSTM to remember the first symbol, then measure what its gates actually do.

The task is built to reward the textbook gates: the filler uses the cue's own letters A-D, so
writing every letter would corrupt the memory, and every character is scored, so a memory that
shows in h during the unpredictable filler costs loss until '=' asks for it.

The textbook story is: the input gate opens on the cue, the forget gate holds it, the output gate
releases it when asked. A trained network owes us nothing, so this demo finds the unit that
carries the cue (the one whose h at '=' separates the four symbols most), reads its gates off the
NumPy trace, and narrates what it measured, including where the network departs from the story.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnntui.demos import task_training
from rnntui.demos.script import Bilingual, Demo, DemoContext, Figure, Outcome, Scene, Step
from rnntui.engine.long_range import LongRangeTask, first_symbol_same_letters
from rnntui.engine.numpy_rnn import Clipping, NumpyRNN
from rnntui.engine.session import StepSession

HIDDEN = 8  # few units, so the heatmaps are readable and one of them must do the remembering
SEED = 0
STAGES = (5, 10, 20)  # training gaps, in turn; each batch draws its gap from 1..stage
STEPS_PER_STAGE = 400
ANSWER_WEIGHT = 20.0  # the answer is one character in ~20; weighted so it is learned within the budget
TASK = LongRangeTask("first-symbol-same-letters", "A-D, filler from A-D, '=', the first symbol",
                     first_symbol_same_letters)
GAP = 20  # the example stepped through
SYMBOLS = "ABCD"
CUE_T = 2  # timestep of the cue: the prompt starts with a newline
OPENS = 0.1  # a gate "opens"/"releases" when it rises at least this much above its filler average
HOLDS = 0.9  # a forget gate "holds" when it averages at least this over the filler


@dataclass
class GateReading:
    unit: int
    accuracy: float  # held-out accuracy at gap GAP
    i_cue: float  # input gate at the cue (mean over the four symbols)
    i_filler: float  # ... averaged over the filler
    g_cue: dict[str, float]  # candidate value written at the cue, per symbol
    f_filler: float  # forget gate over the filler
    g_agrees: float  # share of filler steps whose candidate g has the sign the cell already holds
    o_answer: float  # output gate at '='
    o_filler: float
    h_answer: dict[str, float]  # h of the unit at '=', per symbol: what the head reads
    c_cue: float  # |c| of the unit just after the cue, mean over the symbols
    c_answer: float  # |c| of the unit at '='


def train_lstm(ctx: DemoContext) -> dict[str, np.ndarray]:
    learner = task_training.EveryCharacterLearner("lstm", HIDDEN, SEED, TASK, ANSWER_WEIGHT, threads=ctx.threads)
    for stage in STAGES:
        learner.train(stage, STEPS_PER_STAGE, ctx, vary=True)
        ctx.report(Outcome(Bilingual(
            f"Training the LSTM: gaps up to {stage} done ({learner.steps} steps)",
            f"训练 LSTM:间隔不超过 {stage} 的阶段完成({learner.steps} 步)")))
    return learner.params()


def filler() -> str:
    rng = np.random.default_rng(task_training.EVAL_SEED)
    return "".join(SYMBOLS[i] for i in rng.integers(len(SYMBOLS), size=GAP))


def prompt(symbol: str) -> str:
    return f"\n{symbol}{filler()}="


def read_gates(params: dict[str, np.ndarray]) -> GateReading:
    config = task_training.FirstSymbolLearner.config_for("lstm", HIDDEN)
    engine = NumpyRNN(config, params)
    traces = {s: engine.forward(task_training.encode(prompt(s))) for s in SYMBOLS}
    h_end = np.stack([traces[s].h[0, -1] for s in SYMBOLS])  # (4, H)
    unit = int(np.argmax(h_end.max(axis=0) - h_end.min(axis=0)))
    gate = {name: np.stack([traces[s].gates[name][0, :, unit] for s in SYMBOLS]) for name in "ifgo"}
    cue, fill, answer = CUE_T - 1, slice(CUE_T, -1), -1  # 0-based columns of the trace
    c = np.stack([traces[s].c[0, :, unit] for s in SYMBOLS])  # (4, T)
    agrees = np.sign(gate["g"][:, fill]) == np.sign(c[:, CUE_T : CUE_T + GAP])  # c[:, t] is c before column t
    return GateReading(
        unit=unit,
        accuracy=task_training.accuracy(config, params, GAP, TASK),
        i_cue=float(gate["i"][:, cue].mean()),
        i_filler=float(gate["i"][:, fill].mean()),
        g_cue={s: float(gate["g"][k, cue]) for k, s in enumerate(SYMBOLS)},
        f_filler=float(gate["f"][:, fill].mean()),
        g_agrees=float(agrees.mean()),
        o_answer=float(gate["o"][:, answer].mean()),
        o_filler=float(gate["o"][:, fill].mean()),
        h_answer={s: float(h_end[k, unit]) for k, s in enumerate(SYMBOLS)},
        c_cue=float(np.mean([abs(traces[s].c[0, CUE_T, unit]) for s in SYMBOLS])),
        c_answer=float(np.mean([abs(traces[s].c[0, -1, unit]) for s in SYMBOLS])),
    )


def reading(ctx: DemoContext) -> tuple[dict[str, np.ndarray], GateReading]:
    params = ctx.once("gates.params", lambda: train_lstm(ctx))
    return params, ctx.once("gates.reading", lambda: read_gates(params))


def session_for(params, symbol: str) -> StepSession:
    """The example followed by its answer: the app's bars follow the answer's loss back to the cue."""
    return StepSession(prompt(symbol) + symbol, cell="lstm", hidden_size=HIDDEN, params=params,
                         vocab=task_training.VOCAB, clipping=Clipping("off"))


def _values(d: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:+.2f}" for k, v in d.items())


def _split(d: dict[str, float]) -> tuple[str, str]:
    """The symbols on each side of zero: what one unit's sign can tell apart."""
    return "".join(k for k, v in d.items() if v > 0), "".join(k for k, v in d.items() if v <= 0)


def train_step(ctx: DemoContext) -> Outcome:
    params, r = reading(ctx)
    return Outcome(
        Bilingual(
            f"An LSTM with {HIDDEN} units learned 'remember the first symbol' ({len(STAGES) * STEPS_PER_STAGE} "
            f"steps, gaps growing to {STAGES[-1]}). The filler uses the cue's own letters A-D, and every character "
            "is scored, the answer weighted up: the filler cannot be predicted, so a memory that shows before '=' "
            f"only skews the guesses. On held-out examples with a gap of {GAP} it answers "
            f"{r.accuracy:.0%} correctly (chance 25%). Which unit remembers? The one whose h at '=' differs most "
            f"between A, B, C and D: unit {r.unit} (selected in the heatmaps), h = {_values(r.h_answer)}.",
            f"一个有 {HIDDEN} 个隐藏单元的 LSTM 学会了『记住第一个符号』({len(STAGES) * STEPS_PER_STAGE} 步,间隔逐渐增加到 "
            f"{STAGES[-1]})。填充字符用的就是提示的字母 A-D,而且每个字符都计入损失(答案加权):填充字符无法预测,"
            f"所以在 '=' 之前就显露出来的记忆只会干扰预测。在间隔为 {GAP} 的留出样本上正确率 {r.accuracy:.0%}(随机猜 25%)。哪个单元在记忆?"
            f"在 '=' 处 h 对 A、B、C、D 差别最大的那个:单元 {r.unit}(热力图中已选中),h = {_values(r.h_answer)}。",
        ),
        Scene(session=session_for(params, "A"), cursor=CUE_T, unit=r.unit, look="hidden"),
        {"accuracy": r.accuracy, "unit": r.unit},
    )


def input_step(ctx: DemoContext) -> Outcome:
    params, r = reading(ctx)
    opens = r.i_cue - r.i_filler >= OPENS
    plus, minus = _split(r.g_cue)
    later = _split(r.h_answer)  # the split the unit shows at '=': it may differ from the cue's write
    en_later = "" if later == (plus, minus) else (
        f" By '=' the unit splits {later[0] or '-'} from {later[1] or '-'}: the writes during the filler "
        "finished what the cue began.")
    zh_later = "" if later == (plus, minus) else (
        f"到 '=' 时这个单元区分的是 {later[0] or '-'} 和 {later[1] or '-'}:填充期间的写入完成了提示开始的工作。")
    en = (f"the input gate opens on the cue: i = {r.i_cue:.2f} there, {r.i_filler:.2f} on average over the filler"
          if opens else
          f"the input gate does NOT single out the cue: i = {r.i_cue:.2f} on the cue, {r.i_filler:.2f} over the "
          "filler, although the filler uses the same letters. It stays open; what protects the memory is the "
          f"candidate g: on {r.g_agrees:.0%} of the filler steps it has the sign the cell already holds, so the "
          "filler mostly reinforces the memory instead of overwriting it")
    zh = (f"输入门在提示处打开:那里 i = {r.i_cue:.2f},填充字符上平均 {r.i_filler:.2f}"
          if opens else
          f"输入门并没有特别对提示打开:提示处 i = {r.i_cue:.2f},填充字符上 {r.i_filler:.2f},尽管填充用的是同样的字母。"
          f"它一直开着;保护记忆的是候选值 g:在 {r.g_agrees:.0%} 的填充步上,它的符号与细胞已存的相同,"
          "所以填充字符大多是在加强记忆,而不是覆盖它")
    return Outcome(
        Bilingual(
            f"Cursor on the cue (timestep {CUE_T}). Unit {r.unit}: {en}. The candidate written at the cue, per "
            f"symbol: g = {_values(r.g_cue)}: its sign tells {plus or '-'} from {minus or '-'} (other units make the "
            f"other splits).{en_later} c_t = f ⊙ c_t-1 + i ⊙ g.",
            f"光标在提示上(第 {CUE_T} 步)。单元 {r.unit}:{zh}。提示处写入的候选值(按符号):g = {_values(r.g_cue)}:"
            f"它的正负号区分 {plus or '-'} 和 {minus or '-'}(其他单元负责别的划分)。{zh_later}c_t = f ⊙ c_t-1 + i ⊙ g。",
        ),
        Scene(session=session_for(params, "A"), cursor=CUE_T, unit=r.unit, look="gates"),
        {"input_opens": opens, "i_cue": r.i_cue, "i_filler": r.i_filler, "g_cue": r.g_cue, "g_agrees": r.g_agrees},
    )


def forget_step(ctx: DemoContext) -> Outcome:
    params, r = reading(ctx)
    holds = r.f_filler >= HOLDS
    session = session_for(params, "A")
    bars = session.last_prediction_gradients.grad_norm_h[0]
    reach = float(bars[CUE_T - 1] / bars[-2])  # the answer's loss at the cue, relative to at '='
    saturation = 1.0 - np.tanh(r.c_answer) ** 2
    return Outcome(
        Bilingual(
            f"Cursor in the middle of the filler. Unit {r.unit}'s forget gate averages f = {r.f_filler:.3f} over the "
            f"{GAP} filler characters: " + (
                "it holds what the cue wrote" if holds else "it leaks: each step keeps only part of c_t") +
            f"; |c| goes from {r.c_cue:.2f} after the cue to {r.c_answer:.2f} at '='. The bars: the answer's loss "
            f"reaches the cue at {reach:.1e} of its size at '='. The memory is saturated (tanh'(c) = {saturation:.1e} "
            "at '='): once learned, a latch needs almost no gradient, and would be slow to relearn.",
            f"光标在填充字符中间。单元 {r.unit} 的遗忘门在 {GAP} 个填充字符上平均 f = {r.f_filler:.3f}:" + (
                "它保持住了提示写入的内容" if holds else "它在泄漏:每一步只保留 c_t 的一部分") +
            f";|c| 从提示之后的 {r.c_cue:.2f} 变为 '=' 处的 {r.c_answer:.2f}。梯度条:答案的损失传回提示时只剩 '=' 处的 "
            f"{reach:.1e}。记忆已经饱和('=' 处 tanh'(c) = {saturation:.1e}):学会之后,这个锁存器几乎不需要梯度,"
            "要重新学习也会很慢。",
        ),
        Scene(session=session, cursor=CUE_T + GAP // 2, unit=r.unit, look="gates"),
        {"forget_holds": holds, "f_filler": r.f_filler, "c_cue": r.c_cue, "c_answer": r.c_answer, "reach": reach},
    )


WIPE_CHAR = "x"  # in the vocabulary, never in this task's text: its weights are free to edit
WIPE_AT = GAP // 2  # filler characters before the wipe
WIPE_WEIGHT = -20.0  # W_if entry for WIPE_CHAR: far below what the other terms add, so f ≈ 0 there


def wiped_params(params: dict[str, np.ndarray], units) -> dict[str, np.ndarray]:
    """`params` with the forget gate of `units` shut whenever WIPE_CHAR is read (gate rows i|f|g|o)."""
    weight = params["rnn.weight_ih_l0"].copy()
    weight[[HIDDEN + u for u in units], task_training.VOCAB.index(WIPE_CHAR)] = WIPE_WEIGHT
    return {**params, "rnn.weight_ih_l0": weight}


def wipe_session(params, symbol: str) -> StepSession:
    """The example with WIPE_CHAR read in the middle of the filler, followed by its answer."""
    text = "\n" + symbol + filler()[:WIPE_AT] + WIPE_CHAR + filler()[WIPE_AT:] + "=" + symbol
    return StepSession(text, cell="lstm", hidden_size=HIDDEN, params=params, vocab=task_training.VOCAB,
                       clipping=Clipping("off"))


def answer_of(session: StepSession) -> tuple[str, float]:
    """What the model answers after '=' and the probability it gives the right symbol."""
    probs = session.trace.probs[-2]
    right = session.text[-1]
    return task_training.VOCAB[int(np.argmax(probs))], float(probs[session.vocab.index[right]])


def forget_wipe_step(ctx: DemoContext) -> Outcome:
    params, r = reading(ctx)
    wipe_t = CUE_T + WIPE_AT + 1  # 1-based timestep that reads WIPE_CHAR
    kept, one, every = params, wiped_params(params, [r.unit]), wiped_params(params, range(HIDDEN))
    wiped = wipe_session(every, "A")
    f = float(wiped.trace.gates["f"][0, wipe_t - 1, r.unit])
    c_before, c_after = (float(wiped.trace.c[0, t, r.unit]) for t in (wipe_t - 1, wipe_t))
    _, p_kept = answer_of(wipe_session(kept, "A"))
    _, p_one = answer_of(wipe_session(one, "A"))
    guess, p_wiped = answer_of(wiped)
    right_kept = sum(answer_of(wipe_session(kept, s))[0] == s for s in SYMBOLS)
    right_wiped = sum(answer_of(wipe_session(every, s))[0] == s for s in SYMBOLS)
    return Outcome(
        Bilingual(
            f"The notes' first gate row, forget = remove. The example starting with A now reads '{WIPE_CHAR}' after "
            f"{WIPE_AT} filler characters, and we set the forget gate's weight for '{WIPE_CHAR}' to {WIPE_WEIGHT:g} "
            f"in every unit: at that step f = {f:.1e} in unit {r.unit}, and its cell state goes from c = {c_before:.3f} "
            f"to {c_after:.3f}, the memory removed. The answer after '=': P(A) = {p_kept:.3f} without the edit, "
            f"{p_wiped:.3f} with it; the model now answers {guess!r}. Over A-D it answers {right_kept} of 4 right "
            f"unedited and {right_wiped} of 4 wiped. Shutting unit {r.unit}'s forget gate alone leaves P(A) = "
            f"{p_one:.3f}: the other units hold copies of the memory.",
            f"笔记里门的第一行:遗忘门 – 移除。以 A 开头的样本在 {WIPE_AT} 个填充字符之后读入 '{WIPE_CHAR}',我们把每个单元"
            f"遗忘门对 '{WIPE_CHAR}' 的权重设为 {WIPE_WEIGHT:g}:那一步单元 {r.unit} 的 f = {f:.1e},细胞状态从 c = {c_before:.3f} "
            f"变为 {c_after:.3f},记忆被移除了。'=' 之后的答案:不修改时 P(A) = {p_kept:.3f},修改后 {p_wiped:.3f};"
            f"模型现在回答 {guess!r}。在 A-D 上,不修改时答对 {right_kept}/4,清除后答对 {right_wiped}/4。"
            f"只关闭单元 {r.unit} 的遗忘门时 P(A) = {p_one:.3f}:其他单元也保存着记忆的副本。",
        ),
        Scene(session=wiped, cursor=wipe_t, unit=r.unit, look="gates"),
        {"wipe_f": f, "wipe_c_before": c_before, "wipe_c_after": c_after, "wipe_p_kept": p_kept,
         "wipe_p_wiped": p_wiped, "wipe_p_one_unit": p_one, "wipe_guess": guess, "wipe_right_kept": right_kept,
         "wipe_right_wiped": right_wiped},
    )


def output_step(ctx: DemoContext) -> Outcome:
    params, r = reading(ctx)
    releases = r.o_answer - r.o_filler >= OPENS
    session = session_for(params, "B")
    p = float(session.trace.probs[-2][session.vocab.index["B"]])  # after '=' (the answer is last)
    en = (f"the output gate releases at '=': o = {r.o_answer:.2f} there against {r.o_filler:.2f} during the filler, "
          "so the memory stays hidden from the guesses about the filler letters until it is asked for"
          if releases else
          f"the output gate does not wait for '=': o = {r.o_filler:.2f} during the filler and {r.o_answer:.2f} at '='. "
          "Although every character is scored, this network shows its memory all along instead of hiding it")
    zh = (f"输出门在 '=' 处释放:那里 o = {r.o_answer:.2f},填充期间 {r.o_filler:.2f},"
          "所以在被问到之前,记忆不会干扰对填充字母的预测"
          if releases else
          f"输出门并不等到 '=':填充期间 o = {r.o_filler:.2f},'=' 处 {r.o_answer:.2f}。尽管每个字符都计入损失,"
          "这个网络还是一直把记忆显示出来,而不是藏起来")
    return Outcome(
        Bilingual(
            f"Cursor on '=' of an example starting with B. Unit {r.unit}: {en}. The model puts P(B) = {p:.2f} on the "
            "answer. Measured, not assumed: gates do what the loss rewards.",
            f"光标在一个以 B 开头的样本的 '=' 上。单元 {r.unit}:{zh}。模型给答案 B 的概率 P(B) = {p:.2f}。"
            "这是测出来的,不是假设的:门做的是损失函数奖励的事。",
        ),
        Scene(session=session, cursor=session.T - 1, unit=r.unit, look="gates", figure=Figure(
            [Bilingual(f"gate (unit {r.unit})", f"门(单元 {r.unit})"), Bilingual("cue", "提示"),
             Bilingual("filler", "填充"), "'='"],
            [[Bilingual("input i", "输入门 i"), f"{r.i_cue:.2f}", f"{r.i_filler:.2f}", ""],
             [Bilingual("forget f", "遗忘门 f"), "", f"{r.f_filler:.3f}", ""],
             [Bilingual("output o", "输出门 o"), "", f"{r.o_filler:.2f}", f"{r.o_answer:.2f}"]])),
        {"output_releases": releases, "o_answer": r.o_answer, "o_filler": r.o_filler, "p_answer": p},
    )


DEMO = Demo(
    name="gates",
    title=Bilingual("LSTM gates at work", "LSTM 的门如何工作"),
    claim=Bilingual(
        "An LSTM trained to remember the first symbol: step through and measure its input, forget and output gates.",
        "训练一个记住第一个符号的 LSTM:逐步查看并测量它的输入门、遗忘门和输出门。",
    ),
    steps=(
        Step(Bilingual("Train and find the memory unit", "训练并找到记忆单元"), train_step),
        Step(Bilingual("The cue: input gate", "提示:输入门"), input_step),
        Step(Bilingual("The gap: forget gate", "间隔:遗忘门"), forget_step),
        Step(Bilingual("The forget gate removes", "遗忘门负责移除"), forget_wipe_step),
        Step(Bilingual("The answer: output gate", "答案:输出门"), output_step),
    ),
    seconds=15,
)
