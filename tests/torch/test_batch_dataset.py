"""deepbiop.torch.batch_dataset: FastxBatchDataset (whole encoded batches per
step): every record once over byte ranges, file shards and chunks, seeded
batch augmentations, labels, the gzip warning, shuffling, fork workers."""

from __future__ import annotations

import collections
import os
import pickle

import numpy as np
import pytest

# importorskip("torch") would pass for this directory (tests/torch/) taken as a
# namespace package when torch is missing: ask for a submodule
pytest.importorskip("torch.utils.data")
import torch
from _torch_helpers import N_READS, Draw, batch_ids
from torch.utils.data import DataLoader

import deepbiop as dbp
from deepbiop import augment as aug
from deepbiop.datasets import make_motif_sequences, write_fasta, write_fastq
from deepbiop.io import HeaderLabel
from deepbiop.torch import FastxBatchDataset


@pytest.mark.parametrize("num_workers", [0, 2])
def test_batch_dataset_each_record_once_compact(reads_gz, num_workers):
    path, seqs, y = reads_gz
    enc = dbp.OneHotEncoder("dna", "skip", channels_first=True, dtype=np.uint8)
    ds = FastxBatchDataset(
        path, enc, batch_size=128, label_fn=HeaderLabel(), return_ids=True, mask_dtype=torch.bool
    )
    loader = DataLoader(ds, batch_size=None, num_workers=num_workers, pin_memory=True)
    seen, sizes = set(), []
    for batch in loader:
        x, lab, lens, mask = (batch[k] for k in ("inputs", "labels", "lengths", "attention_mask"))
        B = len(batch["ids"])
        sizes.append(B)
        assert x.dtype == torch.uint8 and x.shape == (B, 4, int(lens.max()))
        assert mask.dtype == torch.bool and mask.shape == (B, x.shape[2])
        assert lab.dtype == torch.int64 and lens.dtype == torch.int64
        assert (mask.sum(1) == lens).all()
        idx = [int(r[4:]) for r in batch["ids"]]
        assert seen.isdisjoint(idx)
        seen.update(idx)
        assert lab.tolist() == [int(y[i]) for i in idx]
        np.testing.assert_array_equal(x.numpy(), enc.encode_batch([seqs[i] for i in idx]))
    assert seen == set(range(N_READS))
    # every batch is one chunk of 128 consecutive records; only the stream's last is short
    assert sorted(sizes)[1:] == [128] * (len(sizes) - 1) and sum(sizes) == N_READS


def test_batch_dataset_shards_chunks_across_files_ranks_and_workers(tmp_path):
    paths, want = [], []
    for f in range(3):
        seqs, _ = make_motif_sequences(45 + 7 * f, (12, 30), seed=f)
        p = tmp_path / f"part{f}.fq.gz"
        write_fastq(p, seqs, seed=f)
        paths.append(p)
        want += [f"read{i}" for i in range(len(seqs))]
    n = len(want)  # 156 records; chunks of 16 span file boundaries
    enc = dbp.IntegerEncoder("dna", "unknown")
    per_shard = []
    for rank in range(2):
        ds = FastxBatchDataset(paths, enc, batch_size=16, return_ids=True, rank=rank, world_size=2)
        got = []
        for b in DataLoader(ds, batch_size=None, num_workers=2):
            got.append(b["ids"])
        per_shard.append(got)
    flat = [i for shard in per_shard for b in shard for i in b]
    assert len(flat) == n and collections.Counter(flat) == collections.Counter(want)
    # shard s of 4 (rank * 2 + worker) holds chunks s, s + 4, ...: rebuild them in-process
    stream = [r.id for r in dbp.io.iter_records(paths)]
    chunks = [stream[c : c + 16] for c in range(0, n, 16)]
    for rank in range(2):
        for w in range(2):
            mine = chunks[rank * 2 + w :: 4]
            assert per_shard[rank][w::2] == mine  # DataLoader alternates workers 0, 1, ...
    # drop_last drops each shard's short final batch only
    short = FastxBatchDataset(paths, enc, batch_size=16, drop_last=True)
    assert sum(len(b["lengths"]) for b in short) == (n // 16) * 16


def test_batch_dataset_augmentation_seeded_and_reproducible(reads_gz):
    path, seqs, _ = reads_gz
    t = aug.Compose([aug.RandomReverseComplement(0.5), aug.RandomMutation(0.05)])
    enc = dbp.IntegerEncoder("dna", "unknown", dtype="int8")

    def run(ds, workers):
        return [
            (tuple(b["ids"]), b["inputs"])
            for b in DataLoader(ds, batch_size=None, num_workers=workers)
        ]

    def make(**kw):
        return FastxBatchDataset(
            path, enc, batch_size=200, transform=t, seed=3, return_ids=True, **kw
        )

    a, b = run(make(), 2), run(make(), 2)
    assert len(a) == 15 and all(x[0] == y[0] and torch.equal(x[1], y[1]) for x, y in zip(a, b))
    # in-process: one generator, worker_rng(seed, epoch), over this shard's batches in order
    solo = run(make(), 0)
    rng = aug.worker_rng(3)
    for ids, x in solo:
        raw = [seqs[int(i[4:])] for i in ids]
        np.testing.assert_array_equal(x.numpy(), enc.encode_batch(t.batch(raw, random_state=rng)))
    # worker 0 of 2 draws like shard 0 of 2 in-process; worker 1 differs
    shard0 = run(make(rank=0, world_size=2), 0)
    assert all(x[0] == y[0] and torch.equal(x[1], y[1]) for x, y in zip(a[0::2], shard0))
    plain = {ids: enc.encode_batch([seqs[int(i[4:])] for i in ids]) for ids, _ in a}
    changed = [float((x.numpy() != plain[ids]).mean()) for ids, x in a]
    assert all(0.02 < c < 0.9 for c in changed)  # every batch augmented
    ds = make()
    ds.set_epoch(1)
    e1 = run(ds, 2)
    assert sum(not torch.equal(x[1], y[1]) for x, y in zip(a, e1)) == len(a)


def test_batch_dataset_per_item_transforms_and_labels_table(tmp_path):
    p = tmp_path / "x.fa"
    write_fasta(p, ["ACGT", "GG", "TTTA", "C", "AAAA"])
    enc = dbp.IntegerEncoder("dna", dtype="int64")
    ds = FastxBatchDataset(
        p, enc, batch_size=2, transform=str.lower, labels={f"seq{i}": float(i) for i in range(5)}
    )
    out = list(ds)
    assert [b["labels"].tolist() for b in out] == [[0.0, 1.0], [2.0, 3.0], [4.0]]
    assert out[0]["labels"].dtype == torch.float32
    unk = dbp.IntegerEncoder("dna", "unknown")
    draws = list(
        FastxBatchDataset(p, unk, batch_size=5, transform=Draw(), seed=1, max_length=6)
    )  # a callable without .batch: per item
    rng = aug.worker_rng(1)
    want = unk.encode_batch(
        [Draw()(s, random_state=rng)[:6] for s in ["ACGT", "GG", "TTTA", "C", "AAAA"]]
    )
    np.testing.assert_array_equal(draws[0]["inputs"].numpy(), want)
    missing = FastxBatchDataset(p, enc, batch_size=2, labels={"seq0": 1, "seq1": 0, "seq2": 1})
    with pytest.raises(KeyError, match=r"x\.fa': record 3 \(0-based, id 'seq3'\) has no entry"):
        list(missing)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        FastxBatchDataset(p, enc, batch_size=0)
    with pytest.raises(ValueError, match="mask_dtype must be None or one of"):
        FastxBatchDataset(p, enc, mask_dtype=torch.float16)
    with pytest.raises(ValueError, match="pass label_fn or labels, not both"):
        FastxBatchDataset(p, enc, labels={}, label_fn=HeaderLabel())
    assert len(pickle.dumps(FastxBatchDataset(p, enc, label_fn=HeaderLabel()))) < 4000


def test_header_label_batch_matches_per_record():
    f = HeaderLabel()
    heads = ["r label=1", "r mylabel=5 label=3", "r a=1;label=2", "label=4 r", "r\tlabel=0 label=9"]
    assert f.batch(heads) == [f(h) for h in heads] == [1, 3, 2, 4, 0]
    with pytest.raises(KeyError, match="header 'r x=1' has no 'label=' field"):
        f.batch(["r label=1", "r x=1", "label=3"])
    with pytest.raises(ValueError, match="invalid literal for int"):
        f.batch(["r label=1.5"])
    assert HeaderLabel(dtype=None).batch(["a label=x", "b label=0.5"]) == ["x", 0.5]


@pytest.mark.parametrize("world", [1, 2, 3])
@pytest.mark.parametrize("workers", [0, 1, 2])
def test_batch_dataset_byte_ranges_each_record_once(reads_gz, reads_bgzf, world, workers):
    _, seqs, y = reads_gz
    enc = dbp.IntegerEncoder("dna", "unknown", dtype=np.uint8, pad_value=255)
    seen = []
    for rank in range(world):
        ds = FastxBatchDataset(
            reads_bgzf,
            enc,
            batch_size=100,
            label_fn=HeaderLabel(),
            return_ids=True,
            rank=rank,
            world_size=world,
        )
        for b in DataLoader(ds, batch_size=None, num_workers=workers):
            assert type(b) is dict and b["inputs"].dtype == torch.uint8  # as in-process
            idx = [int(r[4:]) for r in b["ids"]]
            seen += idx
            assert b["labels"].tolist() == [int(y[i]) for i in idx]
            np.testing.assert_array_equal(
                b["inputs"].numpy(), enc.encode_batch([seqs[i] for i in idx])
            )
    assert sorted(seen) == list(range(N_READS))
    if workers == 0:  # byte ranges are runs of the file: ranks in order give the file in order
        assert seen == sorted(seen)


def test_batch_dataset_file_shards_read_only_their_files(tmp_path):
    paths = []
    for f in range(4):
        p = tmp_path / f"part{f}.fa.gz"
        write_fasta(p, make_motif_sequences(20 + f, 30, seed=f)[0])
        paths.append(p)
    enc = dbp.IntegerEncoder("dna", "unknown")
    got = batch_ids(FastxBatchDataset(paths, enc, batch_size=8, return_ids=True), 2)
    flat = [i for b in got for i in b]
    # shard 0 = files 0, 2 and shard 1 = files 1, 3, in full: each sees only its files
    per_file = [[r.id for r in dbp.io.iter_records(p)] for p in paths]
    shard0 = [i for b in got[0::2] for i in b]
    assert len(flat) == sum(map(len, per_file))
    assert shard0[: len(per_file[0])] == per_file[0]
    assert shard0[len(per_file[0]) :] == per_file[2]


def test_one_gzip_file_warns_and_still_yields_each_record_once(reads_gz):
    path = reads_gz[0]
    enc = dbp.IntegerEncoder("dna", "unknown")
    ids = []
    with pytest.warns(
        UserWarning,
        match=r"reads\.fastq\.gz'.*cannot be entered in the middle"
        r".*to_bgzf",
    ) as rec:
        for rank in range(2):
            ids += [
                i
                for b in FastxBatchDataset(
                    path, enc, batch_size=64, return_ids=True, rank=rank, world_size=2
                )
                for i in b["ids"]
            ]
    assert len(rec) == 1  # rank 0's shard warns, once
    assert sorted(ids) == sorted(f"read{i}" for i in range(N_READS))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to warn about
        list(FastxBatchDataset(path, enc, rank=0, world_size=2, shard="chunk"))
        list(FastxBatchDataset(path, enc))
    with pytest.raises(ValueError, match="shard must be 'auto' or 'chunk', got 'file'"):
        FastxBatchDataset(path, enc, shard="file")


def test_batch_dataset_shuffle_buffer(reads_bgzf):
    enc = dbp.IntegerEncoder("dna", "unknown")

    def run(seed, epoch=0, workers=2, **kw):
        ds = FastxBatchDataset(
            reads_bgzf, enc, batch_size=128, return_ids=True, seed=seed, shuffle_buffer=500, **kw
        )
        ds.set_epoch(epoch)
        return batch_ids(ds, workers)

    a = run(1)
    flat = [i for b in a for i in b]
    assert sorted(flat) == sorted(f"read{i}" for i in range(N_READS))
    assert a == run(1)  # reproducible
    assert a != run(2) and a != run(1, epoch=1)  # depends on the seed and the epoch
    plain = batch_ids(FastxBatchDataset(reads_bgzf, enc, batch_size=128, return_ids=True), 2)
    assert [sorted(b) for b in a] != [sorted(b) for b in plain]  # records really moved
    # worker 0 of 2 shuffles like shard 0 of 2 in-process (same records, same generator)
    s0 = run(1, workers=0, rank=0, world_size=2)
    assert [b for b in a if b in s0] == s0 and len(s0) >= len(a) // 2 - 1
    with pytest.raises(ValueError, match="shuffle_buffer must be a non-negative integer"):
        FastxBatchDataset(reads_bgzf, enc, shuffle_buffer=-1)


_FORK_CHILD = """
import sys, numpy as np, torch
from torch.utils.data import DataLoader
import deepbiop as dbp
import deepbiop.encoders._base as base
from deepbiop.torch import FastxBatchDataset

base._MIN_BASES_PER_THREAD = 1  # small batches really use both threads
path = sys.argv[1]
enc = dbp.IntegerEncoder("dna", "unknown", dtype=np.uint8, pad_value=255, n_jobs=2)
rng = np.random.default_rng(0)
big = ["".join(rng.choice(list("ACGT"), size=150)) for _ in range(20000)]
enc.encode_batch(big)  # the parent's OpenMP threads exist before the fork
def batches(shard, **kw):
    ds = FastxBatchDataset(path, enc, batch_size=64, return_ids=True, shard=shard)
    return {tuple(b["ids"]): b["inputs"] for b in DataLoader(ds, batch_size=None, **kw)}
def rows(batches):
    return {i: x[x != 255].tolist() for ids, xs in batches.items() for i, x in zip(ids, xs)}
want = batches("chunk", num_workers=0)
fork = dict(num_workers=2, multiprocessing_context="fork", timeout=60)
got = batches("chunk", **fork)  # every worker parses the file: the same batches
assert got.keys() == want.keys(), "different batches"
assert all(torch.equal(got[k], want[k]) for k in want), "different codes"
assert rows(batches("auto", **fork)) == rows(want), "byte ranges: different records"
print("OK", len(got))
"""


def test_fork_workers_encode_with_two_threads_after_parent_did(reads_bgzf):
    import subprocess
    import sys

    from deepbiop._kernels import _config

    if _config.sanitizer_enabled():
        pytest.skip("fork with live threads under ASan can deadlock its allocator")
    import deepbiop

    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [os.path.dirname(os.path.dirname(deepbiop.__file__)), os.environ.get("PYTHONPATH", "")]
        ),
    )
    try:
        res = subprocess.run(
            [sys.executable, "-c", _FORK_CHILD, str(reads_bgzf)],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"forked DataLoader workers hung (no result in 240 s)\n{exc.stderr}"
        ) from exc
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.startswith("OK")
