"""deepbiop.io.iter_shard (deepbiop/io/_shards.py, _ranges.py, _bgzf.py): byte-range
and file shards yield every record exactly once, BGZF detection and writing.

The references are written here: a plain single-pass FASTA/FASTQ reader over
the text, and a BGZF writer with random (small) block sizes, so that the
sharded reader is checked against code that shares nothing with it."""

from __future__ import annotations

import gzip
import os
import struct
import tempfile
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepbiop import io as dio
from deepbiop.io import _bgzf, _ranges

_BASES = "ACGTN"
# quality characters, weighted towards the ones a boundary search can mistake for a record
_QUALS = "@+@+!I#5"


def _read_reference(text: str, fastq: bool) -> list[tuple[str, str]]:
    """(id, sequence) of every record: a plain single pass over the text."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    if fastq:
        for i in range(0, len(lines), 4):
            out.append((lines[i][1:].split()[0], lines[i + 1]))
        return out
    for line in lines:
        if line.startswith(">"):
            out.append((line[1:].split()[0], ""))
        else:
            out[-1] = (out[-1][0], out[-1][1] + line)
    return out


def _bgzf_bytes(data: bytes, cuts: list[int]) -> bytes:
    """BGZF with blocks ending at ``cuts`` (an independent writer)."""
    out = []
    edges = [0, *sorted(c for c in cuts if 0 < c < len(data)), len(data)]
    for lo, hi in zip(edges, edges[1:]):
        chunk = data[lo:hi]
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        payload = comp.compress(chunk) + comp.flush()
        bsize = 18 + len(payload) + 8 - 1
        out.append(
            b"\x1f\x8b\x08\x04\0\0\0\0\0\xff\x06\0BC\x02\0"
            + struct.pack("<H", bsize)
            + payload
            + struct.pack("<II", zlib.crc32(chunk), len(chunk))
        )
    out.append(_bgzf.EOF_BLOCK)
    return b"".join(out)


@st.composite
def _fastx(draw):
    fastq = draw(st.booleans())
    n = draw(st.integers(0, 40))
    recs = []
    for i in range(n):
        seq = draw(st.text(_BASES, min_size=0, max_size=30))
        if fastq:
            qual = draw(st.text(_QUALS, min_size=len(seq), max_size=len(seq)))
            recs.append(f"@r{i} x\n{seq}\n+{draw(st.sampled_from(['', f'r{i} x']))}\n{qual}\n")
        else:
            width = draw(st.integers(1, 12))
            lines = [seq[j : j + width] for j in range(0, len(seq), width)]
            recs.append(f">r{i} x\n" + "".join(f"{line}\n" for line in lines))
    return fastq, "".join(recs)


@given(
    _fastx(), st.sampled_from(["plain", "bgzf", "gzip"]), st.lists(st.integers(1, 2000), max_size=8)
)
def test_every_record_once_for_every_shard_count(case, kind, cuts):
    fastq, text = case
    want = _read_reference(text, fastq)
    data = text.encode()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.fq" if fastq else "x.fa")
        if kind == "bgzf":
            path += ".gz"
            blob = _bgzf_bytes(data, cuts)
            assert gzip.decompress(blob) == data  # any gzip reader reads it
        elif kind == "gzip":
            path += ".gz"
            blob = gzip.compress(data)
        else:
            blob = data
        with open(path, "wb") as fh:
            fh.write(blob)
        fmt = "fastq" if fastq else "fasta"
        for n in range(1, 8):
            shards = [
                [
                    (r.id, r.sequence)
                    for r in dio.iter_shard(path, s, n, fileformat=fmt, chunk_size=3)
                ]
                for s in range(n)
            ]
            if kind == "gzip":  # shared: round-robin chunks of 3 records
                assert [rec for s in range(n) for rec in shards[s]] == sorted(
                    want, key=lambda r: ((want.index(r) // 3) % n, want.index(r))
                )
            else:  # byte ranges: shards in order are the file in order
                assert [rec for shard in shards for rec in shard] == want, (n, shards)


def test_quality_lines_that_look_like_headers(tmp_path):
    # every quality line starts with '@' and the '+' line repeats the header
    recs = [(f"r{i}", "ACGT"[: i % 5], ("@+@I" * 2)[: i % 5]) for i in range(200)]
    text = "".join(f"@{h}\n{s}\n+{h}\n{q}\n" for h, s, q in recs)
    p = tmp_path / "q.fastq"
    p.write_text(text)
    for n in range(1, 12):
        got = [r.id for s in range(n) for r in dio.iter_shard(p, s, n)]
        assert got == [h for h, _, _ in recs]


def test_files_shards_and_mixed_kinds(tmp_path):
    texts = [">a\nAC\n>b\nGG\n", ">c\nTT\n", ">d\nCA\n>e\nA\n>f\nC\n"]
    paths = []
    for i, t in enumerate(texts):
        p = tmp_path / f"f{i}.fa{'.gz' if i == 1 else ''}"
        p.write_bytes(gzip.compress(t.encode()) if i == 1 else t.encode())
        paths.append(p)
    ids = [r.id for r in dio.iter_records(paths)]
    # as many files as shards: shard s reads files s, s + n, ... whole
    assert [[r.id for r in dio.iter_shard(paths, s, 2)] for s in range(2)] == [
        ["a", "b", "d", "e", "f"],
        ["c"],
    ]
    for n in range(4, 8):  # fewer files than shards: ranges for plain, chunks for gzip
        got = [r.id for s in range(n) for r in dio.iter_shard(paths, s, n)]
        assert sorted(got) == ids
        parts = list(dio.iter_shard_parts(paths, 0, n))
        assert [p.shared for p in parts if p.path.endswith(".gz")] == [True]


def test_bgzf_detection_and_writer(tmp_path):
    src = tmp_path / "x.fq"
    text = "".join(f"@r{i}\n{'ACGT' * 40}\n+\n{'I' * 160}\n" for i in range(3000))
    src.write_text(text)
    dst = tmp_path / "x.fq.gz"
    dio.to_bgzf(src, dst)
    blob = dst.read_bytes()
    assert gzip.decompress(blob).decode() == text and blob.endswith(_bgzf.EOF_BLOCK)
    assert _bgzf.is_bgzf(str(dst))
    plain_gz = tmp_path / "y.fq.gz"
    plain_gz.write_bytes(gzip.compress(text.encode()))
    assert not _bgzf.is_bgzf(str(plain_gz)) and not _bgzf.is_bgzf(str(src))
    assert _ranges.file_kind(str(dst)) == ("bgzf", "fastq")
    assert _ranges.file_kind(str(plain_gz)) == ("stream", None)
    assert _ranges.file_kind(str(src)) == ("plain", "fastq")
    # blocks are found from any offset; every block is inflated to the text
    offsets = [off for off, _ in _bgzf.iter_blocks(str(dst), 0)]
    assert len(offsets) > 5
    for pos in (1, offsets[2] - 1, offsets[2], offsets[2] + 1):
        assert _bgzf.find_block(str(dst), pos) == min(o for o in offsets if o >= pos)
    for n in (2, 3, 7):
        got = [r.id for s in range(n) for r in dio.iter_shard(dst, s, n)]
        assert got == [f"r{i}" for i in range(3000)]
    with pytest.raises(ValueError, match="level must be an integer in 0..9"):
        dio.to_bgzf(src, dst, level=10)


def test_corrupt_bgzf_block_names_the_file(tmp_path):
    src = tmp_path / "x.fa"
    src.write_text("".join(f">r{i}\n{'ACGT' * 30}\n" for i in range(5000)))
    dst = tmp_path / "x.fa.gz"
    dio.to_bgzf(src, dst, level=1)
    blob = bytearray(dst.read_bytes())
    offsets = [off for off, _ in _bgzf.iter_blocks(str(dst), 0)]
    blob[offsets[-2] + 40] ^= 0xFF  # inside the compressed data of the last data block
    dst.write_bytes(bytes(blob))
    with pytest.raises(dio.SequenceFileError, match=r"x\.fa\.gz.*(corrupt BGZF block|CRC)"):
        for s in range(2):
            list(dio.iter_shard(dst, s, 2))


def test_shard_arguments_checked(tmp_path):
    p = tmp_path / "x.fa"
    p.write_text(">a\nA\n")
    with pytest.raises(ValueError, match=r"shard must be an integer in 0..n_shards-1, got 2"):
        list(dio.iter_shard(p, 2, 2))
    with pytest.raises(ValueError, match="n_shards must be a positive integer, got 0"):
        list(dio.iter_shard(p, 0, 0))
