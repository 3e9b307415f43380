"""Augmentations of one text sequence: ``str``, ``bytes``, ``bytearray``,
``memoryview`` or a 1-D uint8 array of characters, returned as the same type
(``bytes`` for ``bytearray``/``memoryview``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deepbiop._random import RandomState, as_generator, seed_value
from deepbiop._sequences import pack_one
from deepbiop.alphabets import DNA, RNA, Alphabet, get_alphabet
from deepbiop.augment._batch import run_kernel
from deepbiop.augment._common import check_rate, complement_alphabet

__all__ = ["Text", "reverse_complement", "random_reverse_complement", "mutate"]

Text = str | bytes | bytearray | memoryview | np.ndarray

_DNA_TRANSLATE = DNA.complement_table.tobytes()
_RNA_TRANSLATE = RNA.complement_table.tobytes()


def _translate_table(alpha: Alphabet) -> bytes:
    """The alphabet's complement as a ``bytes.translate`` table (built once
    for DNA and RNA, which nearly every call uses)."""
    if alpha is DNA:
        return _DNA_TRANSLATE
    if alpha is RNA:
        return _RNA_TRANSLATE
    return alpha.complement_table.tobytes()


def _text_bytes(seq: Any) -> tuple[bytes, Callable[[bytes], Any]]:
    """The sequence as bytes, and a function turning result bytes back into its type."""
    if isinstance(seq, str):
        try:
            raw = seq.encode("ascii")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"non-ASCII character {seq[exc.start]!r} at position {exc.start}; "
                "sequences must be ASCII text"
            ) from None
        return raw, lambda b: b.decode("ascii")
    if isinstance(seq, bytes):
        return seq, lambda b: b
    if isinstance(seq, (bytearray, memoryview)):
        return bytes(seq), lambda b: b
    if isinstance(seq, np.ndarray) and seq.ndim == 1 and seq.dtype == np.uint8:
        return seq.tobytes(), lambda b: np.frombuffer(b, dtype=np.uint8).copy()
    raise TypeError(
        "expected a sequence as str, bytes, bytearray, memoryview or a 1-D uint8 "
        f"array; got {type(seq).__name__}"
        + (
            f" of shape {seq.shape} dtype {seq.dtype} (integer codes: use "
            "reverse_complement_codes / mutate_codes; one-hot: reverse_complement_onehot)"
            if isinstance(seq, np.ndarray)
            else ""
        )
    )


def reverse_complement(seq: Text, alphabet: str | Alphabet = "auto") -> Text:
    """Reverse complement of a text sequence, IUPAC-aware and case-preserving.

    Parameters
    ----------
    seq : str, bytes, bytearray, memoryview or 1-D uint8 array
        The sequence as characters.
    alphabet : {"auto", "dna", "rna"} or Alphabet, default="auto"
        ``"auto"`` reads the sequence as RNA when it holds ``U`` and no ``T``
        (so ``A`` complements to ``U``), otherwise as DNA.

    Returns
    -------
    Same type as ``seq`` (``bytes`` for bytearray/memoryview)
        Complemented and reversed. IUPAC codes map to their complements, lower
        case stays lower case, other characters (gaps, ``X``) are kept.

    Raises
    ------
    ValueError
        For a protein alphabet, or a non-ASCII character (naming its position).
    TypeError
        For anything that is not a text sequence.

    See Also
    --------
    reverse_complement_batch : the same for a batch, in one kernel call.

    Examples
    --------
    >>> from deepbiop.augment import reverse_complement
    >>> reverse_complement("AACGTn")
    'nACGTT'
    >>> reverse_complement("ACRYkm")
    'kmRYGT'
    >>> reverse_complement(b"GAUU")
    b'AAUC'
    """
    raw, back = _text_bytes(seq)
    table = _translate_table(complement_alphabet(alphabet, raw))
    return back(raw.translate(table)[::-1])


def random_reverse_complement(
    seq: Text,
    p: float = 0.5,
    *,
    alphabet: str | Alphabet = "auto",
    random_state: RandomState = None,
) -> Text:
    """Reverse-complement ``seq`` with probability ``p`` (else return it as is).

    The coin flip is ``as_generator(random_state).random() < p``: the same
    flip :func:`random_reverse_complement_batch` makes for item 0.

    Examples
    --------
    >>> from deepbiop.augment import random_reverse_complement
    >>> random_reverse_complement("AAC", p=1.0), random_reverse_complement("AAC", p=0.0)
    ('GTT', 'AAC')
    """
    p = check_rate(p, "p")
    if as_generator(random_state).random() < p:
        return reverse_complement(seq, alphabet)
    return seq


def mutate(
    seq: Text,
    rate: float,
    *,
    alphabet: str | Alphabet = "dna",
    random_state: RandomState = None,
) -> Text:
    """Random point substitutions: each position mutates with probability ``rate``.

    A mutated position becomes one of the *other* alphabet symbols, chosen
    uniformly, in the same case. Characters outside the alphabet (``N``) are
    never mutated, so the number of changed positions is Binomial(n_valid, rate).

    The draws are those of the batch kernel for a batch of one:
    ``mutate(s, rate, random_state=r)`` equals
    ``mutate_batch([s], rate, random_state=r)[0]`` (up to the result's type).

    Parameters
    ----------
    seq : str, bytes, bytearray, memoryview or 1-D uint8 array
    rate : float in [0, 1]
    alphabet : {"dna", "rna", "protein"} or Alphabet, default="dna"
    random_state : None, int, SeedSequence or Generator, default=None
        As in :func:`mutate_batch`: an int is the seed of the draws, a
        Generator gives one draw (none when ``rate == 0``).

    Returns
    -------
    Same type as ``seq`` (``bytes`` for bytearray/memoryview), same length.

    See Also
    --------
    mutate_batch : the same for a batch, in one kernel call.
    mutate_codes : the same draws on integer codes.

    Examples
    --------
    >>> from deepbiop.augment import mutate
    >>> s = mutate("ACGTACGTAC", 0.5, random_state=0)
    >>> len(s), s != "ACGTACGTAC"
    (10, True)
    >>> mutate("acgtnn", 1.0, random_state=1).islower(), mutate("NN", 1.0)
    (True, 'NN')
    """
    rate = check_rate(rate)
    raw, back = _text_bytes(seq)
    alpha = get_alphabet(alphabet)
    if rate == 0.0:
        return back(raw)
    out, _ = run_kernel(
        pack_one(raw),
        rate=rate,
        seed=seed_value(random_state),
        flip=None,
        alphabet=alpha,
        rc_alphabet="dna",
        n_jobs=1,
    )
    return back(out.tobytes())
