"""Demo `vanishing`: a loss at step 50 barely reaches step 1 in a tanh RNN; the LSTM's cell path carries it.

One sentence, one loss at its last character (recall the first character), one seed. The vanilla
RNN's bars shrink by a roughly constant factor per step back; the LSTM's bars shrink too while
its forget gate sits at PyTorch's default (f ≈ 0.5), and stop shrinking once f is near 1.
"""

from __future__ import annotations

from rnntui.demos.gradient_flow import GradientFlow, gradient_flow
from rnntui.demos.script import Bilingual, Demo, DemoContext, Figure, Outcome, Scene, Step, fmt
from rnntui.engine.numpy_rnn import Clipping
from rnntui.engine.session import StepSession

SENTENCE = "recurrent networks forget what they saw long ago."
ANSWER = SENTENCE[0]  # the last prediction must recall the first character: a 49-step dependency
TEXT = SENTENCE + ANSWER
HIDDEN = 16
SEED = 0
FORGET_BIAS = 3.0  # added to b_hf: sigmoid(3) ≈ 0.95, the "remember" setting a trained LSTM learns


def rnn_session() -> StepSession:
    return StepSession(TEXT, cell="rnn", activation="tanh", hidden_size=HIDDEN, seed=SEED,
                         clipping=Clipping("off"))


def lstm_session(forget_bias: float = 0.0) -> StepSession:
    """The LSTM on the same text and seed; `forget_bias` is added to the forget gate's b_hf."""
    session = StepSession(TEXT, cell="lstm", hidden_size=HIDDEN, seed=SEED, clipping=Clipping("off"))
    if forget_bias:
        bias = session.params["rnn.bias_hh_l0"]
        for row in range(HIDDEN, 2 * HIDDEN):  # gate rows i|f|g|o: the f block
            # entry by entry, as the weight editor edits, so a state string can replay them
            session.set_weight("rnn.bias_hh_l0", (row,), bias[row] + forget_bias)
    return session


def flows(ctx: DemoContext) -> dict[str, GradientFlow]:
    return ctx.once("vanishing.flows", lambda: {
        "rnn": gradient_flow(rnn_session()),
        "lstm": gradient_flow(lstm_session()),
        "lstm_open": gradient_flow(lstm_session(FORGET_BIAS)),
    })


def _facts(flow: GradientFlow, prefix: str) -> dict[str, float]:
    return {f"{prefix}_ratio": flow.ratio, f"{prefix}_per_step": flow.per_step}


def setup(ctx: DemoContext) -> Outcome:
    session = rnn_session()
    n = len(SENTENCE)
    return Outcome(
        Bilingual(
            f"A vanilla tanh RNN ({HIDDEN} units, seed {SEED}) reads a {n}-character sentence followed by its "
            f"first character again, {ANSWER!r}. The gradient bars follow one loss back in time: the last "
            f"prediction (after the final '.', predict {ANSWER!r}), which depends on what was read {n - 1} steps "
            "earlier. Whatever the model could learn about that has to come back through these bars.",
            f"一个普通的 tanh RNN({HIDDEN} 个隐藏单元,种子 {SEED})读入一个 {n} 个字符的句子,后面再跟一遍它的第一个字符 "
            f"{ANSWER!r}。梯度条沿时间反向追踪一个损失:最后一次预测(在结尾的 '.' 之后预测 {ANSWER!r}),"
            f"它取决于 {n - 1} 步之前读到的内容。模型能学到的一切都必须沿着这些梯度条传回去。",
        ),
        Scene(session=session, cursor=session.T - 1, look="gradients"),
        {"T": session.T},
    )


def rnn_bars(ctx: DemoContext) -> Outcome:
    flow = flows(ctx)["rnn"]
    rho = flow.spectral_radius["h"]
    return Outcome(
        Bilingual(
            f"Read the bars from right to left. Each step back multiplies ||dL/dh_t|| by about "
            f"{fmt(flow.per_step)} (the median factor): dh_t-1 = W_hh^T (tanh' ⊙ dh_t), with tanh' ≤ 1 "
            f"and the spectral radius of W_hh = {fmt(rho)} < 1. After {len(flow.norms) - 1} steps "
            f"||dL/dh_1|| / ||dL/dh_{len(flow.norms)}|| = {fmt(flow.ratio)}: the first character gets essentially no signal.",
            f"从右往左看梯度条。每往回一步,||dL/dh_t|| 大约乘以 {fmt(flow.per_step)}(中位数):"
            f"dh_t-1 = W_hh^T (tanh' ⊙ dh_t),tanh' ≤ 1,W_hh 的谱半径 = {fmt(rho)} < 1。"
            f"经过 {len(flow.norms) - 1} 步,||dL/dh_1|| / ||dL/dh_{len(flow.norms)}|| = {fmt(flow.ratio)}:"
            "第一个字符几乎收不到任何信号 —— 这就是梯度消失。",
        ),
        Scene(session=rnn_session(), cursor=1, look="gradients"),
        {**_facts(flow, "rnn"), "rnn_spectral_radius": rho},
    )


def lstm_default(ctx: DemoContext) -> Outcome:
    flow = flows(ctx)["lstm"]
    return Outcome(
        Bilingual(
            f"Same input, same loss, now an LSTM with PyTorch's default initialisation. Its forget gate "
            f"averages f = {fmt(flow.mean_forget)}, so the cell path c_t = f ⊙ c_t-1 + i ⊙ g still halves "
            f"what it carries each step: ratio {fmt(flow.ratio)}, median factor {fmt(flow.per_step)}. "
            "Gates alone do not help; the forget gate must be open.",
            f"同样的输入、同样的损失,换成 PyTorch 默认初始化的 LSTM。遗忘门平均 f = {fmt(flow.mean_forget)},"
            f"细胞通路 c_t = f ⊙ c_t-1 + i ⊙ g 每一步仍把携带的信息减半:比值 {fmt(flow.ratio)},"
            f"中位数因子 {fmt(flow.per_step)}。光有门还不够,遗忘门必须打开。",
        ),
        Scene(session=lstm_session(), cursor=1, look="gradients"),
        {**_facts(flow, "lstm"), "lstm_mean_forget": flow.mean_forget},
    )


def lstm_open(ctx: DemoContext) -> Outcome:
    flow = flows(ctx)["lstm_open"]
    rnn = flows(ctx)["rnn"]
    return Outcome(
        Bilingual(
            f"Forget-gate bias +{FORGET_BIAS:g} (many libraries start b_f at 1 or more; training opens it when it must remember): f averages "
            f"{fmt(flow.mean_forget)}. Going back, dc_t-1 = f ⊙ dc_t: an ADDITIVE path with no W_hh and no "
            f"tanh' on it. The first step back costs {fmt(flow.first_step)} (the loss enters the cell "
            f"through the output gate), then each step keeps {fmt(flow.per_step)}. Ratio {fmt(flow.ratio)} "
            f"against the RNN's {fmt(rnn.ratio)}: almost all of the loss is lost on entering the cell, almost none "
            "on the way back (the pane's verdict applies one fixed cut-off, 1e-2; compare the two ratios).",
            f"遗忘门偏置 +{FORGET_BIAS:g}(许多库把 b_f 初始化为 1 或更大;需要记忆时训练也会把它打开):f 平均 {fmt(flow.mean_forget)}。"
            f"反向传播时 dc_t-1 = f ⊙ dc_t:一条加法通路,上面没有 W_hh,也没有 tanh'。"
            f"第一步回传乘以 {fmt(flow.first_step)}(损失经输出门进入细胞状态),之后每步保留 {fmt(flow.per_step)}。"
            f"比值 {fmt(flow.ratio)},而 RNN 是 {fmt(rnn.ratio)}:损失几乎都损耗在进入细胞状态的那一步,"
            "之后回传几乎没有损耗(面板的判断用的是固定阈值 1e-2;请比较两个比值)。",
        ),
        Scene(session=lstm_session(FORGET_BIAS), cursor=1, look="gradients"),
        {**_facts(flow, "lstm_open"), "lstm_open_mean_forget": flow.mean_forget},
    )


def summary(ctx: DemoContext) -> Outcome:
    f = flows(ctx)
    rows = [
        [Bilingual("vanilla RNN (tanh)", "普通 RNN(tanh)"), fmt(f["rnn"].per_step), fmt(f["rnn"].ratio)],
        [f"LSTM, f ≈ {fmt(f['lstm'].mean_forget, 2)}", fmt(f["lstm"].per_step), fmt(f["lstm"].ratio)],
        [f"LSTM, f ≈ {fmt(f['lstm_open'].mean_forget, 2)}", fmt(f["lstm_open"].per_step), fmt(f["lstm_open"].ratio)],
    ]
    gap = f["lstm_open"].ratio / f["rnn"].ratio
    return Outcome(
        Bilingual(
            f"Measured on the same {len(f['rnn'].norms)} characters: the open LSTM keeps {fmt(gap)} times "
            "more of the gradient at step 1 than the vanilla RNN. This is why the notes say LSTM and "
            "GRU 'were designed to avoid vanishing gradients': a gated, additive memory path.",
            f"在同样的 {len(f['rnn'].norms)} 个字符上测得:遗忘门打开的 LSTM 在第 1 步保留的梯度是普通 RNN 的 "
            f"{fmt(gap)} 倍。这就是笔记里说 LSTM 和 GRU『专门为了避免梯度消失而设计』的原因:带门控的加法记忆通路。",
        ),
        Scene(figure=Figure([Bilingual("model", "模型"), Bilingual("per step", "每步因子"),
                             f"dh_1 / dh_{len(f['rnn'].norms)}"], rows), look="gradients"),
        {"lstm_over_rnn": gap},
    )


DEMO = Demo(
    name="vanishing",
    title=Bilingual("Vanishing gradients: RNN vs LSTM", "梯度消失:RNN 与 LSTM"),
    claim=Bilingual(
        "Over ~50 steps a tanh RNN's gradient shrinks by a constant factor per step; an LSTM with an open "
        "forget gate carries it.",
        "经过约 50 步,tanh RNN 的梯度每步按固定比例缩小;遗忘门打开的 LSTM 能把梯度传回去。",
    ),
    steps=(
        Step(Bilingual("One loss, far away", "一个遥远的损失"), setup),
        Step(Bilingual("The bars decay", "梯度条逐步衰减"), rnn_bars),
        Step(Bilingual("LSTM, default init", "默认初始化的 LSTM"), lstm_default),
        Step(Bilingual("LSTM, forget gate open", "遗忘门打开的 LSTM"), lstm_open),
        Step(Bilingual("Side by side", "对比"), summary),
    ),
    seconds=1,
)
