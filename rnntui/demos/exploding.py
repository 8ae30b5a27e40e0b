"""Demo `exploding`: W_hh with spectral radius above 1 and ReLU make the bars grow; clipping bounds the update.

First the stepping engine: the same sentence and distant loss as `vanishing`, but a ReLU RNN
whose W_hh is rescaled to spectral radius 2, so each step back multiplies the gradient instead.
Then two short training runs through the project's Trainer, identical except for clipping.
"""

from __future__ import annotations

from rnntui.demos import trainer_runs, vanishing
from rnntui.demos.gradient_flow import GradientFlow, gradient_flow
from rnntui.demos.script import Bilingual, Demo, DemoContext, Figure, Outcome, Scene, Step, fmt
from rnntui.engine import weights
from rnntui.engine.corpus import Corpus, shipped_corpus
from rnntui.engine.numpy_rnn import Clipping
from rnntui.engine.session import StepSession
from rnntui.train.train_config import TrainConfig

HIDDEN = 16
SEED = 1
RADIUS = 2.0  # spectral radius of W_hh in the stepping session
THRESHOLD = 5.0  # the app's default clipping threshold

# The training runs: a ReLU RNN on the ABC lesson's words, W_hh at spectral radius TRAIN_RADIUS,
# SGD with momentum at a learning rate that is fine at first and fatal once a gradient spikes.
TRAIN_RADIUS = 1.6
TRAIN_CLIP = 1.0
TRAIN = TrainConfig(
    cell="rnn", activation="relu", hidden_size=32, num_layers=1, seq_len=50, batch_size=16,
    optimizer="sgd", lr=0.1, lr_decay="none", clip_mode="off", clip=TRAIN_CLIP, steps=100,
    eval_every=10_000, probe_every=10_000, sample_length=0, seed=0, precision="fp32", device="cpu",
    embedding_dim=None, dropout=0.0,  # the model the narration measured
)


def relu_session(clipping: Clipping = Clipping("off")) -> StepSession:
    session = StepSession(vanishing.TEXT, cell="rnn", activation="relu",
                            hidden_size=HIDDEN, seed=SEED, clipping=clipping)
    session.set_spectral_radius(RADIUS)  # an undoable edit, as `[`/`]` and the weight editor make
    return session


def growth(ctx: DemoContext) -> Outcome:
    flow = ctx.once("exploding.flow", lambda: gradient_flow(relu_session()))
    return Outcome(
        Bilingual(
            f"A ReLU RNN ({HIDDEN} units) whose W_hh is initialised too large: spectral radius "
            f"{fmt(flow.spectral_radius['h'])}, the notes' bad initialisation. "
            f"ReLU' is exactly 1 wherever a unit is active, so nothing damps W_hh: each step back multiplies "
            f"||dL/dh_t|| by about {fmt(flow.per_step)}, and ||dL/dh_1|| / ||dL/dh_{len(flow.norms)}|| = {fmt(flow.ratio)}. "
            f"The global gradient norm is {fmt(flow.grad_norm)}.",
            f"一个 ReLU RNN({HIDDEN} 个隐藏单元),W_hh 初始化得太大:谱半径 {fmt(flow.spectral_radius['h'])},"
            "正是笔记里的『权重初始化不当』。"
            f"ReLU 在激活区的导数恰好为 1,没有任何东西抑制 W_hh:每往回一步 ||dL/dh_t|| 大约乘以 "
            f"{fmt(flow.per_step)},||dL/dh_1|| / ||dL/dh_{len(flow.norms)}|| = {fmt(flow.ratio)}。全局梯度范数为 {fmt(flow.grad_norm)}。"
            "这就是梯度爆炸。",
        ),
        Scene(session=relu_session(), cursor=1, look="gradients"),
        {"ratio": flow.ratio, "per_step": flow.per_step, "spectral_radius": flow.spectral_radius["h"],
         "grad_norm": flow.grad_norm},
    )


def clipping(ctx: DemoContext) -> Outcome:
    session = relu_session(Clipping("norm", THRESHOLD))
    flow = gradient_flow(session)
    scale = flow.grad_norm_clipped / flow.grad_norm
    return Outcome(
        Bilingual(
            f"Clipping on (global norm, threshold {THRESHOLD:g}; key k cycles off → norm → value). The gradient of every "
            f"weight is scaled by {fmt(scale)}: norm {fmt(flow.grad_norm)} before, {fmt(flow.grad_norm_clipped)} "
            "after. The direction is kept, the step size is bounded. The bars do not change: clipping acts "
            "on the update, not on backpropagation.",
            f"打开梯度裁剪(按全局范数,阈值 {THRESHOLD:g};按 k 在 关闭 → 按范数 → 按值 之间切换)。所有权重的梯度都乘以 {fmt(scale)}:"
            f"裁剪前范数 {fmt(flow.grad_norm)},裁剪后 {fmt(flow.grad_norm_clipped)}。方向不变,步长有界。"
            "梯度条本身不变:裁剪作用在参数更新上,而不是反向传播上。",
        ),
        Scene(session=session, cursor=session.T, look="gradients"),
        {"grad_norm": flow.grad_norm, "grad_norm_clipped": flow.grad_norm_clipped, "threshold": THRESHOLD},
    )


def same_gradient_both_ways(ctx: DemoContext) -> Outcome:
    """One gradient, clipped by norm and by value at the same threshold: the norm keeps its direction."""
    by_norm, by_value = relu_session(Clipping("norm", THRESHOLD)), relu_session(Clipping("value", THRESHOLD))
    norm, value = by_norm.gradients, by_value.gradients
    return Outcome(
        Bilingual(
            f"The same gradient (norm {fmt(norm.grad_norm)}), clipped both ways at {THRESHOLD:g} (k cycles off → norm → value). "
            f"By norm every element is multiplied by {fmt(norm.grad_norm_clipped / norm.grad_norm)}: norm "
            f"{fmt(norm.grad_norm_clipped)}, cosine with the original {norm.clip_cosine:.4f}, the same direction. "
            f"By value each element is clamped to ±{THRESHOLD:g}, as the notes put it (limit the minimum and maximum): "
            f"norm {fmt(value.grad_norm_clipped)}, cosine {value.clip_cosine:.4f}. The small elements keep their size "
            "while the large ones are cut, so the update points somewhere else. The gradient pane shows each "
            "parameter before and after.",
            f"同一个梯度(范数 {fmt(norm.grad_norm)}),用阈值 {THRESHOLD:g} 两种方式裁剪(k 在 关闭 → 按范数 → 按值 之间切换)。"
            f"按范数时每个元素都乘以 {fmt(norm.grad_norm_clipped / norm.grad_norm)}:范数 {fmt(norm.grad_norm_clipped)},"
            f"与原梯度的余弦 {norm.clip_cosine:.4f},方向不变。按值时每个元素被截断到 ±{THRESHOLD:g},"
            f"即笔记里的『限制梯度的最小最大值』:范数 {fmt(value.grad_norm_clipped)},余弦 {value.clip_cosine:.4f}。"
            "小的元素保持原样,大的被截断,更新就指向了别处。梯度面板显示每个参数裁剪前后的值。",
        ),
        Scene(session=by_value, cursor=by_value.T, look="gradients"),
        {"norm_cosine": norm.clip_cosine, "value_cosine": value.clip_cosine,
         "value_clipped_norm": value.grad_norm_clipped, "norm_clipped_norm": norm.grad_norm_clipped},
    )


def remedy_session(cell: str = "rnn", activation: str = "relu") -> StepSession:
    """The exploding setting with another cell or activation: the same text, seed and too-large W_hh
    (every gate block of a gated cell at the same spectral radius)."""
    session = StepSession(vanishing.TEXT, cell=cell, activation=activation, hidden_size=HIDDEN, seed=SEED,
                          clipping=Clipping("off"))
    session.set_spectral_radius(RADIUS)
    return session


def remedy_flows(ctx: DemoContext) -> dict[str, GradientFlow]:
    return ctx.once("exploding.remedies", lambda: {
        "relu": gradient_flow(relu_session()),
        "tanh": gradient_flow(remedy_session(activation="tanh")),
        "lstm": gradient_flow(remedy_session("lstm")),
        "gru": gradient_flow(remedy_session("gru")),
    })


def remedy_lstm(ctx: DemoContext) -> Outcome:
    flows = remedy_flows(ctx)
    relu, lstm, gru = flows["relu"], flows["lstm"], flows["gru"]
    return Outcome(
        Bilingual(
            f"The notes' first remedy, on the same bad initialisation: an LSTM whose every W_hh gate block has "
            f"spectral radius {fmt(RADIUS)}. Ratio {fmt(lstm.ratio)} (median factor {fmt(lstm.per_step)} per step) "
            f"against the ReLU RNN's {fmt(relu.ratio)}; a GRU gives {fmt(gru.ratio)}. The gates are sigmoids and the "
            "memory is a gated sum, so a large W_hh saturates them instead of multiplying the gradient.",
            f"笔记里的第一个方案,用同样不当的初始化:一个 LSTM,W_hh 的每个门块谱半径都是 {fmt(RADIUS)}。"
            f"比值 {fmt(lstm.ratio)}(每步中位数因子 {fmt(lstm.per_step)}),而 ReLU RNN 是 {fmt(relu.ratio)};"
            f"GRU 是 {fmt(gru.ratio)}。门是 sigmoid,记忆是带门控的加和,过大的 W_hh 只会让门饱和,而不会让梯度连乘放大。",
        ),
        Scene(session=remedy_session("lstm"), cursor=1, look="gradients"),
        {"lstm_ratio": lstm.ratio, "gru_ratio": gru.ratio, "lstm_per_step": lstm.per_step},
    )


def remedy_tanh(ctx: DemoContext) -> Outcome:
    flows = remedy_flows(ctx)
    relu, tanh = flows["relu"], flows["tanh"]
    return Outcome(
        Bilingual(
            f"The notes' second remedy, changing the activation: the same W_hh with tanh instead of ReLU (key a). "
            f"The ratio falls from {fmt(relu.ratio)} to {fmt(tanh.ratio)}: tanh' < 1 damps every step. But it still "
            f"grows by {fmt(tanh.per_step)} per step back (median): with W_hh this large, changing the activation "
            f"alone does not stop the growth, it slows it. Over {len(tanh.norms) - 1} steps that is ×{fmt(tanh.ratio)}, "
            "still exploding.",
            f"笔记里的第二个方案,替换激活函数:同样的 W_hh,用 tanh 代替 ReLU(按 a)。比值从 {fmt(relu.ratio)} "
            f"降到 {fmt(tanh.ratio)}:tanh' < 1 抑制了每一步。但每往回一步仍然乘以 {fmt(tanh.per_step)}(中位数):"
            f"W_hh 这么大时,只换激活函数并不能阻止增长,只是减慢了它。{len(tanh.norms) - 1} 步下来是 ×{fmt(tanh.ratio)},仍在爆炸。",
        ),
        Scene(session=remedy_session(activation="tanh"), cursor=1, look="gradients"),
        {"tanh_ratio": tanh.ratio, "tanh_per_step": tanh.per_step, "relu_ratio": relu.ratio},
    )


def _initial(params):
    return weights.set_spectral_radius(params, TRAIN.model_config(len(params["head.bias"])), TRAIN_RADIUS)


def corpus(ctx: DemoContext) -> Corpus:
    return ctx.once("exploding.corpus", lambda: shipped_corpus("abc"))


def _curve_outcome(ctx: DemoContext, clip_mode: str, result: trainer_runs.RunResult, running: bool) -> Outcome:
    label = curve_label(clip_mode)
    view = trainer_runs.training_view(result, corpus(ctx), TRAIN.with_(clip_mode=clip_mode), running)
    return Outcome(
        Bilingual(f"Training ({label.en}): step {result.steps}, loss {fmt(result.losses[-1])}",
                  f"训练中({label.zh}):第 {result.steps} 步,损失 {fmt(result.losses[-1])}"),
        Scene(figure=Figure(curves={label: list(result.losses)}), training=view),
    )


def curve_label(clip_mode: str) -> Bilingual:
    if clip_mode == "off":
        return Bilingual("loss, no clipping", "损失,不裁剪")
    return Bilingual(f"loss, clip {TRAIN_CLIP:g}", f"损失,裁剪 {TRAIN_CLIP:g}")


def run(ctx: DemoContext, clip_mode: str) -> trainer_runs.RunResult:
    return ctx.once(f"exploding.train.{clip_mode}", lambda: trainer_runs.train(
        ctx, TRAIN.with_(clip_mode=clip_mode), corpus(ctx), initial_params=_initial,
        live=lambda result: _curve_outcome(ctx, clip_mode, result, running=True),
    ))


def _train_text(result: trainer_runs.RunResult) -> str:
    return f"{fmt(result.first_loss)} → {fmt(result.last_loss)}"


def train_unclipped(ctx: DemoContext) -> Outcome:
    result = run(ctx, "off")
    return Outcome(
        Bilingual(
            f"Live training, no clipping: a ReLU RNN (32 units, W_hh at spectral radius {TRAIN_RADIUS:g}) on "
            f"the ABC lesson's words, SGD lr {TRAIN.lr:g}. Loss {fmt(result.first_loss)} at step 1; "
            f"{'it diverged' if result.diverged else 'it did not diverge'} after {result.steps} steps "
            f"(the trainer stops after {TRAIN.max_bad_steps} non-finite steps in a row). One large gradient throws the weights far away and the loss never comes back.",
            f"实时训练,不裁剪:一个 ReLU RNN(32 个隐藏单元,W_hh 谱半径 {TRAIN_RADIUS:g})学习笔记里的 ABC 词,"
            f"SGD 学习率 {TRAIN.lr:g}。第 1 步损失 {fmt(result.first_loss)};{result.steps} 步后"
            f"{'发散了' if result.diverged else '没有发散'}。一次巨大的梯度把权重甩得很远,损失再也回不来。",
        ),
        _curve_outcome(ctx, "off", result, running=False).scene,
        {"unclipped_diverged": result.diverged, "unclipped_steps": result.steps},
    )


def train_clipped(ctx: DemoContext) -> Outcome:
    result = run(ctx, "norm")
    unclipped = run(ctx, "off")
    figure = Figure(curves={
        curve_label("off"): list(unclipped.losses),
        curve_label("norm"): list(result.losses),
    })
    return Outcome(
        Bilingual(
            f"The same run, same seed and learning rate, with the global gradient norm clipped to {TRAIN_CLIP:g}: "
            f"loss {_train_text(result)} over {result.steps} steps, "
            f"{'diverged' if result.diverged else 'converged'}. Every update is at most lr × {TRAIN_CLIP:g} long, "
            "so one exploding gradient can only nudge the weights.",
            f"同样的训练、同样的种子和学习率,把全局梯度范数裁剪到 {TRAIN_CLIP:g}:{result.steps} 步内损失 "
            f"{_train_text(result)},{'发散了' if result.diverged else '收敛了'}。每次更新的长度至多是 学习率 × {TRAIN_CLIP:g},"
            "一次爆炸的梯度只能轻推一下权重。",
        ),
        Scene(figure=figure, training=_curve_outcome(ctx, "norm", result, running=False).scene.training),
        {"clipped_diverged": result.diverged, "clipped_first_loss": result.first_loss,
         "clipped_last_loss": result.last_loss},
    )


DEMO = Demo(
    name="exploding",
    title=Bilingual("Exploding gradients and clipping", "梯度爆炸与梯度裁剪"),
    claim=Bilingual(
        "With ReLU and W_hh's spectral radius above 1 the gradient grows exponentially going back; "
        "clipping bounds the update, and turns a diverging training run into a converging one.",
        "ReLU 加上谱半径大于 1 的 W_hh,梯度向后指数增长;梯度裁剪限制更新的大小,让发散的训练变得收敛。",
    ),
    steps=(
        Step(Bilingual("The bars grow", "梯度条指数增长"), growth),
        Step(Bilingual("Remedy: an LSTM or a GRU", "方案:LSTM 或 GRU"), remedy_lstm),
        Step(Bilingual("Remedy: tanh instead of ReLU", "方案:用 tanh 代替 ReLU"), remedy_tanh),
        Step(Bilingual("Clipping bounds the update", "裁剪限制更新"), clipping),
        Step(Bilingual("By norm or by value", "按范数还是按值"), same_gradient_both_ways),
        Step(Bilingual("Training without clipping", "不裁剪的训练"), train_unclipped),
        Step(Bilingual("Training with clipping", "裁剪后的训练"), train_clipped),
    ),
    seconds=10,
)
