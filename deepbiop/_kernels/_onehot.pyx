"""The guts of OneHotEncoder: one row of a lookup table per input byte."""
from cython.parallel cimport prange
from libc.stdint cimport uint8_t, uint16_t, int16_t, int64_t, uint64_t
from libc.string cimport memset, memcpy

from deepbiop._kernels._common cimport seq_ptr, random_code

ctypedef fused out_t:
    uint8_t
    uint16_t   # float16, written as its bit pattern
    float
    double

# Modes (kept in sync with deepbiop.encoders.onehot)
cdef enum:
    MODE_TABLE = 0
    MODE_RANDOM = 1
    MODE_ERROR = 2


cdef inline void _row(const uint8_t* s, Py_ssize_t n, Py_ssize_t L, Py_ssize_t A,
                      const int16_t* codes, const out_t* table, out_t one,
                      out_t* dst, bint channels_first, int mode,
                      uint64_t seed, Py_ssize_t i, int64_t* status) noexcept nogil:
    cdef Py_ssize_t p, a
    cdef const out_t* src
    cdef int c
    if channels_first:
        # dst is the (A, L) slab of sequence i; zero it, then scatter.
        memset(dst, 0, A * L * sizeof(out_t))
        for p in range(n):
            c = codes[s[p]]
            if c >= 0 or mode == MODE_TABLE:
                src = table + s[p] * A
                for a in range(A):
                    dst[a * L + p] = src[a]
            elif mode == MODE_RANDOM:
                dst[random_code(seed, i, p, <int> A) * L + p] = one
            else:
                status[0] = p
                return
        return
    if A == 4:
        for p in range(n):
            c = codes[s[p]]
            if c >= 0 or mode == MODE_TABLE:
                memcpy(dst + 4 * p, table + s[p] * 4, 4 * sizeof(out_t))
            elif mode == MODE_RANDOM:
                memset(dst + 4 * p, 0, 4 * sizeof(out_t))
                dst[4 * p + random_code(seed, i, p, 4)] = one
            else:
                status[0] = p
                return
    else:
        for p in range(n):
            c = codes[s[p]]
            if c >= 0 or mode == MODE_TABLE:
                memcpy(dst + A * p, table + s[p] * A, A * sizeof(out_t))
            elif mode == MODE_RANDOM:
                memset(dst + A * p, 0, A * sizeof(out_t))
                dst[A * p + random_code(seed, i, p, <int> A)] = one
            else:
                status[0] = p
                return
    if n < L:
        memset(dst + A * n, 0, (L - n) * A * sizeof(out_t))


def onehot_batch(const int64_t[::1] ptrs, const int64_t[::1] lens,
                 const int16_t[::1] codes, const out_t[:, ::1] table, out_t one,
                 out_t[:, :, ::1] out, bint channels_first, int mode,
                 uint64_t seed, int64_t[::1] status, int n_threads):
    """One-hot encode a packed batch into ``out``.

    Parameters
    ----------
    ptrs, lens : int64 (B,)
        Packed sequences (see ``_common.pxd``).
    codes : int16 (256,)
        Alphabet index of each byte, -1 outside the alphabet.
    table : out_t (256, A)
        The row written for each byte (zero / uniform / IUPAC rows for bytes
        outside the alphabet, as the strategy dictates).
    one : out_t
        The value 1 in the output dtype (bit pattern for float16).
    out : out_t (B, L, A), or (B, A, L) when ``channels_first``
        Fully written by the kernel, padding included (may come from np.empty).
    mode : 0 table lookup, 1 random column for bytes with code -1, 2 error.
    seed : draws for ``mode == 1`` depend on (seed, i, position) only.
    status : int64 (B,)
        Set to -1 by the caller; the kernel stores the first bad position of
        sequence i there in error mode and stops that row.

    Preconditions (checked by the caller)
    -------------------------------------
    ``len(ptrs) == len(lens) == len(status) == out.shape[0]``;
    every ``lens[i] <= L`` (truncation applied by the caller);
    ``table.shape == (256, A)`` with A matching ``out``; addresses valid for
    ``lens[i]`` bytes while the call runs.
    """
    cdef Py_ssize_t B = out.shape[0], L, A, i
    if channels_first:
        A = out.shape[1]
        L = out.shape[2]
    else:
        L = out.shape[1]
        A = out.shape[2]
    if B == 0:
        return
    cdef const int16_t* cp = &codes[0]
    cdef const out_t* tp = &table[0, 0]
    cdef out_t* op = &out[0, 0, 0] if L * A > 0 else NULL
    cdef int64_t* sp = &status[0]
    if op == NULL:
        return
    for i in prange(B, nogil=True, schedule="guided", num_threads=n_threads):
        _row(seq_ptr(ptrs, i), lens[i], L, A, cp, tp, one, op + i * L * A,
             channels_first, mode, seed, i, sp + i)
