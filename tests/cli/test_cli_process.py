"""The `deepbiop` command line as a user's shell runs it (deepbiop/__main__.py,
deepbiop/cli/): ``python -m deepbiop``, the console script's entry point, the
progress bar on a terminal (a pseudo-terminal from the ``pty`` module) and
not in a pipe, and Ctrl-C / SIGTERM exits that leave no temporary file."""

from __future__ import annotations

import fcntl
import importlib
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

import deepbiop
from deepbiop.datasets import make_motif_sequences, write_fastq

ROOT = Path(deepbiop.__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
DEEPBIOP = [sys.executable, "-m", "deepbiop"]


@pytest.fixture(scope="module")
def reads(tmp_path_factory):
    path = tmp_path_factory.mktemp("proc") / "reads.fastq.gz"
    seqs, y = make_motif_sequences(3000, 100, seed=4)
    write_fastq(path, seqs, y)
    return path


def test_python_m_deepbiop():
    out = subprocess.run(
        [*DEEPBIOP, "--help"], capture_output=True, text=True, env=ENV, timeout=120
    )
    assert out.returncode == 0 and "Commands:" in out.stdout
    for command in ("encode", "kmers", "tokenize", "info"):
        assert command in out.stdout


def test_console_script_entry_point():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    with open(ROOT / "pyproject.toml", "rb") as fh:
        target = tomllib.load(fh)["project"]["scripts"]["deepbiop"]
    module, _, attr = target.partition(":")
    assert callable(getattr(importlib.import_module(module), attr))
    assert target == "deepbiop.cli:main"


def _run_on_terminal(args, sized: bool) -> tuple[int, str]:
    """Run with standard output and error on a pseudo-terminal; its output."""
    master, slave = pty.openpty()
    if sized:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    proc = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=ENV, close_fds=True
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 1 << 16)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize("sized", [True, False], ids=["sized", "0x0-terminal"])
def test_progress_bar_on_a_terminal_only(tmp_path, reads, sized):
    args = [*DEEPBIOP, "encode", str(reads), "-e", "kmer", "-k", "3", "--chunk-size", "500"]
    rc, screen = _run_on_terminal([*args, "-o", str(tmp_path / "t.npy")], sized)
    assert rc == 0, screen
    assert "reads.fastq.gz: 100%" in screen and "3.00k records, 300k bp" in screen
    piped = subprocess.run(
        [*args, "-o", str(tmp_path / "p.npy")], capture_output=True, env=ENV, timeout=120
    )
    assert piped.returncode == 0 and piped.stderr == b"" and piped.stdout == b""
    rc, screen = _run_on_terminal([*args, "-q", "-o", str(tmp_path / "q.npy")], sized)
    assert rc == 0 and screen == ""


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_exits_cleanly_and_removes_the_temporary(tmp_path, sig, status):
    out = tmp_path / "x.npy"
    proc = subprocess.Popen(
        [*DEEPBIOP, "encode", "-", "-e", "kmer", "-o", str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    proc.stdin.write(b"@r0\nACGT\n+\nIIII\n" * 100)  # then no end of input: it waits to read
    proc.stdin.flush()
    deadline = time.monotonic() + 120
    while not os.listdir(tmp_path):  # the outputs' temporaries are created before reading
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"no temporary output appeared: {proc.communicate()[1]!r}")
        time.sleep(0.05)
    assert all(n.startswith(".x.") and n.endswith(".tmp") for n in os.listdir(tmp_path))
    time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert err == (b"deepbiop: interrupted\n" if sig == signal.SIGINT else b"")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_max_memory_count_removes_its_bins(tmp_path, sig, status):
    """deepbiop kmers --max-memory stopped while it bins k-mers on disk: no bin
    and no output is left behind."""
    bins = tmp_path / "bins"
    bins.mkdir()
    proc = subprocess.Popen(
        [*DEEPBIOP, "kmers", "-", "-k", "21", "--max-memory", "240M", "--tmp-dir", str(bins),
         "-o", str(tmp_path / "k.tsv")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )  # fmt: skip
    rng = __import__("numpy").random.default_rng(0)
    genome = rng.choice(list(b"ACGT"), 4_000_000).astype("uint8").tobytes()
    proc.stdin.write(b">chr1\n" + genome + b"\n")  # then no end of input: it waits to read
    proc.stdin.flush()
    deadline = time.monotonic() + 120
    while not os.listdir(bins):  # the bins' directory appears once a chunk is spilled
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"no bins appeared: {proc.communicate()[1]!r}")
        time.sleep(0.05)
    time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    if sig == signal.SIGINT:
        assert err.endswith(b"deepbiop: interrupted\n")
    assert os.listdir(bins) == [] and os.listdir(tmp_path) == ["bins"]
