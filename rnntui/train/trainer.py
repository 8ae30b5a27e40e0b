"""The training loop: char-level truncated BPTT in PyTorch, reporting only through callbacks.

The loop never prints. It calls `callbacks` with the events of `train_events`, checks a stop and a
pause flag between steps, applies `update_settings` (lr, clipping) at the next step, and lets any
thread read the current weights with `snapshot()`. So `rnntui train` runs it headless in its own
thread, and the app runs it in a child process (`rnntui.live`) that turns events into messages.

What it reads is `data.py`'s; how it updates the weights is `optimisation.py`'s; where it stands
is one `LoopState`, saved with the weights and the optimiser so that a resume continues exactly.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from rnntui.engine.checkpoint import checkpoint_payload, load_checkpoint, save_checkpoint, write_safetensors_files
from rnntui.engine.corpus import Corpus
from rnntui.engine.sampling import generate
from rnntui.errors import CheckpointError, CorpusError, RnntuiError
from rnntui.i18n import t
from rnntui.train.data import ValidationStreams, stream_loss_sums, train_batches
from rnntui.train.distributed import current_workers
from rnntui.train.footprint import check_training_fits, run_folder_bytes
from rnntui.train.optimisation import clip_gradients, decayed_lr, make_optimizer
from rnntui.train.precision import autocast, resolve_device, resolve_precision, resumed_precision
from rnntui.train.run_folder import BEST, LAST, RUN_STATE, RunFolder, corpus_mismatch, finish_interrupted_save
from rnntui.train.run_state import LOOP_KEY, LoopRecord, LoopState, load_run_state, run_state_payload
from rnntui.train.sampling import TorchStepper
from rnntui.train.threads import ThreadTuner
from rnntui.train.torch_model import CharRNN, detach_state, state_from_tensors, state_tensors
from rnntui.train.train_config import TrainConfig, TrainSettings
from rnntui.train.train_events import DoneEvent, EvalEvent, StateEvent, StepEvent, TrainEvent, WarningEvent

PROBE_CHARS = 100  # characters of validation text the gradient probe runs over
DIVERGENCE_FACTOR = 2.0  # a loss this many times the first loss is reported as divergence


def weights_finite(params) -> bool:
    """Whether every weight is finite: checked after each update, whose size the loss cannot show."""
    return bool(torch.stack([torch.isfinite(p.detach()).all() for p in params]).all())


class Trainer:
    """One training run. Build it, `add_callback`, then `run()` (in any thread)."""

    def __init__(self, config: TrainConfig, corpus: Corpus, out_dir: str | Path | None = None):
        self.config = config
        self.corpus = corpus
        self.vocab = corpus.vocab
        self.model_config = config.model_config(len(self.vocab))
        # Several workers (torchrun, --nproc) share one run; rank 0 alone writes the run folder.
        self.workers = current_workers()
        self.out_dir = Path(out_dir) if out_dir is not None and self.workers.writes else None
        self.device = self.workers.place(resolve_device(config.device))
        train_ids, val_ids = corpus.encoded_split(config.val_fraction)  # one byte a character for most text
        if len(train_ids) < config.seq_len + 1:  # before the memory estimate, which a huge --seq-len fails too
            raise CorpusError(t("train.data.too_short", name=corpus.name, chars=len(train_ids),
                                  needed=config.seq_len + 1))
        check_training_fits(self.model_config, config.optimizer, config.batch_size, config.seq_len, self.device)
        # `auto` times bf16 against fp32: under load two workers could choose differently.
        self.precision = self.workers.rank0s(resolve_precision(config.precision, self.device, config.hidden_size,
                                                               config.cell))

        self.train_data = train_batches(train_ids, config, self.device)
        self.val_data = ValidationStreams(val_ids, config.seq_len, self.device)
        self.probe_text = corpus.text[len(train_ids):len(train_ids) + PROBE_CHARS + 1]
        self.rows = self.workers.rows(self.train_data.streams)  # this worker's streams of the batch
        self.local_streams = self.rows.stop - self.rows.start
        if self.train_data.streams < self.workers.world:  # the same answer on every worker
            raise RnntuiError(t("train.workers.too_few_streams", streams=self.train_data.streams,
                                workers=self.workers.world))
        self.folder: RunFolder | None = None
        if self.out_dir is not None:  # only once the input is known to be good: a refusal writes nothing
            self.folder = RunFolder.open(self.out_dir, run_folder_bytes(self.model_config, config.optimizer))

        torch.manual_seed(config.seed)
        self.model = CharRNN(self.model_config, config.dropout).to(self.device)
        self.train_model = self.workers.wrap(self.model)
        self.workers.reseed(config.seed, 0)
        self.optimizer = make_optimizer(config.optimizer, self.model.parameters(), config.lr, config.weight_decay,
                                        self.device)
        self.param_names = [name for name, _ in self.model.named_parameters()]
        self._good_weights = [p.detach().clone() for p in self.model.parameters()]

        self.loop = LoopState()  # where the run stands: only run() and a resume change it
        self._saved_step: int | None = None  # the step `last` was written at, to skip rewriting it
        self.state = self.model.zero_state(self.local_streams)

        self.settings = TrainSettings(config.lr, config.clip_mode, config.clip)
        # Without --threads the count follows the machine's load (see threads.py); a fixed count
        # also makes float32 runs repeat bit for bit (thread counts change the rounding of sums).
        self.thread_tuner = ThreadTuner() if config.threads is None else None
        self.clock = time.perf_counter  # the run's time budget is measured on this clock
        self.resumed_changes: list[str] = []  # settings a resume changed from the saved run
        self.resume_warnings: list[str] = []  # what a resume could not keep (bf16 where it cannot run)
        self.callbacks: list[Callable[[TrainEvent], None]] = []
        self._lock = threading.Lock()  # guards the weights and settings against other threads
        self._stop = threading.Event()
        self._unpaused = threading.Event()
        self._unpaused.set()

    # ------------------------------------------------------------------ the seam for UIs

    def add_callback(self, callback: Callable[[TrainEvent], None]) -> None:
        """`callback(event)` runs in the training thread for every event; keep it quick."""
        self.callbacks.append(callback)

    def stop(self) -> None:
        """Finish the current step, save `last`, and return from run()."""
        self._stop.set()
        self._unpaused.set()

    def pause(self) -> None:
        self._unpaused.clear()

    def resume_training(self) -> None:
        self._unpaused.set()

    @property
    def paused(self) -> bool:
        return not self._unpaused.is_set()

    def update_settings(self, **changes) -> TrainSettings:
        """Change lr / clip_mode / clip from any thread; the next step uses them. Invalid: RnntuiError."""
        unknown = sorted(set(changes) - {"lr", "clip_mode", "clip"})
        if unknown:
            raise RnntuiError(t("train.settings.unknown", name=unknown[0]))
        with self._lock:
            self.settings = replace(self.settings, **changes)
            return self.settings

    @property
    def step(self) -> int:
        """The steps taken so far (resumed runs count the saved ones)."""
        return self.loop.step

    def snapshot(self) -> tuple[int, dict[str, np.ndarray]]:
        """(step, float32 copies of the current weights by checkpoint name), safe from any thread."""
        with self._lock:
            return self.loop.step, self.model.numpy_params()

    # ------------------------------------------------------------------ the loop

    def run(self) -> DoneEvent:
        cfg = self.config
        if self.folder is not None:
            self.folder.lock()  # held from __init__; taken again when a finished trainer runs once more
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        started = self.clock() - self.loop.elapsed
        paused_for = 0.0
        # Skipped steps among the recent ones: a rollback gives one good step, then the same
        # update fails again, so "in a row" alone would never fire on an alternating pattern.
        recent_skips: deque[bool] = deque(maxlen=2 * cfg.max_bad_steps)
        done: tuple[str, str] | None = None
        while done is None:
            # Workers decide together: any worker's stop stops all, and the clock is the slowest one's.
            stop, elapsed = self.workers.agree(self._stop.is_set(), self.clock() - started - paused_for)
            if stop:
                done = ("stopped", t("train.done.stopped", step=self.loop.step))
                break
            if not self._unpaused.is_set():
                paused_for += self._wait_while_paused()
                continue
            limit = self._limit_reached(elapsed)
            if limit:
                done = limit
                break
            event = self._train_step(elapsed)
            self.loop.elapsed = self.clock() - started - paused_for
            self._emit(event)
            record = {k: v for k, v in asdict(event).items() if k not in ("grad_norm_h", "probe_text")}
            if event.grad_norm_h is not None:  # per layer, per timestep of the probe text
                record["grad_norm_h"] = [[float(f"{v:.4g}") for v in row] for row in event.grad_norm_h]
            recent_skips.append(event.skipped)
            if event.skipped:
                self._emit(WarningEvent(self.loop.step, "non-finite", t("train.non_finite.skipped", step=self.loop.step)))
            if sum(recent_skips) >= cfg.max_bad_steps:
                done = ("non-finite", self._non_finite_message(len(recent_skips)))
                break
            self._report_divergence(event)
            # The last step of a run is always evaluated, so the final val loss and `best` are current.
            stop, self.loop.elapsed = self.workers.agree(self._stop.is_set(), self.loop.elapsed)
            finishing = stop or self._limit_reached(self.loop.elapsed) is not None
            if self.loop.step % cfg.eval_every == 0 or finishing:
                evaluation = self._evaluate()
                record.update(val_loss=evaluation.val_loss)
                self._write_metrics(record)
                self._save_last()
                self._emit(evaluation)
            else:
                self._write_metrics(record)
        self.loop.elapsed = self.clock() - started - paused_for
        self._save_last()
        reason, message = done
        result = DoneEvent(self.loop.step, reason, message, self.loop.best_val_loss, self.loop.last_val_loss, self.loop.elapsed)
        if self.folder is not None:
            self.folder.close()  # every file is saved: another process may take the folder over
        self._emit(result)
        return result

    def _limit_reached(self, elapsed: float) -> tuple[str, str] | None:
        if self.config.steps is not None and self.loop.step >= self.config.steps:
            return "steps", t("train.done.steps", steps=self.loop.step)
        if self.config.minutes is not None and elapsed >= self.config.minutes * 60:
            return "time", t("train.done.time", minutes=f"{self.config.minutes:g}", steps=self.loop.step)
        return None

    def progress(self, elapsed: float) -> float | None:
        """How far through its limit the run is (the larger of steps and time), None without one."""
        parts = []
        if self.config.steps is not None:
            parts.append(self.loop.step / self.config.steps)
        if self.config.minutes is not None:
            parts.append(elapsed / (self.config.minutes * 60))
        return min(1.0, max(parts)) if parts else None

    def _train_step(self, elapsed: float) -> StepEvent:
        cfg, model = self.config, self.model
        with self._lock:
            settings = self.settings
        progress = self.progress(elapsed)
        lr = decayed_lr(settings.lr, progress, cfg.lr_decay, cfg.min_lr_fraction, cfg.warmup, cfg.decay_from)
        if self.thread_tuner is not None:
            threads = self.thread_tuner.next_threads()
            if threads != torch.get_num_threads():
                torch.set_num_threads(threads)
        t0 = time.perf_counter()
        model.train()
        x, y = self.train_data.chunk(self.loop.position)
        x, y = x[self.rows], y[self.rows]
        if not self.train_data.carries_state:
            self.state = model.zero_state(self.local_streams)
        with autocast(self.precision, self.device):
            logits, new_state = self.train_model(x, self.state)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1))
        # Every worker's chunk has the same length: the batch's token count needs no message. The
        # loss is summed over the workers while backward runs; a nan/inf on any of them makes the
        # sum nan/inf on all, so every worker skips the same step (its gradients are then dropped).
        local_tokens, tokens = y.numel(), self.train_data.streams * y.shape[1]
        loss_sum = self.workers.start_sum(loss.detach().double() * local_tokens)
        self.optimizer.zero_grad(set_to_none=True)
        (loss * self.workers.loss_share(local_tokens, tokens)).backward()
        loss_value = loss_sum.values()[0] / tokens
        grad_norm = grad_norm_clipped = math.nan
        skipped = not math.isfinite(loss_value)
        if not skipped:
            grad_norm, grad_norm_clipped = clip_gradients(list(model.parameters()), settings)
            skipped = not math.isfinite(grad_norm)
        with self._lock:
            if skipped:
                # Back to the last weights whose loss was finite; the carried state is kept too.
                for p, good in zip(model.parameters(), self._good_weights):
                    p.data.copy_(good)
                self.optimizer.zero_grad(set_to_none=True)
            else:
                for p, good in zip(model.parameters(), self._good_weights):
                    good.copy_(p.detach())
                for group in self.optimizer.param_groups:
                    group["lr"] = lr
                self.optimizer.step()
                if weights_finite(model.parameters()):
                    self.state = detach_state(new_state)
                    if self.loop.first_loss is None:
                        self.loop.first_loss = loss_value
                else:  # the update itself overflowed (a learning rate of 1e300): undone like a bad step
                    for p, good in zip(model.parameters(), self._good_weights):
                        p.data.copy_(good)
                    skipped = True
            self.loop.step += 1
        self._advance_position()
        seconds = time.perf_counter() - t0
        if self.thread_tuner is not None:
            self.thread_tuner.record(seconds)
        probe = self._probe() if self.loop.step % cfg.probe_every == 0 else None
        return StepEvent(
            step=self.loop.step, loss=loss_value, grad_norm=grad_norm, grad_norm_clipped=grad_norm_clipped,
            lr=lr, tokens_per_second=tokens / max(seconds, 1e-9), elapsed=elapsed + seconds,
            epoch=self.loop.epoch, progress=progress, skipped=skipped, tokens=tokens, grad_norm_h=probe,
            probe_text=self.probe_text if probe is not None else None,
        )

    def _advance_position(self) -> None:
        self.loop.position += 1
        if self.loop.position >= self.train_data.chunks:
            # A new pass starts each stream at a new place: the carried state no longer applies.
            self.loop.position = 0
            self.loop.epoch += 1
            self.train_data.start_epoch(self.loop.epoch)
            self.state = self.model.zero_state(self.local_streams)

    def _wait_while_paused(self) -> float:
        t0 = time.perf_counter()
        self._emit(StateEvent(self.loop.step, "paused"))
        while not self._unpaused.wait(0.1):
            pass
        if not self._stop.is_set():
            self._emit(StateEvent(self.loop.step, "running"))
        return time.perf_counter() - t0

    # ------------------------------------------------------------------ looking at the model

    def _probe(self) -> np.ndarray | None:
        """Per-timestep ||dL/dh_t|| (L, T) from the NumPy engine on the probe text.

        The fused PyTorch kernels only give gradients of the weights; the NumPy engine's BPTT
        keeps the total derivative at every timestep, which is what vanishing gradients look like.
        """
        from rnntui.engine.numpy_rnn import NumpyRNN

        if len(self.probe_text) < 2:
            return None
        _, params = self.snapshot()
        engine = NumpyRNN(self.model_config, params, dtype=np.float32)  # ~25% quicker than float64
        indices = self.vocab.encode(self.probe_text)
        trace = engine.forward(indices[:-1])
        targets = indices[1:]
        return engine.backward(trace, targets).grad_norm_h

    def validation_loss(self) -> float:
        """Mean cross-entropy over the validation streams, in float32, state carried across chunks."""
        rows = self.workers.rows(self.val_data.streams)  # each worker scores its share of the streams
        total, count = self.workers.sum(*stream_loss_sums(self.model, self.val_data, rows))
        return total / count

    def _evaluate(self) -> EvalEvent:
        val_loss = self.validation_loss()
        self.loop.last_val_loss = val_loss
        is_best = self.loop.best_val_loss is None or val_loss < self.loop.best_val_loss
        if is_best:
            self.loop.best_val_loss = val_loss
            self._save_weights(BEST)
        sample = ""
        if self.config.sample_length:
            self.model.eval()
            sample = generate(TorchStepper(self.model), self.vocab, length=self.config.sample_length,
                              temperature=0.8, seed=self.loop.step)
            self.model.train()
        return EvalEvent(self.loop.step, val_loss, self.loop.best_val_loss, is_best, sample)

    # ------------------------------------------------------------------ reporting

    def _emit(self, event: TrainEvent) -> None:
        for callback in self.callbacks:
            callback(event)

    def _report_divergence(self, event: StepEvent) -> None:
        if (not event.skipped and self.loop.first_loss is not None
                and event.loss > DIVERGENCE_FACTOR * self.loop.first_loss and event.step % 10 == 0):
            self._emit(WarningEvent(event.step, "divergence", t("train.divergence.warning", loss=f"{event.loss:.3g}",
                                                                first=f"{self.loop.first_loss:.3g}")))

    def _non_finite_message(self, window: int) -> str:
        clip = "" if self.settings.clip_mode != "off" else t("train.non_finite.try_clipping")
        precision = t("train.non_finite.try_fp32") if self.precision == "bf16" else ""
        return t("train.non_finite.stopped", step=self.loop.step, bad=self.config.max_bad_steps, window=window,
                 clip=clip, lr=f"{self.settings.lr:g}", precision=precision)

    # ------------------------------------------------------------------ files

    def _metadata(self) -> dict[str, str]:
        corpus = self.corpus.name if self.corpus.source == "shipped" else str(Path(self.corpus.name).resolve())
        return {"train_config": self.config.to_json(), "step": str(self.loop.step), "corpus": corpus,
                "corpus_fingerprint": self.corpus.fingerprint, "best_val_loss": json.dumps(self.loop.best_val_loss)}

    def _save_weights(self, name: str) -> None:
        if self.out_dir is None:
            return
        _, params = self.snapshot()
        save_checkpoint(self.out_dir / name, params, self.model_config, self.vocab.chars, self._metadata())

    def _save_last(self) -> None:
        """The weights with their optimiser and loop state; a failed write raises SaveError."""
        if self._saved_step == self.loop.step:
            return
        # Every worker's rows of the carried state, so that any number of workers can resume it.
        carried = self.workers.gather_rows(state_tensors(self.state))
        if self.out_dir is None:
            self._saved_step = self.loop.step  # every worker counts saves, so that all gather together
            return
        names = dict(zip(self.param_names, self.model.parameters()))
        index = {id(p): name for name, p in names.items()}
        optimizer_state = {
            index[id(p)]: {k: v.detach().cpu().numpy() for k, v in self.optimizer.state[p].items()
                           if isinstance(v, torch.Tensor)}
            for p in self.model.parameters() if p in self.optimizer.state
        }
        # Under bf16 autocast the carried state is bf16, which numpy lacks; float32 holds it exactly.
        extra = {f"state.{k}": v.float().cpu().numpy() for k, v in carried.items()}
        extra["torch_rng"] = torch.get_rng_state().numpy()
        if self.device.type == "cuda":  # dropout on a GPU draws from the device's generator
            extra["cuda_rng"] = torch.cuda.get_rng_state(self.device).numpy()
        record = LoopRecord(replace(self.loop), lr=self.settings.lr, clip_mode=self.settings.clip_mode,
                            clip=self.settings.clip, data_offset=self.train_data.offset,
                            state_dtype=str(carried["h"].dtype), precision=self.precision,
                            streams=self.train_data.streams, workers=self.workers.world)
        _, params = self.snapshot()
        # Written together: a full disk replaces neither, so `last` always has its matching state.
        write_safetensors_files([
            (self.out_dir / RUN_STATE, *run_state_payload(
                optimizer_state, extra, {"train_config": self.config.to_json(), LOOP_KEY: record.to_json()})),
            (self.out_dir / LAST, *checkpoint_payload(params, self.model_config, self.vocab.chars, self._metadata())),
        ])
        self._saved_step = self.loop.step

    def _write_metrics(self, record: dict) -> None:
        if self.folder is not None:
            self.folder.append_metrics(record)

    # ------------------------------------------------------------------ resuming

    @classmethod
    def resume(cls, run_dir: str | Path, corpus: Corpus, flags: dict | None = None,
               out_dir: str | Path | None = None, force: bool = False) -> "Trainer":
        """Continue the run saved in `run_dir` with the same weights, optimiser, step and data position.

        `flags` are the settings the user gave explicitly; those that would change the model or
        the data cut are refused with a one-line CheckpointError, and so is a corpus whose content
        differs from the one the run recorded, unless `force`.
        """
        run_dir = Path(run_dir)
        if not run_dir.is_dir():
            raise CheckpointError(t("cli.error.not_a_run_folder", path=repr(str(run_dir))))
        if current_workers().writes:  # the writer alone: the others must not take its lock
            finish_interrupted_save(run_dir)  # a save killed between its two renames is completed first
        checkpoint = load_checkpoint(run_dir / LAST)
        optimizer_state, extra, metadata = load_run_state(run_dir / RUN_STATE)
        try:
            saved = TrainConfig.from_json(metadata["train_config"])
        except (KeyError, ValueError, TypeError, RnntuiError):
            raise CheckpointError(t("train.resume.no_config", path=str(run_dir / RUN_STATE))) from None
        record = LoopRecord.from_metadata(metadata)
        if str(record.loop.step) != checkpoint.metadata.get("step"):
            raise CheckpointError(t("train.resume.different_steps", path=str(run_dir)))
        config = saved.resumed_with(dict(flags or {}))
        warnings = []
        if config.precision == "bf16" and "precision" not in (flags or {}):
            # Saved as bf16 on a machine that runs it: here it may not; continue in fp32 rather than refuse.
            chosen, warning = resumed_precision("bf16", resolve_device(config.device), config.cell)
            if warning is not None:
                config, warnings = config.with_(precision=chosen), [warning]
        if checkpoint.vocab != corpus.vocab.chars:
            raise CheckpointError(t("train.resume.vocab_differs", name=corpus.name))
        changed = corpus_mismatch(checkpoint.metadata, corpus)
        if changed and not force:
            raise CorpusError(t("train.resume.corpus_differs", change=changed))
        trainer = cls(config, corpus, out_dir if out_dir is not None else run_dir)
        trainer.resumed_changes = saved.changes_to(config)
        trainer.resume_warnings = warnings
        trainer._restore(checkpoint.params, optimizer_state, extra, record)
        if trainer.folder is not None:
            trainer.folder.truncate_metrics(trainer.step)
        return trainer

    def _restore(self, params, optimizer_state, extra, record: LoopRecord) -> None:
        self.model.load_numpy_params(params)
        self._good_weights = [p.detach().clone() for p in self.model.parameters()]
        names = dict(zip(self.param_names, self.model.parameters()))
        for name, state in optimizer_state.items():
            if name not in names:
                raise CheckpointError(t("train.resume.unknown_parameter", name=name))
            # Scalars (Adam's step) stay on the CPU, where the unfused optimisers keep them; a fused
            # one keeps them beside the weights.
            scalar_device = self.device if self.optimizer.defaults.get("fused") else "cpu"
            self.optimizer.state[names[name]] = {
                k: torch.from_numpy(v.copy()).to(self.device if v.ndim else scalar_device)
                for k, v in state.items()
            }
        if record.streams is not None and record.streams != self.train_data.streams:
            raise CheckpointError(t("train.resume.streams", saved=record.streams, streams=self.train_data.streams))
        if self.config.precision == "auto" and record.precision:  # keep the run's own choice where it runs
            self.precision, warning = resumed_precision(record.precision, self.device, self.config.cell)
            if warning is not None:
                self.resume_warnings.append(warning)
        # A bf16 run continued in fp32 carries its state in float32, which holds bf16 values exactly.
        saved_dtype = getattr(torch, record.state_dtype.removeprefix("torch."))
        dtype = torch.float32 if self.precision == "fp32" else saved_dtype
        # The state of the whole batch; this worker carries its own rows of it.
        tensors = {k.split(".", 1)[1]: torch.from_numpy(v[:, self.rows].copy()).to(self.device, dtype)
                   for k, v in extra.items() if k.startswith("state.")}
        self.state = state_from_tensors(tensors)
        torch.set_rng_state(torch.from_numpy(extra["torch_rng"].copy()))
        if "cuda_rng" in extra and self.device.type == "cuda":
            torch.cuda.set_rng_state(torch.from_numpy(extra["cuda_rng"].copy()), self.device)
        self.loop = replace(record.loop)
        self.train_data.start_epoch(self.loop.epoch, record.data_offset)
        self._saved_step = self.loop.step
        self.workers.reseed(self.config.seed, self.loop.step)
