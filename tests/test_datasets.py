"""deepbiop.datasets: the seeded planted-motif generator and its FASTA/FASTQ
writers (parsed back here with plain Python, not with deepbiop.io)."""

from __future__ import annotations

import gzip
import hashlib
import re

import numpy as np
import pytest

from deepbiop.datasets import main, make_motif_sequences, write_fasta, write_fastq

MOTIF = "TATAATGCGC"


def _parse_fasta(text: str):
    records, header, chunks = [], None, []
    for line in text.splitlines():
        if line.startswith(">"):
            if header is not None:
                records.append((header, "".join(chunks)))
            header, chunks = line[1:], []
        else:
            chunks.append(line)
    if header is not None:
        records.append((header, "".join(chunks)))
    return records


def _parse_fastq(text: str):
    lines = text.splitlines()
    assert len(lines) % 4 == 0
    out = []
    for i in range(0, len(lines), 4):
        head, seq, plus, qual = lines[i : i + 4]
        assert head.startswith("@") and plus == "+"
        out.append((head[1:], seq, qual))
    return out


def _best_motif_match(seq: str, motif: str = MOTIF) -> int:
    """Most motif bases matched at any offset (case-insensitive)."""
    s = seq.upper()
    best = 0
    for start in range(len(s) - len(motif) + 1):
        best = max(best, sum(a == b for a, b in zip(s[start : start + len(motif)], motif)))
    return best


def test_seeded_and_reproducible():
    a = make_motif_sequences(50, 40, seed=5)
    b = make_motif_sequences(50, 40, seed=5)
    c = make_motif_sequences(50, 40, seed=6)
    assert a[0] == b[0] and np.array_equal(a[1], b[1])
    assert a[0] != c[0]
    assert a[1].dtype == np.int64 and set(a[1].tolist()) <= {0, 1}


def test_docstring_example_values():
    seqs, y = make_motif_sequences(4, 20, seed=1)
    assert [len(s) for s in seqs] == [20] * 4
    assert y.tolist() == [0, 0, 1, 0]


def test_motif_is_planted_in_positives_only():
    seqs, y = make_motif_sequences(300, 60, motif_mutation_rate=0.0, n_rate=0.0, seed=2)
    for s, label in zip(seqs, y):
        if label:
            assert MOTIF in s.upper()
    # by chance a 10-mer appears in a random 60-mer with probability ~5e-5
    negatives_with_motif = sum(MOTIF in s.upper() for s, label in zip(seqs, y) if not label)
    assert negatives_with_motif <= 1


def test_mutated_motif_still_mostly_present():
    seqs, y = make_motif_sequences(200, 80, seed=3)  # 10% motif mutation, N, lowercase
    pos = [_best_motif_match(s) for s, label in zip(seqs, y) if label]
    neg = [_best_motif_match(s) for s, label in zip(seqs, y) if not label]
    assert np.mean(pos) >= 8.5
    assert np.mean(neg) < 7.5


def test_positive_fraction_and_lengths():
    seqs, y = make_motif_sequences(2000, (30, 90), positive_fraction=0.3, seed=4)
    assert abs(y.mean() - 0.3) < 0.04
    lens = np.array([len(s) for s in seqs])
    assert lens.min() >= 30 and lens.max() <= 90
    assert len(set(lens.tolist())) > 40  # really drawn, not fixed


def test_n_rate_and_lowercase_rate_roughly_respected():
    seqs, _ = make_motif_sequences(500, 200, n_rate=0.02, lowercase_rate=0.2, seed=7)
    text = "".join(seqs)
    n_frac = text.upper().count("N") / len(text)
    lower_frac = sum(c.islower() for c in text) / len(text)
    assert abs(n_frac - 0.02) < 0.005
    assert abs(lower_frac - 0.2) < 0.01
    assert set(text) <= set("ACGTNacgtn")


def test_zero_rates_give_clean_upper_case():
    seqs, _ = make_motif_sequences(100, 50, n_rate=0.0, lowercase_rate=0.0, seed=8)
    assert set("".join(seqs)) <= set("ACGT")


def test_length_shorter_than_motif_is_an_error():
    with pytest.raises(ValueError, match="at least as long as the motif"):
        make_motif_sequences(3, 5)


@pytest.mark.parametrize("name", ["x.fa", "x.fa.gz"])
def test_fasta_round_trip(tmp_path, name):
    seqs, y = make_motif_sequences(30, (10, 200), seed=9)
    path = tmp_path / name
    write_fasta(path, seqs, y, line_width=60)
    raw = path.read_bytes()
    text = gzip.decompress(raw).decode() if name.endswith(".gz") else raw.decode()
    assert all(len(line) <= 60 for line in text.splitlines())
    records = _parse_fasta(text)
    assert [s for _, s in records] == seqs
    assert [h for h, _ in records] == [f"seq{i} label={int(v)}" for i, v in enumerate(y)]


def test_fasta_without_labels(tmp_path):
    write_fasta(tmp_path / "x.fa", ["ACGT", "GG"])
    assert _parse_fasta((tmp_path / "x.fa").read_text()) == [("seq0", "ACGT"), ("seq1", "GG")]


@pytest.mark.parametrize("name", ["r.fastq", "r.fastq.gz"])
def test_fastq_round_trip(tmp_path, name):
    seqs, y = make_motif_sequences(25, (10, 120), seed=10)
    path = tmp_path / name
    write_fastq(path, seqs, y, seed=1)
    raw = path.read_bytes()
    text = gzip.decompress(raw).decode() if name.endswith(".gz") else raw.decode()
    records = _parse_fastq(text)
    assert [s for _, s, _ in records] == seqs
    assert [h for h, _, _ in records] == [f"read{i} label={int(v)}" for i, v in enumerate(y)]
    for _, s, q in records:
        assert len(q) == len(s)
        assert all(20 <= ord(c) - 33 <= 40 for c in q)


def test_gzip_output_is_byte_reproducible(tmp_path):
    seqs, y = make_motif_sequences(20, 30, seed=11)
    write_fastq(tmp_path / "a.fq.gz", seqs, y, seed=3)
    write_fastq(tmp_path / "b.fq.gz", seqs, y, seed=3)
    assert (tmp_path / "a.fq.gz").read_bytes() == (tmp_path / "b.fq.gz").read_bytes()


def test_main_regenerates_bundled_files_bit_for_bit(tmp_path, repo_root, capsys):
    main(["--out", str(tmp_path)])
    assert re.search(r"\(1000 sequences\).*\(2000 reads\)", capsys.readouterr().out)
    for name in ("motifs.fa", "reads.fastq.gz"):
        bundled = repo_root / "examples" / "data" / name
        digest = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        assert digest == hashlib.sha256(bundled.read_bytes()).hexdigest(), name
