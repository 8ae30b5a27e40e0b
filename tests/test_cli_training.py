"""`rnntui corpora`, `train` and `sample` from the command line, every bad input included."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from rnntui.cli import app
from rnntui.i18n import catalogue, t

runner = CliRunner()
TINY = ["--hidden", "8", "--layers", "1", "--seq-len", "20", "--batch-size", "4", "--precision", "fp32",
        "--threads", "1"]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()  # CliRunner mixes stderr into output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0]


def snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def test_corpora_lists_every_shipped_corpus():
    result = run("corpora")
    assert result.exit_code == 0, result.output
    for name in ("abc", "reber", "brackets", "anbn", "first-symbol", "pydoc"):
        assert any(line.startswith(name + " ") for line in result.output.splitlines()), name
    assert "chars" in result.output and "KB" in result.output


def test_corpora_and_numpy_sampling_never_import_torch(tmp_path):
    code = ("import sys\nfrom typer.testing import CliRunner\nimport rnntui.cli\n"
            "r = CliRunner().invoke(rnntui.cli.app, ['corpora'])\nassert r.exit_code == 0, r.output\n"
            "print('TORCH' if 'torch' in sys.modules else 'CLEAN')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "CLEAN"


def test_train_then_sample_with_both_engines(tmp_path):
    out = tmp_path / "run"
    result = run("train", "abc", *TINY, "--steps", "30", "--eval-every", "15", "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert "finished 30 steps" in result.output and "val loss" in result.output
    assert "floor: 0.231 is the best any model can score" in result.output  # ln 2 / 3: abc's coin flips
    assert {"last.safetensors", "best.safetensors", "optimizer.safetensors", "metrics.jsonl"} <= set(
        os.listdir(out))
    texts = [run("sample", out, "--length", "50", "--seed", "5", "--engine", engine) for engine in ("numpy", "torch")]
    assert texts[0].exit_code == 0 and texts[0].output == texts[1].output
    assert len(texts[0].output) == 51 + 1 and set(texts[0].output.strip()) <= set("ABC")

    resumed = run("train", "--resume", out, "--steps", "40", "--quiet")  # the corpus comes from the run
    assert resumed.exit_code == 0 and "finished 40 steps" in resumed.output


def test_progress_lines_when_not_a_terminal(tmp_path):
    result = run("train", "reber", *TINY, "--steps", "20", "--eval-every", "10", "--out", tmp_path / "r")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("training 1x8 lstm on reber")
    assert any(line.startswith("step 10: val loss") for line in lines)
    assert "\r" not in result.output


def test_a_run_that_ends_above_its_best_says_so_and_where_the_best_is(tmp_path, monkeypatch):
    import dataclasses

    from rnntui.commands.train_runner import got_worse
    from rnntui.train.trainer import Trainer

    real_run = Trainer.run

    def run_that_got_worse(self):  # as a run that memorised its text ends: far above its best
        done = real_run(self)
        return dataclasses.replace(done, last_val_loss=done.best_val_loss + 1.0)

    monkeypatch.setattr(Trainer, "run", run_that_got_worse)
    out = tmp_path / "r"
    result = run("train", "abc", *TINY, "--steps", "20", "--eval-every", "10", "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert "validation loss rose from its best" in result.output and f"rnntui sample {out} uses it" in result.output
    assert not got_worse(1.0, 1.019) and got_worse(1.0, 1.03) and got_worse(0.1, 0.121) and not got_worse(None, 2.0)


def test_text_from_elsewhere_has_no_floor_line(tmp_path):
    corpus = write(tmp_path, "notes.txt", "the cat sat on the mat. ".encode() * 40)
    result = run("train", corpus, *TINY, "--steps", "10", "--eval-every", "10", "--out", tmp_path / "r", "--quiet")
    assert result.exit_code == 0, result.output
    assert "val loss" in result.output and "floor" not in result.output


def test_nan_stops_with_advice_and_exit_code_1(tmp_path):
    result = run("train", "abc", *TINY, "--cell", "rnn", "--activation", "relu", "--optimizer", "sgd",
                 "--lr", "1e10", "--no-clip", "--steps", "50", "--out", tmp_path / "r", "--quiet")
    assert result.exit_code == 1
    assert "nan/inf" in result.output and "turn clipping on" in result.output
    assert "Traceback" not in result.output


def template_pattern(key: str, lang: str) -> re.Pattern:
    """A catalogue template as a regex: its fields match any text, the rest is literal."""
    from string import Formatter

    parts = Formatter().parse(catalogue(lang)[key])
    return re.compile("".join(re.escape(literal) + (".*" if field is not None else "")
                              for literal, field, _, _ in parts))


def test_a_chinese_run_that_overflows_says_so_in_chinese(tmp_path):
    """The trainer's own warning and stop lines go through the catalogue, like the CLI's."""
    result = run("train", "abc", *TINY, "--lr", "1e300", "--eval-every", 5, "--steps", 40, "--out", tmp_path / "r",
                 "--lang", "zh")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    errors = [line for line in lines if line.startswith(t("cli.error.line", lang="zh", message=""))]
    warnings = [line for line in lines if line.startswith(t("cli.progress.warning", lang="zh", message=""))]
    assert len(errors) == 1 and template_pattern("train.non_finite.stopped", "zh").search(errors[0]), result.output
    assert warnings and all(template_pattern("train.non_finite.skipped", "zh").search(w) for w in warnings)
    assert "nan/inf" in errors[0] and "kept the last good weights" not in result.output


def write(tmp_path, name, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda d: d / "missing.txt", "no such file or shipped corpus"),
        (lambda d: d, "is a directory"),
        (lambda d: write(d, "empty.txt", b""), "is empty"),
        (lambda d: write(d, "bin.txt", b"ab\0cd" * 100), "binary"),
        (lambda d: write(d, "latin.txt", "café ".encode("latin-1") * 100), "not UTF-8"),
        (lambda d: write(d, "short.txt", b"abcabc" * 3), "too short"),
        (lambda d: "no-such-corpus", "shipped: abc"),
    ],
    ids=["missing", "directory", "empty", "binary", "not-utf8", "too-short", "unknown-name"],
)
def test_bad_corpora_give_one_line_and_write_nothing(tmp_path, make, fragment):
    corpus_dir = tmp_path / "in"
    corpus_dir.mkdir()
    out = tmp_path / "out"
    assert_one_line_error(run("train", make(corpus_dir), *TINY, "--steps", "1", "--out", out), fragment)
    assert not out.exists()


@pytest.fixture
def trained(tmp_path) -> Path:
    out = tmp_path / "trained"
    assert run("train", "abc", *TINY, "--steps", "3", "--out", out, "--quiet").exit_code == 0
    return out


def test_out_that_is_a_file_or_an_existing_run_is_refused(tmp_path, trained):
    file = write(tmp_path, "notes.txt", b"keep me")
    assert_one_line_error(run("train", "abc", *TINY, "--steps", "1", "--out", file), "is a file")
    assert file.read_bytes() == b"keep me"
    before = snapshot(trained)
    assert_one_line_error(run("train", "abc", *TINY, "--steps", "1", "--out", trained), "already holds a run")
    assert snapshot(trained) == before


def test_resume_with_other_flags_or_corpus_is_refused(trained):
    before = snapshot(trained)
    assert_one_line_error(run("train", "abc", "--resume", trained, "--hidden", "16"), "--hidden 8, not 16")
    assert_one_line_error(run("train", "anbn", "--resume", trained), "vocabulary differs")
    assert snapshot(trained) == before


def test_corrupt_and_foreign_checkpoints(tmp_path, trained):
    from safetensors.numpy import save_file

    corrupt = trained / "last.safetensors"
    corrupt.write_bytes(corrupt.read_bytes()[:100])
    before = snapshot(trained)
    assert_one_line_error(run("train", "abc", "--resume", trained), "truncated")
    assert snapshot(trained) == before
    assert_one_line_error(run("sample", corrupt), "truncated")
    foreign = tmp_path / "foreign.safetensors"
    save_file({"weight": np.zeros(3, np.float32)}, str(foreign), metadata={"format": "pt"})
    assert_one_line_error(run("sample", foreign), "not an rnntui checkpoint")
    assert_one_line_error(run("sample", tmp_path / "nope.safetensors"), "does not exist")
    assert_one_line_error(run("sample", tmp_path), "without best.safetensors")


def test_bad_flags_are_one_line(trained):
    assert_one_line_error(run("train"), "give a corpus")
    assert_one_line_error(run("train", "abc", "--cell", "transformer", "--steps", "1"), "unknown cell")
    assert_one_line_error(run("train", "abc", "--clip", "1", "--no-clip"), "choose one of --clip and --no-clip")
    assert_one_line_error(run("sample", trained, "--temperature", "0"), "temperature")
    assert_one_line_error(run("sample", trained, "--engine", "jax"), "unknown engine")


@pytest.mark.parametrize("signum, code, line", [(signal.SIGINT, 130, "error: interrupted"),
                                               (signal.SIGTERM, 143, "error: terminated (SIGTERM)"),
                                               (signal.SIGHUP, 129, "error: hung up (SIGHUP)")],
                         ids=["ctrl-c", "sigterm", "sighup"])
def test_ctrl_c_sigterm_or_sighup_saves_last_and_exits_with_the_shells_code(tmp_path, signum, code, line):
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "rnntui", "train", "pydoc", *TINY, "--minutes", "5", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout.readline().startswith("training")  # printed once the trainer is built
        deadline = time.monotonic() + 60
        while not (out / "metrics.jsonl").exists() and time.monotonic() < deadline:
            time.sleep(0.1)  # wait for the first step so the interrupt lands inside the loop
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == code, stderr  # 128 + the signal's number, after saving
    assert "stopped at step" in stdout and stderr.splitlines() == [line]
    assert (out / "last.safetensors").is_file() and (out / "optimizer.safetensors").is_file()
    assert not list(out.glob("*.tmp"))


def test_live_bar_redraws_one_line_and_plain_mode_prints_lines():
    import io

    from rnntui.commands.train_progress import ProgressReporter, format_duration
    from rnntui.train.train_events import DoneEvent, EvalEvent, StepEvent

    def step(n):
        return StepEvent(step=n, loss=1.5, grad_norm=1.0, grad_norm_clipped=1.0, lr=1e-3, tokens_per_second=20_000,
                         elapsed=30.0, epoch=0, progress=0.25)

    out = io.StringIO()
    live = ProgressReporter(out, live=True, total_steps=400)
    live(step(100))
    assert out.getvalue() == "\r\x1b[2Kstep 100/400  loss 1.5000  20.0k tok/s   25%  ETA 1:30"
    live(EvalEvent(step=100, val_loss=1.75, best_val_loss=1.75, is_best=True, sample="\nhello\nworld"))
    live(DoneEvent(step=100, reason="steps", message="", best_val_loss=1.75, last_val_loss=1.75, elapsed=30))
    assert out.getvalue().endswith("step 100: val loss 1.7500 (best)\n    hello\n    world\n")
    assert format_duration(3725) == "1:02:05"

    plain = io.StringIO()
    ProgressReporter(plain, live=False)(step(1))
    assert plain.getvalue() == "step 1  loss 1.5000  20.0k tok/s   25%  ETA 1:30\n"


def test_default_out_folder_never_overwrites_an_earlier_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert run("train", "abc", *TINY, "--steps", "1", "--quiet").exit_code == 0
    assert (tmp_path / "runs" / "abc" / "last.safetensors").is_file()
    assert (tmp_path / "runs" / "abc-2" / "last.safetensors").is_file()


def test_cuda_without_a_gpu_is_one_line():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    assert_one_line_error(run("train", "abc", *TINY, "--steps", "1", "--device", "cuda"), "no CUDA GPU")
