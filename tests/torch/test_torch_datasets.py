"""deepbiop.torch.datasets: SequenceDataset and FastxDataset (every record
once across workers and ranks, file sharding, spawn workers, errors) and the
spec's Use Case 1 trained through the dataset + DataLoader path."""

from __future__ import annotations

import collections
import pickle

import numpy as np
import pytest

# importorskip("torch") would pass for this directory (tests/torch/) taken as a
# namespace package when torch is missing: ask for a submodule
pytest.importorskip("torch.utils.data")
import torch
from _torch_helpers import N_READS, ids_of
from torch.utils.data import DataLoader

import deepbiop as dbp
from deepbiop import augment as aug
from deepbiop.datasets import make_motif_sequences, write_fasta
from deepbiop.io import HeaderLabel, SequenceFileError
from deepbiop.torch import EncodeCollate, FastxBatchDataset, FastxDataset, SequenceDataset


@pytest.mark.parametrize("num_workers", [0, 1, 2])
def test_fastq_gz_each_record_once(reads_gz, num_workers):
    path, seqs, y = reads_gz
    enc = dbp.OneHotEncoder("dna", "skip", channels_first=True)
    ds = FastxDataset(path, label_fn=HeaderLabel(), return_ids=True)
    loader = DataLoader(
        ds, batch_size=128, num_workers=num_workers, collate_fn=EncodeCollate(enc), pin_memory=True
    )
    seen = {}
    n_batches = 0
    for batch in loader:
        n_batches += 1
        x, lab, lens, mask = (batch[k] for k in ("inputs", "labels", "lengths", "attention_mask"))
        B = len(batch["ids"])
        assert x.dtype == torch.float32 and x.shape[:2] == (B, 4)
        assert x.shape[2] == int(lens.max())
        assert lab.dtype == torch.int64 and lab.shape == (B,)
        assert lens.dtype == torch.int64 and mask.shape == (B, x.shape[2])
        assert (mask.sum(1) == lens).all()
        for j, rid in enumerate(batch["ids"]):
            i = int(rid[4:])
            assert rid not in seen
            seen[rid] = True
            assert int(lab[j]) == y[i] and int(lens[j]) == len(seqs[i])
            want = enc.encode(seqs[i])
            np.testing.assert_array_equal(x[j, :, : len(seqs[i])].numpy(), want)
            assert float(x[j, :, len(seqs[i]) :].abs().sum()) == 0.0
    assert len(seen) == N_READS and n_batches >= N_READS // 128


def test_ranks_and_workers_partition_records(reads_gz):
    path, _, _ = reads_gz
    counts = collections.Counter()
    sizes = []
    for rank in range(3):
        ds = FastxDataset(path, return_ids=True, rank=rank, world_size=3)
        got = ids_of(
            DataLoader(
                ds,
                batch_size=200,
                num_workers=2,
                collate_fn=EncodeCollate(dbp.IntegerEncoder("dna", "unknown")),
            )
        )
        sizes.append(len(got))
        counts.update(got)
    assert len(counts) == N_READS and set(counts.values()) == {1}
    assert max(sizes) - min(sizes) <= 1  # record sharding keeps ranks balanced


def test_shard_by_file_and_multiple_files(tmp_path):
    paths, want = [], []
    for f in range(5):
        seqs, _ = make_motif_sequences(40 + f, 30, seed=f)
        p = tmp_path / f"part{f}.fa.gz"
        write_fasta(p, seqs)
        paths.append(p)
        want += seqs
    for shard in ("record", "file"):
        ds = FastxDataset(paths, shard=shard)
        got = [s for batch in DataLoader(ds, batch_size=None, num_workers=2) for s in [batch]]
        assert collections.Counter(got) == collections.Counter(want)
    # in-process order is the file order
    assert list(FastxDataset(paths)) == want


def test_spawn_workers(reads_gz):
    path, seqs, _ = reads_gz
    ds = FastxDataset(
        path,
        label_fn=HeaderLabel(),
        return_ids=True,
        transform=aug.RandomReverseComplement(0.5),
        seed=1,
    )
    # one spawned worker (each one re-imports torch: seconds on a shared CPU);
    # the point is that dataset, label function and collate pickle
    loader = DataLoader(
        ds,
        batch_size=500,
        num_workers=1,
        multiprocessing_context="spawn",
        collate_fn=EncodeCollate(dbp.KmerEncoder(k=3, canonical=True)),
    )
    ids = []
    enc = dbp.KmerEncoder(k=3, canonical=True)
    for batch in loader:
        ids += batch["ids"]
        assert batch["inputs"].shape[1] == 64 and "attention_mask" not in batch
        j = 0  # canonical counts do not see the random strand flip
        np.testing.assert_array_equal(
            batch["inputs"][j].numpy(), enc.encode(seqs[int(batch["ids"][j][4:])])
        )
    assert sorted(ids) == sorted(f"read{i}" for i in range(N_READS))


def test_shuffle_buffer(reads_gz):
    path, seqs, _ = reads_gz
    ds = FastxDataset(path, shuffle_buffer=256, seed=0)
    a = list(ds)
    assert sorted(a) == sorted(seqs) and a != seqs
    ds2 = FastxDataset(path, shuffle_buffer=256, seed=0)
    assert list(ds2) == a


def test_sequence_dataset_items_and_loader():
    seqs, y = make_motif_sequences(300, (20, 60), seed=2)
    enc = dbp.IntegerEncoder("dna", "unknown", dtype="int64")
    ds = SequenceDataset(seqs, y, encoder=enc)
    x0, y0 = ds[0]
    assert torch.equal(x0, torch.from_numpy(enc.encode(seqs[0]))) and y0 == y[0]
    assert isinstance(y0, int) and len(ds) == 300
    assert torch.equal(ds[-1][0], torch.from_numpy(enc.encode(seqs[-1])))
    raw = SequenceDataset(seqs, y)
    loader = DataLoader(
        raw,
        batch_size=64,
        shuffle=True,
        num_workers=2,
        collate_fn=EncodeCollate(enc, max_length=50),
    )
    total = 0
    for batch in loader:
        assert batch["inputs"].shape[1] == 50 and batch["inputs"].dtype == torch.int64
        assert int(batch["lengths"].max()) <= 50
        total += len(batch["labels"])
    assert total == 300
    with pytest.raises(IndexError, match="index 300 is out of range for 300 sequences"):
        ds[300]
    with pytest.raises(TypeError, match="index must be an integer"):
        ds["a"]
    with pytest.raises(ValueError, match="got 300 sequences but 2 labels"):
        SequenceDataset(seqs, [0, 1])


def test_fastx_dataset_errors(tmp_path):
    bad = tmp_path / "bad.fastq"
    bad.write_text("@r0\nACGT\n+\nIIII\n@r1\nACGT\n+\nIII\n")
    with pytest.raises(
        SequenceFileError,
        match=r"'.*bad\.fastq' at record 1 \(0-based\), line 8: "
        r"Length of sequence and qualities differ",
    ):
        list(FastxDataset(bad))
    # raised inside a worker, it reaches the main process with its message
    it = iter(DataLoader(FastxDataset(bad), batch_size=None, num_workers=1))
    with pytest.raises(SequenceFileError, match=r"record 1 \(0-based\), line 8"):
        list(it)
    del it  # shut the worker down now, not when the traceback is collected
    ok = tmp_path / "ok.fa"
    ok.write_text(">a\nAC\n>b\nGG\n")
    with pytest.raises(KeyError, match=r"ok\.fa': record 1 \(0-based, id 'b'\) has no entry"):
        list(FastxDataset(ok, labels={"a": 1}))
    assert list(FastxDataset(ok, labels={"a": 1, "b": 0})) == [("AC", 1), ("GG", 0)]
    assert list(FastxDataset(ok, encoder=dbp.IntegerEncoder(dtype="int64")))[1].tolist() == [2, 2]
    with pytest.raises(ValueError, match="pass label_fn or labels, not both"):
        FastxDataset(ok, labels={}, label_fn=HeaderLabel())
    with pytest.raises(ValueError, match="shard must be 'record' or 'file'"):
        FastxDataset(ok, shard="x")
    with pytest.raises(ValueError, match="rank must be in 0..world_size-1"):
        FastxDataset(ok, rank=2, world_size=2)
    with pytest.raises(ValueError, match="pass both rank and world_size"):
        FastxDataset(ok, rank=0)
    with pytest.raises(ValueError, match="^FastxDataset needs at least one file"):
        FastxDataset([])
    with pytest.raises(ValueError, match="^FastxBatchDataset needs at least one file"):
        FastxBatchDataset([], dbp.IntegerEncoder())
    assert len(pickle.dumps(FastxDataset(ok, label_fn=HeaderLabel()))) < 2000


def test_use_case_1_cnn_trains_through_dataloader():
    import torch.nn as nn

    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny model: extra threads only contend on a shared CPU
    try:
        seqs, y = make_motif_sequences(256, 40, motif_mutation_rate=0.0, seed=5)
        ds = SequenceDataset(seqs, y, transform=aug.RandomReverseComplement(0.5), seed=0)
        loader = DataLoader(
            ds,
            batch_size=32,
            shuffle=True,
            num_workers=2,
            persistent_workers=True,
            collate_fn=EncodeCollate(dbp.OneHotEncoder("dna", "skip")),
        )
        model = nn.Sequential(  # the spec's CNN, fed (B, L, 4) permuted as in the spec
            nn.Conv1d(4, 64, kernel_size=8, padding=3),
            nn.ReLU(),
            nn.MaxPool1d(2),
            nn.Conv1d(64, 128, kernel_size=8, padding=3),
            nn.ReLU(),
            nn.AdaptiveAvgPool1d(1),
            nn.Flatten(),
            nn.Linear(128, 2),
        )
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        epoch_loss = []
        for _ in range(8):
            losses = []
            for batch in loader:
                X = batch["inputs"].permute(0, 2, 1)  # [batch, 4, length]
                loss = nn.functional.cross_entropy(model(X), batch["labels"])
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
            epoch_loss.append(np.mean(losses))
    finally:
        torch.set_num_threads(threads)
    assert epoch_loss[-1] < epoch_loss[0] - 0.15, epoch_loss
