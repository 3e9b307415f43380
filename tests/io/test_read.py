"""deepbiop.io reading (deepbiop/io/_read.py): records streamed in order from
plain and gzip FASTA/FASTQ, whole-file readers, quality scores, the fileformat
check and the dnaio import. The reference is the text the tests write."""

from __future__ import annotations

import gzip
import pickle
import subprocess
import sys

import numpy as np
import pytest
from _fastx_text import fastq_text, write_text

from deepbiop import io as dio
from deepbiop.datasets import make_motif_sequences, write_fasta


@pytest.mark.parametrize("suffix", [".fastq", ".fastq.gz"])
def test_fastq_round_trip(tmp_path, suffix):
    rng = np.random.default_rng(0)
    recs = []
    for i in range(300):
        L = int(rng.integers(0, 60))
        s = "".join(rng.choice(list("ACGTNacgt"), size=L))
        q = "".join(chr(33 + int(v)) for v in rng.integers(0, 41, size=L))
        recs.append((f"r{i} label={i % 2} extra", s, q))
    p = write_text(tmp_path / f"x{suffix}", fastq_text(recs))
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
    a = write_text(tmp_path / "a.fastq", fastq_text([("a0", "AC", "II"), ("a1", "G", "I")]))
    b = write_text(tmp_path / "b.fa.gz", ">b0\nTT\n")
    assert [r.id for r in dio.iter_records([a, b])] == ["a0", "a1", "b0"]
    assert dio.count_records([a, b]) == 3


def test_progress_bar(tmp_path, capsys):
    p = write_text(tmp_path / "x.fa", ">a\nAC\n>b\nGT\n")
    assert [r.sequence for r in dio.iter_records(p, progress=True)] == ["AC", "GT"]
    err = capsys.readouterr().err  # bytes of the file on disk, records, bases
    assert "x.fa: 100%" in err and "12.0/12.0" in err and "2 records, 4 bp" in err
    assert dio.count_records([p, p], progress=True) == 4
    assert "2 files: 100%" in capsys.readouterr().err


def test_standard_input(tmp_path, monkeypatch):
    import io

    data = gzip.compress(b"@a\nACGT\n+\nIIII\n@b\nGG\n+\nII\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert [r.id for r in dio.iter_records("-")] == ["a", "b"]


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


def test_quality_scores():
    assert dio.quality_scores("!+I").tolist() == [0, 10, 40]
    assert dio.quality_scores(b"").dtype == np.uint8
    with pytest.raises(ValueError, match="' ' at position 1 is below the Phred offset 33"):
        dio.quality_scores("I I")


def test_quality_scores_non_ascii():
    with pytest.raises(ValueError, match=r"'\u00e9' at position 2 is not ASCII") as ei:
        dio.quality_scores("II\u00e9I")
    assert isinstance(ei.value.__cause__, UnicodeEncodeError)


def test_missing_dnaio_gives_install_hint(tmp_path, monkeypatch):
    p = write_text(tmp_path / "x.fa", ">a\nAC\n")
    monkeypatch.setitem(sys.modules, "dnaio", None)  # `import dnaio` now raises ImportError
    hint = r"FASTA/FASTQ reading needs dnaio: pip install -e '\.\[io\]'"
    with pytest.raises(ImportError, match=hint):
        dio.iter_records(p)  # raised at the call, not at the first next()
    with pytest.raises(ImportError, match=hint):
        dio.read_fasta(p)
    monkeypatch.delitem(sys.modules, "dnaio")
    assert dio.read_fasta(p) == (["a"], ["AC"])


def test_import_deepbiop_without_dnaio():
    code = (
        "import sys; sys.modules['dnaio'] = None\n"
        "import deepbiop, deepbiop.io, deepbiop.augment\n"
        "assert deepbiop.io.parse_label('r label=3') == 3\n"
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_check_fileformat_is_the_one_check():
    assert dio.check_fileformat(None) is None
    assert dio.check_fileformat("fasta") == "fasta"
    for bad in ("FASTQ", "bam", 1):
        with pytest.raises(ValueError, match=r"fileformat must be 'fasta', 'fastq' or None"):
            dio.check_fileformat(bad)
    with pytest.raises(ValueError, match=r"fileformat must be 'fasta', 'fastq' or None, got 'x'"):
        list(dio.iter_shard("x.fa", 0, 1, fileformat="x"))


def test_public_names():
    # the reading API, check_fileformat and the writing API, each defined; nothing private
    assert len(dio.__all__) == len(set(dio.__all__)) == 20
    assert {"as_paths", "check_fileformat", "iter_shard_parts", "open_output"} <= set(dio.__all__)
    assert "iter_sequence_pieces" in dio.__all__
    assert all(hasattr(dio, name) and not name.startswith("_") for name in dio.__all__)
    # the old private names are gone: deepbiop.torch uses the public ones
    assert not hasattr(dio, "_iter_one") and not hasattr(dio, "_as_paths")
