"""deepbiop.io: streaming FASTA/FASTQ reading, errors naming file and record,
label parsing. The reference is a plain-Python writer/reader in this file."""

from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest

from deepbiop import io as dio
from deepbiop.datasets import make_motif_sequences, write_fasta, write_fastq


def _write(path, text: str) -> str:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt") as fh:
        fh.write(text)
    return str(path)


def _fastq_text(records) -> str:
    return "".join(f"@{h}\n{s}\n+\n{q}\n" for h, s, q in records)


@pytest.mark.parametrize("suffix", [".fastq", ".fastq.gz"])
def test_fastq_round_trip(tmp_path, suffix):
    rng = np.random.default_rng(0)
    recs = []
    for i in range(300):
        L = int(rng.integers(0, 60))
        s = "".join(rng.choice(list("ACGTNacgt"), size=L))
        q = "".join(chr(33 + int(v)) for v in rng.integers(0, 41, size=L))
        recs.append((f"r{i} label={i % 2} extra", s, q))
    p = _write(tmp_path / f"x{suffix}", _fastq_text(recs))
    got = [(r.name, r.id, r.sequence, r.qualities) for r in dio.iter_records(p)]
    assert got == [(h, h.split()[0], s, q) for h, s, q in recs]
    ids, seqs, quals = dio.read_fastq(p)
    assert ids == [f"r{i}" for i in range(300)]
    assert seqs == [s for _, s, _ in recs] and quals == [q for _, _, q in recs]
    assert dio.count_records(p) == 300


@pytest.mark.parametrize("suffix", [".fa", ".fa.gz"])
def test_fasta_multiline(tmp_path, suffix):
    seqs, y = make_motif_sequences(50, (10, 300), seed=3)
    p = tmp_path / f"m{suffix}"
    write_fasta(p, seqs, y, line_width=60)
    ids, got = dio.read_fasta(p)
    assert got == seqs
    assert ids == [f"seq{i}" for i in range(50)]
    s2, y2 = dio.read_labelled(p)
    assert s2 == seqs and y2.tolist() == y.tolist() and y2.dtype == np.int64
    assert all(r.qualities is None for r in dio.iter_records(p))


def test_many_files_in_order(tmp_path):
    a = _write(tmp_path / "a.fastq", _fastq_text([("a0", "AC", "II"), ("a1", "G", "I")]))
    b = _write(tmp_path / "b.fa.gz", ">b0\nTT\n")
    assert [r.id for r in dio.iter_records([a, b])] == ["a0", "a1", "b0"]
    assert dio.count_records([a, b]) == 3


def test_progress_bar(tmp_path, capsys):
    p = _write(tmp_path / "x.fa", ">a\nAC\n>b\nGT\n")
    assert [r.sequence for r in dio.iter_records(p, progress=True)] == ["AC", "GT"]
    assert "2" in capsys.readouterr().err


def test_truncated_fastq_names_file_record_and_line(tmp_path):
    text = _fastq_text([("r0", "ACGT", "IIII"), ("r1", "ACGT", "IIII")]) + "@r2\nACGT\n+\n"
    for suffix in (".fastq", ".fastq.gz"):
        p = _write(tmp_path / f"t{suffix}", text)
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
    text = _fastq_text([("r0", "ACGT", "IIII"), ("r1", "ACGT", "III"), ("r2", "A", "I")])
    p = _write(tmp_path / "q.fastq", text)
    with pytest.raises(
        dio.SequenceFileError,
        match=r"'.*q\.fastq' at record 1 \(0-based\), "
        r"line 8: Length of sequence and qualities differ",
    ):
        dio.read_fastq(p)


def test_missing_header_and_bad_fasta(tmp_path):
    p = _write(tmp_path / "h.fastq", "@r0\nAC\n+\nII\nr1\nAC\n+\nII\n")
    with pytest.raises(
        dio.SequenceFileError,
        match=r"record 1 \(0-based\), line 5: Line "
        r"expected to start with '@'",
    ):
        list(dio.iter_records(p))
    p = _write(tmp_path / "b.fa", "ACGT\n>r1\nAC\n")
    with pytest.raises(dio.SequenceFileError, match=r"record 0 \(0-based\), line 1: Expected '>'"):
        list(dio.iter_records(p))


def test_truncated_gzip_and_not_gzip(tmp_path):
    raw = gzip.compress(_fastq_text([(f"r{i}", "ACGT", "IIII") for i in range(2000)]).encode())
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
    p = _write(tmp_path / "u.fa", ">r0\nACGT\n>r1\nAC\u00e9\n")
    with pytest.raises(dio.SequenceFileError, match=r"must be ASCII"):
        list(dio.iter_records(p))
    q = _write(tmp_path / "x.txt", "hello\n")
    with pytest.raises(
        dio.SequenceFileError,
        match=r"x\.txt' after 0 complete records: "
        r"Could not determine",
    ):
        list(dio.iter_records(q))
    assert [
        r.sequence
        for r in dio.iter_records(_write(tmp_path / "y.txt", ">a\nAC\n"), fileformat="fasta")
    ] == ["AC"]


def test_errors_are_picklable_and_missing_file(tmp_path):
    err = dio.SequenceFileError("m", "p", 3, 9)
    back = pickle.loads(pickle.dumps(err))
    assert (str(back), back.path, back.record, back.line) == ("m", "p", 3, 9)
    with pytest.raises(FileNotFoundError):
        list(dio.iter_records(tmp_path / "nope.fastq"))
    with pytest.raises(TypeError, match="expected a path or a list of paths"):
        dio.iter_records(3)
    with pytest.raises(ValueError, match="fileformat must be"):
        dio.iter_records("x.fa", fileformat="bam")


def test_parse_label_and_header_label():
    assert dio.parse_label("read7 label=1") == 1
    assert dio.parse_label("r label=0.25") == 0.25
    assert dio.parse_label("r label=cat") == "cat"
    assert dio.parse_label("r a=1;label=2") == 2
    assert dio.parse_label("r mylabel=5 label=3") == 3  # whole key only
    with pytest.raises(KeyError, match="header 'r x=1' has no 'label=' field"):
        dio.parse_label("r x=1")
    f = pickle.loads(pickle.dumps(dio.HeaderLabel("y", dtype=float)))
    assert f("r y=2") == 2.0 and isinstance(f("r y=2"), float)


def test_read_labelled_with_table(tmp_path):
    reads, y = make_motif_sequences(20, 30, seed=1)
    p = tmp_path / "r.fastq.gz"
    write_fastq(p, reads, None)
    table = {f"read{i}": float(v) for i, v in enumerate(y)}
    seqs, got = dio.read_labelled(p, labels=table)
    assert seqs == reads and got.tolist() == y.astype(float).tolist()
    del table["read4"]
    with pytest.raises(KeyError, match=r"record 4 \(id 'read4'\) is missing from labels"):
        dio.read_labelled(p, labels=table)
    with pytest.raises(KeyError, match=r"record 0: header 'read0' has no 'label=' field"):
        dio.read_labelled(p)


def test_quality_scores():
    assert dio.quality_scores("!+I").tolist() == [0, 10, 40]
    assert dio.quality_scores(b"").dtype == np.uint8
    with pytest.raises(ValueError, match="' ' at position 1 is below the Phred offset 33"):
        dio.quality_scores("I I")


def test_missing_dnaio_gives_install_hint(tmp_path, monkeypatch):
    import sys

    p = _write(tmp_path / "x.fa", ">a\nAC\n")
    monkeypatch.setitem(sys.modules, "dnaio", None)  # `import dnaio` now raises ImportError
    hint = r"FASTA/FASTQ reading needs dnaio: pip install -e '\.\[io\]'"
    with pytest.raises(ImportError, match=hint):
        dio.iter_records(p)  # raised at the call, not at the first next()
    with pytest.raises(ImportError, match=hint):
        dio.read_fasta(p)
    monkeypatch.delitem(sys.modules, "dnaio")
    assert dio.read_fasta(p) == (["a"], ["AC"])


def test_import_deepbiop_without_dnaio():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['dnaio'] = None\n"
        "import deepbiop, deepbiop.io, deepbiop.augment\n"
        "assert deepbiop.io.parse_label('r label=3') == 3\n"
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# -- bytes that are not ASCII (or not UTF-8 at all): located exactly ----------------------
def _write_bytes(path, data: bytes) -> str:
    path.write_bytes(gzip.compress(data) if str(path).endswith(".gz") else data)
    return str(path)


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
    p = _write_bytes(tmp_path / f"bad{suffix}", b"".join(parts))
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
    p = _write(tmp_path / "e.fa", ">r0\nACGT\n>r1 x\nAC\u00e9\n>r2\nAA\n")
    with pytest.raises(
        dio.SequenceFileError, match=r"record 1 \(0-based, id 'r1'\), line 4: byte 0xc3 at column 3"
    ):
        dio.read_fasta(p)
    # the last record (dnaio gives no line at all) and a forced format
    p = _write(tmp_path / "last.txt", ">r0\nACGT\n>r1\nA\u00e9\n")
    with pytest.raises(dio.SequenceFileError, match=r"record 1 \(0-based, id 'r1'\), line 4:"):
        list(dio.iter_records(p, fileformat="fasta"))
    # a binary file read as FASTA: the first bad byte, before any header
    q = _write_bytes(tmp_path / "bin.fa", b"\x89PNG\r\n")
    with pytest.raises(dio.SequenceFileError) as ei:
        list(dio.iter_records(q, fileformat="fasta"))
    assert "record 0 (0-based), line 1: byte 0x89 at column 1" in str(ei.value)
    assert ei.value.record_id is None


def test_quality_scores_non_ascii():
    with pytest.raises(ValueError, match=r"'\u00e9' at position 2 is not ASCII") as ei:
        dio.quality_scores("II\u00e9I")
    assert isinstance(ei.value.__cause__, UnicodeEncodeError)


def test_datasets_report_non_utf8_fasta(tmp_path):
    torch = pytest.importorskip("torch")
    from deepbiop import IntegerEncoder
    from deepbiop.torch import FastxBatchDataset, FastxDataset

    p = _write_bytes(tmp_path / "bad.fa.gz", b">a\nACGT\n>b\nA\xfeC\n")
    want = r"bad\.fa\.gz' at record 1 \(0-based, id 'b'\), line 4: byte 0xfe at column 2"
    with pytest.raises(dio.SequenceFileError, match=want):
        list(FastxDataset(p))
    with pytest.raises(dio.SequenceFileError, match=want):
        list(FastxBatchDataset(p, IntegerEncoder(), batch_size=1))
    # re-raised by a DataLoader worker: the message survives
    loader = torch.utils.data.DataLoader(FastxDataset(p), batch_size=None, num_workers=1)
    with pytest.raises(dio.SequenceFileError, match=want):
        list(loader)
