"""deepbiop.torch: datasets, sharding across workers/ranks, collate, seeding,
and the spec's Use Case 1 trained through the dataset + DataLoader path."""

from __future__ import annotations

import collections
import os
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader  # noqa: E402

import deepbiop as dbp  # noqa: E402
from deepbiop import augment as aug  # noqa: E402
from deepbiop.datasets import make_motif_sequences, write_fasta, write_fastq  # noqa: E402
from deepbiop.io import HeaderLabel, SequenceFileError  # noqa: E402
from deepbiop.torch import (  # noqa: E402
    EncodeCollate,
    FastxBatchDataset,
    FastxDataset,
    SequenceDataset,
)

N_READS = 3000


@pytest.fixture(scope="module")
def reads_gz(tmp_path_factory):
    """A FASTQ.gz with thousands of labelled reads of varied length."""
    seqs, y = make_motif_sequences(N_READS, (40, 120), seed=11)
    path = tmp_path_factory.mktemp("fq") / "reads.fastq.gz"
    write_fastq(path, seqs, y, seed=1)
    return path, seqs, y


def _ids_of(loader) -> list[str]:
    out = []
    for batch in loader:
        out.extend(batch["ids"])
    return out


# -- FastxDataset: exactly once across workers --------------------------------------------
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
        got = _ids_of(
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


# -- seeding: reproducible, different per worker -----------------------------------------------
class _Draw:
    """Transform that reveals the generator the dataset hands it."""

    def __call__(self, seq, random_state=None):
        return f"{seq}:{random_state.integers(0, 2**62)}"


def _draws(ds, num_workers, **kw):
    loader = DataLoader(ds, batch_size=None, num_workers=num_workers, **kw)
    return [item[0] if isinstance(item, tuple) else item for item in loader]


def _print_warnings(worker_id):
    """worker_init_fn: forked workers inherit pytest's warning recorder; print instead."""
    import sys
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):
        sys.stderr.write(f"{category.__name__}: {message}\n")

    warnings.showwarning = show


def test_repeated_epoch_without_set_epoch_warns_once(tmp_path, capfd):
    p = tmp_path / "w.fa"
    write_fasta(p, ["ACGT"] * 40)
    msg = "is drawing the augmentation stream of epoch 0 a second time"

    def epochs(ds, n, **kw):
        loader = DataLoader(
            ds, batch_size=None, num_workers=2, worker_init_fn=_print_warnings, **kw
        )
        return [list(loader) for _ in range(n)]

    ds = FastxDataset(p, transform=_Draw(), seed=4)
    a, b, c = epochs(ds, 3)
    assert a == b == c  # the repeat the warning is about
    err = capfd.readouterr().err  # workers write to the inherited stderr
    assert err.count(msg) == 1 and "call dataset.set_epoch(epoch)" in err
    ds = FastxDataset(p, transform=_Draw(), seed=4)
    for epoch in range(3):
        ds.set_epoch(epoch)
        epochs(ds, 1)
    bds = FastxBatchDataset(
        p, dbp.IntegerEncoder(), batch_size=8, seed=1, transform=aug.RandomMutation(0.1)
    )
    first, second = epochs(bds, 2, persistent_workers=True)
    assert not all(torch.equal(x["inputs"], y["inputs"]) for x, y in zip(first, second))
    epochs(FastxDataset(p, transform=_Draw()), 2)  # seed=None: new torch seed each epoch
    epochs(FastxDataset(p), 2)  # nothing random: nothing to repeat
    assert msg not in capfd.readouterr().err
    token = ds._stream_token
    del ds
    import gc
    import glob
    import tempfile

    gc.collect()
    assert glob.glob(f"{tempfile.gettempdir()}/{token}-*") == []  # markers removed


def test_same_seed_identical_epoch_different_workers_differ(tmp_path):
    p = tmp_path / "same.fa"
    write_fasta(p, ["ACGT"] * 400)
    a = _draws(FastxDataset(p, transform=_Draw(), seed=7), 2)
    b = _draws(FastxDataset(p, transform=_Draw(), seed=7), 2)
    assert a == b and len(a) == 400  # same seed: identical epoch
    c = _draws(FastxDataset(p, transform=_Draw(), seed=8), 2)
    assert set(a).isdisjoint(c)
    # DataLoader interleaves workers 0, 1, 0, 1, ...: worker streams differ
    w0, w1 = a[0::2], a[1::2]
    assert set(w0).isdisjoint(w1)
    # a worker's stream is worker_rng(seed, epoch) of that worker id, i.e. the
    # entropy (seed, epoch, rank, worker); worker 0 equals the in-process stream
    # of shard 0 of 2
    solo = list(FastxDataset(p, transform=_Draw(), seed=7, rank=0, world_size=2))
    assert solo == w0
    ds = FastxDataset(p, transform=_Draw(), seed=7)
    ds.set_epoch(1)
    e1 = _draws(ds, 2)
    assert set(e1).isdisjoint(a)
    ds2 = FastxDataset(p, transform=_Draw(), seed=7)
    ds2.set_epoch(1)
    assert _draws(ds2, 2) == e1


def test_explicit_ranks_draw_different_streams(tmp_path):
    # rank/world_size passed by hand (no torch.distributed group) must key the
    # augmentation stream like a real rank: entropy (seed, epoch, rank, worker)
    p = tmp_path / "same.fa"
    write_fasta(p, ["ACGT"] * 20)
    r0 = list(FastxDataset(p, transform=_Draw(), seed=7, rank=0, world_size=2))
    r1 = list(FastxDataset(p, transform=_Draw(), seed=7, rank=1, world_size=2))
    assert len(r0) == len(r1) == 10 and set(r0).isdisjoint(r1)
    ref = np.random.Generator(np.random.PCG64(np.random.SeedSequence([7, 0, 1, 0])))
    assert r1 == [f"ACGT:{ref.integers(0, 2**62)}" for _ in range(10)]
    enc = dbp.IntegerEncoder(dtype="int64")
    b = [
        next(
            iter(
                FastxBatchDataset(
                    p,
                    enc,
                    batch_size=10,
                    seed=7,
                    rank=r,
                    world_size=2,
                    transform=aug.RandomMutation(0.5),
                )
            )
        )["inputs"]
        for r in (0, 1)
    ]
    assert not torch.equal(b[0], b[1])


def test_seed_none_follows_torch_manual_seed(tmp_path):
    p = tmp_path / "same.fa"
    write_fasta(p, ["AC"] * 50)
    torch.manual_seed(3)
    a = _draws(FastxDataset(p, transform=_Draw()), 2)
    torch.manual_seed(3)
    b = _draws(FastxDataset(p, transform=_Draw()), 2)
    torch.manual_seed(4)
    c = _draws(FastxDataset(p, transform=_Draw()), 2)
    assert a == b and set(a).isdisjoint(c)


def test_forked_workers_do_not_inherit_main_stream(tmp_path):
    p = tmp_path / "same.fa"
    write_fasta(p, ["AC"] * 20)
    ds = FastxDataset(p, transform=_Draw(), seed=2)
    main = list(ds)  # creates the main-process generator before forking
    w = _draws(ds, 2)
    assert set(w[0::2]).isdisjoint(w[1::2])
    # worker 0 builds its own fresh stream, entropy (seed, epoch 0, rank 0,
    # worker 0), instead of continuing the 20 draws the parent already made
    assert w[0::2] == main[:10]


def test_shuffle_buffer(reads_gz):
    path, seqs, _ = reads_gz
    ds = FastxDataset(path, shuffle_buffer=256, seed=0)
    a = list(ds)
    assert sorted(a) == sorted(seqs) and a != seqs
    ds2 = FastxDataset(path, shuffle_buffer=256, seed=0)
    assert list(ds2) == a


# -- SequenceDataset -----------------------------------------------------------------------
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


# -- EncodeCollate ---------------------------------------------------------------------------
def test_encode_collate_forms_and_options():
    onehot = EncodeCollate(dbp.OneHotEncoder(), max_length=3)
    out = onehot(["ACGTT", "A"])
    assert out["inputs"].shape == (2, 3, 4) and "labels" not in out
    assert out["lengths"].tolist() == [3, 1]
    assert out["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    kmer = EncodeCollate(dbp.KmerEncoder(k=2), max_length=3)
    out = kmer(
        [
            {"sequence": "AAAAA", "label": 0.5, "id": "a"},
            {"sequence": "CC", "label": 1.5, "id": "b"},
        ]
    )
    assert out["inputs"][0, 0] == 2 and out["labels"].dtype == torch.float32  # cut to AAA
    assert out["ids"] == ["a", "b"] and "attention_mask" not in out
    flat = EncodeCollate(dbp.OneHotEncoder(flatten=True, max_length=4))
    assert "attention_mask" not in flat([b"AC"]) and flat([b"AC"])["inputs"].shape == (1, 16)
    lab = EncodeCollate(dbp.IntegerEncoder(), label_dtype=torch.float64)([("A", 1), ("C", 0)])
    assert lab["labels"].dtype == torch.float64
    empty = EncodeCollate(dbp.IntegerEncoder())([])
    assert empty["inputs"].shape == (0, 0) and empty["lengths"].shape == (0,)
    c2 = pickle.loads(pickle.dumps(onehot))
    assert torch.equal(c2(["AC"])["inputs"], onehot(["AC"])["inputs"])
    with pytest.raises(TypeError, match="item 0 is int"):
        onehot([1, 2])
    with pytest.raises(TypeError, match="encoder must have an encode_batch method"):
        EncodeCollate(object())
    with pytest.raises(ValueError, match="max_length must be a non-negative integer"):
        EncodeCollate(dbp.OneHotEncoder(), max_length=-1)
    with pytest.raises(TypeError, match="labels of dtype <U1 cannot become a tensor"):
        EncodeCollate(dbp.OneHotEncoder())([("A", "x")])
    with pytest.raises(ValueError, match=r"sequence 1 \(of 2\): invalid character 'N'"):
        EncodeCollate(dbp.IntegerEncoder())(["AC", "AN"])


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
    assert len(pickle.dumps(FastxDataset(ok, label_fn=HeaderLabel()))) < 2000


# -- FastxBatchDataset: whole encoded batches per step -------------------------------------------
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
        FastxBatchDataset(p, unk, batch_size=5, transform=_Draw(), seed=1, max_length=6)
    )  # a callable without .batch: per item
    rng = aug.worker_rng(1)
    want = unk.encode_batch(
        [_Draw()(s, random_state=rng)[:6] for s in ["ACGT", "GG", "TTTA", "C", "AAAA"]]
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


# -- spec Use Case 1 through the dataset path ---------------------------------------------
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


# -- DDP: a real two-rank gloo group, DataLoader workers of every start method -------------------
DDP_RECORDS = 48
DDP_CONTEXTS = ("spawn", "forkserver", "fork")


def _ddp_datasets(path, **shard):
    """Both FASTA/FASTQ datasets, chained so that one set of workers runs both."""
    t = aug.RandomMutation(0.3)
    return torch.utils.data.ChainDataset(
        [
            FastxDataset(path, transform=t, seed=5, return_ids=True, **shard),
            # equal shares per rank (checked below) need shard="chunk"; "auto" splits by bytes
            FastxBatchDataset(
                path,
                dbp.IntegerEncoder(dtype="int64"),
                batch_size=4,
                transform=t,
                seed=5,
                return_ids=True,
                shard="chunk",
                **shard,
            ),
        ]
    )


def _ddp_items(dataset, **loader_kw):
    """[FastxDataset items, FastxBatchDataset rows] as (id, augmented sequence
    or encoded row), in loader order."""
    single, rows = [], []
    for item in DataLoader(dataset, batch_size=None, num_workers=2, **loader_kw):
        if isinstance(item, dict):
            rows += [[i, row] for i, row in zip(item["ids"], item["inputs"].tolist())]
        else:
            single.append([item[2], item[0]])
    return [single, rows]


def _ddp_rank_main(rank, world_size, init_method, path, out_dir):
    """One rank: make the datasets BEFORE the process group exists, then read
    them through DataLoaders whose workers start by spawn, forkserver and fork."""
    import json
    import multiprocessing as mp

    import torch.distributed as dist

    datasets = {ctx: _ddp_datasets(path) for ctx in DDP_CONTEXTS}
    # forkserver workers fork from a server that has imported torch once
    mp.get_context("forkserver").set_forkserver_preload(["torch", "deepbiop.torch"])
    dist.init_process_group("gloo", init_method=init_method, rank=rank, world_size=world_size)
    try:
        got = {ctx: _ddp_items(datasets[ctx], multiprocessing_context=ctx) for ctx in DDP_CONTEXTS}
        with open(f"{out_dir}/rank{rank}.json", "w") as fh:
            json.dump(got, fh)
        dist.barrier()
    finally:
        dist.destroy_process_group()


def test_ddp_ranks_shard_and_seed_under_every_worker_start_method(tmp_path, monkeypatch):
    import json

    import torch.multiprocessing as tmp

    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):  # the process group alone decides
        monkeypatch.delenv(var, raising=False)
    path = str(tmp_path / "same.fq")
    write_fastq(path, ["ACGTACGTACGTACGTACGTACGTACGTACGT"] * DDP_RECORDS, seed=0)
    tmp.start_processes(
        _ddp_rank_main,
        nprocs=2,
        start_method="spawn",
        join=True,
        args=(2, f"file://{tmp_path}/ddp-init", path, str(tmp_path)),
    )
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    everything = {f"read{i}" for i in range(DDP_RECORDS)}
    # the (rank, worker) shards and streams that explicit rank=, world_size=
    # give in this process (no process group, forked workers)
    want = [_ddp_items(_ddp_datasets(path, rank=r, world_size=2)) for r in range(2)]
    for ctx in DDP_CONTEXTS:
        for d, name in enumerate(("FastxDataset", "FastxBatchDataset")):
            got = [ranks[r][ctx][d] for r in range(2)]
            ids = [[i for i, _ in got[r]] for r in range(2)]
            assert len(set(ids[0])) == len(ids[0]) == len(ids[1]) == DDP_RECORDS // 2, (ctx, name)
            assert set(ids[0]).isdisjoint(ids[1]), (ctx, name)  # ranks take different records
            assert set(ids[0]) | set(ids[1]) == everything, (ctx, name)  # ... and all of them
            # every input is the same sequence: equal outputs would be a repeated stream
            assert all(a[1] != b[1] for a, b in zip(*got)), (ctx, name)
            assert got == [want[r][d] for r in range(2)], (ctx, name)


def test_workers_without_process_group_use_the_rank_pickled_in_main(tmp_path, monkeypatch):
    # the mechanism behind the DDP test above, in-process: pickled while a
    # (faked) group says rank 1 of 2, read in a (faked) worker 1 of 2 that has
    # no group, as a spawn/forkserver worker is
    import types

    import torch.distributed as dist

    for var in ("RANK", "WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    p = tmp_path / "same.fa"
    write_fasta(p, ["ACGT"] * 16)
    made = [
        FastxDataset(p, transform=_Draw(), seed=7),
        FastxBatchDataset(p, dbp.IntegerEncoder(), batch_size=2, seed=7),
        SequenceDataset(["ACGT"] * 16, transform=_Draw(), seed=7),
    ]
    monkeypatch.setattr(dist, "is_initialized", lambda: True)
    monkeypatch.setattr(dist, "get_rank", lambda group=None: 1)
    monkeypatch.setattr(dist, "get_world_size", lambda group=None: 2)
    blobs = [pickle.dumps(ds) for ds in made]  # as the DataLoader starts its workers
    monkeypatch.setattr(dist, "is_initialized", lambda: False)
    info = types.SimpleNamespace(id=1, num_workers=2, seed=0)
    monkeypatch.setattr(torch.utils.data, "get_worker_info", lambda: info)
    fx, batch, seqs = (pickle.loads(b) for b in blobs)
    assert fx.shard_info() == batch.shard_info() == (3, 4)  # rank 1 x 2 workers + worker 1
    ref = np.random.Generator(np.random.PCG64(np.random.SeedSequence([7, 0, 1, 1])))
    assert list(fx) == [f"ACGT:{ref.integers(0, 2**62)}" for _ in range(4)]  # records 3, 7, ..
    ref = np.random.Generator(np.random.PCG64(np.random.SeedSequence([7, 0, 1, 1])))
    assert [seqs[i] for i in range(3)] == [f"ACGT:{ref.integers(0, 2**62)}" for _ in range(3)]
    # the copy left in the main process still asks the (now absent) group
    monkeypatch.setattr(torch.utils.data, "get_worker_info", lambda: None)
    assert made[0].shard_info() == (0, 1)


def test_rank_from_environment_as_fallback(tmp_path, monkeypatch):
    p = tmp_path / "same.fa"
    write_fasta(p, ["ACGT"] * 20)
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    # no process group: torchrun's RANK/WORLD_SIZE decide, also in workers
    assert list(FastxDataset(p, transform=_Draw(), seed=7)) == list(
        FastxDataset(p, transform=_Draw(), seed=7, rank=1, world_size=2)
    )
    got = _draws(FastxDataset(p, transform=_Draw(), seed=7), 2)
    assert got == _draws(FastxDataset(p, transform=_Draw(), seed=7, rank=1, world_size=2), 2)
    assert len(got) == 10
    # explicit arguments win
    assert len(list(FastxDataset(p, rank=0, world_size=4))) == 5
    monkeypatch.setenv("RANK", "2")
    with pytest.raises(ValueError, match=r"RANK='2' and WORLD_SIZE='2'.*0 <= RANK < WORLD_SIZE"):
        list(FastxDataset(p))
    monkeypatch.delenv("WORLD_SIZE")  # only one of the two: not a torchrun environment
    assert len(list(FastxDataset(p))) == 20


# -- real sharding: byte ranges, file shards, the gzip limit, shuffle, compact path --------------
def _batch_ids(ds, workers, **kw):
    return [list(b["ids"]) for b in DataLoader(ds, batch_size=None, num_workers=workers, **kw)]


@pytest.fixture(scope="module")
def reads_bgzf(tmp_path_factory, reads_gz):
    """The reads of ``reads_gz``, recompressed as BGZF (several blocks)."""
    path = tmp_path_factory.mktemp("bgzf") / "reads.fq.gz"
    dbp.io.to_bgzf(reads_gz[0], path)
    return path


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
    got = _batch_ids(FastxBatchDataset(paths, enc, batch_size=8, return_ids=True), 2)
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
        return _batch_ids(ds, workers)

    a = run(1)
    flat = [i for b in a for i in b]
    assert sorted(flat) == sorted(f"read{i}" for i in range(N_READS))
    assert a == run(1)  # reproducible
    assert a != run(2) and a != run(1, epoch=1)  # depends on the seed and the epoch
    plain = _batch_ids(FastxBatchDataset(reads_bgzf, enc, batch_size=128, return_ids=True), 2)
    assert [sorted(b) for b in a] != [sorted(b) for b in plain]  # records really moved
    # worker 0 of 2 shuffles like shard 0 of 2 in-process (same records, same generator)
    s0 = run(1, workers=0, rank=0, world_size=2)
    assert [b for b in a if b in s0] == s0 and len(s0) >= len(a) // 2 - 1
    with pytest.raises(ValueError, match="shuffle_buffer must be a non-negative integer"):
        FastxBatchDataset(reads_bgzf, enc, shuffle_buffer=-1)


@pytest.mark.parametrize("channels_first", [False, True])
def test_expand_codes_equals_onehot_skip(channels_first):
    from deepbiop.torch import ExpandCodes

    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGTNacgtnRY"), size=int(n))) for n in rng.integers(0, 40, 64)]
    codes = dbp.IntegerEncoder("dna", "unknown", dtype=np.uint8, pad_value=255).encode_batch(seqs)
    want = dbp.OneHotEncoder("dna", "skip", channels_first=channels_first).encode_batch(seqs)
    got = ExpandCodes(4, channels_first=channels_first)(torch.from_numpy(codes))
    assert got.dtype == torch.float32 and got.is_contiguous()
    np.testing.assert_array_equal(got.numpy(), want)  # N, R, Y and padding: zero rows
    # int64 codes with the default pad -1 expand the same way
    signed = dbp.IntegerEncoder("dna", "unknown", dtype="int64").encode_batch(seqs)
    np.testing.assert_array_equal(
        ExpandCodes(4, channels_first=channels_first)(torch.from_numpy(signed)).numpy(), want
    )
    with pytest.raises(TypeError, match="ExpandCodes takes integer codes, got a torch.float32"):
        ExpandCodes()(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="num_classes must be a positive integer, got 0"):
        ExpandCodes(0)


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


def test_worker_batches_cross_the_pipe_as_plain_dicts_of_tensors():
    from multiprocessing.reduction import ForkingPickler

    import torch.multiprocessing  # registers the tensor reducers

    from deepbiop.torch import _PipedBatch

    small = torch.arange(600, dtype=torch.uint8).reshape(4, 150)
    big = torch.zeros(3 << 20, dtype=torch.uint8)  # past the pipe limit: PyTorch's path
    sent = _PipedBatch(inputs=small, lengths=torch.tensor([1, 2]), ids=["a", "b"], big=big)
    got = pickle.loads(ForkingPickler.dumps(sent))
    assert type(got) is dict and got.keys() == sent.keys() and got["ids"] == ["a", "b"]
    assert all(torch.equal(got[k], sent[k]) for k in ("inputs", "lengths", "big"))
    got["inputs"][0, 0] = 7  # writable, and not shared with the sender
    assert int(small[0, 0]) == 0


def test_mask_dtype_none_leaves_the_mask_out_and_lengths_rebuild_it():
    import numpy as np
    import torch

    import deepbiop as dbp
    from deepbiop.torch import EncodeCollate

    seqs = ["ACGT", "GA", ""]
    with_mask = EncodeCollate(
        dbp.IntegerEncoder(dtype=np.uint8, pad_value=255), max_length=5, mask_dtype=torch.bool
    )(seqs)
    without = EncodeCollate(
        dbp.IntegerEncoder(dtype=np.uint8, pad_value=255), max_length=5, mask_dtype=None
    )(seqs)
    assert "attention_mask" not in without
    assert torch.equal(without["inputs"], with_mask["inputs"])
    rebuilt = torch.arange(5) < without["lengths"][:, None]
    assert torch.equal(rebuilt, with_mask["attention_mask"])
    with pytest.raises(ValueError, match="mask_dtype"):
        EncodeCollate(dbp.IntegerEncoder(), mask_dtype=torch.float16)
