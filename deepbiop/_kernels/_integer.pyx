"""The guts of IntegerEncoder: one alphabet code per input byte."""
from cython.parallel cimport prange
from libc.stdint cimport uint8_t, int8_t, int16_t, int32_t, int64_t, uint64_t

from deepbiop._kernels._common cimport seq_ptr, random_code

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


cdef inline void _row(const uint8_t* s, Py_ssize_t n, Py_ssize_t L, int A,
                      const int16_t* codes, code_t* dst, code_t pad, int mode,
                      uint64_t seed, Py_ssize_t i, int64_t* status) noexcept nogil:
    cdef Py_ssize_t p
    cdef int c
    for p in range(n):
        c = codes[s[p]]
        if c < 0:
            if mode == MODE_UNKNOWN:
                c = A
            elif mode == MODE_RANDOM:
                c = random_code(seed, i, p, A)
            else:
                status[0] = p
                return
        dst[p] = <code_t> c
    for p in range(n, L):
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

    Preconditions (checked by the caller)
    -------------------------------------
    ``len(ptrs) == len(lens) == len(status) == out.shape[0]``; every
    ``lens[i] <= L``; ``A`` and ``pad`` representable in the output dtype.
    """
    cdef Py_ssize_t B = out.shape[0], L = out.shape[1], i
    if B == 0 or L == 0:
        return
    cdef const int16_t* cp = &codes[0]
    cdef code_t* op = &out[0, 0]
    cdef int64_t* sp = &status[0]
    for i in prange(B, nogil=True, schedule="guided", num_threads=n_threads):
        _row(seq_ptr(ptrs, i), lens[i], L, A, cp, op + i * L, <code_t> pad, mode, seed,
             i, sp + i)
