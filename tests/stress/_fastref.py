"""Vectorised NumPy references for batches too large for the per-character
loops of ``tests/_reference.py`` (hundreds of thousands of reads).

Written independently of deepbiop: the byte -> code tables are built here
from the alphabet strings of ``_reference.ALPHABETS``; nothing is imported
from the library. Sequences are given as ``bytes``.
"""

from __future__ import annotations

import numpy as np

from _reference import ALPHABETS


def lut(encoding_type: str = "dna") -> np.ndarray:
    """int64 (256,): code of each byte (either case), -1 outside the alphabet."""
    table = np.full(256, -1, dtype=np.int64)
    for i, ch in enumerate(ALPHABETS[encoding_type]):
        table[ord(ch)] = i
        table[ord(ch.lower())] = i
    return table


def as_matrix(seqs: list, width: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(B, W) uint8 matrix of the sequences (zero after each end) and lengths."""
    lens = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    W = int(lens.max()) if width is None and len(seqs) else (width or 0)
    mat = np.zeros((len(seqs), W), dtype=np.uint8)
    if len(seqs) and W and np.all(lens == W):
        mat[:] = np.frombuffer(b"".join(seqs), dtype=np.uint8).reshape(len(seqs), W)
    else:
        for i, s in enumerate(seqs):
            row = np.frombuffer(s, dtype=np.uint8)[:W]
            mat[i, : row.shape[0]] = row
    return mat, np.minimum(lens, W)


def integer_codes(
    seqs: list,
    encoding_type: str = "dna",
    *,
    unknown: bool = True,
    pad_value: float = -1,
    max_length: int | None = None,
) -> np.ndarray:
    """(B, L) float64 codes: alphabet index, A for other characters
    (``unknown``), ``pad_value`` after each end."""
    mat, lens = as_matrix(seqs, max_length)
    codes = lut(encoding_type)[mat].astype(np.float64)
    A = len(ALPHABETS[encoding_type])
    if not unknown and (codes[np.arange(mat.shape[1]) < lens[:, None]] < 0).any():
        raise ValueError("reference: a character outside the alphabet")
    codes[codes < 0] = A
    codes[np.arange(mat.shape[1])[None, :] >= lens[:, None]] = pad_value
    return codes


def onehot(
    seqs: list, encoding_type: str = "dna", *, max_length: int | None = None, dtype=np.float64
) -> np.ndarray:
    """(B, L, A) one-hot rows, zero rows for other characters and padding."""
    A = len(ALPHABETS[encoding_type])
    codes = integer_codes(seqs, encoding_type, pad_value=A, max_length=max_length)
    eye = np.vstack([np.eye(A), np.zeros((1, A))]).astype(dtype)
    return eye[codes.astype(np.int64)]


def kmer_counts(seqs: list, k: int, encoding_type: str = "dna") -> np.ndarray:
    """(B, A**k) float64 counts of overlapping k-mers (windows holding a
    character outside the alphabet are not counted)."""
    A = len(ALPHABETS[encoding_type])
    B = len(seqs)
    n_cols = A**k
    out = np.zeros((B, n_cols))
    if not B:
        return out
    mat, lens = as_matrix(seqs)
    W = mat.shape[1]
    if W < k:
        return out
    codes = lut(encoding_type)[mat]
    n_win = W - k + 1
    idx = np.zeros((B, n_win), dtype=np.int64)
    ok = np.ones((B, n_win), dtype=bool)
    for j in range(k):
        part = codes[:, j : j + n_win]
        idx = idx * A + np.maximum(part, 0)
        ok &= part >= 0
    ok &= (np.arange(n_win)[None, :] + k) <= lens[:, None]
    rows = np.broadcast_to(np.arange(B)[:, None], ok.shape)[ok]
    flat = rows * n_cols + idx[ok]
    out.ravel()[:] = np.bincount(flat, minlength=B * n_cols)
    return out
