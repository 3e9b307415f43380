"""deepbiop.iter_kmer_spectrum_file (deepbiop/spectrum_disk.py): counting
within max_memory, k-mers binned on disk. The reference is the in-memory
deepbiop.kmer_spectrum_file on the same files (itself checked against a
Counter and jellyfish in test_kmer_features.py): the blocks, concatenated,
are its codes and counts, for every k, strand mode, budget (in memory, a few
bins, thousands of bins), alphabet, and format written; the temporary files
are gone after success, an error, an interrupt, close() and garbage
collection."""

from __future__ import annotations

import gc
import gzip
import os
import shutil
import subprocess

import numpy as np
import pytest

import deepbiop as dbp
from deepbiop._spectrum_spill import SpillFile
from deepbiop.io import SequenceFileError, write_spectrum
from deepbiop.spectrum_disk import parse_memory


def _genome(rng, n):
    s = rng.choice(np.frombuffer(b"ACGTacgtN", np.uint8), n, p=[0.24] * 4 + [0.01] * 4 + [0.0])
    s[rng.integers(0, n, n // 200)] = ord("N")
    return s.tobytes().decode()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Three files (plain FASTA, gzip FASTA, FASTQ): N, lower case, a poly-A run
    and repeats (counts above what 31-mer words hold), records long and short."""
    d = tmp_path_factory.mktemp("disk")
    rng = np.random.default_rng(3)
    repeat = _genome(rng, 700)
    a = d / "a.fa"
    with open(a, "w") as fh:
        fh.write(f">chr1 long\n{'A' * 3000}{_genome(rng, 40_000)}{repeat * 6}\n")
        for i in range(40):
            s = _genome(rng, int(rng.integers(0, 400)))
            fh.write(f">r{i}\n" + "\n".join(s[j : j + 60] for j in range(0, len(s), 60)) + "\n")
    b = d / "b.fa.gz"
    with gzip.open(b, "wt") as fh:
        fh.write(f">chr2\n{repeat * 3}{_genome(rng, 20_000)}\n>chrN\nNNNNNNNNNN\n")
    c = d / "c.fq"
    with open(c, "w") as fh:
        for i in range(60):
            s = _genome(rng, int(rng.integers(1, 300)))
            fh.write(f"@q{i}\n{s}\n+\n{'I' * len(s)}\n")
    return [str(a), str(b), str(c)], d


def _blocks(paths, k, **kw):
    with dbp.iter_kmer_spectrum_file(paths, k, **kw) as blocks:
        spec = blocks.to_spectrum()
    return spec, blocks


def _same(a, b):
    np.testing.assert_array_equal(a.codes, b.codes)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert (a.k, a.alphabet, a.canonical) == (b.k, b.alphabet, b.canonical)


@pytest.mark.parametrize("k", [1, 7, 21, 31])
@pytest.mark.parametrize("canonical", [False, True])
@pytest.mark.parametrize("max_memory", [None, "4G", "2M", "200K"])
def test_blocks_equal_the_in_memory_spectrum(files, tmp_path, k, canonical, max_memory):
    paths, _ = files
    want = dbp.kmer_spectrum_file(paths, k, canonical=canonical)
    got, blocks = _blocks(paths, k, canonical=canonical, max_memory=max_memory, tmp_dir=tmp_path)
    _same(got, want)
    if max_memory in (None, "4G"):  # fits: nothing written
        assert blocks.n_bins == 0 and blocks.spilled_bytes == 0
    elif max_memory == "200K" and k > 1:  # does not fit (k = 1: 4 k-mers do)
        assert blocks.n_bins >= 1 and 0 < blocks.spilled_bytes <= 8 * want.total
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("k, canonical", [(21, True), (31, False), (4, True)])
def test_thousands_of_bins(files, tmp_path, k, canonical):
    """A budget of one byte: the smallest chunks, every prefix its own bin."""
    paths, _ = files
    got, blocks = _blocks(paths, k, canonical=canonical, max_memory=1, tmp_dir=tmp_path)
    _same(got, dbp.kmer_spectrum_file(paths, k, canonical=canonical))
    prefixes = np.unique(got.codes >> np.uint64(2 * k - min(12, 2 * k)))
    assert blocks.n_bins == len(prefixes) > 1


def test_protein_and_rna(tmp_path):
    """Protein 14-mers have 2 count bits in a word: repeated k-mers are split
    over many words and summed back."""
    prot = tmp_path / "p.fa"
    prot.write_text(">p\n" + "A" * 500 + "MKVLAAGIVW" * 60 + "XACDEF" + "\n>q\nMKVLAAGIVWMKV\n")
    for k in (3, 14):
        got, blocks = _blocks(prot, k, encoding_type="protein", max_memory=1, tmp_dir=tmp_path)
        _same(got, dbp.kmer_spectrum_file(prot, k, encoding_type="protein"))
        assert blocks.n_bins > 0
    rna = tmp_path / "r.fa"
    rna.write_text(">r\nACGUUGCAACGUNACGU\n")
    got, _ = _blocks(rna, 5, encoding_type="rna", canonical=True, max_memory=1, tmp_dir=tmp_path)
    _same(got, dbp.kmer_spectrum_file(rna, 5, encoding_type="rna", canonical=True))


@pytest.mark.parametrize("fmt", ["tsv", "histo", "parquet"])
@pytest.mark.parametrize("min_count", [1, 3])
def test_written_files_equal_the_in_memory_ones(files, tmp_path, fmt, min_count):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    paths, _ = files
    spec = dbp.kmer_spectrum_file(paths, 15, canonical=True)
    write_spectrum(spec, tmp_path / "mem", format=fmt, min_count=min_count)
    with dbp.iter_kmer_spectrum_file(paths, 15, canonical=True, max_memory="100K") as blocks:
        write_spectrum(blocks, tmp_path / "disk", format=fmt, min_count=min_count)
    assert blocks.n_bins > 1
    if fmt == "parquet":
        import pyarrow.parquet as pq

        assert pq.read_table(tmp_path / "disk").equals(pq.read_table(tmp_path / "mem"))
    else:
        assert (tmp_path / "disk").read_bytes() == (tmp_path / "mem").read_bytes()


@pytest.mark.skipif(shutil.which("jellyfish") is None, reason="jellyfish not installed")
def test_matches_jellyfish(files, tmp_path):
    paths, _ = files
    fasta = paths[0]
    subprocess.run(
        ["jellyfish", "count", "-m", "25", "-s", "1M", "-C", "-o", str(tmp_path / "j"), fasta],
        check=True,
        capture_output=True,
    )
    dump = subprocess.run(
        ["jellyfish", "dump", "-c", str(tmp_path / "j")], check=True, capture_output=True, text=True
    ).stdout
    jf = {m: int(n) for m, n in (line.split() for line in dump.splitlines())}
    got, blocks = _blocks(fasta, 25, canonical=True, max_memory=1)
    assert blocks.n_bins > 1 and got.to_dict() == jf


def _leftovers(folder):
    return [n for n in os.listdir(folder) if n.startswith("deepbiop-kmers-")]


def test_temporary_files_removed_on_error_interrupt_close_and_gc(files, tmp_path, monkeypatch):
    paths, d = files
    bad = d / "bad.fa"
    bad.write_text(">x\nACGT\n" + "ACGT" * 10_000 + "\n\xff\n")
    kw = dict(k=21, canonical=True, max_memory=1, tmp_dir=tmp_path)
    with pytest.raises(SequenceFileError, match="bad.fa"):
        list(dbp.iter_kmer_spectrum_file([paths[0], str(bad)], **kw))
    assert _leftovers(tmp_path) == []
    # Ctrl-C while the bins are counted
    calls = []
    real = SpillFile.count_bin

    def interrupted(self, *a):
        calls.append(1)
        if len(calls) == 3:
            assert _leftovers(tmp_path) != []
            raise KeyboardInterrupt
        return real(self, *a)

    monkeypatch.setattr(SpillFile, "count_bin", interrupted)
    with pytest.raises(KeyboardInterrupt):
        with dbp.iter_kmer_spectrum_file(paths, **kw) as blocks:
            write_spectrum(blocks, tmp_path / "out.tsv")
    assert os.listdir(tmp_path) == []  # no bins, no half-written output
    monkeypatch.undo()
    # closed after the first block
    blocks = dbp.iter_kmer_spectrum_file(paths, **kw)
    next(iter(blocks))
    assert _leftovers(tmp_path) != []
    blocks.close()
    assert _leftovers(tmp_path) == []
    # dropped half-read
    it = iter(dbp.iter_kmer_spectrum_file(paths, **kw))
    next(it)
    del it
    gc.collect()
    assert _leftovers(tmp_path) == []


def test_refusals(files, tmp_path):
    paths, _ = files
    blocks = dbp.iter_kmer_spectrum_file(paths, 5)
    list(blocks)
    with pytest.raises(RuntimeError, match="can be read once"):
        list(blocks)
    with pytest.raises(NotADirectoryError, match="is not a directory"):
        dbp.iter_kmer_spectrum_file(paths, 5, max_memory="1M", tmp_dir=tmp_path / "none")
    with pytest.raises(ValueError, match="max_memory must be a number of bytes or a size"):
        dbp.iter_kmer_spectrum_file(paths, 5, max_memory="lots")
    with pytest.raises(ValueError, match="use k <= 31"):
        dbp.iter_kmer_spectrum_file(paths, 32, max_memory="1M")
    with pytest.raises(FileNotFoundError):
        list(dbp.iter_kmer_spectrum_file(tmp_path / "missing.fa", 5, max_memory="1M"))


@pytest.mark.parametrize(
    "value, n",
    [(1, 1), ("4096", 4096), ("256M", 256 << 20), ("2G", 2 << 30), ("1.5g", 3 << 29),
     ("64 KiB", 64 << 10), ("1tb", 1 << 40), (" 3k ", 3072)],
)  # fmt: skip
def test_parse_memory(value, n):
    assert parse_memory(value) == n


@pytest.mark.parametrize("value", ["", "M", "-1M", "1X", "1.2.3G", 0, -5, True, 1.5, None])
def test_parse_memory_refuses(value):
    with pytest.raises(ValueError, match="max_memory must be"):
        parse_memory(value)
