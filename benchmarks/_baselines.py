"""Baselines deepbiop is timed against, each written the way a skilled user would.

* ``floor_*``: allocate an output of the same shape and dtype in fresh memory
  and write every element (page faults included). No encoder can beat it.
* ``numpy_*``: one ``np.frombuffer`` of the joined bytes, a 256-entry lookup
  table, fancy indexing into an identity matrix; a rolling 2-bit index and
  ``bincount`` for k-mers.
* ``numba_*``: ``@njit(parallel=True)`` loops over the joined buffer (the
  join is part of the timed call, as it is for the user).
* peers, where they import: seqpro (``ohe``, ``tokenize``), tangermeme
  (``one_hot_encode``), scikit-learn ``CountVectorizer`` for k-mers.

Every baseline returns the same values as the matching deepbiop call (the
runner checks this before timing). Semantics follow deepbiop's defaults used
in the benchmark: one-hot ``"skip"`` (zero row for N), integer ``"unknown"``
(N -> A, padding -1), k-mers ``"skip"`` (windows with N not counted).
"""

from __future__ import annotations

import importlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = [
    "SYMBOLS",
    "lookup_table",
    "floor",
    "numpy_onehot",
    "numpy_integer",
    "numpy_kmer",
    "numba_available",
    "numba_onehot",
    "numba_integer",
    "numba_kmer",
    "set_numba_threads",
    "peer",
    "seqpro_ohe",
    "seqpro_tokenize",
    "tangermeme_ohe",
    "countvectorizer_kmer",
]

SYMBOLS = {"dna": "ACGT", "protein": "ACDEFGHIKLMNPQRSTVWY"}

_POOL: ThreadPoolExecutor | None = None


def lookup_table(alphabet: str) -> np.ndarray:
    """int16 (256,): code of each byte (either case), -1 outside the alphabet."""
    lut = np.full(256, -1, dtype=np.int16)
    for i, ch in enumerate(SYMBOLS[alphabet]):
        lut[ord(ch)] = i
        lut[ord(ch.lower())] = i
    return lut


# -- the floor -----------------------------------------------------------------
def floor(shape: tuple, dtype, n_threads: int) -> np.ndarray:
    """Allocate ``shape``/``dtype`` in fresh memory and write every element.

    ``ndarray.fill`` releases the GIL, so ``n_threads`` Python threads fill
    disjoint parts of the flat array in parallel, each in slabs of at most
    64 Mi elements (the same memory-order sweep an encoder makes).
    """
    global _POOL
    out = np.empty(shape, dtype=dtype)
    flat = out.reshape(-1)
    n = flat.size
    if n_threads <= 1 or n < 1 << 20:  # below ~4 MB a thread hand-off costs more
        for a in range(0, n, _SLAB):
            flat[a : a + _SLAB].fill(1)
        return out
    if _POOL is None or _POOL._max_workers < n_threads:
        _POOL = ThreadPoolExecutor(max_workers=n_threads)
    bounds = np.linspace(0, n, n_threads + 1).astype(np.int64)

    def fill(ab):
        for a in range(int(ab[0]), int(ab[1]), _SLAB):
            flat[a : min(a + _SLAB, int(ab[1]))].fill(1)

    list(_POOL.map(fill, zip(bounds[:-1], bounds[1:])))
    return out


_SLAB = 1 << 26


# -- NumPy ---------------------------------------------------------------------
def _join(seqs: list) -> tuple[np.ndarray, np.ndarray]:
    """One contiguous uint8 buffer and int64 offsets (B + 1,)."""
    buf = np.frombuffer("".join(seqs).encode("ascii"), dtype=np.uint8)
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs)), out=offsets[1:])
    return buf, offsets


def _ragged_index(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lens = np.diff(offsets)
    rows = np.repeat(np.arange(len(lens)), lens)
    pos = np.arange(offsets[-1]) - np.repeat(offsets[:-1], lens)
    return rows, pos


def numpy_onehot(seqs: list, alphabet: str) -> np.ndarray:
    """float32 (B, max_len, A); zero rows for N and padding."""
    A = len(SYMBOLS[alphabet])
    lut = lookup_table(alphabet).astype(np.intp)
    lut[lut < 0] = A  # the extra all-zero row of `eye`
    eye = np.vstack([np.eye(A, dtype=np.float32), np.zeros((1, A), np.float32)])
    buf, offsets = _join(seqs)
    lens = np.diff(offsets)
    L = int(lens.max()) if len(lens) else 0
    codes = lut[buf]
    if len(lens) and (lens == L).all():
        out = np.empty((len(seqs), L, A), dtype=np.float32)
        np.take(eye, codes, axis=0, out=out.reshape(-1, A))
        return out
    out = np.zeros((len(seqs), L, A), dtype=np.float32)
    rows, pos = _ragged_index(offsets)
    out[rows, pos] = eye[codes]
    return out


def numpy_integer(seqs: list, alphabet: str) -> np.ndarray:
    """float32 (B, max_len); N -> A, padding -1."""
    A = len(SYMBOLS[alphabet])
    lut = lookup_table(alphabet).astype(np.float32)
    lut[lut < 0] = A
    buf, offsets = _join(seqs)
    lens = np.diff(offsets)
    L = int(lens.max()) if len(lens) else 0
    if len(lens) and (lens == L).all():
        out = np.empty((len(seqs), L), dtype=np.float32)
        np.take(lut, buf, out=out.reshape(-1))
        return out
    out = np.full((len(seqs), L), -1.0, dtype=np.float32)
    rows, pos = _ragged_index(offsets)
    out[rows, pos] = lut[buf]
    return out


def numpy_kmer(seqs: list, alphabet: str, k: int) -> np.ndarray:
    """float32 (B, A**k) counts; windows with a byte outside the alphabet skipped."""
    A = len(SYMBOLS[alphabet])
    lut = lookup_table(alphabet)
    buf, offsets = _join(seqs)
    codes = lut[buf]
    bad = codes < 0
    n = len(codes)
    B = len(seqs)
    if n < k:
        return np.zeros((B, A**k), dtype=np.float32)
    codes = np.where(bad, 0, codes).astype(np.int64)
    m = n - k + 1  # windows over the joined buffer, start positions 0..m-1
    idx = np.zeros(m, dtype=np.int64)
    shift = 2 if A == 4 else None
    for j in range(k):
        if shift:
            idx <<= 2
            idx |= codes[j : j + m]
        else:
            idx *= A
            idx += codes[j : j + m]
    # a window is valid when it holds no bad byte and does not cross a sequence end
    nbad = np.concatenate([[0], np.cumsum(bad, dtype=np.int64)])
    ok = nbad[k : k + m] == nbad[:m]
    seq_of = np.repeat(np.arange(B), np.diff(offsets))
    ok &= seq_of[:m] == seq_of[k - 1 : k - 1 + m]
    flat = seq_of[:m][ok] * A**k + idx[ok]  # sorted: windows come in sequence order
    out = np.empty((B, A**k), dtype=np.float32)
    # bincount a block of rows at a time so its int64 counts stay small
    step = max(1, (1 << 22) // A**k)
    bounds = np.searchsorted(flat, np.arange(0, B + step, step) * A**k)
    for j, r0 in enumerate(range(0, B, step)):
        r1 = min(B, r0 + step)
        seg = flat[bounds[j] : bounds[j + 1]] - r0 * A**k
        out[r0:r1].reshape(-1)[:] = np.bincount(seg, minlength=(r1 - r0) * A**k)
    return out


# -- numba ---------------------------------------------------------------------
_NB: dict = {}


def numba_available() -> bool:
    """True when numba imports (the ``bench`` extra)."""
    return _numba() is not None


def _numba():
    if "mod" not in _NB:
        try:
            _NB["mod"] = importlib.import_module("numba")
        except ImportError:
            _NB["mod"] = None
        else:
            _compile_numba(_NB["mod"])
    return _NB["mod"]


def set_numba_threads(n: int) -> None:
    nb = _numba()
    if nb is not None:
        nb.set_num_threads(max(1, min(n, nb.config.NUMBA_NUM_THREADS)))


def _compile_numba(nb) -> None:
    njit, prange = nb.njit, nb.prange

    @njit(parallel=True, cache=True)
    def onehot(buf, offsets, L, lut, A):
        B = offsets.shape[0] - 1
        out = np.zeros((B, L, A), dtype=np.float32)
        for i in prange(B):
            s = offsets[i]
            for p in range(offsets[i + 1] - s):
                c = lut[buf[s + p]]
                if c >= 0:
                    out[i, p, c] = 1.0
        return out

    @njit(parallel=True, cache=True)
    def integer(buf, offsets, L, lut, A):
        B = offsets.shape[0] - 1
        out = np.empty((B, L), dtype=np.float32)
        for i in prange(B):
            s = offsets[i]
            n = offsets[i + 1] - s
            for p in range(n):
                c = lut[buf[s + p]]
                out[i, p] = c if c >= 0 else A
            for p in range(n, L):
                out[i, p] = -1.0
        return out

    @njit(parallel=True, cache=True)
    def kmer(buf, offsets, lut, A, k):
        B = offsets.shape[0] - 1
        ncol = A**k
        out = np.zeros((B, ncol), dtype=np.float32)
        for i in prange(B):
            idx = 0
            run = 0
            for p in range(offsets[i], offsets[i + 1]):
                c = lut[buf[p]]
                if c < 0:
                    run = 0
                    idx = 0
                    continue
                idx = (idx * A + c) % ncol
                run += 1
                if run >= k:
                    out[i, idx] += 1.0
        return out

    _NB.update(onehot=onehot, integer=integer, kmer=kmer)


def _nb_args(seqs: list, alphabet: str):
    buf, offsets = _join(seqs)
    L = int(np.diff(offsets).max()) if len(seqs) else 0
    return buf, offsets, L, lookup_table(alphabet), len(SYMBOLS[alphabet])


def numba_onehot(seqs: list, alphabet: str) -> np.ndarray:
    _numba()
    return _NB["onehot"](*_nb_args(seqs, alphabet))


def numba_integer(seqs: list, alphabet: str) -> np.ndarray:
    _numba()
    return _NB["integer"](*_nb_args(seqs, alphabet))


def numba_kmer(seqs: list, alphabet: str, k: int) -> np.ndarray:
    _numba()
    buf, offsets, _, lut, A = _nb_args(seqs, alphabet)
    return _NB["kmer"](buf, offsets, lut, A, k)


# -- peers ---------------------------------------------------------------------
_PEERS: dict = {}


def peer(name: str):
    """The imported peer module, or the reason it is unavailable (a str)."""
    if name not in _PEERS:
        try:
            if name == "seqpro":
                _PEERS[name] = importlib.import_module("seqpro")
            elif name == "tangermeme":
                _PEERS[name] = importlib.import_module("tangermeme.utils")
            elif name == "sklearn":
                _PEERS[name] = importlib.import_module("sklearn.feature_extraction.text")
            else:  # pragma: no cover - programming error
                raise KeyError(name)
        except ImportError as exc:
            _PEERS[name] = f"{name} not installed ({exc.__class__.__name__}: {exc})"
    return _PEERS[name]


def seqpro_ohe(upper_seqs: list) -> np.ndarray:
    """seqpro.ohe on upper-cased DNA (seqpro is case-sensitive); uint8 (B, L, 4)."""
    sp = peer("seqpro")
    return sp.ohe(upper_seqs, sp.DNA)


_TOKENS = {**{c: i for i, c in enumerate("ACGT")}, **{c: i for i, c in enumerate("acgt")}}


def seqpro_tokenize(seqs: list) -> np.ndarray:
    """seqpro.tokenize with both cases in the map, N -> 4; int32 (B, L)."""
    sp = peer("seqpro")
    return sp.tokenize(seqs, _TOKENS, 4)


def tangermeme_ohe(upper_seqs: list) -> np.ndarray:
    """tangermeme.utils.one_hot_encode per sequence, stacked; int8 (B, 4, L)."""
    tu = peer("tangermeme")
    import torch

    return torch.stack([tu.one_hot_encode(s, ignore=["N"]) for s in upper_seqs]).numpy()


def countvectorizer_kmer(upper_seqs: list, alphabet: str, k: int) -> np.ndarray:
    """scikit-learn CountVectorizer(analyzer="char", ngram_range=(k, k)) counts,
    laid out in deepbiop's column order (k-mers holding N dropped)."""
    text = peer("sklearn")
    cv = text.CountVectorizer(analyzer="char", ngram_range=(k, k), lowercase=False)
    X = cv.fit_transform(upper_seqs)
    syms = SYMBOLS[alphabet]
    A = len(syms)
    code = {c: i for i, c in enumerate(syms)}
    src, dst = [], []
    for kmer, j in cv.vocabulary_.items():
        if all(c in code for c in kmer):
            v = 0
            for c in kmer:
                v = v * A + code[c]
            src.append(j)
            dst.append(v)
    out = np.zeros((len(upper_seqs), A**k), dtype=np.float32)
    out[:, dst] = X[:, src].toarray()
    return out
