"""A hostile user's second round, outside the trainer and the app: each case one line, nothing left running.

Files that are not files, names the file system cannot hold, output nobody can write, seeds out
of range, a temperature of 1e-310, a vocabulary holding half a character, a text of 30,000
distinct characters, a browser asking for a 100000 x 100000 terminal, and the signals that end
a command. Where a case needs a real process (a full device, a signal), it runs `rnntui` as a
subprocess and then checks that no process it started is left.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from rnntui.engine.checkpoint import load_checkpoint, save_checkpoint
from rnntui.engine.config import ModelConfig
from rnntui.engine.corpus import load_corpus, read_text_file
from rnntui.engine.numpy_rnn import init_params
from rnntui.engine.sampling import next_char_probs
from rnntui.errors import CheckpointError, CorpusError
from rnntui.numbers import SEED_MAX
from precision_marks import needs_bf16
from test_faults import TINY, one_line_error, run

LONG_NAME = "n" * 300  # bytes: over the 255 a file name may have
RNNTUI = [sys.executable, "-m", "rnntui"]


def save_tiny_checkpoint(path: Path, vocab=("A", "B", "C"), cell: str = "lstm") -> Path:
    config = ModelConfig(cell=cell, hidden_size=8, vocab_size=len(vocab))
    return save_checkpoint(path, init_params(config, 0, np.float32), config, list(vocab))


def processes_mentioning(marker: str) -> list[str]:
    """Command lines of live processes that name `marker` (a test's own temporary path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = next(line for line in (entry / "status").read_text().splitlines() if line.startswith("State:"))
        except (OSError, StopIteration):
            continue
        if marker in command and "Z" not in state.split()[1]:
            found.append(f"{entry.name}: {command}")
    return found


# ------------------------------------------------------------------ files that are not files


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "pipe.txt"
    os.mkfifo(path)
    return path


def test_a_device_or_a_fifo_is_refused_without_reading_it(fifo):
    with pytest.raises(CorpusError, match="is a device"):
        load_corpus("/dev/zero")  # would read forever
    with pytest.raises(CorpusError, match="FIFO"):
        load_corpus(str(fifo))  # would block forever: no writer


def test_a_corpus_larger_than_the_cap_is_refused_after_reading_only_the_cap(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("ab" * 600)
    assert read_text_file(path, limit=1200) == "ab" * 600
    with pytest.raises(CorpusError, match="larger than 1.2 KB"):
        read_text_file(path, limit=1199)


@pytest.mark.parametrize("command", [["train", "{corpus}", *TINY, "--steps", "1"], ["app", "--corpus", "{corpus}"],
                                     ["serve", "--corpus", "{corpus}"]])
@pytest.mark.parametrize("corpus", ["/dev/zero", "fifo"])
def test_train_app_and_serve_refuse_a_device_or_a_fifo_as_their_corpus(command, corpus, fifo, tmp_path):
    corpus = str(fifo) if corpus == "fifo" else corpus
    args = [arg.format(corpus=corpus) for arg in command]
    if command[0] == "train":
        args += ["--out", str(tmp_path / "run")]
    # A subprocess: were the file read, the test would hang or fill the memory, not fail.
    done = subprocess.run(RNNTUI + args, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().count("\n") == 0 and done.stderr.startswith("error: "), done.stderr
    assert "not a text file" in done.stderr
    assert not (tmp_path / "run").exists()
    assert processes_mentioning(str(tmp_path)) == []


# ------------------------------------------------------------------ names longer than a file system holds


@pytest.mark.parametrize("args", [
    ["train", LONG_NAME, *TINY, "--steps", "1"],
    ["train", "abc", *TINY, "--steps", "1", "--out", "{tmp}/" + LONG_NAME],
    ["train", "--resume", "{tmp}/" + LONG_NAME],
    ["sample", LONG_NAME],
    ["sample", "{tmp}/" + LONG_NAME + "/best.safetensors"],
    ["step", "abc", "--checkpoint", LONG_NAME],
    ["app", "--checkpoint", LONG_NAME],
    ["app", "--corpus", LONG_NAME],
    ["serve", "--corpus", LONG_NAME],
])
def test_a_name_over_255_bytes_is_one_line_in_every_command(tmp_path, args):
    line = one_line_error(run(*[a.format(tmp=tmp_path) for a in args]), "is 300 bytes long", "at most 255")
    assert len(line) < 300  # the name is shortened, not printed whole
    assert list(tmp_path.iterdir()) == []


def test_the_engines_refuse_a_long_name_with_their_own_error():
    with pytest.raises(CorpusError, match="300 bytes"):
        load_corpus(LONG_NAME)
    with pytest.raises(CheckpointError, match="300 bytes"):
        load_checkpoint(LONG_NAME)


# ------------------------------------------------------------------ output to a full device


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["train", "--help"], ["abc", "--json"], ["abc"],
                                  ["step", "abc"], ["corpora"], ["demo"], ["sample", "{checkpoint}", "--length", "20"]])
def test_output_to_a_full_device_is_one_line_and_exit_1(tmp_path, args):
    checkpoint = save_tiny_checkpoint(tmp_path / "m.safetensors")
    with open("/dev/full", "w") as full:
        done = subprocess.run(RNNTUI + [a.format(checkpoint=checkpoint) for a in args], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == ["error: cannot write the output: No space left on device"]


def test_a_closed_pipe_is_one_line_too(tmp_path):
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(RNNTUI + ["abc", "--json"], stdout=writer, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(writer)
    assert done.returncode == 1 and done.stderr.splitlines() == ["error: cannot write the output: Broken pipe"]


# ------------------------------------------------------------------ one rule for seeds


@pytest.mark.parametrize("seed", ["-1", str(SEED_MAX + 1), "99999999999999999999999"])
@pytest.mark.parametrize("command", [
    ["train", "abc", *TINY, "--steps", "1", "--data", "streams"],
    ["train", "abc", *TINY, "--steps", "1", "--data", "windows"],
    ["train", "abc", *TINY, "--steps", "1"],
    ["sample", "{checkpoint}"],
    ["sample", "{checkpoint}", "--engine", "torch"],
    ["step", "abc"],
    ["app"],
    ["serve"],
])
def test_a_seed_out_of_range_is_refused_in_one_line_by_every_command(tmp_path, seed, command):
    checkpoint = save_tiny_checkpoint(tmp_path / "m.safetensors")
    args = [a.format(checkpoint=checkpoint) for a in command] + ["--seed", seed]
    if command[0] == "train":
        args += ["--out", str(tmp_path / "run")]
    one_line_error(run(*args), f"--seed must be a whole number from 0 to {SEED_MAX}, got {seed}")
    assert not (tmp_path / "run").exists()


def test_the_largest_seed_is_accepted_everywhere(tmp_path):
    checkpoint = save_tiny_checkpoint(tmp_path / "m.safetensors")
    assert run("step", "abc", "--seed", SEED_MAX).exit_code == 0
    for engine in ("numpy", "torch"):
        assert run("sample", checkpoint, "--seed", SEED_MAX, "--length", 5, "--engine", engine).exit_code == 0
    result = run("train", "abc", *TINY, "--steps", 2, "--seed", SEED_MAX, "--data", "streams",
                 "--out", tmp_path / "run", "--quiet")
    assert result.exit_code == 0, result.output


# ------------------------------------------------------------------ a temperature of 1e-310


def test_a_temperature_too_small_for_float64_is_greedy_without_warnings():
    logits = np.array([0.5, 2.0, -1.0, 1.999])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        probs = next_char_probs(logits, 1e-310)
    assert probs.tolist() == [0.0, 1.0, 0.0, 0.0]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert next_char_probs(np.array([1e308, -1e308]), 1.0).tolist() == [1.0, 0.0]
        assert np.isclose(next_char_probs(logits, 1e-5)[1], 1.0)  # the limit is approached smoothly
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")  # weights that overflowed: nan logits are never drawn
        assert next_char_probs(np.array([np.nan, 0.0, 0.0]), 1.0).tolist() == [0.0, 0.5, 0.5]
        assert next_char_probs(np.array([np.nan, np.nan]), 1e-310).tolist() == [0.5, 0.5]


@pytest.mark.parametrize("engine", ["numpy", "torch"])
def test_sample_at_temperature_1e_310_prints_the_greedy_text(tmp_path, engine):
    checkpoint = save_tiny_checkpoint(tmp_path / "m.safetensors")
    greedy = run("sample", checkpoint, "--greedy", "--length", 30, "--prime", "A", "--engine", engine)
    tiny = run("sample", checkpoint, "--temperature", "1e-310", "--length", 30, "--prime", "A", "--engine", engine)
    assert greedy.exit_code == tiny.exit_code == 0, tiny.output
    assert tiny.output == greedy.output  # nothing else printed: no NumPy warnings


# ------------------------------------------------------------------ half a character


def test_a_checkpoint_whose_vocabulary_holds_a_lone_surrogate_is_refused_on_load(tmp_path):
    path = save_tiny_checkpoint(tmp_path / "odd.safetensors", vocab=("A", "\ud800", "C"))
    with pytest.raises(CheckpointError, match=r"'\\ud800', half of a UTF-16 pair"):
        load_checkpoint(path)
    one_line_error(run("sample", path), "half of a UTF-16 pair")
    one_line_error(run("step", "AC", "--checkpoint", path), "half of a UTF-16 pair")


def test_text_typed_in_another_encoding_is_refused_not_printed():
    # A command line that was not UTF-8 arrives with surrogate escapes: b"\xff" becomes "\udcff".
    done = subprocess.run(RNNTUI + ["step", "ab" + os.fsdecode(b"\xff")], capture_output=True, timeout=120)
    assert done.returncode == 2 and b"half of a UTF-16 pair" in done.stderr
    assert len(done.stderr.splitlines()) == 1


# ------------------------------------------------------------------ a text of 30,000 distinct characters


def test_step_counts_the_text_times_vocabulary_arrays(monkeypatch):
    from rnntui.train import footprint

    text = "".join(chr(0x4E00 + i) for i in range(30_000))
    config = ModelConfig(cell="rnn", hidden_size=8, vocab_size=len(text))
    one_array = len(text) * len(text) * 8  # what NumPy failed to allocate
    assert footprint.stepping_bytes(config, len(text)) > 2 * one_array
    monkeypatch.setattr(footprint, "available_memory", lambda: 4 * one_array)
    one_line_error(run("step", text), "30,000 characters of 30,000 kinds", "fewer distinct characters")
    one_line_error(run("app", "--text", text), "30,000 kinds")
    assert run("step", text[:200]).exit_code == 0  # a text that fits still runs


# ------------------------------------------------------------------ a browser's terminal size


@pytest.mark.parametrize("sent, kept", [
    ((100_000, 100_000), (1000, 500)),
    ((120, 40), (120, 40)),
    ((0, -5), (1, 1)),
    (("wide", None), (1, 1)),
    ((float("inf"), 30.7), (1, 30)),
])
def test_the_server_clamps_the_terminal_size_a_page_sends(sent, kept):
    from rnntui.serve import terminal_size

    assert terminal_size(*sent) == kept


async def test_a_resize_reaches_the_app_clamped(monkeypatch):
    from rnntui.serve import MAX_COLUMNS, MAX_ROWS, AppProcess

    async def nothing(*args):
        return None

    process = AppProcess(["true"], write_bytes=nothing, write_str=nothing, close=nothing, download_manager=None)
    sent = []

    async def send_meta(data):
        sent.append(data)
        return True

    monkeypatch.setattr(process, "send_meta", send_meta)
    await process.set_terminal_size(100_000, 100_000)
    assert sent == [{"type": "resize", "width": MAX_COLUMNS, "height": MAX_ROWS}]
    environment = process._build_environment(*__import__("rnntui.serve", fromlist=["x"]).terminal_size(10**9, 7))
    assert (environment["COLUMNS"], environment["ROWS"]) == (str(MAX_COLUMNS), "7")


# ------------------------------------------------------------------ signals: 128 + the signal's number


@pytest.mark.parametrize("signum, code, line", [
    (signal.SIGINT, 130, "error: interrupted"),
    (signal.SIGTERM, 143, "error: terminated (SIGTERM)"),
    (signal.SIGHUP, 129, "error: hung up (SIGHUP)"),
])
def test_a_signal_ends_a_command_with_128_plus_its_number_and_one_line(tmp_path, signum, code, line):
    checkpoint = save_tiny_checkpoint(tmp_path / "m.safetensors")
    # Sampling a hundred million characters runs until the signal arrives.
    process = subprocess.Popen(RNNTUI + ["sample", str(checkpoint), "--length", "100000000"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not catches(process.pid, signal.SIGTERM):
            time.sleep(0.05)  # until rnntui's handlers are in place: a signal before them is Python's own
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == code, stderr
    assert stderr.splitlines() == [line]
    assert processes_mentioning(str(tmp_path)) == []


def catches(pid: int, signum: int) -> bool:
    """Whether process `pid` has a handler for `signum` (the SigCgt mask of /proc/PID/status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) >> (int(signum) - 1) & 1)


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_the_app_restores_the_terminal_when_a_signal_ends_it(signum, code):
    import pty
    import select

    pid, terminal = pty.fork()
    if pid == 0:  # the child: the app on a real terminal
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, RNNTUI)
    shown = b""

    def read_for(seconds: float, until: bytes | None = None) -> None:
        nonlocal shown
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (until and until in shown):
            if select.select([terminal], [], [], 0.1)[0]:
                try:
                    shown += os.read(terminal, 65536)
                except OSError:  # the app ended and closed the terminal
                    return

    try:
        read_for(60, until=b"\x1b[?1049h")  # the app switched to the alternate screen
        while not catches(pid, signal.SIGTERM):
            time.sleep(0.05)
        read_for(1)
        os.kill(pid, signum)
        read_for(30, until=b"error: ")
        read_for(1)
    finally:
        deadline = time.monotonic() + 30
        while (ended := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        if ended[0] == 0:  # never left behind, whatever the test found
            os.kill(pid, signal.SIGKILL)
            ended = os.waitpid(pid, 0)
        status = ended[1]
        os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == code
    after = shown[shown.rindex(b"\x1b[?1049h"):]
    for restore in (b"\x1b[?1049l", b"\x1b[?1000l", b"\x1b[?25h"):  # main screen, no mouse, a cursor
        assert restore in after, restore
    assert b"Traceback" not in shown


# ------------------------------------------------------------------ the checkpoint pair as one unit

KILLED_BETWEEN_RENAMES = """
import os, sys
import numpy as np
from rnntui.engine.checkpoint import write_safetensors_files
from rnntui.train.run_folder import LAST, RUN_STATE

folder, value, kill_after = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
real_replace, renames = os.replace, []

def replace(src, dst):
    real_replace(src, dst)
    renames.append(dst)
    if str(dst).endswith(".safetensors") and sum(str(d).endswith(".safetensors") for d in renames) == kill_after:
        os._exit(9)  # as kill -9 would, at the worst moment

os.replace = replace
x = {"x": np.full(3, value, np.float32)}
write_safetensors_files([(os.path.join(folder, RUN_STATE), x, {"step": str(int(value))}),
                         (os.path.join(folder, LAST), x, {"step": str(int(value))})])
"""


def steps_of(folder: Path) -> dict[str, str]:
    from safetensors import safe_open

    from rnntui.train.run_folder import LAST, RUN_STATE

    found = {}
    for name in (LAST, RUN_STATE):
        with safe_open(str(folder / name), framework="np") as f:
            found[name] = f.metadata()["step"]
    return found


@pytest.mark.parametrize("kill_after", [1, 2])
def test_a_kill_between_the_pairs_renames_never_splits_it(tmp_path, kill_after):
    from rnntui.train.run_folder import RunFolder

    def save(step: int, kill: int = 0) -> int:
        return subprocess.run([sys.executable, "-c", KILLED_BETWEEN_RENAMES, str(tmp_path), str(step), str(kill)],
                              timeout=120).returncode

    assert save(23) == 0
    assert save(24, kill=kill_after) == 9
    if kill_after == 1:  # one file renamed, one not: split on disk until the folder is opened again
        assert set(steps_of(tmp_path).values()) == {"23", "24"}
    folder = RunFolder.open(tmp_path)
    folder.close()
    assert steps_of(tmp_path) == {"last.safetensors": "24", "optimizer.safetensors": "24"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "last.safetensors", "optimizer.safetensors"]


def test_a_save_killed_before_its_commit_point_keeps_the_old_pair_and_its_temps_are_cleaned(tmp_path):
    from rnntui.engine.checkpoint import write_safetensors_files
    from rnntui.train.run_folder import LAST, RUN_STATE, RunFolder

    old = {"x": np.zeros(3, np.float32)}
    write_safetensors_files([(tmp_path / RUN_STATE, old, {"step": "23"}), (tmp_path / LAST, old, {"step": "23"})])
    (tmp_path / ".last.safetensors.abcd_123.tmp").write_bytes(b"half a file")  # a save killed mid-write
    (tmp_path / ".optimizer.safetensors.Zz9_Zz9_.tmp").write_bytes(b"")
    RunFolder.open(tmp_path).close()
    assert steps_of(tmp_path) == {"last.safetensors": "23", "optimizer.safetensors": "23"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "last.safetensors", "optimizer.safetensors"]


def test_a_save_to_a_name_over_255_bytes_is_one_save_error(tmp_path):
    from rnntui.errors import SaveError

    with pytest.raises(SaveError, match="312 bytes long") as refused:
        save_tiny_checkpoint(tmp_path / (LONG_NAME + ".safetensors"))
    assert len(str(refused.value).splitlines()) == 1 and list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ training: overflow, lost output, kills


def test_a_learning_rate_that_overflows_the_weights_saves_the_last_good_ones_with_the_reason(tmp_path):
    from rnntui.train.train_config import TrainConfig
    from rnntui.train.trainer import Trainer
    from rnntui.engine.corpus import shipped_corpus

    out = tmp_path / "run"
    result = run("train", "abc", *TINY, "--lr", "1e300", "--eval-every", 5, "--steps", 40, "--out", out)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "kept the last good weights" in errors[0] and "Traceback" not in result.output
    saved = load_checkpoint(out / "last.safetensors")  # loads, so every weight is finite
    assert (out / "optimizer.safetensors").is_file() and int(saved.metadata["step"]) >= 5
    # No update of that size could be kept: the last good weights are the seed's.
    config = TrainConfig(hidden_size=8, num_layers=1, seq_len=20, batch_size=4, precision="fp32", threads=1)
    initial = Trainer(config, shipped_corpus("abc")).model.numpy_params()
    for name, value in initial.items():
        assert np.array_equal(saved.params[name], value), name


def train_until_it_has_stepped(args: list[str], out: Path, **popen) -> subprocess.Popen:
    """`rnntui train ARGS` in a subprocess, returned once its metrics.jsonl shows a step."""
    process = subprocess.Popen(RNNTUI + args, **popen)
    deadline = time.monotonic() + 120
    while not (out / "metrics.jsonl").exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    return process


@pytest.mark.parametrize("nproc", [[], ["--nproc", "2"]], ids=["one-process", "nproc-2"])
def test_a_closed_stdout_pipe_stops_training_which_saves_and_says_so(tmp_path, nproc):
    out = tmp_path / "run"
    process = train_until_it_has_stepped(["train", "pydoc", *TINY, "--minutes", "5", "--eval-every", "5",
                                          "--out", str(out), *nproc], out,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        process.stdout.close()  # the reader goes away (`| head`, a closed terminal): the next line fails
        process.wait(timeout=120)
        stderr = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1] == "error: cannot write the output: Broken pipe"
    assert int(load_checkpoint(out / "last.safetensors").metadata["step"]) >= 1
    assert (out / "optimizer.safetensors").is_file() and not list(out.glob(".*.tmp"))
    assert processes_mentioning(str(tmp_path)) == []


def test_train_with_its_output_on_a_full_device_saves_and_says_so_once(tmp_path):
    out = tmp_path / "run"
    with open("/dev/full", "w") as full:
        done = subprocess.run(RNNTUI + ["train", "abc", *TINY, "--steps", "30", "--out", str(out)], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["error: cannot write the output: No space left on device"]
    assert (out / "last.safetensors").is_file() and (out / "optimizer.safetensors").is_file()


def test_a_run_that_ends_before_step_1_claims_only_what_it_saved(tmp_path):
    out = tmp_path / "run"
    result = run("train", "abc", *TINY, "--minutes", "1e-9", "--out", out)
    assert result.exit_code == 0, result.output
    assert f"saved {out}/last.safetensors (no evaluation ran, so there is no best.safetensors)" in result.output
    assert "and best.safetensors" not in result.output
    assert (out / "last.safetensors").is_file() and not (out / "best.safetensors").exists()


def test_kill_9_at_any_moment_never_leaves_a_run_that_resume_refuses(tmp_path):
    import random

    out, rng = tmp_path / "run", random.Random(0)
    args = ["train", "abc", *TINY, "--eval-every", "1", "--minutes", "5", "--out", str(out), "--quiet"]
    for _ in range(4):  # saves every step: each kill lands in or near one
        process = train_until_it_has_stepped(args, out, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.2, 1.5))
        process.kill()
        process.wait()
        process.stderr.close()
        args = ["train", "--resume", str(out), "--quiet"]
    result = run("train", "--resume", out, "--steps", int(load_checkpoint(out / "last.safetensors").metadata["step"]) + 3,
                 "--quiet")
    assert result.exit_code == 0, result.output
    assert not list(out.glob(".*.tmp")) and not (out / ".saving.json").exists()
    assert processes_mentioning(str(tmp_path)) == []


# ------------------------------------------------------------------ resuming a bf16 run without bf16


@needs_bf16("lstm")
@pytest.mark.parametrize("saved_as", ["bf16", "auto"])
def test_a_bf16_run_resumed_where_bf16_cannot_run_continues_in_fp32_with_a_warning(tmp_path, monkeypatch, saved_as):
    import rnntui.train.trainer as trainer_module
    from rnntui.engine.corpus import shipped_corpus
    from rnntui.train import precision
    from rnntui.train.train_config import TrainConfig
    from rnntui.train.trainer import Trainer

    corpus, out = shipped_corpus("abc"), tmp_path / "run"
    config = TrainConfig(hidden_size=16, num_layers=2, seq_len=20, batch_size=4, eval_every=3, steps=6,
                         sample_length=0, threads=1, precision=saved_as)
    if saved_as == "auto":  # as on an AMX machine, where `auto` picks bf16
        monkeypatch.setattr(trainer_module, "resolve_precision", lambda *args: "bf16")
    first = Trainer(config, corpus, out)
    assert first.precision == "bf16"
    first.run()
    monkeypatch.undo()
    monkeypatch.setenv(precision.FAKE_NO_BF16, "1")
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    result = run("train", "--resume", copy, "--steps", 9)  # from the command line: one warning line, then on
    assert result.exit_code == 0 and "warning: this run was saved in bf16" in result.output
    one_line_error(run("train", "--resume", out, "--steps", 9, "--precision", "bf16"), "--precision fp32")
    resumed = Trainer.resume(out, corpus, {"steps": 9})
    assert resumed.precision == "fp32" and len(resumed.resume_warnings) == 1
    assert "continues in fp32" in resumed.resume_warnings[0]
    assert resumed.run().reason == "steps" and resumed.state[0].dtype == __import__("torch").float32


@pytest.mark.parametrize("signum, code, whole_group", [(signal.SIGINT, 130, True), (signal.SIGTERM, 143, False)],
                         ids=["ctrl-c-at-the-terminal", "sigterm-to-the-launcher"])
def test_nproc_2_stopped_by_a_signal_saves_and_exits_like_one_process(tmp_path, signum, code, whole_group):
    out = tmp_path / "run"
    process = train_until_it_has_stepped(["train", "pydoc", *TINY, "--minutes", "5", "--out", str(out), "--nproc", "2"],
                                         out, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                         start_new_session=True)  # its own group, as a terminal's job is
    try:
        time.sleep(1)
        if whole_group:  # Ctrl-C at a terminal reaches the launcher and its workers
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr and "stopped at step" in stdout
    assert int(load_checkpoint(out / "last.safetensors").metadata["step"]) >= 1
    assert processes_mentioning(str(tmp_path)) == []
