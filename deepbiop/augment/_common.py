"""What every representation's augmentations share: parameter checks and the
choice of complement alphabet, including the ``"auto"`` RNA rule."""

from __future__ import annotations

from numbers import Real
from typing import Any

from deepbiop.alphabets import DNA, RNA, Alphabet, get_alphabet

__all__ = [
    "check_rate",
    "is_auto",
    "reads_as_rna",
    "nucleotide",
    "complement_alphabet",
    "array_alphabet",
]


def check_rate(rate: Any, name: str = "rate") -> float:
    """``rate`` as a float in [0, 1]; ValueError naming ``name`` otherwise."""
    if isinstance(rate, bool) or not isinstance(rate, Real) or not 0.0 <= float(rate) <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1], got {rate!r}")
    return float(rate)


def is_auto(alphabet: str | Alphabet) -> bool:
    """True for the alphabet name ``"auto"`` (any case)."""
    return isinstance(alphabet, str) and alphabet.lower() == "auto"


def reads_as_rna(raw: bytes) -> bool:
    """The ``"auto"`` rule: a text sequence is RNA when it holds ``U`` (or
    ``u``) and no ``T`` (or ``t``), else DNA.

    The batch kernel applies the same rule to each row
    (``_is_rna`` in ``deepbiop/_kernels/_augment.pyx``, which cannot call
    back into Python); ``tests/augment/test_common.py`` checks that the two agree.
    """
    return (b"U" in raw or b"u" in raw) and not (b"T" in raw or b"t" in raw)


def nucleotide(alphabet: str | Alphabet) -> Alphabet:
    """The alphabet, which must have a complement (DNA or RNA)."""
    alpha = get_alphabet(alphabet)
    if not alpha.is_nucleotide:
        raise ValueError(
            f"alphabet {alpha.name!r} has no complement; reverse complements need 'dna' or 'rna'"
        )
    return alpha


def complement_alphabet(alphabet: str | Alphabet, raw: bytes) -> Alphabet:
    """The alphabet whose complements a text reverse complement applies:
    ``"auto"`` follows :func:`reads_as_rna`, anything else must be a nucleotide
    alphabet."""
    if is_auto(alphabet):
        return RNA if reads_as_rna(raw) else DNA
    return nucleotide(alphabet)


def array_alphabet(alphabet: str | Alphabet) -> str | Alphabet:
    """The alphabet for codes and one-hot rows, which hold no letters to read:
    ``"auto"`` means DNA."""
    return "dna" if is_auto(alphabet) else alphabet
