"""Writing small FASTA/FASTQ test files by hand (plain or gzip, by the name's
suffix), for the tests of deepbiop.io: the reference is the text written here."""

from __future__ import annotations

import gzip


def write_text(path, text: str) -> str:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt") as fh:
        fh.write(text)
    return str(path)


def write_bytes(path, data: bytes) -> str:
    path.write_bytes(gzip.compress(data) if str(path).endswith(".gz") else data)
    return str(path)


def fastq_text(records) -> str:
    return "".join(f"@{h}\n{s}\n+\n{q}\n" for h, s, q in records)
