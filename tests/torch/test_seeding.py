"""deepbiop.torch._seeding: the augmentation stream of each dataset copy
(reproducible, different per worker, per epoch with set_epoch or persistent
workers) and the warning when non-persistent workers repeat an epoch."""

from __future__ import annotations

import copy
import os
import pickle
import tempfile

import pytest

# importorskip("torch") would pass for this directory (tests/torch/) taken as a
# namespace package when torch is missing: ask for a submodule
pytest.importorskip("torch.utils.data")
import torch
from _torch_helpers import N_READS, Draw, draws
from torch.utils.data import DataLoader

import deepbiop as dbp
from deepbiop import augment as aug
from deepbiop.datasets import write_fasta
from deepbiop.torch import EncodeCollate, FastxBatchDataset, FastxDataset, SequenceDataset


def test_persistent_workers_and_set_epoch(reads_gz):
    path, _, _ = reads_gz
    ds = FastxDataset(path, return_ids=True, seed=0, transform=aug.RandomMutation(0.05))
    loader = DataLoader(
        ds,
        batch_size=256,
        num_workers=2,
        persistent_workers=True,
        collate_fn=EncodeCollate(dbp.IntegerEncoder("dna", "unknown")),
    )
    e1 = {i: r for b in loader for i, r in zip(b["ids"], b["inputs"])}
    e2 = {i: r for b in loader for i, r in zip(b["ids"], b["inputs"])}
    assert len(e1) == len(e2) == N_READS
    # persistent workers continue their stream: epoch 2 mutates differently
    assert sum(not torch.equal(e1[k], e2[k]) for k in e1) > N_READS // 2


def _print_warnings(worker_id):
    """worker_init_fn: forked workers inherit pytest's warning recorder; print instead."""
    import sys
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):
        sys.stderr.write(f"{category.__name__}: {message}\n")

    warnings.showwarning = show


@pytest.fixture
def private_tempdir(tmp_path, monkeypatch):
    """An empty directory as ``tempfile.gettempdir()`` (also for spawned
    workers, through TMPDIR): what a test leaves in it, it wrote there."""
    d = tmp_path / "tmpdir"
    d.mkdir()
    monkeypatch.setenv("TMPDIR", str(d))
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    assert tempfile.gettempdir() == str(d) and os.listdir(d) == []
    return d


def _epochs(ds, n, **kw):
    """``n`` epochs of ``ds`` through one DataLoader of two workers that print
    their warnings to the inherited stderr."""
    kw.setdefault("num_workers", 2)
    loader = DataLoader(ds, batch_size=None, worker_init_fn=_print_warnings, **kw)
    return [list(loader) for _ in range(n)]


REPEAT = "is drawing the augmentation stream of epoch 0 a second time"


def test_repeated_epoch_without_set_epoch_warns_once(tmp_path, private_tempdir, capfd):
    p = tmp_path / "w.fa"
    write_fasta(p, ["ACGT"] * 40)
    ds = FastxDataset(p, transform=Draw(), seed=4)
    a, b, c = _epochs(ds, 3)
    assert a == b == c  # the repeat the warning is about
    err = capfd.readouterr().err  # workers write to the inherited stderr
    assert err.count(REPEAT) == 1 and "call dataset.set_epoch(epoch)" in err
    assert "DataLoader worker 0 (rank 0)" in err
    ds = FastxDataset(p, transform=Draw(), seed=4)
    for epoch in range(3):
        ds.set_epoch(epoch)
        _epochs(ds, 1)
    bds = FastxBatchDataset(
        p, dbp.IntegerEncoder(), batch_size=8, seed=1, transform=aug.RandomMutation(0.1)
    )
    first, second = _epochs(bds, 2, persistent_workers=True)
    assert not all(torch.equal(x["inputs"], y["inputs"]) for x, y in zip(first, second))
    _epochs(FastxDataset(p, transform=Draw()), 2)  # seed=None: new torch seed each epoch
    _epochs(FastxDataset(p), 2)  # nothing random: nothing to repeat
    seqs = SequenceDataset(["ACGT"] * 8, transform=Draw(), seed=4)
    _epochs(seqs, 1)
    seqs.set_epoch(1)
    _epochs(seqs, 1)
    assert REPEAT not in capfd.readouterr().err
    _epochs(seqs, 1)  # epoch 1 again: the map-style dataset warns too
    assert capfd.readouterr().err.count("stream of epoch 1 a second time") == 1
    # the detection lives in memory shared with the workers: no file anywhere
    assert os.listdir(private_tempdir) == []


def test_repeat_warning_reaches_spawned_workers(tmp_path, private_tempdir, capfd):
    # spawn workers get the dataset pickled while they start, the shared
    # memory with it; each re-imports torch, so one worker and two epochs
    p = tmp_path / "w.fa"
    write_fasta(p, ["ACGT"] * 4)
    ds = FastxDataset(p, transform=Draw(), seed=4)
    a, b = _epochs(ds, 2, num_workers=1, multiprocessing_context="spawn")
    assert a == b
    assert capfd.readouterr().err.count(REPEAT) == 1
    assert os.listdir(private_tempdir) == []


def test_copies_outside_a_starting_worker_get_a_stream_log_of_their_own(tmp_path):
    p = tmp_path / "w.fa"
    write_fasta(p, ["ACGT"] * 4)
    ds = FastxDataset(p, transform=Draw(), seed=4)
    # a plain pickle (no worker being started) cannot carry shared memory
    blob = pickle.dumps(ds)
    assert len(blob) < 2000
    for copy_ in (pickle.loads(blob), copy.deepcopy(ds)):
        assert copy_._stream_log is not None and copy_._stream_log is not ds._stream_log
        assert list(copy_) == list(FastxDataset(p, transform=Draw(), seed=4))
    with pytest.raises(ValueError, match="epoch must be a non-negative integer, got -1"):
        ds.set_epoch(-1)


def test_same_seed_identical_epoch_different_workers_differ(tmp_path):
    p = tmp_path / "same.fa"
    write_fasta(p, ["ACGT"] * 400)
    a = draws(FastxDataset(p, transform=Draw(), seed=7), 2)
    b = draws(FastxDataset(p, transform=Draw(), seed=7), 2)
    assert a == b and len(a) == 400  # same seed: identical epoch
    c = draws(FastxDataset(p, transform=Draw(), seed=8), 2)
    assert set(a).isdisjoint(c)
    # DataLoader interleaves workers 0, 1, 0, 1, ...: worker streams differ
    w0, w1 = a[0::2], a[1::2]
    assert set(w0).isdisjoint(w1)
    # a worker's stream is worker_rng(seed, epoch) of that worker id, i.e. the
    # entropy (seed, epoch, rank, worker); worker 0 equals the in-process stream
    # of shard 0 of 2
    solo = list(FastxDataset(p, transform=Draw(), seed=7, rank=0, world_size=2))
    assert solo == w0
    ds = FastxDataset(p, transform=Draw(), seed=7)
    ds.set_epoch(1)
    e1 = draws(ds, 2)
    assert set(e1).isdisjoint(a)
    ds2 = FastxDataset(p, transform=Draw(), seed=7)
    ds2.set_epoch(1)
    assert draws(ds2, 2) == e1


def test_seed_none_follows_torch_manual_seed(tmp_path):
    p = tmp_path / "same.fa"
    write_fasta(p, ["AC"] * 50)
    torch.manual_seed(3)
    a = draws(FastxDataset(p, transform=Draw()), 2)
    torch.manual_seed(3)
    b = draws(FastxDataset(p, transform=Draw()), 2)
    torch.manual_seed(4)
    c = draws(FastxDataset(p, transform=Draw()), 2)
    assert a == b and set(a).isdisjoint(c)


def test_forked_workers_do_not_inherit_main_stream(tmp_path):
    p = tmp_path / "same.fa"
    write_fasta(p, ["AC"] * 20)
    ds = FastxDataset(p, transform=Draw(), seed=2)
    main = list(ds)  # creates the main-process generator before forking
    w = draws(ds, 2)
    assert set(w[0::2]).isdisjoint(w[1::2])
    # worker 0 builds its own fresh stream, entropy (seed, epoch 0, rank 0,
    # worker 0), instead of continuing the 20 draws the parent already made
    assert w[0::2] == main[:10]


def test_sequence_dataset_seeded_transform_workers():
    seqs = ["ACGTACGTAC"] * 64
    t = aug.Compose([aug.RandomMutation(0.3), aug.RandomReverseComplement()])
    ds = SequenceDataset(seqs, transform=t, seed=5)
    run1 = [s for b in DataLoader(ds, batch_size=8, num_workers=2, collate_fn=list) for s in b]
    run2 = [
        s
        for b in DataLoader(
            SequenceDataset(seqs, transform=t, seed=5), batch_size=8, num_workers=2, collate_fn=list
        )
        for s in b
    ]
    assert run1 == run2 and len(set(run1)) > 32
    # batches alternate between workers: worker 0 got batches 0, 2, ...
    w0 = [s for k in range(0, 8, 2) for s in run1[8 * k : 8 * k + 8]]
    rng = aug.worker_rng(5)  # worker 0's stream, rebuilt in-process
    assert w0 == [t(s, random_state=rng) for s in seqs[:32]]
    plain = SequenceDataset(seqs, transform=str.lower)  # no random_state parameter
    assert plain[0] == "acgtacgtac"
