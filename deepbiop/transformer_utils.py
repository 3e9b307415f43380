"""Helpers for feeding encoded sequences to transformer models: attention
masks, special tokens, remapping IntegerEncoder codes to token ids, and
sinusoidal positional encodings.

Everything here is plain NumPy (no torch import) and returns fresh,
C-contiguous arrays; :class:`deepbiop.TransformerEncoder` does the whole job in
one kernel call and is the faster path for raw sequences.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepbiop.alphabets import Alphabet, get_alphabet
from deepbiop.vocabularies import DEFAULT_SPECIAL_IDS, DEFAULT_SPECIAL_TOKENS

__all__ = [
    "create_attention_mask",
    "add_special_tokens",
    "integer_codes_to_token_ids",
    "sinusoidal_positional_encoding",
]

# ids of deepbiop's default transformer vocabulary (see deepbiop.vocabularies)
PAD_ID, CLS_ID, SEP_ID, MASK_ID, UNK_ID = (
    DEFAULT_SPECIAL_IDS[role] for role in ("pad", "cls", "sep", "mask", "unk")
)
N_SPECIAL = len(DEFAULT_SPECIAL_TOKENS)


def _as_2d(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (batch, length) array, got shape {arr.shape}")
    return arr


def create_attention_mask(encoded_batch: Any, pad_value: float = -1) -> np.ndarray:
    """Attention mask of a padded batch: 1 where a value is not ``pad_value``.

    Parameters
    ----------
    encoded_batch : array-like of shape (B, L)
        For example ``IntegerEncoder().encode_batch(seqs)`` (padded with -1).
    pad_value : int or float, default=-1
        The padding value.

    Returns
    -------
    ndarray of int64, shape (B, L)

    Examples
    --------
    >>> import deepbiop as dbp
    >>> batch = dbp.IntegerEncoder("dna").encode_batch([b"ACGT", b"AC"])
    >>> create_attention_mask(batch)
    array([[1, 1, 1, 1],
           [1, 1, 0, 0]])
    """
    arr = _as_2d(encoded_batch, "encoded_batch")
    return np.ascontiguousarray(arr != pad_value, dtype=np.int64)


def _lengths_right_padded(arr: np.ndarray, pad_value: float) -> np.ndarray:
    real = arr != pad_value
    lengths = real.sum(axis=1)
    # right padding only: every real value comes before every pad
    if real.size:
        L = arr.shape[1]
        expected = np.arange(L)[None, :] < lengths[:, None]
        bad = np.flatnonzero((real != expected).any(axis=1))
        if bad.size:
            i = int(bad[0])
            first_pad = int(np.argmin(real[i]))
            pos = first_pad + int(np.argmax(real[i, first_pad:]))
            raise ValueError(
                f"row {i}: a value follows padding at position {pos}; expected "
                f"right-padded rows with pad_value={pad_value!r}"
            )
    return lengths.astype(np.int64)


def add_special_tokens(
    token_ids: Any,
    *,
    pad_value: float = PAD_ID,
    cls_id: int | None = CLS_ID,
    sep_id: int | None = SEP_ID,
    pad_id: int = PAD_ID,
) -> np.ndarray:
    """Wrap each row of a right-padded batch of token ids in [CLS] ... [SEP].

    [CLS] goes to position 0 and [SEP] right after each row's last real token
    (not at the padded end); the result is one column wider per added token
    and padded with ``pad_id``.

    Parameters
    ----------
    token_ids : array-like of int, shape (B, L)
        Right-padded token ids.
    pad_value : int, default=0
        Padding value in ``token_ids``.
    cls_id, sep_id : int or None, default=1, 2
        Ids to add (``None`` adds nothing on that side).
    pad_id : int, default=0
        Padding id of the result.

    Returns
    -------
    ndarray of int64, shape (B, L + n_added)

    Raises
    ------
    ValueError
        When a row has a value after its padding (naming row and position).

    Examples
    --------
    >>> add_special_tokens([[5, 6, 7], [5, 0, 0]])
    array([[1, 5, 6, 7, 2],
           [1, 5, 2, 0, 0]])
    """
    arr = _as_2d(token_ids, "token_ids")
    if arr.dtype.kind not in "iu" and not (
        arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))
    ):
        raise ValueError(f"token_ids must hold integers, got dtype {arr.dtype}")
    lengths = _lengths_right_padded(arr, pad_value)
    B, L = arr.shape
    lead = int(cls_id is not None)
    width = L + lead + int(sep_id is not None)
    out = np.full((B, width), pad_id, dtype=np.int64)
    real = np.arange(L)[None, :] < lengths[:, None]
    rows, cols = np.nonzero(real)
    out[rows, cols + lead] = arr[rows, cols]
    if cls_id is not None:
        out[:, 0] = cls_id
    if sep_id is not None:
        out[np.arange(B), lengths + lead] = sep_id
    return out


def integer_codes_to_token_ids(
    codes: Any,
    encoding_type: str | Alphabet = "dna",
    *,
    pad_value: float = -1,
) -> np.ndarray:
    """Remap :class:`~deepbiop.IntegerEncoder` codes to transformer token ids.

    Alphabet code ``c`` becomes ``5 + c`` (DNA A=5, C=6, G=7, T=8), the
    ``"unknown"`` code ``A`` becomes [UNK] = 4 and ``pad_value`` becomes
    [PAD] = 0: the ids of :class:`~deepbiop.TransformerEncoder` without
    special tokens.

    Parameters
    ----------
    codes : array-like of shape (B, L) or (L,)
        Integer codes (any numeric dtype, e.g. IntegerEncoder's float32).
    encoding_type : {"dna", "rna", "protein"} or Alphabet, default="dna"
        The alphabet the codes come from (fixes A).
    pad_value : int or float, default=-1
        Padding value in ``codes``.

    Returns
    -------
    ndarray of int64, same shape as ``codes``

    Raises
    ------
    ValueError
        For a value that is neither a code ``0..A`` nor ``pad_value``, naming
        its position.

    Examples
    --------
    >>> import deepbiop as dbp
    >>> codes = dbp.IntegerEncoder("dna", "unknown").encode_batch([b"ACGN", b"T"])
    >>> integer_codes_to_token_ids(codes)
    array([[5, 6, 7, 4],
           [8, 0, 0, 0]])
    """
    A = get_alphabet(encoding_type).size
    arr = np.asarray(codes)
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"codes must be numeric, got dtype {arr.dtype}")
    pad = arr == pad_value
    ok = pad | ((arr >= 0) & (arr <= A) & (arr == np.floor(arr)))
    if not ok.all():
        where = tuple(int(i) for i in np.argwhere(~ok)[0])
        raise ValueError(
            f"value {arr[where].item()!r} at position {where} is neither an alphabet code "
            f"0..{A} nor pad_value={pad_value!r}"
        )
    out = np.where(pad, PAD_ID, arr + N_SPECIAL).astype(np.int64)
    out[(~pad) & (arr == A)] = UNK_ID
    return np.ascontiguousarray(out)


def sinusoidal_positional_encoding(length: int, dim: int, *, base: float = 10000.0) -> np.ndarray:
    """Fixed sinusoidal position encodings (Vaswani et al. 2017), float32.

    ``PE[p, 2i] = sin(p / base**(2i/dim))`` and ``PE[p, 2i+1] = cos(...)``.

    Parameters
    ----------
    length : int
        Number of positions (>= 0).
    dim : int
        Embedding width (>= 1; an odd width drops the last cosine column).
    base : float, default=10000.0

    Returns
    -------
    ndarray of float32, shape (length, dim)

    Examples
    --------
    >>> pe = sinusoidal_positional_encoding(3, 4)
    >>> pe.shape, pe.dtype
    ((3, 4), dtype('float32'))
    >>> pe[0].tolist()
    [0.0, 1.0, 0.0, 1.0]
    """
    if int(length) != length or length < 0:
        raise ValueError(f"length must be a non-negative int, got {length!r}")
    if int(dim) != dim or dim < 1:
        raise ValueError(f"dim must be a positive int, got {dim!r}")
    if not base > 0:
        raise ValueError(f"base must be positive, got {base!r}")
    length, dim = int(length), int(dim)
    pos = np.arange(length, dtype=np.float64)[:, None]
    freq = base ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)
    angles = pos * freq[None, :]
    out = np.empty((length, dim), dtype=np.float32)
    out[:, 0::2] = np.sin(angles)
    out[:, 1::2] = np.cos(angles)[:, : dim // 2]
    return out
