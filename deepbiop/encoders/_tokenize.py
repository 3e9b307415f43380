"""The token kernel's glue: a packed batch and a vocabulary's tables in, id
arrays out.

:class:`~deepbiop.encoders.tokens.TransformerEncoder` resolves its parameters
(special tokens, row length, padding side) and calls :func:`token_counts` and
:func:`tokenize`; nothing here reads an encoder.
"""

from __future__ import annotations

import numpy as np

from deepbiop._kernels import _tokens
from deepbiop._sequences import Packed
from deepbiop.encoders._base import check_output_fits
from deepbiop.vocabularies import TokenVocabulary

__all__ = ["token_counts", "tokenize"]


def token_counts(
    vocab: TokenVocabulary, packed: Packed, *, check: bool, n_threads: int
) -> np.ndarray:
    """Tokens of each sequence (special tokens excluded), int64 ``(B,)``.

    Raises
    ------
    ValueError
        With ``check``: a character without a token, naming the sequence,
        position and character.
    """
    B = len(packed)
    counts = np.empty(B, dtype=np.int64)
    status = np.full(B, -1, dtype=np.int64)
    _tokens.token_counts(
        packed.ptrs,
        packed.lens,
        vocab.codes,
        vocab.valid,
        len(vocab.symbols),
        vocab.k,
        vocab.step,
        int(vocab.greedy),
        int(check),
        counts,
        status,
        n_threads,
    )
    bad = np.flatnonzero(status >= 0)
    if check and bad.size:
        i = int(bad[0])
        pos = int(status[i])
        raise ValueError(
            f"sequence {i} (of {B}): character {packed.char_at(i, pos)!r} at position "
            f"{pos} has no token in vocabulary {vocab.name!r}; pass "
            "ambiguous_strategy='unknown' to encode it as the unknown token"
        )
    return counts


def tokenize(
    vocab: TokenVocabulary,
    packed: Packed,
    counts: np.ndarray,
    *,
    cls_id: int,
    sep_id: int,
    max_length: int | None,
    pad_to_max_length: bool,
    truncation: bool,
    left: bool,
    special: bool,
    offsets: bool,
    n_threads: int,
) -> dict:
    """``input_ids`` and ``attention_mask`` (plus the asked-for extras) of a batch.

    Parameters
    ----------
    vocab : TokenVocabulary
    packed : Packed
        The batch, kept alive by the caller.
    counts : ndarray of int64, shape (B,)
        :func:`token_counts` of ``packed``.
    cls_id, sep_id : int
        Ids of the special tokens to add, -1 for none.
    max_length : int or None
        Row length limit including special tokens (checked by the caller to
        leave room for them); None for no limit.
    pad_to_max_length : bool
        Rows are ``max_length`` long (when it is set) instead of the longest row's.
    truncation : bool
        Cut over-long sequences; False raises naming the first one.
    left : bool
        Padding on the left.
    special, offsets : bool
        Also return ``special_tokens_mask`` / ``offset_mapping``.
    n_threads : int

    Returns
    -------
    dict of str to ndarray of int64
    """
    n_spec = int(cls_id >= 0) + int(sep_id >= 0)
    B = len(packed)
    if max_length is None:
        max_content = int(counts.max()) if B else 0
    else:
        max_content = int(max_length) - n_spec
        if not truncation and B:
            over = np.flatnonzero(counts > max_content)
            if over.size:
                i = int(over[0])
                raise ValueError(
                    f"sequence {i} (of {B}) gives {int(counts[i])} tokens + "
                    f"{n_spec} special, more than max_length={max_length}; pass "
                    "truncation=True to cut it, a larger max_length, or use "
                    "encode_windows() to split it"
                )
    if pad_to_max_length and max_length is not None:
        L = int(max_length)
    else:
        L = (int(np.minimum(counts, max_content).max()) + n_spec) if B else 0
    check_output_fits(
        (2 + 2 * bool(offsets) + bool(special), B, L),
        np.int64,
        "pass a smaller max_length or encode in smaller batches",
    )
    ids = np.empty((B, L), dtype=np.int64)
    attn = np.empty((B, L), dtype=np.int64)
    spec = np.empty((B, L) if special else (0, 0), dtype=np.int64)
    offs = np.empty((B, L, 2) if offsets else (0, 0, 2), dtype=np.int64)
    _tokens.tokens_batch(
        packed.ptrs,
        packed.lens,
        counts,
        vocab.codes,
        vocab.char_ids,
        len(vocab.symbols),
        vocab.k,
        vocab.step,
        int(vocab.greedy),
        vocab.kmer_offset,
        vocab.id_of("unk"),
        cls_id,
        sep_id,
        vocab.id_of("pad"),
        max_content,
        int(left),
        ids,
        attn,
        spec,
        offs,
        n_threads,
    )
    out = {"input_ids": ids, "attention_mask": attn}
    if special:
        out["special_tokens_mask"] = spec
    if offsets:
        out["offset_mapping"] = offs
    return out
