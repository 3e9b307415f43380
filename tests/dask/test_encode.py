"""deepbiop.dask.encode, to_zarr and to_parquet on a LocalCluster: the same
arrays and files as one process (encode_batch of all the records, and
deepbiop.encode_file) for every partitioning."""

from __future__ import annotations

import os
import time

import dask.array as da
import dask.bag as db
import numpy as np
import pytest
import scipy.sparse as sp
from _dask_data import good_files, records

import deepbiop as dbp
from deepbiop.dask import encode, read_fastx, to_parquet, to_zarr

PARTITIONINGS = [None, 3000, 50_000]

ENCODERS = {
    "onehot": lambda: dbp.OneHotEncoder("dna", "skip", max_length=100),
    "onehot-flat-uint8": lambda: dbp.OneHotEncoder(
        max_length=40, flatten=True, channels_first=True, dtype="uint8"
    ),
    "integer": lambda: dbp.IntegerEncoder("dna", "unknown", max_length=120, dtype="int8"),
    "kmer-dense": lambda: dbp.KmerEncoder(k=4, canonical=True, normalize="l1"),
    "kmer-sparse-21": lambda: dbp.KmerEncoder(k=21, canonical=True, sparse=True),
    "kmer-compact-int": lambda: dbp.KmerEncoder(
        k=9, canonical="compact", sparse=True, dtype="int32"
    ),
    "kmer-hashed-21": lambda: dbp.KmerEncoder(k=21, canonical=True, n_features=2**20),
}


def _expected(encoder, seqs):
    return encoder.encode_batch(seqs)  # the reference: one process, one batch


def _same(got, want):
    if sp.issparse(want):
        assert sp.issparse(got) and got.shape == want.shape and got.dtype == want.dtype
        assert (got != want).nnz == 0
    else:
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("blocksize", PARTITIONINGS)
@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_frame_encoding_equals_one_process(client, datasets, name, blocksize):
    paths = good_files(datasets)
    enc = ENCODERS[name]()
    X = encode(read_fastx(paths, blocksize=blocksize), enc)
    assert isinstance(X, da.Array) and X.ndim >= 2
    if enc.get_params().get("sparse") or enc.get_params().get("n_features"):
        assert sp.issparse(X._meta)
    _same(X.compute(), _expected(enc, [r.sequence for r in records(paths)]))


def test_bag_and_array_inputs(client, datasets):
    seqs = [r.sequence for r in records(datasets["plain"])]
    enc = dbp.OneHotEncoder(max_length=64, dtype="uint8")
    want = enc.encode_batch(seqs)
    for n in (1, 3, 7):
        _same(encode(db.from_sequence(seqs, npartitions=n), enc).compute(), want)
    arr = da.from_array(np.array(seqs, dtype=object), chunks=37)
    X = encode(arr, enc)
    assert X.chunks[0] == arr.chunks[0]  # an input array's chunk sizes are known
    _same(X.compute(), want)


def test_transformer_encoder_gives_both_arrays(client, datasets):
    paths = [datasets["plain"], datasets["fasta"]]
    enc = dbp.TransformerEncoder("dna", k=3, max_length=64, padding="max_length", truncation=True)
    ids, mask = encode(read_fastx(paths, blocksize=4000), enc)
    want_ids, want_mask = enc.encode_batch([r.sequence for r in records(paths)])
    _same(ids.compute(), want_ids)
    _same(mask.compute(), want_mask)


def test_fitted_min_count_vocabulary_is_shipped_to_the_workers(client, datasets):
    seqs = [r.sequence for r in records(datasets["plain"])]
    enc = dbp.KmerEncoder(k=6, sparse=True, min_count=3).fit(seqs)
    X = encode(read_fastx(datasets["plain"], blocksize=3000), enc).compute()
    _same(X, enc.transform(seqs))


def test_variable_width_is_refused_with_a_clear_error(datasets):
    df = read_fastx(datasets["plain"])
    with pytest.raises(ValueError, match="pass max_length"):
        encode(df, dbp.OneHotEncoder())
    with pytest.raises(ValueError, match="padding='max_length'"):
        encode(df, dbp.TransformerEncoder(max_length=10))
    with pytest.raises(ValueError, match="draws by a sequence's index"):
        encode(df, dbp.OneHotEncoder("dna", "random", max_length=10, seed=0))
    with pytest.raises(TypeError, match="must be a OneHotEncoder"):
        encode(df, object())
    with pytest.raises(KeyError, match="no column 'seq'"):
        encode(df, dbp.KmerEncoder(k=3), column="seq")


def test_encoder_error_names_partition_and_record(client, datasets):
    df = read_fastx(datasets["plain"], blocksize=4000)
    enc = dbp.IntegerEncoder("dna", "error", max_length=150)
    with pytest.raises(
        ValueError,
        match=r"cannot encode partition \d+ at record \d+ \(0-based, id 'p\d+'\): "
        r"invalid character 'N'",
    ):
        encode(df, enc).compute()


@pytest.mark.parametrize("blocksize", [None, 3000])
def test_to_zarr_equals_encode_file(client, datasets, tmp_path, blocksize):
    zarr = pytest.importorskip("zarr")
    paths = good_files(datasets)
    enc = dbp.OneHotEncoder(max_length=50, dtype="uint8")
    ref = dbp.encode_file(paths, enc, str(tmp_path / "ref.zarr"), label_key="label").paths[0]
    df = read_fastx(paths, blocksize=blocksize, label_keys="label")
    out = to_zarr(df, enc, str(tmp_path / "out.zarr"))
    a, b = zarr.open_group(ref, mode="r"), zarr.open_group(out, mode="r")
    assert sorted(a.keys()) == sorted(b.keys()) == ["ids", "label", "onehot"]
    for key in a.keys():
        assert (a[key].shape, a[key].chunks, a[key].dtype) == (
            b[key].shape,
            b[key].chunks,
            b[key].dtype,
        )
        np.testing.assert_array_equal(a[key][:], b[key][:])
    assert sorted(os.listdir(tmp_path)) == ["out.zarr", "ref.zarr"]  # no work left behind
    with pytest.raises(FileExistsError, match="exists"):
        to_zarr(df, enc, out)


def test_to_zarr_refuses_sparse(datasets, tmp_path):
    with pytest.raises(ValueError, match="to_parquet"):
        to_zarr(
            read_fastx(datasets["plain"]),
            dbp.KmerEncoder(k=21, sparse=True),
            str(tmp_path / "x.zarr"),
        )


@pytest.mark.parametrize(
    "enc",
    [
        dbp.IntegerEncoder("dna", "unknown", max_length=30, dtype="int8"),
        dbp.KmerEncoder(k=21, sparse=True),
        dbp.KmerEncoder(k=21, n_features=2**20),
    ],
    ids=["integer", "kmer-sparse", "kmer-hashed"],
)
def test_to_parquet_equals_encode_file(client, datasets, tmp_path, enc):
    ds = pytest.importorskip("pyarrow.dataset")
    pq = pytest.importorskip("pyarrow.parquet")
    paths = good_files(datasets)
    ref = dbp.encode_file(paths, enc, str(tmp_path / "ref.parquet"), label_key="label").paths[0]
    df = read_fastx(paths, blocksize=6000, label_keys="label")
    out = to_parquet(df, enc, str(tmp_path / "out"))
    assert len(os.listdir(out)) == df.npartitions
    want, got = pq.read_table(ref), ds.dataset(out).to_table()
    assert got.schema == want.schema and got.equals(want)


def test_an_interrupted_write_resumes_without_redoing_finished_parts(client, datasets, tmp_path):
    """A partition that fails makes to_zarr raise and keeps the finished
    parts; the rerun (the failure gone) does only the rest: each partition's
    encoding is logged by the task that runs it."""
    zarr = pytest.importorskip("zarr")
    from _dask_faults import logged_partitions

    log, fail = tmp_path / "log", tmp_path / "fail"
    fail.write_text("3")  # partition 3 raises while this file names it
    df = read_fastx(datasets["plain"], blocksize=2500, label_keys="label")
    assert df.npartitions > 5
    watched = df.map_partitions(logged_partitions, str(log), str(fail), meta=df._meta)
    enc = dbp.IntegerEncoder("dna", "unknown", max_length=100, dtype="int8")
    out = str(tmp_path / "x.zarr")
    with pytest.raises(RuntimeError, match="partition 3 fails on purpose"):
        to_zarr(watched, enc, out)
    assert not os.path.exists(out)
    # tasks already running when the error came finish on their own: wait for them
    deadline = time.monotonic() + 60
    while any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    work = tmp_path / ".x.zarr.deepbiop-partial" / "done"
    finished = {p.stem.split("-")[1] for p in work.glob("part-*.json")}
    assert finished and "3" not in finished
    seen = len(log.read_text().split())
    fail.unlink()
    to_zarr(watched, enc, out)
    again = log.read_text().split()[seen:]
    assert "3" in again and not finished & set(again), (finished, again)
    want = enc.encode_batch([r.sequence for r in records(datasets["plain"])])
    np.testing.assert_array_equal(zarr.open_group(out, mode="r")["integer"][:], want)
    assert not work.parent.exists()
