"""Sequence augmentation: reverse complement, point mutations, crops, and
seeding that gives every DataLoader worker its own reproducible stream.

Every operation exists as a stateless function and, for use as a dataset
``transform``, as a small picklable callable class. They work on three
representations of a sequence:

* text: ``str``, ``bytes``, ``bytearray`` or a 1-D uint8 array of characters
  (the result has the input's type; ``bytearray``/``memoryview`` give ``bytes``);
* integer codes as written by :class:`deepbiop.IntegerEncoder` (``*_codes``);
* one-hot rows as written by :class:`deepbiop.OneHotEncoder` (``*_onehot``).

Reverse complements follow :attr:`deepbiop.alphabets.Alphabet.complement_table`:
IUPAC codes map to their complements (R <-> Y, K <-> M, B <-> V, D <-> H;
S, W, N to themselves), case is preserved, characters outside the alphabet
stay as they are, and RNA (``U``) is recognised. Applied to one-hot rows the
result equals the one-hot encoding of the reverse-complemented text, for every
``ambiguous_strategy`` (the column permutation that complements a base also
complements an IUPAC weight row).

Randomness: every random operation takes ``random_state`` (None, an int, a
:class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`).
:func:`worker_rng` builds the generator the datasets in :mod:`deepbiop.torch`
use: seeded from the base seed, the epoch, the distributed rank and the
DataLoader worker id, so each worker draws a different stream and a run with
the same seed reproduces exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from numbers import Integral, Real
from typing import Any

import numpy as np

from deepbiop._random import (
    RandomState,
    as_generator,
    worker_info,
    worker_rng,
    worker_seed_sequence,
)
from deepbiop.alphabets import Alphabet, get_alphabet
from deepbiop.encoders._base import kernel_threads

__all__ = [
    "reverse_complement",
    "reverse_complement_codes",
    "reverse_complement_onehot",
    "mutate",
    "mutate_codes",
    "mutate_batch",
    "reverse_complement_batch",
    "random_reverse_complement_batch",
    "crop",
    "random_reverse_complement",
    "worker_info",
    "worker_seed_sequence",
    "worker_rng",
    "Augmentation",
    "ReverseComplement",
    "RandomReverseComplement",
    "RandomMutation",
    "Crop",
    "Compose",
]

Text = str | bytes | bytearray | memoryview | np.ndarray

_CROP_MODES = ("random", "start", "center", "end")


# -- helpers ---------------------------------------------------------------------
def _nucleotide(alphabet: str | Alphabet) -> Alphabet:
    alpha = get_alphabet(alphabet)
    if not alpha.is_nucleotide:
        raise ValueError(
            f"alphabet {alpha.name!r} has no complement; reverse complements need 'dna' or 'rna'"
        )
    return alpha


@lru_cache(maxsize=16)
def _translate_table(alpha: Alphabet) -> bytes:
    return alpha.complement_table.tobytes()


_FAST_TABLES: dict[str, bytes] = {
    "dna": get_alphabet("dna").complement_table.tobytes(),
    "rna": get_alphabet("rna").complement_table.tobytes(),
}
_FAST_TABLES["auto"] = _FAST_TABLES["dna"]


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


def _auto_alphabet(raw: bytes, alphabet: str | Alphabet) -> Alphabet:
    if isinstance(alphabet, str) and alphabet.lower() == "auto":
        has_u = b"U" in raw or b"u" in raw
        has_t = b"T" in raw or b"t" in raw
        return get_alphabet("rna" if has_u and not has_t else "dna")
    return _nucleotide(alphabet)


# -- reverse complement ------------------------------------------------------------
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
    if isinstance(alphabet, str) and alphabet in _FAST_TABLES:
        if alphabet == "auto":
            rna = (b"U" in raw or b"u" in raw) and not (b"T" in raw or b"t" in raw)
            table = _FAST_TABLES["rna" if rna else "dna"]
        else:
            table = _FAST_TABLES[alphabet]
    else:
        table = _translate_table(_auto_alphabet(raw, alphabet))
    return back(raw.translate(table)[::-1])


def _complement_permutation(alpha: Alphabet) -> np.ndarray:
    """perm[c] = code of the complement of symbol c."""
    return np.array([alpha.symbols.index(c) for c in alpha.complement], dtype=np.intp)


def _valid_codes(x: np.ndarray, A: int) -> np.ndarray:
    """Mask of entries that are alphabet codes 0..A-1 (not unknown/padding)."""
    valid = (x >= 0) & (x < A)
    if x.dtype.kind == "f":
        valid &= x == np.floor(x)
    return valid


def _row_lengths(lengths: Any, n: int, width: int) -> np.ndarray:
    lens = np.asarray(lengths, dtype=np.int64).reshape(-1)
    if lens.shape[0] != n:
        raise ValueError(f"lengths has {lens.shape[0]} entries for a batch of {n}")
    bad = np.flatnonzero((lens < 0) | (lens > width))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"lengths[{i}] = {int(lens[i])} is outside 0..{width} (the padded width)")
    return lens


def _reverse_rows(x: np.ndarray, lens: np.ndarray, axis: int) -> np.ndarray:
    """Reverse the first lens[i] entries of row i along ``axis`` (1 or 2)."""
    L = x.shape[axis]
    pos = np.arange(L)
    src = np.where(pos[None, :] < lens[:, None], lens[:, None] - 1 - pos[None, :], pos[None, :])
    if axis == 1:
        idx = src.reshape(src.shape + (1,) * (x.ndim - 2))
        return np.take_along_axis(x, idx, axis=1)
    return np.take_along_axis(x, src[:, None, :], axis=2)


def reverse_complement_codes(
    codes: np.ndarray,
    alphabet: str | Alphabet = "dna",
    *,
    lengths: Any = None,
    pad_value: float = -1,
) -> np.ndarray:
    """Reverse complement of integer codes (one sequence or a padded batch).

    Parameters
    ----------
    codes : ndarray of shape (L,) or (B, L)
        Codes as written by :class:`deepbiop.IntegerEncoder` (any dtype).
        Codes ``0..A-1`` are complemented; anything else (the ``"unknown"``
        code A, padding) is kept.
    alphabet : {"dna", "rna"} or Alphabet, default="dna"
    lengths : array-like of int, shape (B,), optional
        For a batch, the real length of each row; only that prefix is
        reversed and padding stays at the end. By default each row's length is
        the position after its last element that is not ``pad_value``.
    pad_value : int or float, default=-1

    Returns
    -------
    ndarray
        Fresh, C-contiguous, same shape and dtype; equal to
        ``IntegerEncoder.encode_batch`` of the reverse-complemented sequences.

    Examples
    --------
    >>> import numpy as np
    >>> from deepbiop.augment import reverse_complement_codes
    >>> reverse_complement_codes(np.array([0, 0, 1, 4]))       # AACN
    array([4, 2, 3, 3])
    >>> reverse_complement_codes(np.array([[0., 1., -1.], [2., 2., 3.]]))
    array([[ 2.,  3., -1.],
           [ 0.,  1.,  1.]])
    """
    alpha = _nucleotide(alphabet)
    x = np.asarray(codes)
    if x.ndim not in (1, 2):
        raise ValueError(f"codes must have shape (L,) or (B, L), got {x.shape}")
    A = alpha.size
    perm = _complement_permutation(alpha)
    valid = _valid_codes(x, A)
    comp = x.copy()
    comp[valid] = perm[x[valid].astype(np.intp)].astype(x.dtype)
    if x.ndim == 1:
        return np.ascontiguousarray(comp[::-1])
    B, L = x.shape
    if L == 0:
        return comp
    if lengths is None:
        notpad = x != pad_value
        lens = np.where(notpad.any(axis=1), L - np.argmax(notpad[:, ::-1], axis=1), 0)
    else:
        lens = _row_lengths(lengths, B, L)
    return np.ascontiguousarray(_reverse_rows(comp, lens, axis=1))


def reverse_complement_onehot(
    x: np.ndarray,
    alphabet: str | Alphabet = "dna",
    *,
    lengths: Any = None,
    channels_first: bool = False,
) -> np.ndarray:
    """Reverse complement of one-hot rows: reversed positions, permuted columns.

    Parameters
    ----------
    x : ndarray of shape (L, A) or (B, L, A); (A, L) / (B, A, L) with
        ``channels_first``
        One-hot output of :class:`deepbiop.OneHotEncoder` (any dtype and any
        ``ambiguous_strategy``).
    alphabet : {"dna", "rna"} or Alphabet, default="dna"
    lengths : array-like of int, shape (B,), optional
        For a padded batch, the real length of each sequence: only that prefix
        is reversed and the zero padding stays at the end. Without it the whole
        padded width is reversed (padding then comes first), because a zero
        row cannot be told apart from an ``N``.
    channels_first : bool, default=False

    Returns
    -------
    ndarray
        Fresh and C-contiguous; equals the one-hot encoding of the
        reverse-complemented sequence.

    Examples
    --------
    >>> import deepbiop as dbp
    >>> from deepbiop.augment import reverse_complement_onehot
    >>> enc = dbp.OneHotEncoder("dna", "iupac")
    >>> x = enc.encode("AGR")
    >>> bool((reverse_complement_onehot(x) == enc.encode("YCT")).all())
    True
    """
    alpha = _nucleotide(alphabet)
    x = np.asarray(x)
    A = alpha.size
    if x.ndim not in (2, 3):
        raise ValueError(f"one-hot input must have 2 or 3 dimensions, got shape {x.shape}")
    a_axis = x.ndim - 2 if channels_first else x.ndim - 1
    if x.shape[a_axis] != A:
        raise ValueError(
            f"one-hot input has {x.shape[a_axis]} columns on axis {a_axis}; alphabet "
            f"{alpha.name!r} has {A} (pass channels_first=True for (B, A, L) input)"
        )
    # column c of the result is column perm[c] of the input (perm is an involution)
    perm = _complement_permutation(alpha)
    comp = np.take(x, perm, axis=a_axis)
    l_axis = x.ndim - 1 if channels_first else x.ndim - 2
    if x.ndim == 2 or lengths is None:
        return np.ascontiguousarray(np.flip(comp, axis=l_axis))
    lens = _row_lengths(lengths, x.shape[0], x.shape[l_axis])
    return np.ascontiguousarray(_reverse_rows(comp, lens, axis=l_axis))


# -- mutations ----------------------------------------------------------------------
def _check_rate(rate: Any, name: str = "rate") -> float:
    if isinstance(rate, bool) or not isinstance(rate, Real) or not 0.0 <= float(rate) <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1], got {rate!r}")
    return float(rate)


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

    Parameters
    ----------
    seq : str, bytes, bytearray, memoryview or 1-D uint8 array
    rate : float in [0, 1]
    alphabet : {"dna", "rna", "protein"} or Alphabet, default="dna"
    random_state : None, int, SeedSequence or Generator, default=None

    Returns
    -------
    Same type as ``seq`` (``bytes`` for bytearray/memoryview), same length.

    Examples
    --------
    >>> from deepbiop.augment import mutate
    >>> s = mutate("ACGTACGTAC", 0.5, random_state=0)
    >>> len(s), s != "ACGTACGTAC"
    (10, True)
    >>> mutate("acgtnn", 1.0, random_state=1).islower(), mutate("NN", 1.0)
    (True, 'NN')
    """
    rate = _check_rate(rate)
    raw, back = _text_bytes(seq)
    alpha = get_alphabet(alphabet)
    if rate == 0.0 or not raw:
        return back(raw)
    rng = as_generator(random_state)
    b = np.frombuffer(raw, dtype=np.uint8)
    idx = np.flatnonzero(rng.random(b.shape[0]) < rate)
    codes = alpha.codes[b[idx]]
    keep = codes >= 0
    idx, codes = idx[keep], codes[keep].astype(np.int64)
    if idx.size == 0:
        return back(raw)
    A = alpha.size
    new = (codes + rng.integers(1, A, size=idx.size)) % A
    symbols = np.frombuffer(alpha.symbols.encode("ascii"), dtype=np.uint8)
    out = b.copy()
    lower = b[idx] >= ord("a")
    out[idx] = symbols[new] + (lower * 32).astype(np.uint8)
    return back(out.tobytes())


def mutate_codes(
    codes: np.ndarray,
    rate: float,
    *,
    alphabet: str | Alphabet = "dna",
    random_state: RandomState = None,
) -> np.ndarray:
    """Point substitutions on integer codes (codes outside ``0..A-1`` kept).

    Same draws as :func:`mutate`: for one sequence
    ``mutate_codes(enc.encode(s), r, random_state=k)`` equals
    ``enc.encode(mutate(s, r, random_state=k))``.

    Examples
    --------
    >>> import numpy as np
    >>> from deepbiop.augment import mutate_codes
    >>> out = mutate_codes(np.array([0, 1, 4, -1]), 1.0, random_state=0)
    >>> bool((out[:2] != [0, 1]).all()), out[2:].tolist()
    (True, [4, -1])
    """
    rate = _check_rate(rate)
    alpha = get_alphabet(alphabet)
    x = np.asarray(codes)
    out = np.array(x, copy=True, order="C")
    if rate == 0.0 or x.size == 0:
        return out
    rng = as_generator(random_state)
    flat = out.reshape(-1)
    idx = np.flatnonzero(rng.random(flat.shape[0]) < rate)
    A = alpha.size
    vals = flat[idx]
    keep = _valid_codes(vals, A)
    idx, vals = idx[keep], vals[keep].astype(np.int64)
    if idx.size:
        flat[idx] = ((vals + rng.integers(1, A, size=idx.size)) % A).astype(out.dtype)
    return out


# -- batch kernels: mutations and reverse complements of many sequences at once ----------


def _batch_items(seqs: Any) -> list:
    """A private list of the batch's elements, from any batch the encoders
    take (a list is copied in one C-level step, so another thread changing it
    afterwards changes nothing here)."""
    from deepbiop._sequences import as_items

    return list(as_items(seqs))


@lru_cache(maxsize=16)
def _mutation_tables(alpha: Alphabet) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    codes = np.ascontiguousarray(alpha.codes, dtype=np.int16)
    upper = np.frombuffer(alpha.symbols.encode("ascii"), dtype=np.uint8).copy()
    lower = np.frombuffer(alpha.symbols.lower().encode("ascii"), dtype=np.uint8).copy()
    is_lower = np.zeros(256, dtype=np.uint8)
    for sym, low in zip(alpha.symbols, alpha.symbols.lower()):
        if low != sym:
            is_lower[ord(low)] = 1
    return codes, upper, lower, is_lower


def _seed64(random_state: RandomState) -> int:
    """A 64-bit seed for the counter-based kernel draws, taken from ``random_state``."""
    return int(as_generator(random_state).integers(0, 2**64, dtype=np.uint64))


def _augment_packed(
    items: list,
    *,
    rate: float,
    seed: int,
    flip: np.ndarray | None,
    alphabet: str | Alphabet,
    rc_alphabet: str | Alphabet,
    n_jobs: int | None,
) -> list:
    """One kernel call over the batch; items come back as str (for str input) or bytes."""
    from deepbiop._kernels import _augment
    from deepbiop._sequences import pack_batch

    packed = pack_batch(items)
    B = len(packed)
    if B == 0:
        return []
    alpha = get_alphabet(alphabet)
    if rate > 0.0 and alpha.size < 2:
        raise ValueError(f"alphabet {alpha.name!r} has one symbol; nothing to mutate to")
    codes, upper, lower, is_lower = _mutation_tables(alpha)
    auto = isinstance(rc_alphabet, str) and rc_alphabet.lower() == "auto"
    if flip is None:
        flip = np.zeros(B, dtype=np.uint8)
        comp_dna = comp_rna = np.arange(256, dtype=np.uint8)
    elif auto:
        comp_dna = get_alphabet("dna").complement_table
        comp_rna = get_alphabet("rna").complement_table
    else:
        comp_dna = comp_rna = _nucleotide(rc_alphabet).complement_table
    lens = packed.lens
    offsets = np.zeros(B, dtype=np.int64)
    np.cumsum(lens[:-1], out=offsets[1:])
    total = int(offsets[-1] + lens[-1])
    out = np.empty(total, dtype=np.uint8)
    threshold = min(int(round(rate * 2**32)), 2**32)
    n_threads = kernel_threads(n_jobs, total)
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
        threshold,
        seed & (2**64 - 1),
        flip,
        comp_dna,
        comp_rna,
        auto,
        n_threads,
    )
    raw = out.tobytes()
    bounds = zip(offsets.tolist(), (offsets + lens).tolist())
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

    Same distribution as :func:`mutate`: each position holding an alphabet
    symbol mutates with probability ``rate`` (to 1/2**32) to one of the *other*
    symbols, chosen uniformly, in the same case; other characters (``N``) are
    never touched. The draws come from a counter-based generator keyed by
    ``(seed, index in the batch, position)``, so the result is identical for
    any ``n_jobs``; they differ from :func:`mutate`'s numpy draws.

    Parameters
    ----------
    seqs : list (or other collection) of str, bytes, bytearray, memoryview or
        1-D uint8 arrays
    rate : float in [0, 1]
    alphabet : {"dna", "rna", "protein"} or Alphabet, default="dna"
    random_state : None, int, SeedSequence or Generator, default=None
        One 64-bit seed is drawn from it per call.
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
    rate = _check_rate(rate)
    items = _batch_items(seqs)
    seed = _seed64(random_state) if rate > 0.0 else 0
    return _augment_packed(
        items, rate=rate, seed=seed, flip=None, alphabet=alphabet, rc_alphabet="dna", n_jobs=n_jobs
    )


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
    items = _batch_items(seqs)
    flip = np.ones(len(items), dtype=np.uint8)
    return _augment_packed(
        items, rate=0.0, seed=0, flip=flip, alphabet="dna", rc_alphabet=alphabet, n_jobs=n_jobs
    )


def random_reverse_complement_batch(
    seqs: Any,
    p: float = 0.5,
    *,
    alphabet: str | Alphabet = "auto",
    random_state: RandomState = None,
    n_jobs: int | None = None,
) -> list:
    """Reverse-complement each sequence of a batch with probability ``p``.

    The coin flips are ``random_state.random(len(seqs)) < p``.

    Examples
    --------
    >>> from deepbiop.augment import random_reverse_complement_batch
    >>> random_reverse_complement_batch(["AAC", "GGA"], 1.0)
    ['GTT', 'TCC']
    >>> random_reverse_complement_batch(["AAC"], 0.0)
    ['AAC']
    """
    p = _check_rate(p, "p")
    items = _batch_items(seqs)
    flip = (as_generator(random_state).random(len(items)) < p).astype(np.uint8)
    return _augment_packed(
        items, rate=0.0, seed=0, flip=flip, alphabet="dna", rc_alphabet=alphabet, n_jobs=n_jobs
    )


# -- crops ------------------------------------------------------------------------------
def crop(
    seq: Any,
    length: int,
    mode: str = "random",
    *,
    axis: int = 0,
    random_state: RandomState = None,
) -> Any:
    """Cut a window of ``length`` positions; shorter sequences are returned whole.

    Works on anything sliceable along ``axis``: text, integer codes ``(L,)``,
    one-hot ``(L, A)`` (``axis=1`` for ``(A, L)``).

    Parameters
    ----------
    seq : str, bytes, ndarray, ...
    length : int >= 0
    mode : {"random", "start", "center", "end"}, default="random"
        Where the window sits: uniformly random start, the first ``length``
        positions, the middle (left of centre when the excess is odd), or the
        last ``length`` positions.
    axis : int, default=0
        Sequence axis for arrays.
    random_state : None, int, SeedSequence or Generator, default=None
        Used only by ``mode="random"``.

    Returns
    -------
    Same type as ``seq``; arrays are views (no copy).

    Examples
    --------
    >>> from deepbiop.augment import crop
    >>> crop("AACCGGTT", 4, "start"), crop("AACCGGTT", 4, "center"), crop("AACCGGTT", 4, "end")
    ('AACC', 'CCGG', 'GGTT')
    >>> crop("ACG", 10), len(crop("AACCGGTT", 3, random_state=0))
    ('ACG', 3)
    """
    if isinstance(length, bool) or not isinstance(length, Integral) or length < 0:
        raise ValueError(f"length must be a non-negative integer, got {length!r}")
    if mode not in _CROP_MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, _CROP_MODES))}; got {mode!r}")
    if isinstance(seq, np.ndarray):
        n = seq.shape[axis]
    else:
        n = len(seq)
    excess = n - int(length)
    if excess <= 0:
        return seq
    if mode == "start":
        start = 0
    elif mode == "end":
        start = excess
    elif mode == "center":
        start = excess // 2
    else:
        start = int(as_generator(random_state).integers(0, excess + 1))
    if isinstance(seq, np.ndarray):
        sl = [slice(None)] * seq.ndim
        sl[axis] = slice(start, start + int(length))
        return seq[tuple(sl)]
    return seq[start : start + int(length)]


def random_reverse_complement(
    seq: Text,
    p: float = 0.5,
    *,
    alphabet: str | Alphabet = "auto",
    random_state: RandomState = None,
) -> Text:
    """Reverse-complement ``seq`` with probability ``p`` (else return it as is).

    Examples
    --------
    >>> from deepbiop.augment import random_reverse_complement
    >>> random_reverse_complement("AAC", p=1.0), random_reverse_complement("AAC", p=0.0)
    ('GTT', 'AAC')
    """
    p = _check_rate(p, "p")
    if as_generator(random_state).random() < p:
        return reverse_complement(seq, alphabet)
    return seq


# -- transforms -------------------------------------------------------------------------------
class Augmentation:
    """Base class of the transform objects: ``aug(x, random_state=None)``.

    Datasets in :mod:`deepbiop.torch` pass their worker-aware generator as
    ``random_state``; called alone, ``random_state`` works as in the functions.
    Subclasses are plain picklable objects (spawn-safe).
    """

    def __call__(self, x: Any, random_state: RandomState = None) -> Any:  # pragma: no cover
        raise NotImplementedError

    def batch(
        self, seqs: Any, random_state: RandomState = None, *, n_jobs: int | None = None
    ) -> list:
        """Apply the transform to every sequence of a batch.

        The base implementation calls the transform on each item with one
        shared generator; text reverse complements and mutations override it
        with one kernel call for the whole batch (:func:`mutate_batch`,
        :func:`random_reverse_complement_batch`), whose draws differ from the
        per-item ones but have the same distribution.

        Parameters
        ----------
        seqs : list of sequences
        random_state : None, int, SeedSequence or Generator, default=None
        n_jobs : int or None, default=None
            Threads of the batch kernels.

        Returns
        -------
        list
        """
        rng = as_generator(random_state)
        return [self(x, random_state=rng) for x in _batch_items(seqs)]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


_KINDS = ("text", "codes", "onehot")


def _check_kind(kind: str) -> str:
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, _KINDS))}; got {kind!r}")
    return kind


class ReverseComplement(Augmentation):
    """Always reverse-complement (test-time augmentation, strand flipping).

    Parameters
    ----------
    alphabet : {"auto", "dna", "rna"} or Alphabet, default="auto"
        ``"auto"`` applies to text only; arrays use DNA unless told.
    kind : {"text", "codes", "onehot"}, default="text"
        What the transform receives.

    Examples
    --------
    >>> from deepbiop.augment import ReverseComplement
    >>> ReverseComplement()("AACG")
    'CGTT'
    """

    def __init__(self, alphabet: str | Alphabet = "auto", kind: str = "text") -> None:
        self.alphabet = alphabet
        self.kind = kind

    def _apply(self, x: Any) -> Any:
        kind = _check_kind(self.kind)
        if kind == "text":
            return reverse_complement(x, self.alphabet)
        alpha = (
            "dna" if isinstance(self.alphabet, str) and self.alphabet == "auto" else self.alphabet
        )
        if kind == "codes":
            return reverse_complement_codes(x, alpha)
        return reverse_complement_onehot(x, alpha)

    def __call__(self, x: Any, random_state: RandomState = None) -> Any:
        return self._apply(x)

    def batch(
        self, seqs: Any, random_state: RandomState = None, *, n_jobs: int | None = None
    ) -> list:
        if _check_kind(self.kind) == "text":
            return reverse_complement_batch(seqs, self.alphabet, n_jobs=n_jobs)
        return [self._apply(x) for x in _batch_items(seqs)]


class RandomReverseComplement(ReverseComplement):
    """Reverse-complement with probability ``p``.

    Examples
    --------
    >>> from deepbiop.augment import RandomReverseComplement
    >>> RandomReverseComplement(p=1.0)("AACG", random_state=0)
    'CGTT'
    """

    def __init__(
        self, p: float = 0.5, alphabet: str | Alphabet = "auto", kind: str = "text"
    ) -> None:
        self.p = p
        super().__init__(alphabet, kind)

    def __call__(self, x: Any, random_state: RandomState = None) -> Any:
        p = _check_rate(self.p, "p")
        if as_generator(random_state).random() < p:
            return self._apply(x)
        return x

    def batch(
        self, seqs: Any, random_state: RandomState = None, *, n_jobs: int | None = None
    ) -> list:
        if _check_kind(self.kind) == "text":
            return random_reverse_complement_batch(
                seqs, self.p, alphabet=self.alphabet, random_state=random_state, n_jobs=n_jobs
            )
        return super(ReverseComplement, self).batch(seqs, random_state, n_jobs=n_jobs)


class RandomMutation(Augmentation):
    """Point substitutions at ``rate`` (see :func:`mutate`).

    Parameters
    ----------
    rate : float in [0, 1]
    alphabet : {"dna", "rna", "protein"} or Alphabet, default="dna"
    kind : {"text", "codes"}, default="text"

    Examples
    --------
    >>> from deepbiop.augment import RandomMutation
    >>> len(RandomMutation(0.1)("ACGT" * 5, random_state=0))
    20
    """

    def __init__(self, rate: float, alphabet: str | Alphabet = "dna", kind: str = "text") -> None:
        self.rate = rate
        self.alphabet = alphabet
        self.kind = kind

    def __call__(self, x: Any, random_state: RandomState = None) -> Any:
        kind = _check_kind(self.kind)
        if kind == "onehot":
            raise ValueError(
                "RandomMutation works on text or codes; mutate before one-hot encoding"
            )
        if kind == "codes":
            return mutate_codes(x, self.rate, alphabet=self.alphabet, random_state=random_state)
        return mutate(x, self.rate, alphabet=self.alphabet, random_state=random_state)

    def batch(
        self, seqs: Any, random_state: RandomState = None, *, n_jobs: int | None = None
    ) -> list:
        if _check_kind(self.kind) == "text":
            return mutate_batch(
                seqs, self.rate, alphabet=self.alphabet, random_state=random_state, n_jobs=n_jobs
            )
        return super().batch(seqs, random_state, n_jobs=n_jobs)


class Crop(Augmentation):
    """Crop to ``length`` positions (see :func:`crop`).

    Examples
    --------
    >>> from deepbiop.augment import Crop
    >>> Crop(3, "end")("AACCGG")
    'CGG'
    """

    def __init__(self, length: int, mode: str = "random", axis: int = 0) -> None:
        self.length = length
        self.mode = mode
        self.axis = axis

    def __call__(self, x: Any, random_state: RandomState = None) -> Any:
        return crop(x, self.length, self.mode, axis=self.axis, random_state=random_state)


class Compose(Augmentation):
    """Apply transforms in order, passing the same generator to each.

    Parameters
    ----------
    transforms : sequence of callables
        :class:`Augmentation` objects get ``random_state``; other callables
        are called with the value alone.

    Examples
    --------
    >>> from deepbiop.augment import Compose, Crop, ReverseComplement
    >>> Compose([Crop(4, "start"), ReverseComplement()])("AACCGGTT")
    'GGTT'
    """

    def __init__(self, transforms: Sequence[Callable[..., Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: Any, random_state: RandomState = None) -> Any:
        rng = (
            as_generator(random_state)
            if any(isinstance(t, Augmentation) for t in self.transforms)
            else None
        )
        for t in self.transforms:
            x = t(x, random_state=rng) if isinstance(t, Augmentation) else t(x)
        return x

    def batch(
        self, seqs: Any, random_state: RandomState = None, *, n_jobs: int | None = None
    ) -> list:
        """Each transform's :meth:`Augmentation.batch` in turn, with one generator."""
        rng = as_generator(random_state)
        items = _batch_items(seqs)
        for t in self.transforms:
            if isinstance(t, Augmentation):
                items = t.batch(items, random_state=rng, n_jobs=n_jobs)
            else:
                items = [t(x) for x in items]
        return items
