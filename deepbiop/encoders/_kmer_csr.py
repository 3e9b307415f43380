"""Sparse k-mer count rows: the CSR builders of :class:`~deepbiop.encoders.KmerEncoder`.

Each row's window codes are written in place into the output's ``indices``
by the ``_kmer_sparse`` kernel, sorted and run-length counted there, and the
rows are then compacted to their non-zeros. With ``n_features`` the kernel
does the same with each code's hashed column and sign (feature hashing). A
very long row (a chromosome) would be one thread's serial sort, so it is
counted by the parallel spectrum counter instead (and its distinct codes
hashed).
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


class _RowSlots:
    """One slot per window of every row, in CSR arrays the kernels fill row
    by row (row ``i`` from ``starts[i]``), compacted by :meth:`matrix`."""

    def __init__(self, packed: Packed, k: int, n_cols: int, dtype: np.dtype, mode: int) -> None:
        B = len(packed)
        windows = np.maximum(packed.lens - (k - 1), 0)
        self.starts = np.zeros(B, dtype=np.int64)
        if B > 1:
            np.cumsum(windows[:-1], out=self.starts[1:])
        self.total = int(windows.sum())
        self.n_cols = n_cols
        i32 = max(n_cols, self.total) <= np.iinfo(np.int32).max
        self.idx_dtype = np.int32 if i32 else np.int64
        self.indices = np.empty(self.total, dtype=self.idx_dtype)
        self.data = np.empty(self.total, dtype=dtype)
        self.nnz = np.zeros(B, dtype=np.int64)
        self.status = np.full(B, -1, dtype=np.int64)
        self.lens = packed.lens
        # a very long row (a chromosome) would be one thread's serial sort: the
        # parallel spectrum counter takes it instead (rows with an error to
        # report stay with the kernel, which finds the first bad character)
        self.long_rows = np.empty(0, dtype=np.intp)
        if mode == 0:
            self.long_rows = np.flatnonzero(windows >= LONG_ROW_WINDOWS)
            if self.long_rows.size:
                self.lens = self.lens.copy()
                self.lens[self.long_rows] = 0  # the kernel leaves these rows empty

    def put(self, i: int, columns: np.ndarray, values: np.ndarray) -> None:
        """Row ``i``'s entries (ascending columns), counted outside the kernel."""
        lo = int(self.starts[i])
        self.indices[lo : lo + columns.size] = columns
        self.data[lo : lo + columns.size] = values
        self.nnz[i] = columns.size

    def matrix(self):
        """The rows as a CSR matrix (sorted indices, no explicit zeros)."""
        import scipy.sparse as sp

        B = self.nnz.size
        indptr = np.empty(B + 1, dtype=np.int64)
        _kmer_sparse.csr_compact(self.starts, self.nnz, self.indices, self.data, indptr)
        n = int(indptr[-1])
        if n < self.total:  # give the unused tail back (realloc, no copy of the rows)
            self.indices.resize(n, refcheck=False)
            self.data.resize(n, refcheck=False)
        X = sp.csr_matrix(
            (self.data, self.indices, indptr.astype(self.idx_dtype, copy=False)),
            shape=(B, self.n_cols),
        )
        X.has_sorted_indices = True
        X.has_canonical_format = True
        return X


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
    hashed: tuple[int, bool] | None = None,
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
        Number of columns of the layout (``n_features`` when hashing).
    dtype : numpy dtype
        Dtype of the data.
    n_threads, long_row_threads : int
        Threads for the batch, and for the spectrum counter of a long row.
    hashed : (n_features, alternate_sign) or None, default=None
        Hash each window's code to one of ``n_features`` columns (and, with
        ``alternate_sign``, a sign) as ``_kmer_sparse`` documents; not with
        ``compact``.

    Returns
    -------
    X : scipy.sparse.csr_matrix, shape (B, n_cols)
    status : ndarray of int64, shape (B,)
        -1, or the position of the first character outside the alphabet
        (``mode == 1``); the caller raises for it.

    Raises
    ------
    MemoryError
        When a thread's scratch row for hashed keys could not be allocated.
    """
    n_features, alternate_sign = hashed if hashed is not None else (0, False)
    rows = _RowSlots(packed, k, n_cols, dtype, mode)
    _kmer_sparse.csr_rows(
        packed.ptrs,
        rows.lens,
        lookup_table(alpha, canonical),
        k,
        alpha.size,
        canonical,
        compact,
        mode,
        n_features,
        alternate_sign,
        rows.starts,
        rows.indices,
        rows.data,
        rows.nnz,
        rows.status,
        n_threads,
    )
    if (rows.status == -2).any():  # STATUS_NOMEM of the kernel
        raise MemoryError("KmerEncoder(n_features=...): no memory for a thread's scratch row")
    if (rows.status >= 0).any():
        return None, rows.status
    for i in rows.long_rows.tolist():
        codes, counts = count_packed(
            packed.ptrs[i : i + 1], packed.lens[i : i + 1], k, alpha, canonical, long_row_threads
        )
        if n_features:
            rows.put(i, *_hash_counts(codes, counts, n_features, alternate_sign))
        else:
            rows.put(i, canonical_rank(codes, k, alpha) if compact else codes, counts)
    return rows.matrix(), rows.status


def _hash_counts(
    codes: np.ndarray, counts: np.ndarray, n_features: int, alternate_sign: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The hashed row of a spectrum: ascending columns and their signed sums
    (zero sums dropped), as the kernel builds rows."""
    columns = np.empty(codes.size, dtype=np.int64)
    signs = np.empty(codes.size, dtype=np.int8)
    _kmer_sparse.hash_codes(codes, n_features, alternate_sign, columns, signs)
    order = np.argsort(columns, kind="stable")
    cols, first = np.unique(columns[order], return_index=True)
    if not cols.size:
        return cols, counts[:0]
    sums = np.add.reduceat(counts[order] * signs[order], first)
    keep = sums != 0
    return cols[keep], sums[keep]


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
