"""deepbiop.io.write_spectrum (deepbiop/io/_spectra.py): tsv, histo and parquet
hold the spectrum's counts; the references are KmerSpectrum.to_dict and
histogram, and jellyfish's own dump and histo when it is installed."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

import deepbiop as dbp
from deepbiop.datasets import make_motif_sequences, write_fasta
from deepbiop.io import write_spectrum


@pytest.fixture(scope="module")
def spectrum():
    seqs, _ = make_motif_sequences(60, (30, 90), seed=9)
    return seqs, dbp.kmer_spectrum(seqs, k=4, canonical=True)


def _pairs(text: str) -> list[tuple[str, int]]:
    return [(a, int(b)) for a, b in (line.split() for line in text.splitlines())]


def test_tsv_histo_parquet(tmp_path, spectrum, capsys):
    _, spec = spectrum
    write_spectrum(spec, tmp_path / "k.tsv")
    assert _pairs((tmp_path / "k.tsv").read_text()) == list(spec.to_dict().items())
    write_spectrum(spec, tmp_path / "k3.tsv", min_count=3)
    assert _pairs((tmp_path / "k3.tsv").read_text()) == [
        (m, c) for m, c in spec.to_dict().items() if c >= 3
    ]
    write_spectrum(spec, format="histo")  # standard output
    hist = spec.histogram()
    want = [(str(c), int(hist[c])) for c in np.flatnonzero(hist)]
    assert _pairs(capsys.readouterr().out) == want
    pq = pytest.importorskip("pyarrow.parquet")
    write_spectrum(spec, tmp_path / "k.parquet", format="parquet")
    t = pq.read_table(tmp_path / "k.parquet")
    assert list(zip(t.column("kmer").to_pylist(), t.column("count").to_pylist())) == list(
        spec.to_dict().items()
    )


def test_refusals(tmp_path, spectrum):
    _, spec = spectrum
    (tmp_path / "k.tsv").write_text("old")
    with pytest.raises(FileExistsError, match="exists; pass --force"):
        write_spectrum(spec, tmp_path / "k.tsv")
    write_spectrum(spec, tmp_path / "k.tsv", force=True)
    assert (tmp_path / "k.tsv").read_text() != "old"
    with pytest.raises(ValueError, match="format must be one of"):
        write_spectrum(spec, format="csv")
    with pytest.raises(ValueError, match="min_count must be a positive integer"):
        write_spectrum(spec, min_count=0)


@pytest.mark.skipif(shutil.which("jellyfish") is None, reason="jellyfish is not installed")
def test_same_as_jellyfish(tmp_path, spectrum):
    seqs, spec = spectrum
    clean = [s.upper() for s in seqs]  # soft masking is not what is compared here
    spec = dbp.kmer_spectrum(clean, k=4, canonical=True)
    fa = tmp_path / "s.fa"
    write_fasta(fa, clean)
    jf = tmp_path / "s.jf"
    subprocess.run(["jellyfish", "count", "-m", "4", "-s", "1M", "-C", "-o", jf, fa], check=True)
    dump = subprocess.run(["jellyfish", "dump", "-c", "-t", jf], capture_output=True, text=True)
    histo = subprocess.run(["jellyfish", "histo", jf], capture_output=True, text=True)
    write_spectrum(spec, tmp_path / "k.tsv")
    write_spectrum(spec, tmp_path / "k.histo", format="histo")
    assert sorted(_pairs(dump.stdout)) == _pairs((tmp_path / "k.tsv").read_text())
    assert _pairs(histo.stdout) == _pairs((tmp_path / "k.histo").read_text())


class _Blocks:
    """A spectrum handed over as ascending blocks of uneven sizes."""

    def __init__(self, spec, sizes):
        self.k, self.alphabet, self._spec, self._sizes = spec.k, spec.alphabet, spec, sizes

    def __iter__(self):
        lo = 0
        for n in self._sizes:
            yield self._spec.codes[lo : lo + n], self._spec.counts[lo : lo + n]
            lo += n
        yield self._spec.codes[lo:], self._spec.counts[lo:]


@pytest.mark.parametrize("fmt", ["tsv", "histo", "parquet"])
def test_blocks_write_what_the_spectrum_writes(tmp_path, spectrum, fmt, monkeypatch):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    from deepbiop.io import _spectra

    monkeypatch.setattr(_spectra, "_BLOCK", 7)  # blocks cut again by the writer
    _, spec = spectrum
    for min_count in (1, 2):
        write_spectrum(spec, tmp_path / "a", format=fmt, min_count=min_count, force=True)
        blocks = _Blocks(spec, [0, 5, 1, 40, 0, 3])
        write_spectrum(blocks, tmp_path / "b", format=fmt, min_count=min_count, force=True)
        if fmt == "parquet":  # the same table, in other row groups
            pq = pytest.importorskip("pyarrow.parquet")
            assert pq.read_table(tmp_path / "a").equals(pq.read_table(tmp_path / "b"))
        else:
            assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_histo_with_huge_counts(tmp_path):
    """Counts too large for a bincount table still make their histogram rows."""
    spec = dbp.KmerSpectrum(
        3, dbp.DNA, False, np.array([1, 2, 3, 9], np.uint64), np.array([5, 2**40, 2**40, 5])
    )
    write_spectrum(spec, tmp_path / "h", format="histo")
    assert (tmp_path / "h").read_text() == f"5\t2\n{2**40}\t2\n"
    write_spectrum(spec, tmp_path / "t")
    assert (tmp_path / "t").read_text() == f"AAC\t5\nAAG\t{2**40}\nAAT\t{2**40}\nAGC\t5\n"
