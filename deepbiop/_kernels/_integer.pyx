"""The guts of IntegerEncoder: one alphabet code per input byte."""
from cython.parallel cimport prange
from libc.stdint cimport uint8_t, int8_t, int16_t, int32_t, int64_t, uint64_t

from deepbiop._kernels._common cimport seq_ptr, random_code
from deepbiop._kernels._segments cimport (
    SEG, PREFETCH_ROWS, n_segments, grab_size, item_status, reduce_status, prefetch_row,
)

ctypedef fused code_t:
    float
    double
    int8_t
    int16_t
    int32_t
    int64_t
    uint8_t

cdef enum:
    MODE_ERROR = 0
    MODE_UNKNOWN = 1
    MODE_RANDOM = 2


cdef inline void _segment(const uint8_t* s, Py_ssize_t n, Py_ssize_t p0, Py_ssize_t p1,
                          int A, const code_t* value, const uint8_t* bad, code_t* dst,
                          code_t pad, int mode, uint64_t seed, Py_ssize_t i,
                          int64_t* status) noexcept nogil:
    """Positions [p0, p1) of row i: codes below ``n``, ``pad`` from ``n`` on.

    The hot loop is branch-free (a value-table load and a store per byte); it
    only notes whether any byte was outside the alphabet. Rows that hold one
    are revisited for the random/error strategies, which are rare.
    """
    cdef Py_ssize_t p, e = n if n < p1 else p1
    cdef uint8_t any_bad = 0, b
    for p in range(p0, e):
        b = s[p]
        dst[p] = value[b]
        any_bad |= bad[b]
    if any_bad and mode != MODE_UNKNOWN:
        for p in range(p0, e):
            if bad[s[p]]:
                if mode == MODE_RANDOM:
                    dst[p] = <code_t> random_code(seed, i, p, A)
                else:
                    status[0] = p
                    return
    if e < p0:
        e = p0
    for p in range(e, p1):
        dst[p] = pad


def integer_batch(const int64_t[::1] ptrs, const int64_t[::1] lens,
                  const int16_t[::1] codes, int A, int mode, double pad,
                  code_t[:, ::1] out, uint64_t seed, int64_t[::1] status,
                  int n_threads):
    """Write alphabet codes of a packed batch into ``out`` (B, L).

    Parameters
    ----------
    ptrs, lens : int64 (B,)
        Packed sequences (see ``_common.pxd``).
    codes : int16 (256,)
        Alphabet index of each byte, -1 outside the alphabet.
    A : alphabet size; ``mode == 1`` writes A for bytes outside the alphabet.
    mode : 0 error (first bad position into ``status[i]``), 1 unknown code,
        2 random code drawn from (seed, i, position).
    pad : value written after each sequence's end (cast to the output dtype).
    out : (B, L), fully written by the kernel (may come from np.empty).
    status : int64 (B,), set to -1 by the caller.
    n_threads : OpenMP threads. Rows longer than 65,536 positions are split
        into pieces, so one long sequence also uses every thread.

    Preconditions (checked by the caller)
    -------------------------------------
    ``len(ptrs) == len(lens) == len(status) == out.shape[0]``; every
    ``lens[i] <= L``; ``A`` and ``pad`` representable in the output dtype.
    """
    cdef Py_ssize_t B = out.shape[0], L = out.shape[1], i, j, c
    if B == 0 or L == 0:
        return
    cdef code_t value[256]
    cdef uint8_t bad[256]
    for j in range(256):
        bad[j] = codes[j] < 0
        value[j] = <code_t> (codes[j] if codes[j] >= 0 else A)
    cdef code_t* op = &out[0, 0]
    cdef Py_ssize_t nseg = n_segments(L)
    cdef int grab = grab_size(L, nseg)
    cdef int64_t* st = item_status(&status[0], B, nseg)
    if st == NULL:
        raise MemoryError("integer_batch: no memory for per-segment status")
    with nogil:
        for j in prange(B * nseg, schedule="dynamic", chunksize=grab,
                        num_threads=n_threads):
            if nseg == 1:
                i = j
                c = 0
                prefetch_row(ptrs, lens, i + PREFETCH_ROWS)
            else:
                i = j // nseg
                c = j - i * nseg
            _segment(seq_ptr(ptrs, i), lens[i], c * SEG, min(L, (c + 1) * SEG), A,
                     value, bad, op + i * L, <code_t> pad, mode, seed, i, st + j)
        reduce_status(&status[0], st, B, nseg)
