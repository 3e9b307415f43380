"""deepbiop.encode_file (deepbiop/file_encoding.py): files encoded chunk by
chunk equal the encoder's encode_batch on all the records at once (the
reference), for any chunk size; errors name the file and the record and leave
no output."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest
from tqdm import tqdm

import deepbiop as dbp
from _outputs import labelled_files, load_output
from deepbiop import encode_file
from deepbiop.datasets import make_motif_sequences, write_fasta
from deepbiop.io import SequenceFileError


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = labelled_files(tmp_path_factory.mktemp("encode"), (23, 17), seed=5)
    return d["paths"], d["seqs"], d["labels"], d["ids"]


ENCODERS = {
    "onehot": lambda: dbp.OneHotEncoder(max_length=40),
    "integer": lambda: dbp.IntegerEncoder("dna", "unknown", max_length=40, dtype="int8"),
    "kmer": lambda: dbp.KmerEncoder(k=3, canonical=True),
    "tokens": lambda: dbp.TransformerEncoder.from_preset(
        "dnabert-3", max_length=32, padding="max_length"
    ),
}


def _expected(kind, seqs):
    out = ENCODERS[kind]().encode_batch(seqs)
    if kind == "tokens":
        return {"input_ids": out[0], "attention_mask": out[1]}
    return {kind: out}


@pytest.mark.parametrize("kind", list(ENCODERS))
@pytest.mark.parametrize("chunk_size", [1, 7, 1000])
def test_equals_encode_batch_for_any_chunk_size(tmp_path, files, kind, chunk_size):
    paths, seqs, labels, ids = files
    out = str(tmp_path / "x.npy")
    res = encode_file(paths, ENCODERS[kind](), out, chunk_size=chunk_size, label_key="label")
    assert res.records == len(seqs) and res.bases == sum(map(len, seqs))
    want = _expected(kind, seqs)
    got_ids, got = load_output(out, [*want, "label"])
    assert got_ids == ids
    for name, arr in want.items():
        assert got[name].dtype == arr.dtype
        np.testing.assert_array_equal(got[name], arr)
    np.testing.assert_array_equal(got["label"], labels)
    assert sorted(os.path.basename(p) for p in res.paths) == sorted(
        ["x.npy", "x.ids.txt", "x.label.npy"]
        + (["x.attention_mask.npy"] if kind == "tokens" else [])
    )


@pytest.mark.parametrize("fmt", ["npz", "zarr", "parquet"])
def test_other_formats_hold_the_same(tmp_path, files, fmt):
    pytest.importorskip({"npz": "numpy", "zarr": "zarr", "parquet": "pyarrow"}[fmt])
    paths, seqs, labels, ids = files
    out = str(tmp_path / f"x.{fmt}")
    encode_file(paths, ENCODERS["onehot"](), out, chunk_size=9, label_key=["label"])
    got_ids, got = load_output(out, ["onehot", "label"])
    assert got_ids == ids
    np.testing.assert_array_equal(got["onehot"], _expected("onehot", seqs)["onehot"])
    np.testing.assert_array_equal(got["label"], labels)


def test_sparse_kmers(tmp_path, files):
    paths, seqs, _, _ = files
    enc = dbp.KmerEncoder(k=4, sparse=True)
    want = enc.encode_batch(seqs)
    for fmt in ("npz", "parquet"):
        out = str(tmp_path / f"s.{fmt}")
        encode_file(paths, enc, out, chunk_size=6)
        got = load_output(out, ["kmer"])[1]["kmer"]
        for attr in ("indptr", "indices", "data"):
            np.testing.assert_array_equal(getattr(got, attr), getattr(want, attr))


@pytest.mark.parametrize(
    "enc",
    [
        dbp.KmerEncoder(k=3, canonical="compact"),
        dbp.KmerEncoder(k=3, sparse=False, min_count=1),
        dbp.KmerEncoder(k=21, n_features=64),
    ],
    ids=["compact", "min_count", "hashed"],
)
def test_kmer_layouts_without_out_over_several_chunks(tmp_path, files, enc):
    # dense rows that encode_batch(out=) refuses: each chunk gets its own array
    paths, seqs, _, _ = files
    if enc.min_count is not None:
        enc.fit(seqs)
    fmt = "npz" if enc.n_features is not None else "npy"
    out = str(tmp_path / f"x.{fmt}")
    encode_file(paths, enc, out, chunk_size=4)
    got = load_output(out, ["kmer"])[1]["kmer"]
    want = enc.encode_batch(seqs)
    np.testing.assert_array_equal(
        np.asarray(got.todense() if fmt == "npz" else got), want.toarray() if fmt == "npz" else want
    )


def test_gzip_by_content_and_no_records(tmp_path, files):
    paths, seqs, _, _ = files
    hidden = tmp_path / "reads"  # gzip without .gz
    hidden.write_bytes(open(paths[0], "rb").read())
    out = str(tmp_path / "h.npy")
    encode_file(hidden, ENCODERS["kmer"](), out)
    np.testing.assert_array_equal(np.load(out), _expected("kmer", seqs[:23])["kmer"])
    empty = tmp_path / "empty.fa"
    empty.write_text("")
    encode_file(empty, ENCODERS["onehot"](), str(tmp_path / "e.npy"))
    assert np.load(tmp_path / "e.npy").shape == (0, 40, 4)


def _no_outputs(folder, stem):
    return not [n for n in os.listdir(folder) if n.startswith((stem, "." + stem))]


def test_errors_name_file_and_record_and_leave_nothing(tmp_path, files):
    good = tmp_path / "good.fa"
    write_fasta(good, make_motif_sequences(9, 20, n_rate=0, seed=1)[0])
    bad = tmp_path / "bad.fa"
    bad.write_text(">ok label=1\nACGT\n>r1 label=0\nACXT\n")
    enc = dbp.IntegerEncoder(max_length=8)  # ambiguous_strategy="error"
    with pytest.raises(SequenceFileError) as ei:  # the chunk of 5 holds the two files' records
        encode_file([good, bad], enc, str(tmp_path / "o.npy"), chunk_size=5)
    msg = str(ei.value)
    assert "cannot encode" in msg and "bad.fa' at record 1 (0-based, id 'r1')" in msg
    assert "invalid character 'X' at position 2" in msg and ei.value.record == 1
    bad.write_text(">ok label=1\nACGT\n>r1 nolabel\nAC\n")
    with pytest.raises(SequenceFileError, match=r"bad\.fa' at record 1 .*no 'label=' field"):
        encode_file(bad, dbp.KmerEncoder(k=2), str(tmp_path / "o.npy"), label_key="label")
    bad.write_text(">ok label=1.5\nACGT\n")
    with pytest.raises(SequenceFileError, match=r"label=1\.5 is not a int; pass --label-type"):
        encode_file(bad, dbp.KmerEncoder(k=2), str(tmp_path / "o.npy"), label_key="label")
    fl = encode_file(
        bad, dbp.KmerEncoder(k=2), str(tmp_path / "f.npy"), label_key="label", label_type="float"
    )
    assert np.load(tmp_path / "f.label.npy").tolist() == [1.5] and fl.records == 1
    gz = tmp_path / "cut.fq.gz"
    gz.write_bytes(gzip.compress(b"@a\nAC\n+\nII\n" * 500)[:30])
    with pytest.raises(SequenceFileError, match="cut.fq.gz"):
        encode_file(gz, dbp.KmerEncoder(k=2), str(tmp_path / "o.npy"))
    assert _no_outputs(tmp_path, "o.")


def test_argument_errors(tmp_path, files):
    paths = files[0]
    with pytest.raises(ValueError, match="pass max_length"):
        encode_file(paths, dbp.OneHotEncoder(), str(tmp_path / "a.npy"))
    with pytest.raises(ValueError, match="padding='max_length'"):
        encode_file(paths, dbp.TransformerEncoder(), str(tmp_path / "a.npy"))
    with pytest.raises(TypeError, match="encoder must be"):
        encode_file(paths, object(), str(tmp_path / "a.npy"))
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        encode_file(paths, dbp.KmerEncoder(), str(tmp_path / "a.npy"), chunk_size=0)
    with pytest.raises(ValueError, match="label key cannot be named like"):
        encode_file(paths, dbp.KmerEncoder(), str(tmp_path / "a.npy"), label_key="kmer")
    assert _no_outputs(tmp_path, "a.")


def test_progress_bar_counts_bytes_records_and_bases(tmp_path, files, capsys):
    paths, seqs, _, _ = files
    encode_file(paths, dbp.KmerEncoder(k=2), str(tmp_path / "p.npy"), progress=True)
    err = capsys.readouterr().err
    size = sum(os.path.getsize(p) for p in paths)
    bases = tqdm.format_sizeof(sum(map(len, seqs)))  # tqdm prints 1.40k for 1400
    kib = tqdm.format_sizeof(size, divisor=1024)
    assert "2 files: 100%" in err and f"40 records, {bases} bp" in err
    assert f"{kib}/{kib}" in err
