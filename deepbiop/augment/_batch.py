"""Batch augmentations of text: one kernel call (``deepbiop/_kernels/_augment.pyx``)
point-mutates and/or reverse-complements every sequence of a batch.

:func:`run_kernel` is the one way into that kernel, and every point mutation
goes through it: :func:`~deepbiop.augment.mutate` runs it on a batch of one and
:func:`~deepbiop.augment.mutate_codes` on the rows of its codes, so they draw
exactly what :func:`mutate_batch` draws for the same items and ``random_state``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from deepbiop._kernels import _augment
from deepbiop._random import RandomState, as_generator, seed_value
from deepbiop._sequences import Packed, as_items, pack_batch
from deepbiop.alphabets import DNA, RNA, Alphabet, get_alphabet
from deepbiop.augment._common import check_rate, is_auto, nucleotide
from deepbiop.encoders._base import kernel_threads

__all__ = [
    "batch_items",
    "run_kernel",
    "mutate_batch",
    "reverse_complement_batch",
    "random_reverse_complement_batch",
]

_IDENTITY = np.arange(256, dtype=np.uint8)


def batch_items(seqs: Any) -> list:
    """The elements of a batch (:func:`deepbiop._sequences.as_items`, which
    takes every batch the encoders take) in a list of our own: another thread
    changing the caller's list afterwards changes nothing here, and the kernel
    path reads each output's type from the same list it packs."""
    return list(as_items(seqs))


@lru_cache(maxsize=16)
def _mutation_tables(alpha: Alphabet) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The kernel's view of an alphabet: codes, upper- and lower-case symbols,
    and which bytes are a symbol's lower-case spelling."""
    codes = np.ascontiguousarray(alpha.codes, dtype=np.int16)
    upper = np.frombuffer(alpha.symbols.encode("ascii"), dtype=np.uint8).copy()
    lower = np.frombuffer(alpha.symbols.lower().encode("ascii"), dtype=np.uint8).copy()
    is_lower = np.zeros(256, dtype=np.uint8)
    for sym, low in zip(alpha.symbols, alpha.symbols.lower()):
        if low != sym:
            is_lower[ord(low)] = 1
    return codes, upper, lower, is_lower


def run_kernel(
    packed: Packed,
    *,
    rate: float,
    seed: int,
    flip: np.ndarray | None,
    alphabet: str | Alphabet,
    rc_alphabet: str | Alphabet,
    n_jobs: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mutate (at ``rate``, draws keyed by ``seed``) and reverse-complement the
    rows where ``flip`` is set, in one kernel call.

    Parameters
    ----------
    packed : Packed
        The rows, from :mod:`deepbiop._sequences`.
    rate : float in [0, 1]
        Checked by the caller.
    seed : int
        Key of the counter-based draws (:func:`deepbiop._random.seed_value`).
    flip : ndarray of uint8, shape (len(packed),), or None
        Rows to reverse-complement (None: none).
    alphabet : str or Alphabet
        The symbols a mutation draws from.
    rc_alphabet : str or Alphabet
        The complements; ``"auto"`` picks DNA or RNA per row (the rule of
        :func:`deepbiop.augment._common.reads_as_rna`).
    n_jobs : int or None

    Returns
    -------
    out : ndarray of uint8, shape (total bases,)
        Row ``i`` at ``out[offsets[i]:offsets[i] + packed.lens[i]]``.
    offsets : ndarray of int64, shape (len(packed),)

    Raises
    ------
    ValueError
        For a mutation in a one-symbol alphabet, or a complement alphabet that
        has no complement.
    """
    B = len(packed)
    alpha = get_alphabet(alphabet)
    if rate > 0.0 and alpha.size < 2:
        raise ValueError(f"alphabet {alpha.name!r} has one symbol; nothing to mutate to")
    codes, upper, lower, is_lower = _mutation_tables(alpha)
    auto = is_auto(rc_alphabet)
    if flip is None:
        flip = np.zeros(B, dtype=np.uint8)
        comp_dna = comp_rna = _IDENTITY
    elif flip.shape != (B,):  # the kernel reads one flag per packed row
        raise ValueError(f"flip has shape {flip.shape} for a batch of {B}")
    elif auto:
        comp_dna, comp_rna = DNA.complement_table, RNA.complement_table
    else:
        comp_dna = comp_rna = nucleotide(rc_alphabet).complement_table
    lens = packed.lens
    offsets = np.zeros(B, dtype=np.int64)
    if B:
        np.cumsum(lens[:-1], out=offsets[1:])
    total = int(offsets[-1] + lens[-1]) if B else 0
    out = np.empty(total, dtype=np.uint8)
    if B == 0:
        return out, offsets
    _augment.augment_packed(
        packed.ptrs,
        lens,
        offsets,
        out,
        codes,
        upper,
        lower,
        is_lower,
        alpha.size,
        min(int(round(rate * 2**32)), 2**32),
        seed & (2**64 - 1),
        flip,
        comp_dna,
        comp_rna,
        auto,
        kernel_threads(n_jobs, total),
    )
    return out, offsets


def _pack(seqs: Any) -> tuple[list, Packed]:
    items = batch_items(seqs)
    return items, pack_batch(items)


def _rows(items: list, packed: Packed, out: np.ndarray, offsets: np.ndarray) -> list:
    """The kernel's output rows: ``str`` for ``str`` items, else ``bytes``."""
    raw = out.tobytes()
    bounds = zip(offsets.tolist(), (offsets + packed.lens).tolist())
    if all(type(x) is str for x in items):
        text = raw.decode("ascii")
        return [text[a:b] for a, b in bounds]
    return [
        raw[a:b].decode("ascii") if isinstance(x, str) else raw[a:b]
        for x, (a, b) in zip(items, bounds)
    ]


def mutate_batch(
    seqs: Any,
    rate: float,
    *,
    alphabet: str | Alphabet = "dna",
    random_state: RandomState = None,
    n_jobs: int | None = None,
) -> list:
    """Random point substitutions in every sequence of a batch (one kernel call).

    Each position holding an alphabet symbol mutates with probability ``rate``
    (to 1/2**32) to one of the *other* symbols, chosen uniformly, in the same
    case; other characters (``N``) are never touched. The draws come from a
    counter-based generator keyed by ``(seed, index in the batch, position)``,
    so the result is identical for any ``n_jobs``, and
    ``mutate(s, rate, random_state=r)`` equals
    ``mutate_batch([s], rate, random_state=r)[0]``.

    Parameters
    ----------
    seqs : list (or other collection) of str, bytes, bytearray, memoryview or
        1-D uint8 arrays
    rate : float in [0, 1]
    alphabet : {"dna", "rna", "protein"} or Alphabet, default="dna"
    random_state : None, int, SeedSequence or Generator, default=None
        An int is the seed of the draws itself; a Generator gives one 64-bit
        draw per call (none when ``rate == 0``); see
        :func:`deepbiop._random.seed_value`.
    n_jobs : int or None, default=None
        Threads (see :func:`deepbiop.effective_n_threads`).

    Returns
    -------
    list
        Item ``i`` is a ``str`` when ``seqs[i]`` is a ``str``, else ``bytes``;
        same lengths.

    Raises
    ------
    ValueError
        For a rate outside [0, 1] or a non-ASCII ``str`` (naming the sequence
        and position).
    TypeError
        For a single sequence or an item that is not a sequence.

    Examples
    --------
    >>> from deepbiop.augment import mutate_batch
    >>> out = mutate_batch(["ACGTACGT", b"acgtnn"], 0.5, random_state=0)
    >>> out == mutate_batch(["ACGTACGT", b"acgtnn"], 0.5, random_state=0)
    True
    >>> [type(s).__name__ for s in out], out[1].islower(), out[1][4:]
    (['str', 'bytes'], True, b'nn')
    >>> mutate_batch(["NNNN"], 1.0)
    ['NNNN']
    """
    rate = check_rate(rate)
    items, packed = _pack(seqs)
    seed = seed_value(random_state) if rate > 0.0 else 0
    out, offsets = run_kernel(
        packed, rate=rate, seed=seed, flip=None, alphabet=alphabet, rc_alphabet="dna", n_jobs=n_jobs
    )
    return _rows(items, packed, out, offsets)


def reverse_complement_batch(
    seqs: Any, alphabet: str | Alphabet = "auto", *, n_jobs: int | None = None
) -> list:
    """Reverse complement of every sequence of a batch (one kernel call).

    Equal to ``[reverse_complement(s, alphabet) for s in seqs]`` (with
    ``bytes`` for items that are not ``str``), including the per-sequence
    ``"auto"`` RNA rule.

    Examples
    --------
    >>> from deepbiop.augment import reverse_complement_batch
    >>> reverse_complement_batch(["AACGTn", b"GAUU", "ACRYkm"])
    ['nACGTT', b'AAUC', 'kmRYGT']
    """
    items, packed = _pack(seqs)
    flip = np.ones(len(packed), dtype=np.uint8)
    out, offsets = run_kernel(
        packed, rate=0.0, seed=0, flip=flip, alphabet="dna", rc_alphabet=alphabet, n_jobs=n_jobs
    )
    return _rows(items, packed, out, offsets)


def random_reverse_complement_batch(
    seqs: Any,
    p: float = 0.5,
    *,
    alphabet: str | Alphabet = "auto",
    random_state: RandomState = None,
    n_jobs: int | None = None,
) -> list:
    """Reverse-complement each sequence of a batch with probability ``p``.

    The coin flips are ``as_generator(random_state).random(len(seqs)) < p``,
    so item 0 flips exactly when
    ``random_reverse_complement(seqs[0], p, random_state=random_state)`` does.

    Examples
    --------
    >>> from deepbiop.augment import random_reverse_complement_batch
    >>> random_reverse_complement_batch(["AAC", "GGA"], 1.0)
    ['GTT', 'TCC']
    >>> random_reverse_complement_batch(["AAC"], 0.0)
    ['AAC']
    """
    p = check_rate(p, "p")
    items, packed = _pack(seqs)
    flip = (as_generator(random_state).random(len(packed)) < p).astype(np.uint8)
    out, offsets = run_kernel(
        packed, rate=0.0, seed=0, flip=flip, alphabet="dna", rc_alphabet=alphabet, n_jobs=n_jobs
    )
    return _rows(items, packed, out, offsets)
