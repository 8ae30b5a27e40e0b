"""Demo `vanishing`: a loss at step 50 barely reaches step 1 in a tanh RNN; the LSTM's cell path carries it.

One sentence, one loss at its last character (recall the first character), one seed. The vanilla
RNN's bars shrink by a roughly constant factor per step back; the LSTM's bars shrink too while
its forget gate sits at PyTorch's default (f ≈ 0.5), and stop shrinking once f is near 1.
"""

from __future__ import annotations

import numpy as np

from rnntui.demos.gradient_flow import GradientFlow, gradient_flow
from rnntui.demos.script import Bilingual, Demo, DemoContext, Figure, Outcome, Scene, Step, fmt
from rnntui.engine.gradient_trend import trend
from rnntui.engine.numpy_rnn import Clipping
from rnntui.i18n import t
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


RADII = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)  # spectral radii of W_hh at which tanh and ReLU are compared


def scaled_session(activation: str, radius: float | None = None) -> StepSession:
    """The vanilla RNN on the same text and seed, with `activation` and W_hh rescaled to `radius`."""
    session = StepSession(TEXT, cell="rnn", activation=activation, hidden_size=HIDDEN, seed=SEED,
                          clipping=Clipping("off"))
    if radius is not None:
        session.set_spectral_radius(radius)
    return session


def irnn_session() -> StepSession:
    """Le, Jaitly & Hinton (2015): ReLU with W_hh = I and zero biases; W_ih and the head as seeded."""
    params = dict(scaled_session("relu").params)
    params["rnn.weight_hh_l0"] = np.eye(HIDDEN)
    params["rnn.bias_ih_l0"] = np.zeros(HIDDEN)
    params["rnn.bias_hh_l0"] = np.zeros(HIDDEN)
    return StepSession(TEXT, cell="rnn", activation="relu", hidden_size=HIDDEN, params=params,
                       clipping=Clipping("off"))


def units_off(session: StepSession) -> tuple[float, int]:
    """(share of unit-timesteps where a ReLU unit is off, units never on): where ReLU' = 0."""
    off = session.trace.h[0, 1:] == 0
    return float(off.mean()), int(off.all(axis=0).sum())


def relu_flows(ctx: DemoContext) -> dict:
    def measure():
        rows = {}
        for radius in RADII:
            relu = scaled_session("relu", radius)
            rows[radius] = (gradient_flow(scaled_session("tanh", radius)), gradient_flow(relu), units_off(relu))
        base = scaled_session("relu")
        irnn = irnn_session()
        return {"rows": rows, "base": (gradient_flow(base), units_off(base)),
                "irnn": (gradient_flow(irnn), units_off(irnn))}

    return ctx.once("vanishing.relu", measure)


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
            f"||dL/dh_1|| / ||dL/dh_{len(flow.norms)}|| = {fmt(flow.ratio)}: the first character gets essentially no signal. "
            "The notes explain vanishing with layers, each multiplying the gradient by a factor below 1: unrolled in "
            "time, an RNN's layers are its timesteps, all sharing W_hh, so these bars are those layers.",
            f"从右往左看梯度条。每往回一步,||dL/dh_t|| 大约乘以 {fmt(flow.per_step)}(中位数):"
            f"dh_t-1 = W_hh^T (tanh' ⊙ dh_t),tanh' ≤ 1,W_hh 的谱半径 = {fmt(rho)} < 1。"
            f"经过 {len(flow.norms) - 1} 步,||dL/dh_1|| / ||dL/dh_{len(flow.norms)}|| = {fmt(flow.ratio)}:"
            "第一个字符几乎收不到任何信号 —— 这就是梯度消失。笔记用『层』来解释梯度消失:每一层把梯度乘以一个小于 1 的因子。"
            "沿时间展开后,RNN 的层就是它的时间步,所有时间步共享 W_hh,所以这些梯度条就是那些层。",
        ),
        Scene(session=rnn_session(), cursor=1, look="gradients"),
        {**_facts(flow, "rnn"), "rnn_spectral_radius": rho},
    )


def _radii(radii) -> str:
    return ", ".join(fmt(r) for r in radii) if radii else "—"


def relu_measured(ctx: DemoContext) -> Outcome:
    measured = relu_flows(ctx)
    rows, (base, (base_off, base_dead)) = measured["rows"], measured["base"]
    tanh = flows(ctx)["rnn"]
    vanished = [r for r, (_, relu, _) in rows.items() if relu.ratio < 1e-2]
    exploded = [r for r, (_, relu, _) in rows.items() if relu.ratio > 1e2]
    better = [r for r, (t, relu, _) in rows.items() if t.ratio < relu.ratio <= 1e2]
    better_en = f"kept more than tanh without exploding at {_radii(better)}" if better else \
        "never kept more than tanh without exploding"
    better_zh = f"在不爆炸的前提下比 tanh 保留得多的是 {_radii(better)}" if better else "在不爆炸的前提下从未比 tanh 保留得更多"
    table = [[fmt(r), fmt(t.ratio), fmt(relu.ratio), f"{off:.0%}"] for r, (t, relu, (off, _)) in rows.items()]
    return Outcome(
        Bilingual(
            "The notes' claim: ReLU's gradient is constant (1) in the positive range, so it does not shrink towards 0, "
            f"which helps against vanishing. Measured on the same sentence and loss: with this model's W_hh, ReLU gives "
            f"{fmt(base.ratio)} against tanh's {fmt(tanh.ratio)}. Rescaling W_hh (table): ReLU vanished (below 1e-2) at "
            f"spectral radius {_radii(vanished)}, exploded (above 1e2) at {_radii(exploded)}, and {better_en}. Why: {base_off:.0%} of the unit-timesteps are off (a ≤ 0, h = 0; {base_dead} of "
            f"{HIDDEN} units never switch on). An off unit has ReLU' = 0, so no gradient passes through it at that "
            "step: the constant slope helps only along units that stay on.",
            "笔记的说法:ReLU 在正区间的梯度恒为 1,不会缩小到 0,有助于减轻梯度消失。在同一句话、同一个损失上测量:"
            f"用这个模型的 W_hh,ReLU 的比值是 {fmt(base.ratio)},tanh 是 {fmt(tanh.ratio)}。改变 W_hh 的谱半径(见表):"
            f"ReLU 在谱半径 {_radii(vanished)} 时梯度消失(低于 1e-2),在 {_radii(exploded)} 时爆炸(高于 1e2),"
            f"{better_zh}。原因:{base_off:.0%} 的(单元, 时间步)处于关闭状态(a ≤ 0,h = 0;"
            f"{HIDDEN} 个单元中有 {base_dead} 个从未打开)。关闭的单元 ReLU' = 0,那一步没有梯度能通过它:"
            "恒定的斜率只在一直打开的单元上有用。",
        ),
        Scene(session=scaled_session("relu", 1.0), cursor=1, look="gradients",
              figure=Figure([Bilingual("spectral radius", "谱半径"), Bilingual("tanh ratio", "tanh 比值"),
                             Bilingual("ReLU ratio", "ReLU 比值"), Bilingual("ReLU units off", "ReLU 关闭比例")], table)),
        {"relu_base_ratio": base.ratio, "tanh_base_ratio": tanh.ratio, "relu_off": base_off, "relu_dead": base_dead,
         "relu_ratios": {r: relu.ratio for r, (_, relu, _) in rows.items()},
         "tanh_ratios": {r: t.ratio for r, (t, _, _) in rows.items()}},
    )


def relu_identity(ctx: DemoContext) -> Outcome:
    measured = relu_flows(ctx)
    irnn, (off, dead) = measured["irnn"]
    at_one = measured["rows"][1.0][1]
    return Outcome(
        Bilingual(
            "When does ReLU help? Le, Jaitly & Hinton (2015) start ReLU with W_hh = I and zero biases (IRNN): an active "
            "unit copies its value to the next step, a factor of exactly 1. On the same sentence and loss: ratio "
            f"{fmt(irnn.ratio)}, median factor {fmt(irnn.per_step)} per step back, {off:.0%} of unit-timesteps off "
            f"({dead} units never on). A random W_hh rescaled to spectral radius 1 gave {fmt(at_one.ratio)}. So the "
            "notes' claim holds under conditions: units that stay on and a recurrent map close to the identity.",
            "ReLU 什么时候有用?Le、Jaitly 和 Hinton(2015)把 ReLU 的 W_hh 初始化为单位矩阵、偏置为 0(IRNN):"
            f"激活的单元把自己的值原样传到下一步,因子恰好为 1。在同一句话、同一个损失上:比值 {fmt(irnn.ratio)},"
            f"每往回一步的中位数因子 {fmt(irnn.per_step)},{off:.0%} 的(单元, 时间步)关闭({dead} 个单元从未打开)。"
            f"随机的 W_hh 调到谱半径 1 时是 {fmt(at_one.ratio)}。所以笔记的说法是有条件的:单元保持打开,"
            "而且循环映射接近单位矩阵。",
        ),
        Scene(session=irnn_session(), cursor=1, look="gradients"),
        {"irnn_ratio": irnn.ratio, "irnn_per_step": irnn.per_step, "irnn_off": off, "relu_at_one": at_one.ratio},
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
            f"on the way back: the gradient pane, which judges by the growth per step, calls it {t('clipping.trend.' + trend(flow.per_step), 'en')}.",
            f"遗忘门偏置 +{FORGET_BIAS:g}(许多库把 b_f 初始化为 1 或更大;需要记忆时训练也会把它打开):f 平均 {fmt(flow.mean_forget)}。"
            f"反向传播时 dc_t-1 = f ⊙ dc_t:一条加法通路,上面没有 W_hh,也没有 tanh'。"
            f"第一步回传乘以 {fmt(flow.first_step)}(损失经输出门进入细胞状态),之后每步保留 {fmt(flow.per_step)}。"
            f"比值 {fmt(flow.ratio)},而 RNN 是 {fmt(rnn.ratio)}:损失几乎都损耗在进入细胞状态的那一步,"
            f"之后回传几乎没有损耗:梯度面板按每步的增长来判断,称之为『{t('clipping.trend.' + trend(flow.per_step), 'zh')}』。",
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
    title=Bilingual("Vanishing gradients: RNN, ReLU and LSTM", "梯度消失:RNN、ReLU 与 LSTM"),
    claim=Bilingual(
        "Over ~50 steps a tanh RNN's gradient shrinks by a constant factor per step; ReLU helps only near the "
        "identity (IRNN); an LSTM with an open forget gate carries it.",
        "经过约 50 步,tanh RNN 的梯度每步按固定比例缩小;ReLU 只在接近单位矩阵时有用(IRNN);"
        "遗忘门打开的 LSTM 能把梯度传回去。",
    ),
    steps=(
        Step(Bilingual("One loss, far away", "一个遥远的损失"), setup),
        Step(Bilingual("The bars decay", "梯度条逐步衰减"), rnn_bars),
        Step(Bilingual("ReLU, the notes' remedy, measured", "笔记里的方案 ReLU:实测"), relu_measured),
        Step(Bilingual("ReLU with identity init (IRNN)", "单位矩阵初始化的 ReLU(IRNN)"), relu_identity),
        Step(Bilingual("LSTM, default init", "默认初始化的 LSTM"), lstm_default),
        Step(Bilingual("LSTM, forget gate open", "遗忘门打开的 LSTM"), lstm_open),
        Step(Bilingual("Side by side", "对比"), summary),
    ),
    seconds=1,
)
