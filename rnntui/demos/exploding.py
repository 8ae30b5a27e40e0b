"""Demo `exploding`: W_hh with spectral radius above 1 and ReLU make the bars grow; clipping bounds the update.

First the stepping engine: the same sentence and distant loss as `vanishing`, but a ReLU RNN
whose W_hh is rescaled to spectral radius 2, so each step back multiplies the gradient instead.
Then two short training runs through the project's Trainer, identical except for clipping.
"""

from __future__ import annotations

from rnntui.demos import trainer_runs, vanishing
from rnntui.demos.gradient_flow import gradient_flow
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
            f"A ReLU RNN ({HIDDEN} units) with W_hh rescaled to spectral radius {fmt(flow.spectral_radius['h'])}. "
            f"ReLU' is exactly 1 wherever a unit is active, so nothing damps W_hh: each step back multiplies "
            f"||dL/dh_t|| by about {fmt(flow.per_step)}, and ||dL/dh_1|| / ||dL/dh_{len(flow.norms)}|| = {fmt(flow.ratio)}. "
            f"The global gradient norm is {fmt(flow.grad_norm)}.",
            f"一个 ReLU RNN({HIDDEN} 个隐藏单元),W_hh 的谱半径被调到 {fmt(flow.spectral_radius['h'])}。"
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
            f"Clipping on (global norm, threshold {THRESHOLD:g}; key k toggles it). The gradient of every "
            f"weight is scaled by {fmt(scale)}: norm {fmt(flow.grad_norm)} before, {fmt(flow.grad_norm_clipped)} "
            "after. The direction is kept, the step size is bounded. The bars do not change: clipping acts "
            "on the update, not on backpropagation.",
            f"打开梯度裁剪(按全局范数,阈值 {THRESHOLD:g};按 k 切换)。所有权重的梯度都乘以 {fmt(scale)}:"
            f"裁剪前范数 {fmt(flow.grad_norm)},裁剪后 {fmt(flow.grad_norm_clipped)}。方向不变,步长有界。"
            "梯度条本身不变:裁剪作用在参数更新上,而不是反向传播上。",
        ),
        Scene(session=session, cursor=session.T, look="gradients"),
        {"grad_norm": flow.grad_norm, "grad_norm_clipped": flow.grad_norm_clipped, "threshold": THRESHOLD},
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
        Step(Bilingual("Clipping bounds the update", "裁剪限制更新"), clipping),
        Step(Bilingual("Training without clipping", "不裁剪的训练"), train_unclipped),
        Step(Bilingual("Training with clipping", "裁剪后的训练"), train_clipped),
    ),
    seconds=10,
)
