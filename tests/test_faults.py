"""Hostile but realistic conditions: a full or read-only disk, two writers, huge sizes, odd numbers.

Full and read-only disks are real where the test can mount a small tmpfs (root); the "patched"
variants make the same writers raise the real exception types (SafetensorError, OSError with
ENOSPC or EROFS), so every case runs everywhere and none is skipped.
"""

import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from safetensors import SafetensorError
from typer.testing import CliRunner

from rnntui.cli import app
from rnntui.engine.checkpoint import load_checkpoint, save_checkpoint, write_safetensors_files
from rnntui.engine.config import ModelConfig
from rnntui.engine.numpy_rnn import init_params
from rnntui.errors import RnntuiError, SaveError

runner = CliRunner()
TINY = ["--hidden", "8", "--layers", "1", "--seq-len", "20", "--batch-size", "4", "--precision", "fp32",
        "--threads", "1"]
CONFIG = ModelConfig(cell="rnn", hidden_size=4, vocab_size=3)
VOCAB = ["A", "B", "C"]
FULL_DISK_MESSAGE = "Error while serializing: I/O error: No space left on device (os error 28)"


def run(*args, **kwargs):
    return runner.invoke(app, [str(a) for a in args], **kwargs)


def one_line_error(result, *fragments, code=2) -> str:
    assert result.exit_code == code, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


# ------------------------------------------------------------------ a disk that fills up or turns read-only


class Disk:
    """A folder on a small filesystem: a real tmpfs, or a patched one whose writers raise real errors."""

    def __init__(self, root: Path, monkeypatch, real: bool):
        self.root, self.monkeypatch, self.real = root, monkeypatch, real
        self.filler = root / "filler"

    def fill(self, leave: int = 0) -> None:
        """Leave about `leave` bytes free."""
        if self.real:
            free = shutil.disk_usage(self.root).free
            with open(self.filler, "ab") as f:
                f.write(b"\0" * max(0, free - leave))
            return
        import safetensors.numpy

        real_usage = shutil.disk_usage

        def usage(path):
            found = real_usage(path)
            return found._replace(free=leave) if self._inside(path) else found

        def save_file(tensors, filename, metadata=None):
            if self._inside(filename):
                raise SafetensorError(FULL_DISK_MESSAGE)
            return real_save_file(tensors, filename, metadata=metadata)

        real_save_file = safetensors.numpy.save_file
        self.monkeypatch.setattr(shutil, "disk_usage", usage)
        self.monkeypatch.setattr(safetensors.numpy, "save_file", save_file)
        self._refuse_opens("a", errno.ENOSPC)

    def empty(self) -> None:
        if self.real:
            self.filler.unlink()
        else:
            self.monkeypatch.undo()

    def make_read_only(self) -> None:
        if self.real:
            subprocess.run(["mount", "-o", "remount,ro", str(self.root)], check=True)
            return
        real_open, real_mkdir = os.open, os.mkdir

        def os_open(path, flags, *args, **kwargs):
            if self._inside(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
            return real_open(path, flags, *args, **kwargs)

        def os_mkdir(path, *args, **kwargs):
            if self._inside(path):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
            return real_mkdir(path, *args, **kwargs)

        self.monkeypatch.setattr(os, "open", os_open)
        self.monkeypatch.setattr(os, "mkdir", os_mkdir)
        self._refuse_opens("aw", errno.EROFS)

    def _refuse_opens(self, modes: str, code: int) -> None:
        """metrics.jsonl is appended with open(); make that raise too."""
        import builtins

        from rnntui.train import run_folder

        def fake_open(path, mode="r", *args, **kwargs):
            if self._inside(path) and any(m in mode for m in modes):
                raise OSError(code, os.strerror(code), str(path))
            return builtins.open(path, mode, *args, **kwargs)

        self.monkeypatch.setattr(run_folder, "open", fake_open, raising=False)

    def _inside(self, path) -> bool:
        return Path(os.fspath(path)).resolve().is_relative_to(self.root.resolve())


def mount_tmpfs(path: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


@pytest.fixture(params=["tmpfs", "patched"])
def disk(request, tmp_path, monkeypatch):
    """Where the machine lets the test mount a tmpfs, the "tmpfs" variant is real; elsewhere both
    variants run the patched writers (never a skip)."""
    root = tmp_path / "disk"
    root.mkdir()
    real = request.param == "tmpfs" and mount_tmpfs(root, "2m")
    yield Disk(root, monkeypatch, real)
    monkeypatch.undo()
    if real:
        subprocess.run(["umount", "-l", str(root)], capture_output=True)


# ------------------------------------------------------------------ checkpoint writes


def test_save_error_is_the_one_type_a_ui_catches():
    assert issubclass(SaveError, RnntuiError)


def test_a_full_disk_keeps_the_previous_checkpoint_and_names_the_space_needed(disk):
    path = disk.root / "model.safetensors"
    save_checkpoint(path, init_params(CONFIG, seed=0), CONFIG, VOCAB)
    before = path.read_bytes()
    big = CONFIG.with_(hidden_size=128)
    disk.fill(leave=4096)
    with pytest.raises(SaveError) as info:
        save_checkpoint(path, init_params(big, seed=1), big, VOCAB)
    message = str(info.value)
    assert len(message.splitlines()) == 1
    assert str(path) in message and "no space left on device" in message and "needs" in message
    assert path.read_bytes() == before
    assert temp_files(disk.root) == []


@pytest.mark.parametrize("error, fragment", [
    (SafetensorError(FULL_DISK_MESSAGE), "no space left on device"),
    (SafetensorError("Error while serializing: I/O error: Permission denied (os error 13)"), "Permission denied"),
    (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), "no space left on device"),
    (OSError(errno.EROFS, os.strerror(errno.EROFS)), "Read-only file system"),
], ids=["safetensors-full", "safetensors-denied", "oserror-full", "oserror-read-only"])
def test_every_write_failure_is_one_line_and_leaves_no_temp_file(tmp_path, monkeypatch, error, fragment):
    import safetensors.numpy

    path = tmp_path / "model.safetensors"
    save_checkpoint(path, init_params(CONFIG), CONFIG, VOCAB)
    before = path.read_bytes()

    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(safetensors.numpy, "save_file", failing)
    with pytest.raises(SaveError) as info:
        save_checkpoint(path, init_params(CONFIG, seed=3), CONFIG, VOCAB)
    assert fragment in str(info.value) and str(path) in str(info.value)
    assert len(str(info.value).splitlines()) == 1
    assert path.read_bytes() == before and temp_files(tmp_path) == []


def test_files_saved_together_are_replaced_together(tmp_path, monkeypatch):
    """The weights and the optimiser state of a run: if the second write fails, neither changes."""
    import safetensors.numpy

    first, second = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    old = {"x": np.zeros(3, np.float32)}
    write_safetensors_files([(first, old, {}), (second, old, {})])
    before = snapshot(tmp_path)
    real_save_file, calls = safetensors.numpy.save_file, []

    def second_fails(tensors, filename, metadata=None):
        calls.append(filename)
        if len(calls) == 2:
            raise SafetensorError(FULL_DISK_MESSAGE)
        return real_save_file(tensors, filename, metadata=metadata)

    monkeypatch.setattr(safetensors.numpy, "save_file", second_fails)
    new = {"x": np.ones(3, np.float32)}
    with pytest.raises(SaveError, match="b.safetensors"):
        write_safetensors_files([(first, new, {}), (second, new, {})])
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------ rnntui train on a full or read-only disk


def test_train_refuses_before_step_1_when_the_checkpoints_cannot_fit(disk):
    out = disk.root / "run"
    disk.fill(leave=64_000)
    line = one_line_error(run("train", "abc", *TINY, "--hidden", "96", "--steps", "5", "--out", out),
                          "not enough free space", str(out), "needs")
    assert "has" in line
    assert not out.exists()


def test_train_on_a_disk_that_fills_up_keeps_last_and_exits_1(disk, monkeypatch):
    from rnntui.train import trainer as trainer_module

    out = disk.root / "run"
    real_write, saves = trainer_module.write_safetensors_files, []

    def write_then_fill(files):
        real_write(files)
        saves.append(files)
        if len(saves) == 1:
            disk.fill(leave=0)

    monkeypatch.setattr(trainer_module, "write_safetensors_files", write_then_fill)
    result = run("train", "abc", *TINY, "--steps", "40", "--eval-every", "10", "--out", out, "--quiet")
    line = one_line_error(result, "no space left on device", str(out), "needs", code=1)
    assert "Traceback" not in result.output and line
    assert load_checkpoint(out / "last.safetensors").metadata["step"] == "10"
    assert temp_files(out) == []

    disk.empty()  # with room again, the run continues from the last save
    resumed = run("train", "--resume", out, "--steps", "20", "--quiet")
    assert resumed.exit_code == 0, resumed.output
    assert load_checkpoint(out / "last.safetensors").metadata["step"] == "20"
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 21))


def test_a_read_only_run_folder_is_refused_before_step_1(disk):
    out = disk.root / "run"
    assert run("train", "abc", *TINY, "--steps", "3", "--out", out, "--quiet").exit_code == 0
    before = snapshot(out)
    disk.make_read_only()
    one_line_error(run("train", "--resume", out, "--steps", "6"), "not writable", "Read-only file system")
    one_line_error(run("train", "abc", *TINY, "--steps", "1", "--out", disk.root / "new"),
                   "cannot create run folder", "Read-only file system")
    assert snapshot(out) == before


# ------------------------------------------------------------------ what a run folder may hold


@pytest.mark.parametrize("files", [("best.safetensors", "metrics.jsonl"), ("metrics.jsonl",)],
                         ids=["lone-best", "lone-metrics"])
def test_any_run_file_makes_out_refused_without_resume(tmp_path, files):
    out = tmp_path / "run"
    out.mkdir()
    for name in files:
        (out / name).write_bytes(b"earlier run")
    one_line_error(run("train", "abc", *TINY, "--steps", "1", "--out", out), "already holds a run", files[0])
    assert all((out / name).read_bytes() == b"earlier run" for name in files)


def test_the_default_folder_skips_one_holding_any_run_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lone = tmp_path / "runs" / "abc"
    lone.mkdir(parents=True)
    (lone / "best.safetensors").write_bytes(b"earlier run")
    assert run("train", "abc", *TINY, "--steps", "1", "--quiet").exit_code == 0
    assert (lone / "best.safetensors").read_bytes() == b"earlier run"
    assert (tmp_path / "runs" / "abc-2" / "last.safetensors").is_file()


def hold_lock(folder: Path) -> subprocess.Popen:
    code = ("import sys, time\nfrom rnntui.train.run_folder import RunFolder\n"
            "held = RunFolder.open(sys.argv[1])\nprint('locked', flush=True)\ntime.sleep(120)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_second_writer_is_refused_naming_the_pid_and_a_dead_ones_lock_never_blocks(tmp_path):
    out = tmp_path / "run"
    assert run("train", "abc", *TINY, "--steps", "3", "--out", out, "--quiet").exit_code == 0
    before = snapshot(out)
    holder = hold_lock(out)
    try:
        one_line_error(run("train", "--resume", out, "--steps", "6"), f"in use by process {holder.pid}")
        fresh = tmp_path / "fresh"
        second = hold_lock(fresh)
        try:
            one_line_error(run("train", "abc", *TINY, "--steps", "1", "--out", fresh), f"process {second.pid}")
        finally:
            second.kill()
            second.wait()
    finally:
        holder.kill()  # SIGKILL: no clean-up runs, the lock file keeps its PID
        holder.wait()
    assert snapshot(out) == {**before, ".lock": f"{holder.pid}\n".encode()}
    resumed = run("train", "--resume", out, "--steps", "6", "--quiet")
    assert resumed.exit_code == 0, resumed.output


# ------------------------------------------------------------------ sizes that cannot fit


@pytest.mark.parametrize("args", [
    ("train", "abc", "--hidden", "100000", "--steps", "1"),
    ("train", "abc", "--hidden", "20000", "--steps", "1"),
    ("step", "hello", "--hidden", "100000"),
    ("app", "--hidden", "100000"),
], ids=["train-100000", "train-20000", "step-100000", "app-100000"])
def test_a_model_that_cannot_fit_is_refused_with_its_estimate(tmp_path, monkeypatch, args):
    from rnntui.train import footprint

    monkeypatch.setattr(footprint, "available_memory", lambda: 16 * 10**9)
    monkeypatch.chdir(tmp_path)
    one_line_error(run(*args), "needs about", "B of memory", "16.0 GB available")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("command", [["step"], ["app", "--text"]], ids=["step", "app"])
def test_stepping_a_checkpoint_over_a_text_too_long_for_memory_is_refused_with_its_estimate(tmp_path, monkeypatch,
                                                                                            command):
    """A checkpoint fixes the model and its vocabulary; the text x vocabulary arrays still grow with the text."""
    from rnntui.train import footprint

    monkeypatch.setattr(footprint, "available_memory", lambda: 16 * 10**9)
    vocab = [chr(0x4E00 + i) for i in range(2000)]  # a vocabulary of 2,000 Chinese characters
    config = ModelConfig(cell="rnn", hidden_size=8, vocab_size=len(vocab))
    path = save_checkpoint(tmp_path / "wide.safetensors", init_params(config, 0, np.float32), config, vocab)
    one_line_error(run(*command, "".join(vocab) * 100, "--checkpoint", path),
                   "needs about", "B of memory", "16.0 GB available", "200,000 characters", "shorter text")
    if command == ["step"]:
        assert run("step", "".join(vocab[:3]), "--checkpoint", path).exit_code == 0  # a short text still steps


def test_a_seq_len_longer_than_the_corpus_says_so_rather_than_asking_for_memory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one_line_error(run("train", "abc", "--seq-len", "100000", "--steps", "1"), "too short", "smaller --seq-len")
    assert not (tmp_path / "runs").exists()


def test_the_app_refuses_sizes_it_cannot_draw():
    one_line_error(run("app", "--hidden", "3000"), "--hidden 3000", "at most 1024")


def test_the_estimates_count_the_real_parameters():
    import torch

    from rnntui.train.footprint import parameter_count, training_bytes
    from rnntui.train.torch_model import CharRNN

    for config in (ModelConfig(cell="lstm", hidden_size=16, num_layers=2, vocab_size=7),
                   ModelConfig(cell="gru", hidden_size=5, vocab_size=3, embedding_dim=4)):
        model = CharRNN(config)
        assert parameter_count(config) == sum(p.numel() for p in model.parameters())
        weights = sum(p.numel() * p.element_size() for p in model.parameters())
        assert training_bytes(config, "adam", 4, 10) > 4 * weights  # weights, gradients, Adam's two
    assert torch  # imported for CharRNN


def test_slow_set_up_says_what_it_is_doing(capsys):
    from rnntui.commands.common import progress_after

    with progress_after("building a big model", seconds=0.05, show=True):
        time.sleep(0.3)
    assert "building a big model (0 s)..." in capsys.readouterr().err
    with progress_after("instant", seconds=5, show=True):
        pass
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------ numbers, flags, corpora, signals


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("trained") / "run"
    assert run("train", "abc", *TINY, "--steps", "3", "--out", out, "--quiet").exit_code == 0
    return out


@pytest.mark.parametrize("args, flag", [
    (("train", "abc", "--lr", "inf", "--steps", "1"), "--lr"),
    (("train", "abc", "--minutes", "inf"), "--minutes"),
    (("train", "abc", "--clip-value", "-inf", "--steps", "1"), "--clip-value"),
    (("train", "abc", "--dropout", "nan", "--steps", "1"), "--dropout"),
    (("sample", "TRAINED", "--temperature", "inf"), "--temperature"),
    (("step", "ab", "--clip", "inf"), "--clip"),
    (("demo", "vanishing", "--plain", "--delay", "inf"), "--delay"),
], ids=["lr", "minutes", "clip-value", "dropout", "temperature", "step-clip", "delay"])
def test_every_non_finite_number_is_refused_in_one_line(tmp_path, monkeypatch, trained, args, flag):
    monkeypatch.chdir(tmp_path)
    args = [trained if a == "TRAINED" else a for a in args]
    one_line_error(run(*args), f"{flag} must be a finite number")
    assert not (tmp_path / "runs").exists()


def test_the_engines_refuse_non_finite_settings_too():
    import math

    from rnntui.engine.sampling import next_char_probs
    from rnntui.train.train_config import TrainConfig, TrainSettings
    from rnntui.numbers import parse_number

    for bad in (dict(lr=math.inf), dict(minutes=math.inf), dict(weight_decay=math.nan)):
        with pytest.raises(RnntuiError, match="finite"):
            TrainConfig(**bad)
    with pytest.raises(RnntuiError, match="finite"):
        TrainSettings(lr=1e-3, clip_mode="norm", clip=math.inf)
    with pytest.raises(RnntuiError, match="finite"):
        next_char_probs(np.zeros(3), temperature=math.inf)
    with pytest.raises(RnntuiError, match="finite"):
        parse_number(" inf ", "the learning rate")
    assert parse_number(" 2.5 ", "x") == 2.5 and parse_number("7", "n", int) == 7


@pytest.mark.parametrize("field", ["lr", "clip", "minutes"])
def test_the_apps_training_form_refuses_non_finite_numbers(field):
    from rnntui.train.train_config import TrainConfig
    from rnntui.tui.screens.train_settings import config_fields, parse_fields

    values = {**config_fields(TrainConfig()), field: "inf"}
    with pytest.raises(RnntuiError, match="must be a finite number, got inf"):
        parse_fields(values, TrainConfig())


@pytest.mark.parametrize("args", [
    ("step", "ab", "--cell", "lstm", "--activation", "relu"),
    ("train", "abc", "--activation", "relu", "--steps", "1"),
    ("app", "--cell", "gru", "--activation", "tanh"),
], ids=["step", "train-default-lstm", "app"])
def test_activation_with_a_gated_cell_is_refused(args):
    one_line_error(run(*args), "--activation applies to --cell rnn only")


def test_resuming_on_changed_text_is_refused_unless_forced(tmp_path):
    rng = np.random.default_rng(0)
    corpus = tmp_path / "text.txt"
    corpus.write_text("".join(rng.choice(list("ABC"), 3000)))
    out = tmp_path / "run"
    assert run("train", corpus, *TINY, "--steps", "3", "--out", out, "--quiet").exit_code == 0
    corpus.write_text("".join(rng.choice(list("ABC"), 3000)))  # the same characters, other text
    before = snapshot(out)
    one_line_error(run("train", "--resume", out, "--steps", "6"), "not the text this run was trained on",
                   "--force")
    assert snapshot(out) == before
    forced = run("train", "--resume", out, "--steps", "6", "--force", "--quiet")
    assert forced.exit_code == 0, forced.output
    assert "warning:" in forced.output and "continuing because of --force" in forced.output
    recorded = json.loads(load_checkpoint(out / "last.safetensors").metadata["corpus_fingerprint"])
    assert recorded["chars"] == 3000
    assert run("train", "--resume", out, "--steps", "8", "--quiet").exit_code == 0  # now it is the run's text


# ------------------------------------------------------------------ a large corpus stays compact


def test_compact_encoding_matches_the_vocabulary_and_uses_the_smallest_type():
    from rnntui.engine.corpus import Corpus, encode_compact
    from rnntui.errors import CorpusError

    wide = "".join(map(chr, range(0x4E00, 0x4E00 + 300)))  # more characters than a byte can index
    for text, dtype in (("ABCCBA" * 7, np.uint8), ("héllo wörld 你好 🙂\n" * 40, np.uint8), (wide * 3, np.int16)):
        corpus = Corpus("t", text)
        ids = encode_compact(text, corpus.vocab)
        assert ids.dtype == dtype
        assert np.array_equal(ids.astype(np.int64), corpus.vocab.encode(text))  # the reference encoder
    with pytest.raises(CorpusError, match="'D' is not in the vocabulary"):
        encode_compact("ABD", Corpus("t", "ABC").vocab)


def test_training_data_costs_about_a_byte_a_character():
    import tracemalloc

    import torch

    from rnntui.engine.corpus import Corpus
    from rnntui.train.train_config import TrainConfig
    from rnntui.train.trainer import Trainer

    alphabet = np.array(list("abcdefghijklmnopqrstuvwxyz .,;\n’é"))
    text = "".join(alphabet[np.random.default_rng(0).integers(len(alphabet), size=2_000_000)])
    corpus = Corpus("big", text)
    corpus.vocab, corpus.fingerprint  # built once per corpus, not by the trainer
    config = TrainConfig(hidden_size=8, num_layers=1, seq_len=50, batch_size=16, threads=1, precision="fp32")
    Trainer(config, Corpus("warm-up", text[:5000]))  # the modules a first Trainer imports are not data
    tracemalloc.start()
    try:
        trainer = Trainer(config, corpus)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * len(text)  # int64 indices alone would be 8 bytes a character
    data = trainer.train_data
    assert data.tokens.dtype == torch.uint8
    ids = corpus.vocab.encode(text)
    stream_len = (len(ids[:len(text) - round(len(text) * 0.1)]) - 1) // data.streams
    for k in (0, data.chunks - 1):  # chunk k of stream b starts at b * stream_len + k * seq_len
        x, y = data.chunk(k)
        start = np.arange(data.streams)[:, None] * stream_len + k * data.seq_len + np.arange(data.seq_len)
        assert x.dtype == torch.int64 and np.array_equal(x.numpy(), ids[start])
        assert np.array_equal(y.numpy(), ids[start + 1])
