"""The guts of KmerEncoder: rolling k-mer indices counted into dense rows."""
from cython.parallel cimport prange
from libc.stdint cimport uint8_t, int16_t, int32_t, int64_t, uint64_t

from deepbiop._kernels._common cimport seq_ptr

ctypedef fused count_t:
    float
    double
    int32_t
    int64_t

cdef enum:
    MODE_SKIP = 0
    MODE_ERROR = 1


cdef inline void _count_row(const uint8_t* s, Py_ssize_t n, int k, int A,
                            uint64_t n_cols, const int16_t* codes, bint canonical,
                            int mode, count_t* dst, int64_t* status) noexcept nogil:
    """Count the k-mers of one sequence; windows holding a byte with code -1
    are skipped (``mode == 0``) or stop the row with its position (``mode == 1``)."""
    cdef Py_ssize_t p
    cdef int c, run = 0
    cdef uint64_t fwd = 0, rev = 0, idx
    cdef uint64_t top = <uint64_t> 2 * <uint64_t> (k - 1)
    cdef uint64_t mask = n_cols - 1
    cdef uint64_t lead = n_cols // <uint64_t> A   # A**(k-1)
    if A == 4:
        for p in range(n):
            c = codes[s[p]]
            if c < 0:
                if mode == MODE_ERROR:
                    status[0] = p
                    return
                run = 0
                continue
            fwd = ((fwd << 2) | <uint64_t> c) & mask
            run += 1
            if canonical:
                rev = (rev >> 2) | (<uint64_t> (3 - c) << top)
            if run >= k:
                idx = fwd
                if canonical and rev < fwd:
                    idx = rev
                dst[idx] += 1
    else:
        for p in range(n):
            c = codes[s[p]]
            if c < 0:
                if mode == MODE_ERROR:
                    status[0] = p
                    return
                run = 0
                continue
            fwd = (fwd % lead) * <uint64_t> A + <uint64_t> c
            run += 1
            if run >= k:
                dst[fwd] += 1


def kmer_batch(const int64_t[::1] ptrs, const int64_t[::1] lens,
               const int16_t[::1] codes, int k, int A, bint canonical, int mode,
               count_t[:, ::1] out, int64_t[::1] status, int n_threads):
    """Count overlapping k-mers of a packed batch into ``out`` (B, A**k).

    Column index: k-mer read as a base-A number, first character most
    significant. ``canonical`` (A == 4 only) counts each k-mer at the smaller of
    its own index and that of its reverse complement (complement of code c is
    3 - c, true for ACGT and ACGU).

    Preconditions (checked by the caller)
    -------------------------------------
    ``out`` zero-filled with ``out.shape == (len(ptrs), A**k)``;
    ``len(lens) == len(status) == len(ptrs)``; ``1 <= k``; ``A**k`` fits in
    64 bits; when ``A == 4`` the column count is a power of two so masking
    works; ``canonical`` only with ``A == 4``; status preset to -1.
    """
    cdef Py_ssize_t B = out.shape[0], i
    cdef uint64_t n_cols = <uint64_t> out.shape[1]
    if B == 0:
        return
    cdef const int16_t* cp = &codes[0]
    cdef count_t* op = &out[0, 0]
    cdef int64_t* sp = &status[0]
    for i in prange(B, nogil=True, schedule="guided", num_threads=n_threads):
        _count_row(seq_ptr(ptrs, i), lens[i], k, A, n_cols, cp, canonical, mode,
                   op + i * <Py_ssize_t> n_cols, sp + i)
