"""Alphabets as data: symbols, complements, IUPAC codes and the lookup tables
the kernels apply one byte at a time.

Adding an alphabet needs no kernel change: an :class:`Alphabet` becomes 256-entry
tables (``codes``: the symbol's index or -1; ``complement``: the complementary
byte) that every encoder reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import numpy as np

__all__ = ["Alphabet", "DNA", "RNA", "PROTEIN", "get_alphabet", "IUPAC_DNA"]

#: IUPAC nucleotide ambiguity codes (DNA spelling) and the bases each allows.
IUPAC_DNA: Mapping[str, str] = MappingProxyType(
    {
        "R": "AG",
        "Y": "CT",
        "S": "CG",
        "W": "AT",
        "K": "GT",
        "M": "AC",
        "B": "CGT",
        "D": "AGT",
        "H": "ACT",
        "V": "ACG",
        "N": "ACGT",
    }
)

_IUPAC_COMPLEMENT = {
    "R": "Y",
    "Y": "R",
    "S": "S",
    "W": "W",
    "K": "M",
    "M": "K",
    "B": "V",
    "V": "B",
    "D": "H",
    "H": "D",
    "N": "N",
}


@dataclass(frozen=True)
class Alphabet:
    """An ordered set of symbols and, for nucleotides, their complements.

    Parameters
    ----------
    name : str
        Short name used in error messages (``"dna"``).
    symbols : str
        Upper-case symbols in code order: symbol ``symbols[i]`` has code ``i``.
        Lower-case input is read as upper case.
    complement : str or None, default=None
        For nucleotide alphabets, the complement of each symbol in the same
        order (``"TGCA"`` for ``"ACGT"``), enabling reverse complements and
        canonical k-mers.
    iupac : mapping of str to str, default={}
        Ambiguity codes and the symbols each stands for (``{"N": "ACGT"}``).

    Examples
    --------
    >>> from deepbiop.alphabets import DNA
    >>> DNA.symbols, DNA.size
    ('ACGT', 4)
    >>> int(DNA.codes[ord("g")])
    2
    """

    name: str
    symbols: str
    complement: str | None = None
    iupac: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        syms = self.symbols
        if not syms or len(set(syms)) != len(syms):
            raise ValueError(f"alphabet {self.name!r}: symbols must be unique and non-empty")
        if not syms.isascii() or syms != syms.upper():
            raise ValueError(f"alphabet {self.name!r}: symbols must be upper-case ASCII")
        if self.complement is not None and sorted(self.complement) != sorted(syms):
            raise ValueError(
                f"alphabet {self.name!r}: complement must be a permutation of the symbols"
            )
        # freeze the mapping so the dataclass stays hashable and immutable
        object.__setattr__(self, "iupac", MappingProxyType(dict(self.iupac)))

    def __hash__(self) -> int:
        return hash((self.name, self.symbols, self.complement, tuple(self.iupac.items())))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Alphabet):
            return NotImplemented
        return (self.name, self.symbols, self.complement, dict(self.iupac)) == (
            other.name,
            other.symbols,
            other.complement,
            dict(other.iupac),
        )

    def __reduce__(self):
        return (Alphabet, (self.name, self.symbols, self.complement, dict(self.iupac)))

    @property
    def size(self) -> int:
        """Number of symbols (the one-hot width)."""
        return len(self.symbols)

    @property
    def is_nucleotide(self) -> bool:
        """True when complements are known (DNA, RNA)."""
        return self.complement is not None

    @cached_property
    def codes(self) -> np.ndarray:
        """int16 (256,): code of each byte (upper or lower case), -1 outside."""
        table = np.full(256, -1, dtype=np.int16)
        for i, s in enumerate(self.symbols):
            table[ord(s)] = i
            table[ord(s.lower())] = i
        table.flags.writeable = False
        return table

    @cached_property
    def complement_table(self) -> np.ndarray:
        """uint8 (256,): complement of each byte, case preserved.

        Symbols and IUPAC codes map to their complements; every other byte maps
        to itself. Only defined for nucleotide alphabets.
        """
        if self.complement is None:
            raise ValueError(f"alphabet {self.name!r} has no complement")
        table = np.arange(256, dtype=np.uint8)
        pairs = dict(zip(self.symbols, self.complement))
        for code, comp in _IUPAC_COMPLEMENT.items():
            if code in self.iupac:
                pairs[code] = comp
        for a, b in pairs.items():
            table[ord(a)] = ord(b)
            table[ord(a.lower())] = ord(b.lower())
        table.flags.writeable = False
        return table

    @cached_property
    def complement_codes(self) -> np.ndarray:
        """int16 (size,): the code of each code's complement (``[3, 2, 1, 0]``
        for ``"ACGT"`` / ``"TGCA"``), the permutation reverse complements and
        canonical k-mers apply to codes.

        Raises
        ------
        ValueError
            For an alphabet without a complement, or one whose complement is
            not an involution (the complement of a symbol's complement must be
            the symbol itself, else a k-mer and its reverse complement would
            not be each other's reverse complement).
        """
        if self.complement is None:
            raise ValueError(f"alphabet {self.name!r} has no complement")
        # __post_init__ checked that the complement is a permutation of the symbols
        perm = np.array([self.symbols.index(c) for c in self.complement], dtype=np.int16)
        for i, j in enumerate(perm.tolist()):
            if perm[j] != i:
                a, b = self.symbols[i], self.symbols[j]
                raise ValueError(
                    f"alphabet {self.name!r}: complement {self.complement!r} is not an "
                    f"involution: the complement of {a!r} is {b!r}, but the complement "
                    f"of {b!r} is {self.complement[j]!r}, not {a!r}"
                )
        perm.flags.writeable = False
        return perm

    @cached_property
    def canonical_codes(self) -> np.ndarray:
        """int16 (256 + size,): :attr:`codes` followed by
        :attr:`complement_codes` (the complement of code c at ``256 + c``), the
        one table the canonical k-mer kernels read. Raises as
        :attr:`complement_codes`."""
        table = np.concatenate([self.codes, self.complement_codes]).astype(np.int16)
        table.flags.writeable = False
        return table

    @cached_property
    def iupac_weights(self) -> np.ndarray:
        """float64 (256, size): for each byte, weight 1/n on each of the n
        symbols it allows (a symbol itself: a one-hot row; unknown: zeros)."""
        w = np.zeros((256, self.size), dtype=np.float64)
        for i, s in enumerate(self.symbols):
            w[ord(s), i] = w[ord(s.lower()), i] = 1.0
        for code, allowed in self.iupac.items():
            idx = [self.symbols.index(b) for b in allowed]
            for ch in (code, code.lower()):
                w[ord(ch), idx] = 1.0 / len(idx)
        w.flags.writeable = False
        return w


def _rna_iupac() -> dict[str, str]:
    return {code: bases.replace("T", "U") for code, bases in IUPAC_DNA.items()}


DNA = Alphabet("dna", "ACGT", complement="TGCA", iupac=IUPAC_DNA)
RNA = Alphabet("rna", "ACGU", complement="UGCA", iupac=_rna_iupac())
PROTEIN = Alphabet("protein", "ACDEFGHIKLMNPQRSTVWY")

_BY_NAME = {"dna": DNA, "rna": RNA, "protein": PROTEIN}


def get_alphabet(encoding_type: str | Alphabet) -> Alphabet:
    """Return the alphabet for ``"dna"``, ``"rna"`` or ``"protein"`` (any case),
    or ``encoding_type`` itself if it is already an :class:`Alphabet`.

    Raises
    ------
    ValueError
        For an unknown name.
    TypeError
        For anything that is neither a string nor an Alphabet.
    """
    if isinstance(encoding_type, Alphabet):
        return encoding_type
    if not isinstance(encoding_type, str):
        raise TypeError(
            "encoding_type must be 'dna', 'rna', 'protein' or an Alphabet, "
            f"got {type(encoding_type).__name__}"
        )
    try:
        return _BY_NAME[encoding_type.lower()]
    except KeyError:
        raise ValueError(
            f"unknown encoding_type {encoding_type!r}; expected one of "
            "'dna', 'rna', 'protein' (case-insensitive) or an Alphabet"
        ) from None
