"""Training on several workers (torch.distributed, gloo, CPU): the same run as one process, resumable
with another worker count, one clear line when a worker dies, and checkpoints every command opens.

Workers are started by the elastic launcher (`launch_local`) on a free local port; each test has
a timeout, and the launcher stops every worker when a test fails or times out.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from rnntui.cli import app
from rnntui.engine.checkpoint import load_checkpoint
from rnntui.engine.corpus import shipped_corpus
from rnntui.train.distributed import launch_local
from rnntui.train.train_config import TrainConfig
from rnntui.train.train_events import EvalEvent, StepEvent
from rnntui.train.run_folder import LAST, METRICS, RUN_STATE
from rnntui.train.trainer import Trainer

torch.set_num_threads(1)

# Two layers and an evaluation inside the run, so that the state, the validation split and
# the checkpoints all meet a second worker; fp32 and no dropout, so equal means equal.
TINY = dict(hidden_size=16, num_layers=2, seq_len=20, batch_size=4, eval_every=3, probe_every=1000,
            sample_length=20, precision="fp32", threads=1, lr_decay="none", dropout=0.0)
CLI_TINY = ["--hidden", "16", "--layers", "1", "--seq-len", "20", "--batch-size", "4", "--precision", "fp32",
            "--threads", "1"]


def tiny(**changes) -> TrainConfig:
    return TrainConfig(**{**TINY, **changes})


def train_worker(config_json: str, out_dir: Path | None, stop_at: int | None, nan_at: int | None) -> dict:
    """One worker of a test run. Rank 0 alone may ask to stop at `stop_at`; rank 1 alone sees a nan
    loss at step `nan_at`: the others must follow both."""
    from rnntui.train.distributed import close_workers, init_workers

    torch.set_num_threads(1)
    workers = init_workers("cpu")
    try:
        trainer = Trainer(TrainConfig.from_json(config_json), shipped_corpus("abc"), out_dir)
        events: list = []
        trainer.add_callback(events.append)
        if stop_at is not None and workers.rank == 0:
            trainer.add_callback(lambda e: trainer.stop() if isinstance(e, StepEvent) and e.step == stop_at else None)
        if nan_at is not None and workers.rank == 1:
            trainer.model.head.register_forward_hook(
                lambda module, inputs, output: output * float("nan") if trainer.step + 1 == nan_at else None)
        done = trainer.run()
        steps = [e for e in events if isinstance(e, StepEvent)]
        return {"params": trainer.snapshot()[1], "losses": [e.loss for e in steps], "step": done.step,
                "skipped": [e.step for e in steps if e.skipped], "reason": done.reason,
                "val": [e.val_loss for e in events if isinstance(e, EvalEvent)]}
    finally:
        close_workers()


def one_process(config: TrainConfig) -> tuple[Trainer, list]:
    trainer = Trainer(config, shipped_corpus("abc"))
    events: list = []
    trainer.add_callback(events.append)
    trainer.run()
    return trainer, events


@pytest.mark.timeout(180)
def test_two_workers_with_half_the_rows_each_train_the_same_weights_as_one_process():
    config = tiny(steps=7)
    results = launch_local(2, train_worker, config.to_json(), None, None, None)
    trainer, events = one_process(config)
    _, expected = trainer.snapshot()
    for rank in (0, 1):
        for name, value in expected.items():
            np.testing.assert_allclose(results[rank]["params"][name], value, atol=1e-5, rtol=0)
    losses = [e.loss for e in events if isinstance(e, StepEvent)]
    np.testing.assert_allclose(results[0]["losses"], losses, rtol=1e-5)
    vals = [e.val_loss for e in events if isinstance(e, EvalEvent)]
    assert len(vals) == 3  # steps 3, 6 and the last one: the validation pass split over both workers
    np.testing.assert_allclose(results[0]["val"], vals, rtol=1e-5)
    np.testing.assert_allclose(results[1]["val"], vals, rtol=1e-5)


@pytest.mark.timeout(180)
def test_one_workers_nan_skips_the_step_on_every_worker():
    results = launch_local(2, train_worker, tiny(steps=5).to_json(), None, None, 3)
    assert results[0]["skipped"] == results[1]["skipped"] == [3]
    for name, value in results[0]["params"].items():
        np.testing.assert_array_equal(results[1]["params"][name], value)


@pytest.mark.timeout(180)
def test_a_two_worker_run_resumes_in_one_worker_and_continues_as_if_uninterrupted(tmp_path):
    config = tiny(steps=9)
    _, events = one_process(config)
    straight = [e.loss for e in events if isinstance(e, StepEvent)]

    # Only rank 0 is asked to stop: both must stop at that step, and rank 0 saves.
    results = launch_local(2, train_worker, config.to_json(), tmp_path, 5, None)
    assert results[0]["step"] == results[1]["step"] == 5 and results[1]["reason"] == "stopped"
    loop = json.loads(load_checkpoint_state(tmp_path)["loop"])
    assert loop["workers"] == 2 and loop["streams"] == 4

    resumed = Trainer.resume(tmp_path, shipped_corpus("abc"))
    after = [e.loss for e in run_events(resumed) if isinstance(e, StepEvent)]
    np.testing.assert_allclose(after, straight[5:], rtol=1e-5)
    records = [json.loads(line) for line in (tmp_path / METRICS).read_text().splitlines()]
    assert [r["step"] for r in records] == list(range(1, 10))  # one writer: each step logged once


def load_checkpoint_state(run_dir: Path) -> dict:
    from rnntui.train.run_state import load_run_state

    return load_run_state(run_dir / RUN_STATE)[2]


def run_events(trainer: Trainer) -> list:
    events: list = []
    trainer.add_callback(events.append)
    trainer.run()
    return events


@pytest.fixture(scope="module")
def distributed_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ddp") / "run"
    result = subprocess.run([sys.executable, "-m", "rnntui", "train", "abc", *CLI_TINY, "--steps", "20",
                             "--eval-every", "10", "--nproc", "2", "--out", str(out)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("training 1x16 lstm on abc") and "2 workers" in lines[0]
    assert sum(line.startswith("training ") for line in lines) == 1  # printed by rank 0 alone
    finished = [line for line in lines if line.startswith("finished ")]
    assert len(finished) == 1 and "finished 20 steps" in finished[0] and not result.stderr
    assert lines[-1].startswith("floor: 0.231")  # abc is generated: its floor closes the report, once
    return out


@pytest.mark.timeout(240)
def test_sample_step_and_the_app_open_a_checkpoint_from_a_distributed_run(distributed_run):
    runner = CliRunner()
    sampled = runner.invoke(app, ["sample", str(distributed_run), "--length", "30", "--seed", "1"])
    assert sampled.exit_code == 0 and set(sampled.output.strip()) <= set("ABC")
    stepped = runner.invoke(app, ["step", "ABC", "--checkpoint", str(distributed_run / LAST), "--json"])
    assert stepped.exit_code == 0, stepped.output
    doc = json.loads(stepped.output)
    assert doc["cell"] == "lstm" and doc["vocab"] == ["A", "B", "C"]

    # The app, in a fresh process: it opens the checkpoint without importing torch.
    code = f"""
import asyncio, sys
from rnntui.engine.session import StepSession
from rnntui.tui.app import RnnApp

async def main():
    app = RnnApp(StepSession.from_checkpoint({str(distributed_run / LAST)!r}, text="ABCA"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right")  # the session opens at the first step
        await pilot.pause()
        print("CURSOR", app.session.cursor)
asyncio.run(main())
print("TORCH" if "torch" in sys.modules else "CLEAN")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines() == ["CURSOR 2", "CLEAN"]

    # The command line resumes the two-worker run in one process.
    resumed = runner.invoke(app, ["train", "--resume", str(distributed_run), "--steps", "30", "--quiet"])
    assert resumed.exit_code == 0 and "finished 30 steps" in resumed.output, resumed.output


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def is_worker(pid: int) -> bool:
    """A worker the launcher spawned (its other child is multiprocessing's resource tracker)."""
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.timeout(240)
def test_killing_a_worker_stops_the_run_with_one_line_and_leaves_a_loadable_checkpoint(tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "rnntui", "train", "pydoc", *CLI_TINY, "--minutes", "5", "--eval-every", "5",
         "--nproc", "2", "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    workers: list[int] = []
    victim = None
    try:
        deadline = time.monotonic() + 120
        while not (out / LAST).exists() and time.monotonic() < deadline:
            time.sleep(0.2)  # until a checkpoint exists, so there is something to keep intact
        assert (out / LAST).exists(), process.stderr.read() if process.poll() is not None else "no checkpoint"
        workers = [pid for pid in children(process.pid) if is_worker(pid)]
        assert len(workers) == 2
        victim = max(workers)
        os.kill(victim, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert process.returncode == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: worker ") and f"(pid {victim}) was killed by SIGKILL" in lines[0]
    assert "holds step" in lines[0]
    assert not [pid for pid in workers if alive(pid)]  # no worker left behind
    checkpoint = load_checkpoint(out / LAST)
    assert int(checkpoint.metadata["step"]) >= 5 and not list(out.glob("*.tmp"))
    assert Trainer.resume(out, shipped_corpus("pydoc")).step == int(checkpoint.metadata["step"])


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()  # CliRunner mixes stderr into output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_bad_worker_counts_are_one_line(tmp_path, monkeypatch):
    runner = CliRunner()

    def train(*extra):
        return runner.invoke(app, ["train", "abc", *CLI_TINY, "--steps", "2", "--out", str(tmp_path / "r"), *extra])

    assert_one_line_error(train("--nproc", "0"), "--nproc must be 1 or more")
    cpus = len(os.sched_getaffinity(0))
    assert_one_line_error(train("--nproc", str(cpus + 1)), f"more than the {cpus} CPUs")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert_one_line_error(train("--nproc", "2", "--device", "cuda"), "2 workers need 2 GPUs", "has 1")
    monkeypatch.undo()
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert_one_line_error(train("--nproc", "2"), "inside a torchrun launch")
    assert not (tmp_path / "r").exists()
