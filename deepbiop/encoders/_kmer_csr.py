"""Sparse k-mer count rows: the CSR builder of :class:`~deepbiop.encoders.KmerEncoder`.

Each row's window codes are written in place into the output's ``indices``
by the ``_kmer_sparse`` kernel, sorted and run-length counted there, and the
rows are then compacted to their non-zeros. A very long row (a chromosome)
would be one thread's serial sort, so it is counted by the parallel spectrum
counter instead.
"""

from __future__ import annotations

import numpy as np

from deepbiop._kernels import _kmer_sparse
from deepbiop._sequences import Packed
from deepbiop.alphabets import Alphabet
from deepbiop.kmers import canonical_rank, lookup_table
from deepbiop.spectrum import count_packed

__all__ = ["count_csr", "select_columns", "LONG_ROW_WINDOWS"]

#: Sparse rows with at least this many windows are counted by the parallel
#: spectrum counter (bucketed sort across threads) instead of one thread.
LONG_ROW_WINDOWS = 1 << 18


def count_csr(
    packed: Packed,
    alpha: Alphabet,
    k: int,
    *,
    canonical: bool,
    compact: bool,
    mode: int,
    n_cols: int,
    dtype: np.dtype,
    n_threads: int,
    long_row_threads: int,
):
    """K-mer counts of every row as a CSR matrix (sorted indices, no explicit zeros).

    Parameters
    ----------
    packed : Packed
        The batch, kept alive by the caller.
    alpha : Alphabet
    k : int
        Checked by the caller against the alphabet's sparse limit.
    canonical, compact : bool
        Canonical counting; ``compact`` numbers columns by canonical rank.
    mode : int
        0 skips windows with a character outside the alphabet, 1 reports
        the first one in ``status``.
    n_cols : int
        Number of columns of the layout.
    dtype : numpy dtype
        Dtype of the data.
    n_threads, long_row_threads : int
        Threads for the batch, and for the spectrum counter of a long row.

    Returns
    -------
    X : scipy.sparse.csr_matrix, shape (B, n_cols)
    status : ndarray of int64, shape (B,)
        -1, or the position of the first character outside the alphabet
        (``mode == 1``); the caller raises for it.
    """
    import scipy.sparse as sp

    B = len(packed)
    windows = np.maximum(packed.lens - (k - 1), 0)
    starts = np.zeros(B, dtype=np.int64)
    if B > 1:
        np.cumsum(windows[:-1], out=starts[1:])
    total = int(windows.sum())
    idx_dtype = np.int32 if max(n_cols, total) <= np.iinfo(np.int32).max else np.int64
    indices = np.empty(total, dtype=idx_dtype)
    data = np.empty(total, dtype=dtype)
    nnz = np.zeros(B, dtype=np.int64)
    status = np.full(B, -1, dtype=np.int64)
    lens = packed.lens
    long_rows = np.empty(0, dtype=np.intp)
    if mode == 0:
        long_rows = np.flatnonzero(windows >= LONG_ROW_WINDOWS)
        if long_rows.size:
            lens = lens.copy()
            lens[long_rows] = 0  # the kernel leaves these rows empty
    _kmer_sparse.csr_rows(
        packed.ptrs,
        lens,
        lookup_table(alpha, canonical),
        k,
        alpha.size,
        canonical,
        compact,
        mode,
        starts,
        indices,
        data,
        nnz,
        status,
        n_threads,
    )
    if (status >= 0).any():
        return None, status
    for i in long_rows.tolist():
        codes, counts = count_packed(
            packed.ptrs[i : i + 1],
            packed.lens[i : i + 1],
            k,
            alpha,
            canonical,
            long_row_threads,
        )
        if compact:
            codes = canonical_rank(codes, k, alpha)
        lo = int(starts[i])
        indices[lo : lo + codes.size] = codes
        data[lo : lo + codes.size] = counts
        nnz[i] = codes.size
    indptr = np.empty(B + 1, dtype=np.int64)
    _kmer_sparse.csr_compact(starts, nnz, indices, data, indptr)
    n = int(indptr[-1])
    if n < total:  # give the unused tail back (realloc, no copy of the rows)
        indices.resize(n, refcheck=False)
        data.resize(n, refcheck=False)
    X = sp.csr_matrix((data, indices, indptr.astype(idx_dtype, copy=False)), shape=(B, n_cols))
    X.has_sorted_indices = True
    X.has_canonical_format = True
    return X, status


def select_columns(X, cols: np.ndarray):
    """The columns ``cols`` (ascending int64) of a CSR matrix, renumbered 0..m-1."""
    import scipy.sparse as sp

    B = X.shape[0]
    idx = X.indices.astype(np.int64, copy=False)
    pos = np.searchsorted(cols, idx)
    hit = pos < cols.size
    hit[hit] = cols[pos[hit]] == idx[hit]
    rows = np.repeat(np.arange(B), np.diff(X.indptr))
    indptr = np.zeros(B + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[hit], minlength=B), out=indptr[1:])
    idx_dtype = np.int32 if max(cols.size, int(hit.sum())) < 2**31 else np.int64
    out = sp.csr_matrix(
        (X.data[hit], pos[hit].astype(idx_dtype), indptr.astype(idx_dtype)),
        shape=(B, int(cols.size)),
    )
    out.has_sorted_indices = True
    out.has_canonical_format = True
    return out
