"""Expected outputs of every encoder configuration, from the plain-Python
references (``tests/_reference.py``), and the comparison that the fuzz tests
apply: equal to the reference, or the error the reference predicts."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from _inputs import Refusal
from _reference import (
    ALPHABETS,
    ReferenceError,
    as_text,
    integer_batch_ref,
    kmer_batch_ref,
    kmer_counts_ref,
    onehot_batch_ref,
    reverse_complement,
)


def _symbols_sorted(encoding_type: str) -> bool:
    s = ALPHABETS[encoding_type]
    return list(s) == sorted(s)


# ----------------------------------------------------------------- one-hot
def onehot_expected(p: dict, seqs: list, single: bool = False) -> np.ndarray:
    ref = onehot_batch_ref(seqs, p["encoding_type"], p["ambiguous_strategy"], p.get("max_length"))
    if p.get("channels_first"):
        ref = ref.transpose(0, 2, 1)
    if p.get("flatten"):
        ref = ref.reshape(ref.shape[0], ref.shape[1] * ref.shape[2])
    ref = ref.astype(np.dtype(p.get("dtype", np.float32)))
    return ref[0] if single else ref


# ----------------------------------------------------------------- integer
def integer_expected(p: dict, seqs: list, single: bool = False) -> np.ndarray:
    ref = integer_batch_ref(
        seqs,
        p["encoding_type"],
        p["ambiguous_strategy"],
        p.get("pad_value", -1),
        p.get("max_length"),
    )
    ref = ref.astype(np.dtype(p.get("dtype", np.float32)))
    return ref[0] if single else ref


# ------------------------------------------------------------------ k-mers
def canonical_columns(k: int, encoding_type: str) -> np.ndarray:
    """Columns (codes) of the k-mers that are their own canonical form."""
    symbols = ALPHABETS[encoding_type]
    cols = []
    for code, kmer in enumerate(itertools.product(symbols, repeat=k)):
        word = "".join(kmer)
        rc = reverse_complement(word, encoding_type)
        if [symbols.index(c) for c in word] <= [symbols.index(c) for c in rc]:
            cols.append(code)
    return np.asarray(cols, dtype=np.int64)


def kmer_expected(p: dict, seqs: list, single: bool = False) -> np.ndarray:
    et, k = p["encoding_type"], int(p["k"])
    canonical = p.get("canonical", False)
    ref = kmer_batch_ref(seqs, k, et, bool(canonical), p.get("ambiguous_strategy", "skip"))
    if canonical == "compact":
        ref = ref[:, canonical_columns(k, et)]
    norm = p.get("normalize")
    if norm == "l1":
        s = ref.sum(axis=1, keepdims=True)
        ref = np.divide(ref, s, out=np.zeros_like(ref), where=s > 0)
    elif norm == "l2":
        s = np.sqrt((ref**2).sum(axis=1, keepdims=True))
        ref = np.divide(ref, s, out=np.zeros_like(ref), where=s > 0)
    ref = ref.astype(np.dtype(p.get("dtype", np.float32)))
    if single:
        return ref if p.get("sparse") is True else ref[0]
    return ref


# ------------------------------------------------------------------ tokens
def tokens_expected(p: dict, seqs: list, single: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Default vocabulary, k = 1: [PAD]=0 [CLS]=1 [SEP]=2 [UNK]=4, symbols from 5."""
    symbols = ALPHABETS[p["encoding_type"]]
    special = p.get("add_special_tokens", True)
    max_length = p.get("max_length", 512)
    n_spec = 2 if special else 0
    rows = []
    for i, s in enumerate(seqs):
        ids = []
        for pos, raw in enumerate(as_text(s)):
            ch = raw.upper() if "a" <= raw <= "z" else raw
            if ch in symbols:
                ids.append(5 + symbols.index(ch))
            elif p.get("ambiguous_strategy", "unknown") == "error":
                raise ReferenceError(i, pos, raw)
            else:
                ids.append(4)
        if max_length is not None:
            ids = ids[: max_length - n_spec]
        rows.append(([1] if special else []) + ids + ([2] if special else []))
    if single:
        return np.array(rows[0], dtype=np.int64), None
    if p.get("padding", "longest") == "max_length" and max_length is not None:
        L = max_length
    else:
        L = max((len(r) for r in rows), default=0)
    ids = np.zeros((len(rows), L), dtype=np.int64)
    mask = np.zeros((len(rows), L), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return ids, mask


# ---------------------------------------------------------------- spectrum
def spectrum_expected(p: dict, seqs: list) -> dict:
    total: dict[str, int] = {}
    for i, s in enumerate(seqs):
        for kmer, n in kmer_counts_ref(
            s, p["k"], p["encoding_type"], p.get("canonical", False), index=i
        ).items():
            total[kmer] = total.get(kmer, 0) + n
    return total


# -------------------------------------------------------------- comparison
def compare(got: Any, expected: Any, *, rtol: float = 0.0) -> None:
    if hasattr(got, "toarray"):
        got = got.toarray()
    assert isinstance(got, np.ndarray), f"expected an ndarray, got {type(got).__name__}"
    assert got.shape == expected.shape, f"shape {got.shape}, expected {expected.shape}"
    assert got.dtype == expected.dtype, f"dtype {got.dtype}, expected {expected.dtype}"
    if rtol:
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)
    else:
        np.testing.assert_array_equal(got, expected)


def outcome(
    call: Callable[[], Any],
    expect: Callable[[], Any],
    refusal: Refusal | None = None,
    check: Callable[[Any, Any], None] = compare,
) -> None:
    """Assert that ``call()`` returns what ``expect()`` gives, or raises what
    the input's ``refusal`` (or the reference's ReferenceError) says."""
    if refusal is None:
        try:
            expected = expect()
        except ReferenceError as err:
            refusal = Refusal((ValueError,), err.index, err.position, err.char)
    try:
        got = call()
    except Exception as exc:  # every exception is judged here
        if refusal is None:
            raise AssertionError(f"valid input raised {type(exc).__name__}: {exc}") from exc
        refusal.check(exc)
        return
    if refusal is not None:
        raise AssertionError(
            f"expected {[t.__name__ for t in refusal.types]} naming sequence "
            f"{refusal.index}, got a result: {got!r}"[:2000]
        )
    check(got, expected)
