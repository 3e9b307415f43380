"""Ranks: explicit rank/world_size, a real two-rank gloo group with DataLoader
workers of every start method, the rank pickled for spawn workers, and
RANK/WORLD_SIZE from the environment (deepbiop._distributed through the
datasets of deepbiop.torch)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

# importorskip("torch") would pass for this directory (tests/torch/) taken as a
# namespace package when torch is missing: ask for a submodule
pytest.importorskip("torch.utils.data")
import torch
from _torch_helpers import Draw, draws
from torch.utils.data import DataLoader

import deepbiop as dbp
from deepbiop import augment as aug
from deepbiop.datasets import write_fasta, write_fastq
from deepbiop.torch import FastxBatchDataset, FastxDataset, SequenceDataset


def test_explicit_ranks_draw_different_streams(tmp_path):
    # rank/world_size passed by hand (no torch.distributed group) must key the
    # augmentation stream like a real rank: entropy (seed, epoch, rank, worker)
    p = tmp_path / "same.fa"
    write_fasta(p, ["ACGT"] * 20)
    r0 = list(FastxDataset(p, transform=Draw(), seed=7, rank=0, world_size=2))
    r1 = list(FastxDataset(p, transform=Draw(), seed=7, rank=1, world_size=2))
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
        FastxDataset(p, transform=Draw(), seed=7),
        FastxBatchDataset(p, dbp.IntegerEncoder(), batch_size=2, seed=7),
        SequenceDataset(["ACGT"] * 16, transform=Draw(), seed=7),
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
    assert list(FastxDataset(p, transform=Draw(), seed=7)) == list(
        FastxDataset(p, transform=Draw(), seed=7, rank=1, world_size=2)
    )
    got = draws(FastxDataset(p, transform=Draw(), seed=7), 2)
    assert got == draws(FastxDataset(p, transform=Draw(), seed=7, rank=1, world_size=2), 2)
    assert len(got) == 10
    # explicit arguments win
    assert len(list(FastxDataset(p, rank=0, world_size=4))) == 5
    monkeypatch.setenv("RANK", "2")
    with pytest.raises(ValueError, match=r"RANK='2' and WORLD_SIZE='2'.*0 <= RANK < WORLD_SIZE"):
        list(FastxDataset(p))
    monkeypatch.delenv("WORLD_SIZE")  # only one of the two: not a torchrun environment
    assert len(list(FastxDataset(p))) == 20
