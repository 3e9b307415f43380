"""Augmentations of encoded sequences: integer codes as written by
:class:`deepbiop.IntegerEncoder` and one-hot rows as written by
:class:`deepbiop.OneHotEncoder`. Each equals the encoding of the same
augmentation applied to the text."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepbiop._random import RandomState, seed_value
from deepbiop._sequences import pack_batch
from deepbiop.alphabets import Alphabet, get_alphabet
from deepbiop.augment._batch import run_kernel
from deepbiop.augment._common import check_rate, nucleotide

__all__ = ["reverse_complement_codes", "reverse_complement_onehot", "mutate_codes"]


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
    alpha = nucleotide(alphabet)
    x = np.asarray(codes)
    if x.ndim not in (1, 2):
        raise ValueError(f"codes must have shape (L,) or (B, L), got {x.shape}")
    A = alpha.size
    perm = alpha.complement_codes
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
    alpha = nucleotide(alphabet)
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
    perm = alpha.complement_codes
    comp = np.take(x, perm, axis=a_axis)
    l_axis = x.ndim - 1 if channels_first else x.ndim - 2
    if x.ndim == 2 or lengths is None:
        return np.ascontiguousarray(np.flip(comp, axis=l_axis))
    lens = _row_lengths(lengths, x.shape[0], x.shape[l_axis])
    return np.ascontiguousarray(_reverse_rows(comp, lens, axis=l_axis))


def mutate_codes(
    codes: np.ndarray,
    rate: float,
    *,
    alphabet: str | Alphabet = "dna",
    random_state: RandomState = None,
) -> np.ndarray:
    """Point substitutions on integer codes (codes outside ``0..A-1`` kept).

    Same draws as :func:`mutate` and :func:`mutate_batch`: for one sequence
    ``mutate_codes(enc.encode(s), r, random_state=k)`` equals
    ``enc.encode(mutate(s, r, random_state=k))``, and for a padded batch
    ``mutate_codes(enc.encode_batch(seqs), r, random_state=k)`` equals
    ``enc.encode_batch(mutate_batch(seqs, r, random_state=k))``.

    Parameters
    ----------
    codes : ndarray of shape (L,) or (B, L)
        Any dtype. Row ``i`` of a batch draws as sequence ``i`` of
        :func:`mutate_batch` (more dimensions: rows of the last axis, in
        C order).
    rate : float in [0, 1]
    alphabet : {"dna", "rna", "protein"} or Alphabet, default="dna"
    random_state : None, int, SeedSequence or Generator, default=None
        As in :func:`mutate_batch`.

    Returns
    -------
    ndarray
        Fresh and C-contiguous, same shape and dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from deepbiop.augment import mutate_codes
    >>> out = mutate_codes(np.array([0, 1, 4, -1]), 1.0, random_state=0)
    >>> bool((out[:2] != [0, 1]).all()), out[2:].tolist()
    (True, [4, -1])
    """
    rate = check_rate(rate)
    alpha = get_alphabet(alphabet)
    out = np.array(codes, copy=True, order="C")
    if rate == 0.0:
        return out
    seed = seed_value(random_state)
    if out.size == 0:
        return out
    rows = out.reshape(-1, out.shape[-1]) if out.ndim >= 2 else out.reshape(1, -1)
    # the codes as text (upper-case symbols, and 0xFF, which no alphabet holds
    # as alphabets are ASCII, for anything that is not a code), mutated by the
    # text kernel, so that the draws are those of mutate and mutate_batch
    valid = _valid_codes(rows, alpha.size)
    symbols = np.frombuffer(alpha.symbols.encode("ascii"), dtype=np.uint8)
    text = np.full(rows.shape, 0xFF, dtype=np.uint8)
    text[valid] = symbols[rows[valid].astype(np.intp)]
    mutated, _ = run_kernel(
        pack_batch(list(text)),
        rate=rate,
        seed=seed,
        flip=None,
        alphabet=alpha,
        rc_alphabet="dna",
        n_jobs=None,
    )
    mutated = mutated.reshape(rows.shape)
    changed = mutated != text
    rows[changed] = alpha.codes[mutated[changed]].astype(out.dtype)
    return out
