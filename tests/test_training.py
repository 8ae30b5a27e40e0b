"""The PyTorch trainer on tiny corpora: learning, NumPy parity, exact resume, NaN handling, live controls."""

import threading

import numpy as np
import pytest
import torch

from rnntui.engine.checkpoint import load_checkpoint
from rnntui.engine.corpus import Corpus, shipped_corpus
from rnntui.engine.numpy_rnn import NumpyRNN
from rnntui.train.torch_model import CharRNN
from rnntui.train.train_config import TrainConfig
from rnntui.train.train_events import DoneEvent, EvalEvent, StateEvent, StepEvent, WarningEvent
from rnntui.train.run_folder import BEST, LAST, METRICS, RUN_STATE
from rnntui.train.trainer import Trainer
from rnntui.errors import CheckpointError, CorpusError, RnntuiError
from precision_marks import needs_bf16

torch.set_num_threads(1)

TINY = dict(hidden_size=16, num_layers=1, seq_len=20, batch_size=4, eval_every=1000, probe_every=1000,
            sample_length=20, precision="fp32", threads=1)


def tiny(**changes) -> TrainConfig:
    return TrainConfig(**{**TINY, **changes})


def run_collecting(trainer: Trainer) -> list:
    events = []
    trainer.add_callback(events.append)
    trainer.run()
    return events


def losses(events) -> list[float]:
    return [e.loss for e in events if isinstance(e, StepEvent)]


def test_loss_goes_down_on_the_abc_words():
    events = run_collecting(Trainer(tiny(steps=80, lr=1e-2, eval_every=40), shipped_corpus("abc")))
    curve = losses(events)
    assert np.mean(curve[-10:]) < 0.6 * np.mean(curve[:5])
    vals = [e.val_loss for e in events if isinstance(e, EvalEvent)]
    assert len(vals) == 2 and vals[1] < vals[0]
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "steps" and done.step == 80


@pytest.mark.parametrize(
    "model",
    [dict(cell="rnn"), dict(cell="rnn", activation="relu"), dict(cell="lstm", num_layers=2),
     dict(cell="gru", embedding_dim=5)],
    ids=["rnn-tanh", "rnn-relu", "lstm-2-layers", "gru-embedding"],
)
def test_numpy_engine_gives_the_trained_models_probabilities(tmp_path, model):
    corpus = shipped_corpus("reber")
    trainer = Trainer(tiny(steps=5, **model), corpus, tmp_path)
    trainer.run()
    checkpoint = load_checkpoint(tmp_path / LAST)
    torch_model = CharRNN(checkpoint.config)
    torch_model.load_numpy_params(checkpoint.params)
    indices = corpus.vocab.encode(corpus.text[:60])
    with torch.no_grad():
        logits, _ = torch_model.eval()(torch.from_numpy(indices).view(1, -1))
    torch_probs = torch.softmax(logits[0].double(), dim=-1).numpy()
    numpy_probs = NumpyRNN(checkpoint.config, checkpoint.params).forward(indices).probs
    np.testing.assert_allclose(numpy_probs, torch_probs, atol=1e-5)
    assert set(checkpoint.params) == set(checkpoint.config.parameter_shapes())


def stop_at(trainer: Trainer, step: int) -> None:
    """Stop as Ctrl-C does: the flag is raised after `step` and the loop saves `last`."""
    trainer.add_callback(lambda e: trainer.stop() if isinstance(e, StepEvent) and e.step == step else None)


@pytest.mark.parametrize("precision", ["fp32", pytest.param("bf16", marks=needs_bf16("lstm"))])
@pytest.mark.parametrize("data", ["streams", "fixed-streams", "windows"])
def test_resume_continues_exactly(tmp_path, precision, data):
    # A corpus of a few chunks, so the run crosses epochs (new stream offsets) before and after the stop.
    corpus = Corpus("short", shipped_corpus("abc").text[:600])
    # Two layers with dropout: resuming must restore the RNG as well as weights and Adam state.
    config = tiny(steps=14, num_layers=2, dropout=0.3, eval_every=3, precision=precision, data=data)
    straight_trainer = Trainer(config, corpus)
    straight = losses(run_collecting(straight_trainer))
    assert straight_trainer.loop.epoch >= 2

    first = Trainer(config, corpus, tmp_path / "run")
    stop_at(first, 8)
    assert first.run().reason == "stopped"
    resumed = Trainer.resume(tmp_path / "run", corpus)
    assert resumed.step == 8 and resumed.train_data.offset == first.train_data.offset
    after = losses(run_collecting(resumed))
    assert after == straight[8:]  # bit for bit: same weights, optimiser, data position and cut, RNG
    steps_logged = [line for line in (tmp_path / "run" / METRICS).read_text().splitlines()]
    assert len(steps_logged) == 14


def test_streams_are_cut_at_a_new_random_place_each_epoch_and_cover_the_text():
    from rnntui.train.data import StreamBatches

    data = np.arange(10_001)  # distinct tokens: a target is its input + 1, except across the seam
    batches = StreamBatches(data, batch=8, seq_len=50, device=torch.device("cpu"), seed=3, random_offsets=True)
    offsets = []
    for epoch in range(4):
        batches.start_epoch(epoch)
        offsets.append(batches.offset)
        chunks = [batches.chunk(k) for k in range(batches.chunks)]
        inputs = torch.cat([x for x, _ in chunks], dim=1).numpy()
        targets = torch.cat([y for _, y in chunks], dim=1).numpy()
        rotated = np.roll(data, -batches.offset)
        for b in range(batches.streams):  # each stream reads on from its own start in the rotated text
            start = b * batches.stream_len
            assert np.array_equal(inputs[b], rotated[start:start + inputs.shape[1]])
        follows = targets == inputs + 1
        assert (~follows).sum() <= 1  # only where the rotation joins the end to the start
        assert len(np.unique(inputs)) == inputs.size  # no character twice in an epoch
    assert len(set(offsets)) == 4
    again = StreamBatches(data, batch=8, seq_len=50, device=torch.device("cpu"), seed=3, random_offsets=True)
    again.start_epoch(2)
    assert again.offset == offsets[2]  # from the seed alone
    fixed = StreamBatches(data, batch=8, seq_len=50, device=torch.device("cpu"), seed=3)
    fixed.start_epoch(5)
    assert fixed.offset == 0 and fixed.chunk(0)[0][1, 0] == fixed.stream_len


def test_windows_are_slices_of_the_text_drawn_from_the_seed():
    from rnntui.train.data import WindowBatches

    data = np.arange(5_000)
    batches = WindowBatches(data, batch=6, seq_len=40, device=torch.device("cpu"), seed=1)
    x, y = batches.chunk(3)
    assert x.shape == (6, 40) and torch.equal(y, x + 1)
    assert torch.equal(x[:, 1:], x[:, :-1] + 1)
    assert torch.equal(batches.chunk(3)[0], x) and not torch.equal(batches.chunk(4)[0], x)
    batches.start_epoch(1)
    assert not torch.equal(batches.chunk(3)[0], x)


def test_window_loss_scores_each_window_from_a_zero_state():
    from rnntui.train.data import window_loss

    torch.manual_seed(0)
    model = CharRNN(tiny().model_config(7)).eval()
    data = np.random.default_rng(0).integers(7, size=95)
    expected, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, 90, 30):  # three whole windows; the last four targets are left out
            window = torch.from_numpy(data[start:start + 31]).view(1, -1)
            logits, _ = model(window[:, :-1])
            expected += torch.nn.functional.cross_entropy(logits[0], window[0, 1:], reduction="sum").item()
            count += 30
    assert window_loss(model, data, 30, torch.device("cpu"), batch=2) == pytest.approx(expected / count, rel=1e-6)


def test_learning_rate_warms_up_then_decays():
    from rnntui.train.optimisation import decayed_lr

    assert decayed_lr(1.0, 0.0, "cosine", 0.1, warmup=0.1) == pytest.approx(0.1)  # never below the floor
    assert decayed_lr(1.0, 0.05, "cosine", 0.1, warmup=0.1) == pytest.approx(0.5)
    assert decayed_lr(1.0, 0.1, "cosine", 0.1, warmup=0.1) == pytest.approx(1.0)
    assert decayed_lr(1.0, 0.55, "cosine", 0.1, warmup=0.1) == pytest.approx(0.55)
    assert decayed_lr(1.0, 1.0, "cosine", 0.1, warmup=0.1) == pytest.approx(0.1)
    assert decayed_lr(1.0, 0.9, "none", 0.1, warmup=0.1) == 1.0
    assert decayed_lr(1.0, None, "cosine", 0.1, warmup=0.1) == 1.0
    # Held at the peak until decay_from, then the whole cosine in what is left.
    assert decayed_lr(1.0, 0.7, "cosine", 0.1, decay_from=0.7) == 1.0
    assert decayed_lr(1.0, 0.85, "cosine", 0.1, decay_from=0.7) == pytest.approx(0.55)
    assert decayed_lr(1.0, 1.0, "cosine", 0.1, decay_from=0.7) == pytest.approx(0.1)


def test_resume_refuses_a_different_model_or_data_cut_and_allows_and_reports_another_dropout(tmp_path):
    corpus = shipped_corpus("abc")
    Trainer(tiny(steps=2, data="fixed-streams", dropout=0.0), corpus, tmp_path).run()
    with pytest.raises(RnntuiError, match="trained with --hidden 16, not 32"):
        Trainer.resume(tmp_path, corpus, {"hidden_size": 32})
    with pytest.raises(CheckpointError, match="vocabulary differs"):
        Trainer.resume(tmp_path, shipped_corpus("anbn"))
    with pytest.raises(RnntuiError, match="trained with --data fixed-streams, not windows"):
        Trainer.resume(tmp_path, corpus, {"data": "windows"})
    extended = Trainer.resume(tmp_path, corpus, {"steps": 4, "lr": 1e-3, "dropout": 0.2})
    assert extended.config.steps == 4 and extended.config.lr == 1e-3 and extended.config.dropout == 0.2
    assert extended.resumed_changes == ["--dropout 0.0 -> 0.2", "--lr 0.003 -> 0.001", "--steps 2 -> 4"]
    assert extended.model.dropout.p == 0.2


def test_resume_refuses_a_run_folder_without_optimizer_state(tmp_path):
    corpus = shipped_corpus("abc")
    Trainer(tiny(steps=2), corpus, tmp_path).run()
    (tmp_path / RUN_STATE).write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="not a safetensors file"):
        Trainer.resume(tmp_path, corpus)
    (tmp_path / RUN_STATE).unlink()
    with pytest.raises(CheckpointError, match="missing"):
        Trainer.resume(tmp_path, corpus)


def rewrite_loop_record(run_dir, change) -> None:
    """Replace the run state's loop record (a JSON object) by `change(record)`."""
    import json

    from rnntui.engine.checkpoint import write_safetensors_files
    from rnntui.train.run_state import LOOP_KEY, load_run_state, run_state_payload

    optimizer_state, extra, metadata = load_run_state(run_dir / RUN_STATE)
    metadata[LOOP_KEY] = json.dumps(change(json.loads(metadata[LOOP_KEY])))
    metadata.pop("format")
    write_safetensors_files([(run_dir / RUN_STATE, *run_state_payload(optimizer_state, extra, metadata))])


def test_a_run_state_without_the_optional_loop_facts_resumes_the_same_and_one_without_a_step_is_refused(tmp_path):
    import dataclasses
    import shutil

    from rnntui.train.run_state import LoopRecord, LoopState

    corpus = shipped_corpus("abc")
    config = tiny(steps=6, precision="fp32")
    first = Trainer(config, corpus, tmp_path / "full")
    stop_at(first, 3)
    first.run()
    shutil.copytree(tmp_path / "full", tmp_path / "older")
    core = {field for field in LoopState.__dataclass_fields__}
    rewrite_loop_record(tmp_path / "older", lambda record: {k: v for k, v in record.items() if k in core})

    full = Trainer.resume(tmp_path / "full", corpus)  # a resume sets torch's global RNG: run each in turn
    full_loop = dataclasses.replace(full.loop)
    full_losses = losses(run_collecting(full))
    older = Trainer.resume(tmp_path / "older", corpus)
    assert older.loop == full_loop and older.loop.step == 3
    assert losses(run_collecting(older)) == full_losses

    rewrite_loop_record(tmp_path / "older", lambda record: {k: v for k, v in record.items() if k != "step"})
    with pytest.raises(CheckpointError, match="lacks a valid 'loop' entry"):
        Trainer.resume(tmp_path / "older", corpus)
    with pytest.raises(CheckpointError, match="lacks a valid 'loop' entry"):
        LoopRecord.from_metadata({})


def test_non_finite_updates_are_skipped_and_training_stops_with_advice(tmp_path):
    # An unbounded ReLU RNN with a huge step and no clipping overflows to nan on the next step.
    config = tiny(cell="rnn", activation="relu", optimizer="sgd", lr=1e10, lr_decay="none",
                  clip_mode="off", steps=50)
    trainer = Trainer(config, shipped_corpus("abc"), tmp_path)
    _, initial = trainer.snapshot()
    events = run_collecting(trainer)
    done = events[-1]
    assert done.reason == "non-finite" and done.failed
    assert "lower learning rate" in done.message and "clipping" in done.message
    assert any(isinstance(e, WarningEvent) and e.kind == "non-finite" for e in events)
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert any(e.skipped for e in steps) and done.step < 50
    # The weights left are the last ones whose loss was finite: here the very first ones.
    saved = load_checkpoint(tmp_path / LAST).params
    for name, value in initial.items():
        np.testing.assert_array_equal(saved[name], value)


def test_divergence_is_reported():
    config = tiny(cell="rnn", optimizer="sgd", lr=1e4, lr_decay="none", clip_mode="off", steps=20)
    events = run_collecting(Trainer(config, shipped_corpus("abc")))
    warnings = [e for e in events if isinstance(e, WarningEvent) and e.kind == "divergence"]
    assert warnings and "lower learning rate" in warnings[0].message


def test_settings_change_between_steps_and_clipping_is_reported():
    trainer = Trainer(tiny(steps=4, lr_decay="none", clip_mode="norm", clip=1e-3), shipped_corpus("abc"))
    trainer.add_callback(lambda e: trainer.update_settings(lr=0.5, clip_mode="off")
                         if isinstance(e, StepEvent) and e.step == 2 else None)
    steps = [e for e in run_collecting(trainer) if isinstance(e, StepEvent)]
    assert [e.lr for e in steps] == [3e-3, 3e-3, 0.5, 0.5]
    assert steps[0].grad_norm > 1e-3
    assert steps[0].grad_norm_clipped == pytest.approx(1e-3, rel=1e-3)
    assert steps[3].grad_norm_clipped == steps[3].grad_norm
    with pytest.raises(RnntuiError, match="clip mode"):
        trainer.update_settings(clip_mode="sideways")


def test_pause_resume_stop_and_snapshot_from_another_thread():
    trainer = Trainer(tiny(), shipped_corpus("abc"))  # no step or time limit: runs until stopped
    paused, events = threading.Event(), []
    trainer.add_callback(events.append)
    trainer.add_callback(lambda e: trainer.pause() if isinstance(e, StepEvent) and e.step == 3 else None)
    trainer.add_callback(lambda e: paused.set() if isinstance(e, StateEvent) and e.state == "paused" else None)
    worker = threading.Thread(target=trainer.run)
    worker.start()
    assert paused.wait(30)
    step, params = trainer.snapshot()
    assert step == 3 and params["head.weight"].dtype == np.float32
    assert trainer.paused
    trainer.resume_training()
    trainer.stop()
    worker.join(30)
    assert not worker.is_alive()
    assert events[-1].reason == "stopped"


def test_probe_reports_per_timestep_gradient_norms():
    trainer = Trainer(tiny(steps=4, probe_every=2, num_layers=2, cell="gru"), shipped_corpus("reber"))
    probes = [e for e in run_collecting(trainer) if isinstance(e, StepEvent) and e.grad_norm_h is not None]
    assert [e.step for e in probes] == [2, 4]
    norms = probes[0].grad_norm_h
    assert norms.shape == (2, len(probes[0].probe_text) - 1)
    assert np.all(np.isfinite(norms)) and norms.max() > 0


def test_out_folder_holds_last_best_optimizer_and_metrics(tmp_path):
    Trainer(tiny(steps=4, eval_every=2, probe_every=4), shipped_corpus("abc"), tmp_path).run()
    for name in (LAST, BEST, RUN_STATE, METRICS):
        assert (tmp_path / name).is_file()
    assert not list(tmp_path.glob("*.tmp"))
    import json

    records = [json.loads(line) for line in (tmp_path / METRICS).read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3, 4]
    assert "val_loss" in records[1] and "val_loss" not in records[0]
    assert {"loss", "grad_norm", "grad_norm_clipped", "lr", "tokens_per_second"} <= records[0].keys()
    assert "grad_norm_h" not in records[2] and len(records[3]["grad_norm_h"][0]) == 100  # probe: 1 layer x 100


def test_a_corpus_shorter_than_one_window_is_refused_before_writing(tmp_path):
    with pytest.raises(CorpusError, match="too short.*--seq-len"):
        Trainer(tiny(seq_len=50), Corpus("short", "abcabc" * 5), tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_validation_streams_score_every_target_once_after_real_context():
    from rnntui.train.data import IGNORE, ValidationStreams

    data = np.arange(50_000)  # distinct tokens: a target must be its input + 1
    streams = ValidationStreams(data, seq_len=30, device=torch.device("cpu"))
    inputs, targets = streams.inputs.numpy(), streams.targets.numpy()
    scored = targets != IGNORE
    assert np.array_equal(targets[scored], inputs[scored] + 1)
    assert sorted(targets[scored]) == list(range(1, scored.sum() + 1))
    assert len(data) - 1 - scored.sum() < streams.streams  # only the remainder of the division is left
    assert np.array_equal(inputs[:, :-1] + 1, inputs[:, 1:])  # real text throughout, burn-in included
    assert inputs[0, 0] == 0 and not scored[1, :100].any() and scored[1, 100:].all()


def test_validation_loss_matches_the_numpy_engine_on_one_stream(monkeypatch):
    import rnntui.train.data as data_module

    monkeypatch.setattr(data_module, "VAL_STREAMS", 1)
    corpus = shipped_corpus("reber")
    trainer = Trainer(tiny(steps=3, cell="gru"), corpus)
    trainer.run()
    _, val_text = corpus.split(0.1)
    _, params = trainer.snapshot()
    engine = NumpyRNN(trainer.model_config, params)
    indices = corpus.vocab.encode(val_text)
    expected = engine.backward(engine.forward(indices[:-1]), indices[1:]).loss
    assert trainer.validation_loss() == pytest.approx(expected, rel=2e-5)  # float32 over ~6000 steps


@pytest.mark.parametrize("mode", ["off", "norm", "value"])
def test_clip_gradients_matches_the_numpy_engines_clipping(mode):
    from rnntui.engine.numpy_rnn import Clipping, clip_gradients as numpy_clip
    from rnntui.train.train_config import TrainSettings
    from rnntui.train.optimisation import clip_gradients

    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.zeros(3, 4)), torch.nn.Parameter(torch.zeros(5))]
    for p in params:
        p.grad = torch.randn_like(p) * 3
    reference = {str(i): p.grad.double().numpy().copy() for i, p in enumerate(params)}
    expected, norm_before, norm_after = numpy_clip(reference, Clipping(mode, 2.0))
    before, after = clip_gradients(params, TrainSettings(lr=1e-3, clip_mode=mode, clip=2.0))
    assert before == pytest.approx(norm_before, rel=1e-6) and after == pytest.approx(norm_after, rel=1e-5)
    for i, p in enumerate(params):
        np.testing.assert_allclose(p.grad.numpy(), expected[str(i)], rtol=1e-5)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def tune(tuner, seconds_for, clock, steps: int) -> list[int]:
    """Run `steps` fake steps: each takes seconds_for(threads) on the fake clock; the counts used."""
    used = []
    for _ in range(steps):
        threads = tuner.next_threads()
        used.append(threads)
        clock.now += seconds_for(threads)
        tuner.record(seconds_for(threads))
    return used


def test_thread_tuner_alternates_keeps_the_faster_count_and_checks_again_later():
    from rnntui.train.threads import HOLD_SECONDS, ThreadTuner

    clock = FakeClock()
    tuner = ThreadTuner((1, 2), clock=clock)
    quiet = {1: 0.2, 2: 0.1}  # every core wins on a quiet machine
    used = tune(tuner, quiet.get, clock, 4)
    assert used == [1, 2, 1, 2] and tuner.chosen == 2 and not tuner.trialling
    assert set(tune(tuner, quiet.get, clock, 20)) == {2}  # held, no more trials for a while
    busy = {1: 0.2, 2: 1.5}  # two threads collapse when the machine gets busy
    clock.now += HOLD_SECONDS
    used = tune(tuner, busy.get, clock, 30)
    assert used[:2] == [1, 2] and tuner.chosen == 1 and tuner.trials == 2
    assert used[4:] == [1] * 26


def test_thread_tuner_needs_no_trial_with_one_candidate():
    from rnntui.train.threads import ThreadTuner

    clock = FakeClock()
    tuner = ThreadTuner((1,), clock=clock)
    assert tune(tuner, lambda n: 0.1, clock, 3) == [1, 1, 1]


def test_a_run_without_threads_adapts_them():
    trainer = Trainer(tiny(steps=6, threads=None), shipped_corpus("abc"))
    trainer.run()
    assert trainer.thread_tuner is not None and trainer.thread_tuner.chosen in trainer.thread_tuner.candidates
    assert Trainer(tiny(steps=1), shipped_corpus("abc")).thread_tuner is None  # a fixed count is kept


def test_a_finished_run_is_placed_against_the_expectations_table():
    from rnntui.train.expectations import Baseline, comparison, text_digest

    text = shipped_corpus("abc").text
    row = Baseline(corpus="abc", sha256=text_digest(text), cell="lstm", hidden_size=384, num_layers=2, minutes=5.0,
                   val_loss=0.9, chance=1.1, steps=100, tokens_per_second=9000.0, precision="bf16",
                   threads="adaptive: 1", load=1.0, date="2026-01-01", commit="abc1234", cpu="a CPU")
    one_minute = Baseline(**{**row.__dict__, "minutes": 1.0, "val_loss": 1.0})
    line = comparison(text, None, "lstm", 384, 2, 4.8, 0.85, rows=[row, one_minute])
    assert line.startswith("expected: val 0.900 after 5 min") and "0.850 after 4.8 min, better than" in line
    assert "worse than" in comparison(text + "x", "abc", "lstm", 384, 2, 1.1, 1.2, rows=[row, one_minute])
    assert comparison(text, None, "lstm", 64, 1, 5, 0.9, rows=[row]) is None  # another size: not in the table
    assert comparison(text + "x", None, "lstm", 384, 2, 5, 0.9, rows=[row]) is None  # another text
    assert comparison(text, None, "gru", 384, 2, 5, 0.9, rows=[row]) is None  # not measured for this cell
