"""Plain-Python reference encoders, written independently of the kernels.

Everything here is deliberately naive: one Python loop per character, string
k-mers in a dict, alphabets and IUPAC codes spelled out again rather than
imported from :mod:`deepbiop.alphabets`. The tests compare the compiled
encoders against these functions; if both were derived from the same tables a
typo there would go unnoticed.

Conventions (from issue 2):

* alphabets: DNA ``ACGT``, RNA ``ACGU``, protein ``ACDEFGHIKLMNPQRSTVWY``;
  lower-case input is read as upper case;
* one-hot: a character outside the alphabet becomes a zero row (``skip`` /
  ``mask``), ``1/A`` everywhere (``uniform``), weight ``1/n`` over the ``n``
  bases an IUPAC code allows (``iupac``; non-IUPAC characters a zero row), or
  raises (``error``); batches are padded with zero rows;
* integer: codes 0..A-1 in alphabet order, ``unknown`` -> A, padding -1;
* k-mers: overlapping windows, column = k-mer read as a base-A number with the
  first character most significant, windows containing a character outside the
  alphabet are not counted; ``canonical`` counts a k-mer at the column of the
  lexicographically smaller of itself and its reverse complement. The k-mer
  references also take a custom alphabet: ``symbols`` (upper case, in code
  order) and ``complement`` (a dict symbol -> complementary symbol), which
  replace ``encoding_type``'s.

The ``random`` strategies have no reference (their draws are the kernel's
hash); the tests check their properties instead.
"""

from __future__ import annotations

import numpy as np

ALPHABETS = {
    "dna": "ACGT",
    "rna": "ACGU",
    "protein": "ACDEFGHIKLMNPQRSTVWY",
}

COMPLEMENTS = {
    "dna": {"A": "T", "C": "G", "G": "C", "T": "A"},
    "rna": {"A": "U", "C": "G", "G": "C", "U": "A"},
}

# IUPAC nucleotide codes (DNA spelling); RNA swaps T for U.
_IUPAC_DNA = {
    "R": "AG",
    "Y": "CT",
    "S": "GC",
    "W": "AT",
    "K": "GT",
    "M": "AC",
    "B": "CGT",
    "D": "AGT",
    "H": "ACT",
    "V": "ACG",
    "N": "ACGT",
}


class ReferenceError(ValueError):
    """Raised by the references for ``error`` strategies, carrying the location."""

    def __init__(self, index: int, position: int, char: str) -> None:
        super().__init__(f"sequence {index}: invalid {char!r} at {position}")
        self.index = index
        self.position = position
        self.char = char


def as_text(seq) -> str:
    """A sequence (str, bytes, bytearray, memoryview, uint8 array) as a str."""
    if isinstance(seq, str):
        return seq
    if isinstance(seq, np.ndarray):
        return seq.tobytes().decode("latin-1")
    return bytes(seq).decode("latin-1")


def _iupac(encoding_type: str) -> dict[str, str]:
    if encoding_type == "dna":
        return dict(_IUPAC_DNA)
    if encoding_type == "rna":
        return {code: bases.replace("T", "U") for code, bases in _IUPAC_DNA.items()}
    return {}


def _upper(ch: str) -> str:
    # only ASCII letters change case; anything else (including bytes >= 128
    # read as latin-1) stays as it is
    return ch.upper() if "a" <= ch <= "z" else ch


# --------------------------------------------------------------------- one-hot
def onehot_ref(seq, encoding_type: str = "dna", strategy: str = "skip", index: int = 0):
    """``(L, A)`` float64 one-hot rows of one sequence."""
    symbols = ALPHABETS[encoding_type]
    A = len(symbols)
    iupac = _iupac(encoding_type)
    rows = []
    for pos, raw in enumerate(as_text(seq)):
        ch = _upper(raw)
        row = [0.0] * A
        if ch in symbols:
            row[symbols.index(ch)] = 1.0
        elif strategy in ("skip", "mask"):
            pass
        elif strategy == "uniform":
            row = [1.0 / A] * A
        elif strategy == "iupac":
            if ch in iupac:
                for base in iupac[ch]:
                    row[symbols.index(base)] = 1.0 / len(iupac[ch])
        elif strategy == "error":
            raise ReferenceError(index, pos, raw)
        else:
            raise NotImplementedError(strategy)
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(len(rows), A)


def onehot_batch_ref(seqs, encoding_type="dna", strategy="skip", max_length=None):
    """``(B, L, A)`` float64, zero rows as padding, truncated to ``max_length``."""
    seqs = [as_text(s) for s in seqs]
    if max_length is not None:
        seqs = [s[:max_length] for s in seqs]
    A = len(ALPHABETS[encoding_type])
    L = max_length if max_length is not None else max((len(s) for s in seqs), default=0)
    out = np.zeros((len(seqs), L, A))
    for i, s in enumerate(seqs):
        rows = onehot_ref(s, encoding_type, strategy, index=i)
        out[i, : len(rows)] = rows
    return out


# --------------------------------------------------------------------- integer
def integer_ref(seq, encoding_type="dna", strategy="error", index=0):
    """``(L,)`` int64 codes of one sequence (``unknown`` -> A)."""
    symbols = ALPHABETS[encoding_type]
    codes = []
    for pos, raw in enumerate(as_text(seq)):
        ch = _upper(raw)
        if ch in symbols:
            codes.append(symbols.index(ch))
        elif strategy == "unknown":
            codes.append(len(symbols))
        elif strategy == "error":
            raise ReferenceError(index, pos, raw)
        else:
            raise NotImplementedError(strategy)
    return np.array(codes, dtype=np.int64)


def integer_batch_ref(seqs, encoding_type="dna", strategy="error", pad_value=-1, max_length=None):
    """``(B, L)`` float64 codes padded with ``pad_value``."""
    seqs = [as_text(s) for s in seqs]
    if max_length is not None:
        seqs = [s[:max_length] for s in seqs]
    L = max_length if max_length is not None else max((len(s) for s in seqs), default=0)
    out = np.full((len(seqs), L), float(pad_value))
    for i, s in enumerate(seqs):
        codes = integer_ref(s, encoding_type, strategy, index=i)
        out[i, : len(codes)] = codes
    return out


# ----------------------------------------------------------------------- k-mers
def kmer_index(kmer: str, encoding_type: str = "dna", symbols: str | None = None) -> int:
    """Column of a k-mer: base-A number, first character most significant."""
    symbols = symbols or ALPHABETS[encoding_type]
    value = 0
    for ch in kmer:
        value = value * len(symbols) + symbols.index(ch)
    return value


def reverse_complement(
    seq: str, encoding_type: str = "dna", complement: dict[str, str] | None = None
) -> str:
    """Reverse complement; case kept, characters without a complement kept.

    ``complement`` (upper case symbol -> symbol) replaces the complements of
    ``encoding_type`` (and its IUPAC codes)."""
    if complement is not None:
        comp = dict(complement)
    else:
        comp = dict(COMPLEMENTS[encoding_type])
        for code in _iupac(encoding_type):
            pair = {
                "R": "Y",
                "Y": "R",
                "K": "M",
                "M": "K",
                "B": "V",
                "V": "B",
                "D": "H",
                "H": "D",
            }.get(code, code)
            comp[code] = pair
    comp.update({k.lower(): v.lower() for k, v in list(comp.items())})
    return "".join(comp.get(ch, ch) for ch in reversed(seq))


def kmer_counts_ref(
    seq,
    k: int,
    encoding_type="dna",
    canonical=False,
    strategy="skip",
    index=0,
    symbols=None,
    complement=None,
) -> dict[str, int]:
    """K-mer -> count for one sequence (upper-case k-mers)."""
    symbols = symbols or ALPHABETS[encoding_type]
    text = as_text(seq)
    if strategy == "error":
        for pos, raw in enumerate(text):
            if _upper(raw) not in symbols:
                raise ReferenceError(index, pos, raw)
    counts: dict[str, int] = {}
    up = "".join(_upper(c) for c in text)
    for start in range(len(up) - k + 1):
        kmer = up[start : start + k]
        if any(c not in symbols for c in kmer):
            continue
        if canonical:
            kmer = min(
                kmer,
                reverse_complement(kmer, encoding_type, complement),
                key=lambda s: [symbols.index(c) for c in s],
            )
        counts[kmer] = counts.get(kmer, 0) + 1
    return counts


def kmer_ref(
    seq,
    k,
    encoding_type="dna",
    canonical=False,
    strategy="skip",
    index=0,
    symbols=None,
    complement=None,
):
    """Dense ``(A**k,)`` float64 count vector of one sequence."""
    symbols = symbols or ALPHABETS[encoding_type]
    out = np.zeros(len(symbols) ** k)
    for kmer, n in kmer_counts_ref(
        seq, k, encoding_type, canonical, strategy, index, symbols, complement
    ).items():
        out[kmer_index(kmer, symbols=symbols)] += n
    return out


def kmer_batch_ref(
    seqs, k, encoding_type="dna", canonical=False, strategy="skip", symbols=None, complement=None
):
    """``(B, A**k)`` float64 count vectors."""
    symbols = symbols or ALPHABETS[encoding_type]
    rows = [
        kmer_ref(
            s,
            k,
            encoding_type,
            canonical,
            strategy,
            index=i,
            symbols=symbols,
            complement=complement,
        )
        for i, s in enumerate(seqs)
    ]
    return np.array(rows).reshape(len(rows), len(symbols) ** k)
