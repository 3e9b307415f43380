"""deepbiop.io errors (deepbiop/io/_errors.py): a malformed, truncated or
non-ASCII file raises SequenceFileError naming the file, the record, its id,
the line (and column and byte); the reference is the text the tests write."""

from __future__ import annotations

import gzip
import pickle

import pytest
from _fastx_text import fastq_text, write_bytes, write_text

from deepbiop import io as dio


def test_truncated_fastq_names_file_record_and_line(tmp_path):
    text = fastq_text([("r0", "ACGT", "IIII"), ("r1", "ACGT", "IIII")]) + "@r2\nACGT\n+\n"
    for suffix in (".fastq", ".fastq.gz"):
        p = write_text(tmp_path / f"t{suffix}", text)
        it = dio.iter_records(p)
        assert [r.id for r in (next(it), next(it))] == ["r0", "r1"]  # good ones first
        with pytest.raises(dio.SequenceFileError) as ei:
            next(it)
        msg = str(ei.value)
        assert f"t{suffix}" in msg and "record 2 (0-based)" in msg and "line 12" in msg
        assert "Premature end of file" in msg
        assert ei.value.record == 2 and ei.value.path == p
        assert isinstance(ei.value, ValueError)


def test_quality_length_mismatch(tmp_path):
    text = fastq_text([("r0", "ACGT", "IIII"), ("r1", "ACGT", "III"), ("r2", "A", "I")])
    p = write_text(tmp_path / "q.fastq", text)
    with pytest.raises(
        dio.SequenceFileError,
        match=r"'.*q\.fastq' at record 1 \(0-based\), "
        r"line 8: Length of sequence and qualities differ",
    ):
        dio.read_fastq(p)


def test_missing_header_and_bad_fasta(tmp_path):
    p = write_text(tmp_path / "h.fastq", "@r0\nAC\n+\nII\nr1\nAC\n+\nII\n")
    with pytest.raises(
        dio.SequenceFileError,
        match=r"record 1 \(0-based\), line 5: Line "
        r"expected to start with '@'",
    ):
        list(dio.iter_records(p))
    p = write_text(tmp_path / "b.fa", "ACGT\n>r1\nAC\n")
    with pytest.raises(dio.SequenceFileError, match=r"record 0 \(0-based\), line 1: Expected '>'"):
        list(dio.iter_records(p))


def test_truncated_gzip_and_not_gzip(tmp_path):
    raw = gzip.compress(fastq_text([(f"r{i}", "ACGT", "IIII") for i in range(2000)]).encode())
    p = tmp_path / "cut.fastq.gz"
    p.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(
        dio.SequenceFileError,
        match=r"cut\.fastq\.gz' after \d+ complete "
        r"records: compressed stream ended early",
    ):
        list(dio.iter_records(p))
    q = tmp_path / "plain.fastq.gz"
    q.write_bytes(b"@r0\nACGT\n+\nIIII\n")
    with pytest.raises(dio.SequenceFileError, match=r"Not a gzipped file"):
        list(dio.iter_records(q))


def test_non_ascii_and_unknown_format(tmp_path):
    p = write_text(tmp_path / "u.fa", ">r0\nACGT\n>r1\nAC\u00e9\n")
    with pytest.raises(dio.SequenceFileError, match=r"must be ASCII"):
        list(dio.iter_records(p))
    q = write_text(tmp_path / "x.txt", "hello\n")
    with pytest.raises(
        dio.SequenceFileError,
        match=r"x\.txt' after 0 complete records: "
        r"Could not determine",
    ):
        list(dio.iter_records(q))
    assert [
        r.sequence
        for r in dio.iter_records(write_text(tmp_path / "y.txt", ">a\nAC\n"), fileformat="fasta")
    ] == ["AC"]


@pytest.mark.parametrize("suffix", [".fa", ".fa.gz", ".fastq", ".fastq.gz"])
@pytest.mark.parametrize("where", ["sequence", "header"])
def test_non_utf8_byte_names_file_record_id_and_line(tmp_path, suffix, where):
    # 2,000 records, so the bad byte lies many parser buffers (and records
    # already delivered) after the start; record 1500 holds byte 0xff
    fastq = ".fastq" in suffix
    bad = 1500
    parts = []
    for i in range(2000):
        name, seq = f"r{i} label={i % 2}".encode(), b"ACGTACGTAC"
        if i == bad:
            if where == "header":
                name = f"r{i}".encode() + b"\xff label=0"
            else:
                seq = b"ACG\xffACGTAC"
        if fastq:
            parts.append(b"@" + name + b"\n" + seq + b"\n+\n" + b"I" * 10 + b"\n")
        else:  # two sequence lines per record: the bad one is the first
            parts.append(b">" + name + b"\n" + seq + b"\n" + b"TT\n")
    p = write_bytes(tmp_path / f"bad{suffix}", b"".join(parts))
    line = (
        (4 * bad + (1 if where == "header" else 2))
        if fastq
        else (3 * bad + (1 if where == "header" else 2))
    )
    col = 7 if where == "header" else 4  # 1-based byte column ('>r1500' is 6 bytes)
    rid = f"r{bad}\ufffd" if where == "header" else f"r{bad}"
    for read in (
        lambda: list(dio.iter_records(p)),
        lambda: dio.read_fasta(p),
        lambda: dio.count_records(p),
        lambda: dio.read_labelled(p),
    ):
        with pytest.raises(dio.SequenceFileError) as ei:
            read()
        err = ei.value
        assert isinstance(err, ValueError) and not isinstance(err, UnicodeError)
        msg = str(err)
        assert f"bad{suffix}'" in msg
        assert f"record {bad} (0-based, id {rid!r}), line {line}:" in msg
        assert f"byte 0xff at column {col} is not ASCII" in msg
        assert (err.path, err.record, err.line, err.record_id) == (p, bad, line, rid)
        # the parser's own error stays attached
        cause = err.__cause__  # FASTA: the text decoder's; FASTQ: dnaio's ASCII check
        assert isinstance(cause, UnicodeDecodeError) if not fastq else "ASCII" in str(cause)
        back = pickle.loads(pickle.dumps(err))
        assert (str(back), back.record, back.line, back.record_id) == (msg, bad, line, rid)


def test_non_ascii_fasta_line_is_the_bad_line(tmp_path):
    # valid UTF-8 but not ASCII: dnaio points at the record after the bad one
    p = write_text(tmp_path / "e.fa", ">r0\nACGT\n>r1 x\nAC\u00e9\n>r2\nAA\n")
    with pytest.raises(
        dio.SequenceFileError, match=r"record 1 \(0-based, id 'r1'\), line 4: byte 0xc3 at column 3"
    ):
        dio.read_fasta(p)
    # the last record (dnaio gives no line at all) and a forced format
    p = write_text(tmp_path / "last.txt", ">r0\nACGT\n>r1\nA\u00e9\n")
    with pytest.raises(dio.SequenceFileError, match=r"record 1 \(0-based, id 'r1'\), line 4:"):
        list(dio.iter_records(p, fileformat="fasta"))
    # a binary file read as FASTA: the first bad byte, before any header
    q = write_bytes(tmp_path / "bin.fa", b"\x89PNG\r\n")
    with pytest.raises(dio.SequenceFileError) as ei:
        list(dio.iter_records(q, fileformat="fasta"))
    assert "record 0 (0-based), line 1: byte 0x89 at column 1" in str(ei.value)
    assert ei.value.record_id is None


def test_datasets_report_non_utf8_fasta(tmp_path):
    torch = pytest.importorskip("torch")
    from deepbiop import IntegerEncoder
    from deepbiop.torch import FastxBatchDataset, FastxDataset

    p = write_bytes(tmp_path / "bad.fa.gz", b">a\nACGT\n>b\nA\xfeC\n")
    want = r"bad\.fa\.gz' at record 1 \(0-based, id 'b'\), line 4: byte 0xfe at column 2"
    with pytest.raises(dio.SequenceFileError, match=want):
        list(FastxDataset(p))
    with pytest.raises(dio.SequenceFileError, match=want):
        list(FastxBatchDataset(p, IntegerEncoder(), batch_size=1))
    # re-raised by a DataLoader worker: the message survives
    loader = torch.utils.data.DataLoader(FastxDataset(p), batch_size=None, num_workers=1)
    with pytest.raises(dio.SequenceFileError, match=want):
        list(loader)
