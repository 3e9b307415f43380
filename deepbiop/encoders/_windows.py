"""Window plans for :meth:`TransformerEncoder.encode_windows`.

A long sequence is cut into rows of at most ``cap`` content tokens, the rows
of one sequence sharing ``overlap`` tokens; this module turns token counts
into the base ranges those rows cover, so that the windows can be tokenised
as an ordinary packed batch (each window is a slice of its sequence's bytes).
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral
from typing import Any

import numpy as np

from deepbiop._sequences import Packed
from deepbiop.vocabularies import TokenVocabulary

__all__ = ["plan_windows", "tokenize_windows"]


def plan_windows(
    packed: Packed,
    counts: np.ndarray,
    vocab: TokenVocabulary,
    cap: int,
    overlap: int,
    offsets: Callable[[], np.ndarray],
) -> tuple[Packed, np.ndarray, np.ndarray]:
    """The windows of every sequence of a batch, as a packed batch of slices.

    Parameters
    ----------
    packed : Packed
        The batch (kept alive by the caller while the result is used).
    counts : ndarray of int64, shape (B,)
        Tokens of each sequence (without special tokens).
    vocab : TokenVocabulary
        The layout (its ``k``, ``step`` and ``greedy`` decide how tokens map to bases).
    cap : int
        Content tokens a row holds (``max_length`` minus special tokens), >= 1.
    overlap : int
        Tokens shared by consecutive windows of a sequence, ``0 <= overlap < cap``.
    offsets : callable
        Returns the ``(B, T, 2)`` base offsets of every token of the batch;
        called only for greedy (content-dependent) layouts.

    Returns
    -------
    windows : Packed
        One slice of its sequence per window, in sequence order.
    sequence_index : ndarray of int64, shape (n_windows,)
        The source sequence of each window.
    base_offsets : ndarray of int64, shape (n_windows, 2)
        The bases ``[start, end)`` of the source each window covers.
    """
    step = cap - overlap
    # a sequence needs ceil((tokens - overlap) / step) windows, at least one
    n_win = np.maximum(1, -(-(np.maximum(counts - overlap, 1)) // step))
    seq_index = np.repeat(np.arange(len(packed), dtype=np.int64), n_win)
    first_tok = (np.arange(len(seq_index)) - np.repeat(np.cumsum(n_win) - n_win, n_win)) * step
    last_tok = np.minimum(first_tok + cap, counts[seq_index])  # exclusive
    lens = packed.lens[seq_index]
    if vocab.k == 1:
        start, end = first_tok, last_tok
    elif not vocab.greedy:
        start = first_tok * vocab.step
        end = np.where(last_tok > first_tok, (last_tok - 1) * vocab.step + vocab.k, start)
    else:
        # token boundaries depend on the content: read them off the offsets
        full = offsets()
        pad = np.zeros((len(packed), 1), np.int64)
        starts = np.concatenate([full[:, :, 0], pad], 1)
        ends = np.concatenate([full[:, :, 1], pad], 1)
        start = starts[seq_index, np.minimum(first_tok, ends.shape[1] - 1)]
        end = np.where(last_tok > first_tok, ends[seq_index, np.maximum(last_tok - 1, 0)], start)
    start = np.minimum(start, lens)
    end = np.minimum(end, lens)
    windows = Packed(packed.ptrs[seq_index] + start, end - start, packed.keep)
    return windows, seq_index, np.ascontiguousarray(np.stack([start, end], axis=1))


def tokenize_windows(
    tokenize_packed: Callable[..., dict],
    packed: Packed,
    counts: np.ndarray,
    vocab: TokenVocabulary,
    cap: int,
    overlap: Any,
    max_length: int,
    padding: str | None,
) -> dict:
    """Tokenise the windows of a batch (see ``TransformerEncoder.encode_windows``).

    Parameters
    ----------
    tokenize_packed : callable
        The encoder's ``tokenize_packed``.
    packed, counts, vocab, cap :
        See :func:`plan_windows`.
    overlap : int
        Checked here: ``0 <= overlap < cap``.
    max_length : int
        Row length including special tokens.
    padding : {"longest", "max_length"} or None

    Returns
    -------
    dict
        ``input_ids``, ``attention_mask``, ``sequence_index``, ``base_offsets``.
    """
    if not (isinstance(overlap, Integral) and 0 <= overlap < cap):
        raise ValueError(
            f"overlap must be an int with 0 <= overlap < {cap} (the tokens a "
            f"row holds at max_length={max_length}), got {overlap!r}"
        )
    windows, seq_index, base_offsets = plan_windows(
        packed,
        counts,
        vocab,
        cap,
        int(overlap),
        lambda: tokenize_packed(
            packed,
            add_cls=False,
            add_sep=False,
            max_length=None,
            padding="longest",
            offsets=True,
        )["offset_mapping"],
    )
    out = tokenize_packed(windows, max_length=max_length, padding=padding)
    out["sequence_index"] = seq_index
    out["base_offsets"] = base_offsets
    return out
