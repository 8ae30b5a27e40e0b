"""Demo `train`: live character-level training on English prose; samples go from noise to words.

A small LSTM learns Python's documentation topics (the shipped `pydoc` corpus) through the
project's Trainer. "From noise to words" is measured: the share of the sample's letter runs that
are words occurring in the corpus, before training and at each evaluation.
"""

from __future__ import annotations

import re

from rnntui.demos import trainer_runs
from rnntui.demos.script import Bilingual, Demo, DemoContext, Figure, Outcome, Scene, Step, fmt
from rnntui.engine.corpus import Corpus, shipped_corpus
from rnntui.engine.numpy_rnn import init_params
from rnntui.engine.session import StepSession
from rnntui.train.train_config import TrainConfig

TRAIN = TrainConfig(
    cell="lstm", hidden_size=128, num_layers=1, seq_len=64, batch_size=32, lr=5e-3, lr_decay="cosine",
    clip_mode="norm", clip=5.0, steps=1200, eval_every=300, probe_every=10_000, sample_length=160,
    seed=0, precision="fp32", device="cpu", embedding_dim=None, dropout=0.0,
    decay_from=0.0,  # the model and schedule the narration measured
)
TEMPERATURE = 0.8  # the Trainer samples at this temperature; the untrained sample uses the same
SNIPPET = 60  # characters of the corpus the panes step through
WORD = re.compile(r"[A-Za-z]{2,}")


def word_share(sample: str, words: set[str]) -> float:
    """Share of the sample's letter runs (2+ letters) that are words of the corpus; 0 without any."""
    runs = WORD.findall(sample)
    return sum(run in words for run in runs) / len(runs) if runs else 0.0


def corpus(ctx: DemoContext) -> tuple[Corpus, set[str]]:
    """The pydoc corpus and its set of words (letter runs), built once per demo."""

    def load() -> tuple[Corpus, set[str]]:
        c = shipped_corpus("pydoc")
        return c, set(WORD.findall(c.text))

    return ctx.once("train.corpus", load)


def snippet_session(c: Corpus, params) -> StepSession:
    text = c.text[:SNIPPET]
    return StepSession(text, cell=TRAIN.cell, hidden_size=TRAIN.hidden_size, params=params, vocab=c.vocab.chars)


def untrained(ctx: DemoContext) -> tuple[dict, str]:
    c, _ = corpus(ctx)
    params = init_params(TRAIN.model_config(len(c.vocab)), TRAIN.seed)
    session = StepSession("\n", cell=TRAIN.cell, hidden_size=TRAIN.hidden_size, params=params, vocab=c.vocab.chars)
    return params, session.sample(TRAIN.sample_length, TEMPERATURE, seed=0)


def _figure(result: trainer_runs.RunResult, words: set[str], before: str) -> Figure:
    def line(step: int, sample: str) -> Bilingual:
        share, shown = word_share(sample, words), repr(sample.strip()[:100])
        return Bilingual(f"step {step} ({share:.0%} words): {shown}", f"第 {step} 步(词占 {share:.0%}):{shown}")

    lines = [line(0, before)] + [line(step, s) for step, s in result.samples]
    return Figure(curves={Bilingual("loss", "损失"): list(result.losses)}, lines=lines)


def intro(ctx: DemoContext) -> Outcome:
    c, words = corpus(ctx)
    params, before = ctx.once("train.untrained", lambda: untrained(ctx))
    share = word_share(before, words)
    return Outcome(
        Bilingual(
            f"The corpus: {len(c.text):,} characters of English (Python's documentation topics), {len(c.vocab)} "
            f"distinct characters. The model: an LSTM with {TRAIN.hidden_size} units reading one-hot characters. "
            f"Untrained, its sample is noise; {share:.0%} of its letter runs are words of the corpus: "
            f"{before.strip()[:80]!r}",
            f"语料:{len(c.text):,} 个字符的英文(Python 文档主题),共 {len(c.vocab)} 种字符。模型:{TRAIN.hidden_size} "
            f"个隐藏单元的 LSTM,输入是 One-hot 字符。未训练时,它生成的是噪声;其中只有 {share:.0%} 的字母串是语料里的词:"
            f"{before.strip()[:80]!r}",
        ),
        Scene(session=snippet_session(c, params), cursor=1, figure=Figure(lines=[before.strip()[:100]])),
        {"untrained_word_share": share},
    )


def run(ctx: DemoContext) -> trainer_runs.RunResult:
    c, words = corpus(ctx)
    _, before = ctx.once("train.untrained", lambda: untrained(ctx))

    def live(result: trainer_runs.RunResult) -> Outcome:
        # The panes follow the weights every SNAPSHOT_EVERY steps: predictions sharpen as you watch.
        fresh = result.params_step == result.steps and result.params
        return Outcome(
            Bilingual(f"Training: step {result.steps}/{TRAIN.steps}, loss {fmt(result.losses[-1])}; the panes show "
                      f"the weights of step {result.params_step}",
                      f"训练中:第 {result.steps}/{TRAIN.steps} 步,损失 {fmt(result.losses[-1])};面板显示第 "
                      f"{result.params_step} 步的权重"),
            Scene(session=snippet_session(c, result.params) if fresh else None,
                  figure=_figure(result, words, before),
                  training=trainer_runs.training_view(result, c, TRAIN, running=True)),
        )

    return ctx.once("train.run", lambda: trainer_runs.train(ctx, TRAIN, c, live=live))


def training(ctx: DemoContext) -> Outcome:
    c, words = corpus(ctx)
    _, before = ctx.once("train.untrained", lambda: untrained(ctx))
    result = run(ctx)
    shares = [word_share(s, words) for _, s in result.samples]
    last = result.samples[-1][1] if result.samples else ""
    return Outcome(
        Bilingual(
            f"{result.steps} steps in {result.seconds:.0f} s (batches of {TRAIN.batch_size} × {TRAIN.seq_len} "
            f"characters, Adam, clipping at {TRAIN.clip:g}): training loss {fmt(result.first_loss)} → "
            f"{fmt(result.last_loss)} nats/char, validation loss {fmt(result.done.last_val_loss)}. Words in the "
            f"samples: {word_share(before, words):.0%} untrained, then "
            f"{', '.join(f'{s:.0%}' for s in shares)} at steps {', '.join(str(k) for k, _ in result.samples)}. "
            f"Last sample: {last.strip()[:80]!r}",
            f"{result.steps} 步,用时 {result.seconds:.0f} 秒(每批 {TRAIN.batch_size} × {TRAIN.seq_len} 个字符,Adam,"
            f"裁剪阈值 {TRAIN.clip:g}):训练损失 {fmt(result.first_loss)} → {fmt(result.last_loss)} 奈特/字符,"
            f"验证损失 {fmt(result.done.last_val_loss)}。样本中是词的比例:未训练 {word_share(before, words):.0%},"
            f"之后在第 {', '.join(str(k) for k, _ in result.samples)} 步分别为 {', '.join(f'{s:.0%}' for s in shares)}。"
            f"最后的样本:{last.strip()[:80]!r}",
        ),
        Scene(session=snippet_session(c, result.params), cursor=1, figure=_figure(result, words, before),
              training=trainer_runs.training_view(result, c, TRAIN, running=False)),
        {"first_loss": result.first_loss, "last_loss": result.last_loss, "word_shares": shares,
         "untrained_word_share": word_share(before, words), "val_loss": result.done.last_val_loss},
    )


def explore(ctx: DemoContext) -> Outcome:
    c, _ = corpus(ctx)
    result = run(ctx)
    session = snippet_session(c, result.params)
    step = session.step_view(session.T)
    top = session.vocab.chars[int(step.probs.argmax())]
    return Outcome(
        Bilingual(
            f"The trained weights are now in the panes, reading the corpus' first {SNIPPET} characters: step with "
            f"h/l to see what it expects next (after {session.text[-12:]!r} it expects {top!r}), press g to sample "
            "from any point, and watch which units light up on spaces and capitals.",
            f"训练后的权重已经载入各个面板,正在读语料的前 {SNIPPET} 个字符:用 h/l 逐步查看它预测的下一个字符"
            f"(读完 {session.text[-12:]!r} 之后它预测 {top!r}),按 g 从任意位置生成文本,观察哪些单元在空格和大写字母处亮起。",
        ),
        Scene(session=session, cursor=session.T, look="console"),
        {"next_after_snippet": top},
    )


DEMO = Demo(
    name="train",
    title=Bilingual("Live training on English", "在英文语料上实时训练"),
    claim=Bilingual(
        "A small LSTM trained live on English prose: the loss falls and the samples go from noise to words.",
        "一个小 LSTM 在英文文本上实时训练:损失下降,生成的文本从噪声变成单词。",
    ),
    steps=(
        Step(Bilingual("Noise", "噪声"), intro),
        Step(Bilingual("Training", "训练"), training),
        Step(Bilingual("Explore the trained model", "探索训练后的模型"), explore),
    ),
    seconds=60,
)
