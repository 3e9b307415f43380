"""deepbiop.io.iter_sequence_pieces (deepbiop/io/_pieces.py): records cut into
overlapping pieces, FASTA read a block at a time. The reference is dnaio's
records (deepbiop.io.iter_records): every k-mer window of every record lies in
exactly one piece, records no longer than a piece come whole, and malformed
files raise the same SequenceFileError."""

from __future__ import annotations

import gzip
import io
import sys
from collections import Counter

import pytest
from _fastx_text import fastq_text, write_bytes, write_text
from hypothesis import given, settings
from hypothesis import strategies as st

from deepbiop.io import SequenceFileError, _pieces, iter_records, iter_sequence_pieces


def _windows(seqs, k):
    out: Counter = Counter()
    for s in seqs:
        s = s.decode() if isinstance(s, bytes) else s
        out.update(s[i : i + k] for i in range(len(s) - k + 1))
    return out


def _check(paths, max_len, overlap):
    records = [r.sequence for r in iter_records(paths)]
    pieces = list(iter_sequence_pieces(paths, max_len, overlap))
    assert all(len(p) <= max_len for p in pieces)
    assert _windows(pieces, overlap + 1) == _windows(records, overlap + 1)
    short = [r for r in records if 0 < len(r) <= max_len]
    as_text = [p.decode() if isinstance(p, bytes) else p for p in pieces]
    assert Counter(short) <= Counter(as_text)  # short records come whole
    return pieces


FASTA = (
    "\n# a comment line\n>r0 first\nACGTACGTAC\nGTNNacgt  \r\n\n>r1\n>r2 empty above\n"
    "  TTTTGGGGCCCC\t\nAAAA\n>r3\nAC\n"
)


@pytest.mark.parametrize("suffix", [".fa", ".fa.gz"])
@pytest.mark.parametrize("max_len, overlap", [(3, 2), (5, 2), (8, 0), (1000, 20)])
def test_pieces_hold_every_window_once(tmp_path, suffix, max_len, overlap):
    path = write_text(tmp_path / f"x{suffix}", FASTA)
    _check(path, max_len, overlap)


def test_pieces_across_blocks_and_files(tmp_path, monkeypatch):
    monkeypatch.setattr(_pieces, "_BLOCK", 7)  # headers and lines cut by block ends
    a = write_text(tmp_path / "a.fa", FASTA)
    b = write_text(tmp_path / "b.fa.gz", ">s\n" + "ACGTTGCA" * 40 + "\n>t\nGG\n")
    pieces = _check([a, b], 16, 4)
    assert pieces[-1] == b"GG"


def test_fastq_long_reads_are_cut(tmp_path):
    reads = [("r0", "ACGT" * 30, "I" * 120), ("r1", "TTGA", "IIII")]
    path = write_text(tmp_path / "x.fq", fastq_text(reads))
    pieces = _check(path, 50, 10)
    assert pieces[-1] == "TTGA" and len(pieces) == 4


def test_standard_input(tmp_path, monkeypatch):
    data = FASTA.encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(data))))
    got = list(iter_sequence_pieces("-", 1000, 2))
    assert got == [b"ACGTACGTACGTNNacgt", b"TTTTGGGGCCCCAAAA", b"AC"]
    fq = fastq_text([("r0", "ACGT", "IIII")]).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(fq)))
    assert list(iter_sequence_pieces("-", 1000, 2)) == ["ACGT"]


@pytest.mark.parametrize(
    "data",
    [b"ACGT\n>r0\nACGT\n", b">r0\nAC\xc3\xa9GT\n", b">r0\nACGT\n>r1\nAC\xffGT\n"],
    ids=["no header", "utf-8", "not utf-8"],
)
def test_malformed_fasta_raises_what_dnaio_raises(tmp_path, data):
    path = write_bytes(tmp_path / "x.fa", data)
    with pytest.raises(SequenceFileError) as want:
        list(iter_records(path))
    with pytest.raises(SequenceFileError) as got:
        list(iter_sequence_pieces(path, 100, 2))
    assert str(got.value) == str(want.value)


def test_truncated_gzip_and_refusals(tmp_path):
    path = tmp_path / "x.fa.gz"
    path.write_bytes(gzip.compress((">r\n" + "ACGT" * 5000 + "\n").encode())[:-30])
    with pytest.raises(SequenceFileError, match="x.fa.gz"):
        list(iter_sequence_pieces(path, 100, 2))
    with pytest.raises(ValueError, match="need 0 <= overlap < max_len"):
        iter_sequence_pieces(path, 5, 5)
    with pytest.raises(FileNotFoundError):
        list(iter_sequence_pieces(tmp_path / "missing.fa", 5, 2))


lines = st.text(alphabet="ACGTNacgtn \t\r", max_size=30)
records = st.tuples(st.text(alphabet="abc ", max_size=5), st.lists(lines, max_size=6))


@settings(max_examples=80)
@given(
    recs=st.lists(records, min_size=1, max_size=5),
    max_len=st.integers(2, 40),
    data=st.data(),
    block=st.integers(1, 64),
)
def test_property_pieces_equal_dnaio_windows(tmp_path_factory, recs, max_len, data, block):
    overlap = data.draw(st.integers(0, max_len - 1))
    text = "".join(f">{h}\n" + "".join(f"{line}\n" for line in body) for h, body in recs)
    path = write_text(tmp_path_factory.mktemp("p") / "x.fa", text)
    old = _pieces._BLOCK
    _pieces._BLOCK = block
    try:
        _check(path, max_len, overlap)
    finally:
        _pieces._BLOCK = old


def test_progress_counts_records_and_bases(tmp_path, capsys):
    path = write_text(tmp_path / "x.fa", FASTA)
    assert list(iter_sequence_pieces(path, 5, 2, progress=True)) == list(
        iter_sequence_pieces(path, 5, 2)
    )
    assert "4 records" in capsys.readouterr().err


@pytest.mark.parametrize("block", [1, 2, 3, 4])
@pytest.mark.parametrize("line", ["   A", " \t AC ", "\t\tACGTACGT", "  >  ", "   ACG  T"])
def test_blanks_opening_a_line_longer_than_a_block_are_dropped(tmp_path, block, line):
    # found by the property test above: with a block shorter than the blanks
    # opening a line, the blanks went into the record (" A" for "   A")
    path = write_text(tmp_path / "x.fa", f">r\n{line}\n>s\nGG\n")
    old = _pieces._BLOCK
    _pieces._BLOCK = block
    try:
        _check(path, 2, 0)
        _check(path, 40, 3)
    finally:
        _pieces._BLOCK = old
