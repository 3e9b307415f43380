"""The guts of IntegerEncoder: one alphabet code per input byte."""
import numpy as np

from libc.stdint cimport uint8_t, int8_t, int16_t, int32_t, int64_t, uint64_t

from deepbiop._kernels._common cimport (
    KIND_I8, KIND_I16, KIND_I32, KIND_I64, KIND_F32, KIND_F64, kind_of, random_code,
)
from deepbiop._kernels._rows cimport (
    SEG, PREFETCH_ROWS, n_segments, grab_items, item_width, item_status, reduce_status,
    prefetch_row,
)
from deepbiop._kernels._pool cimport parallel_for

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


cdef extern from "_simd.h":
    ctypedef struct dbp_lut:
        uint8_t bad[256]
    void dbp_simd_init() noexcept nogil
    int dbp_simd_avx2
    void dbp_lut_init(dbp_lut* t, const int16_t* codes, uint8_t unknown) noexcept nogil
    int dbp_lookup(const dbp_lut* t, const uint8_t* s, Py_ssize_t n, uint8_t* out) noexcept nogil
    int dbp_lookup_path(const dbp_lut* t, const uint8_t* s, Py_ssize_t n, uint8_t* out,
                        int simd) noexcept nogil
    int dbp_lookup_wide(const dbp_lut* t, const uint8_t* s, Py_ssize_t n, void* out,
                        int kind) noexcept nogil
    int dbp_lookup_wide_path(const dbp_lut* t, const uint8_t* s, Py_ssize_t n, void* out,
                             int kind, int simd) noexcept nogil

dbp_simd_init()

cdef enum:
    CHUNK = 2048  # bytes translated per dbp_lookup call (a stack buffer)


cdef inline void _segment(const uint8_t* s, Py_ssize_t n, Py_ssize_t p0, Py_ssize_t p1,
                          int A, const dbp_lut* lut, code_t* dst,
                          code_t pad, int mode, uint64_t seed, Py_ssize_t i,
                          int64_t* status) noexcept nogil:
    """Positions [p0, p1) of row i: codes below ``n``, ``pad`` from ``n`` on.

    Bytes become codes 32 at a time with AVX2 where the CPU has it
    (``_simd.h``): float32/int32/int64 output is widened in registers,
    int8/uint8 output is the codes themselves, and int16/float64 go through a
    stack buffer and a widening loop that the compiler vectorises. Bytes outside the
    alphabet get code A; rows that hold one are revisited for the
    random/error strategies, which are rare.
    """
    cdef uint8_t buf[CHUNK]
    cdef Py_ssize_t p, q = p0, m, e = n if n < p1 else p1
    cdef int any_bad = 0
    cdef code_t* d
    if code_t is float:  # float32 (the default): codes converted in registers
        if e > q:
            any_bad = dbp_lookup_wide(lut, s + q, e - q, dst + q, 0)
    elif code_t is int32_t:
        if e > q:
            any_bad = dbp_lookup_wide(lut, s + q, e - q, dst + q, 1)
    elif code_t is int64_t:  # ids for torch.nn.Embedding
        if e > q:
            any_bad = dbp_lookup_wide(lut, s + q, e - q, dst + q, 2)
    elif code_t is uint8_t or code_t is int8_t:  # codes < 128: same bits either way
        if e > q:
            any_bad = dbp_lookup(lut, s + q, e - q, <uint8_t*> (dst + q))
    else:
        while q < e:
            m = e - q if e - q < CHUNK else CHUNK
            any_bad |= dbp_lookup(lut, s + q, m, buf)
            d = dst + q
            for p in range(m):
                d[p] = <code_t> buf[p]
            q += m
    if any_bad and mode != MODE_UNKNOWN:
        for p in range(p0, e):
            if lut.bad[s[p]]:
                if mode == MODE_RANDOM:
                    dst[p] = <code_t> random_code(seed, i, p, A)
                else:
                    status[0] = p
                    return
    if e < p0:
        e = p0
    for p in range(e, p1):
        dst[p] = pad


def simd_isa():
    """The instruction set the byte lookup uses here: "avx2" or "scalar"."""
    return "avx2" if dbp_simd_avx2 else "scalar"


def lookup_codes(const uint8_t[::1] s, const int16_t[::1] codes, int unknown, bint simd,
                 dtype=np.uint8):
    """Translate bytes to codes with one lookup path (for tests).

    Returns ``(codes, any byte outside the alphabet)``, the codes as
    ``dtype`` (uint8, float32, int32 or int64); ``simd=False`` forces the
    scalar loop, ``simd=True`` uses AVX2 when :func:`simd_isa` says it is
    available.

    Preconditions (checked here): ``codes`` has 256 entries, each < 255 and
    ``0 <= unknown < 256``.
    """
    if codes.shape[0] != 256 or not 0 <= unknown < 256:
        raise ValueError("lookup_codes needs 256 codes and 0 <= unknown < 256")
    cdef Py_ssize_t j
    for j in range(256):
        if codes[j] >= 255:
            raise ValueError("lookup_codes: codes must be < 255")
    cdef dbp_lut lut
    dbp_lut_init(&lut, &codes[0], <uint8_t> unknown)
    cdef int bad = 0
    cdef int kind
    dt = np.dtype(dtype)
    kinds = {np.dtype(np.float32): 0, np.dtype(np.int32): 1, np.dtype(np.int64): 2}
    if dt != np.uint8 and dt not in kinds:
        raise ValueError("lookup_codes: dtype must be uint8, float32, int32 or int64")
    out = np.empty(s.shape[0], dtype=dt)
    cdef size_t addr = out.ctypes.data
    if s.shape[0] > 0:
        if dt == np.uint8:
            bad = dbp_lookup_path(&lut, &s[0], s.shape[0], <uint8_t*> addr, simd)
        else:
            kind = kinds[dt]
            bad = dbp_lookup_wide_path(&lut, &s[0], s.shape[0], <void*> addr, kind, simd)
    return out, bool(bad)


cdef struct _job:
    # everything a chunk of integer_batch needs (see ``integer_batch``)
    const int64_t* ptrs
    const int64_t* lens
    Py_ssize_t B, L, nseg
    int A, mode
    const dbp_lut* lut
    void* op          # (B, L) output of the dtype ``kind`` names
    int kind          # KIND_* of op
    double pad
    uint64_t seed
    int64_t* st


cdef inline void _items(const _job* c, code_t* op, int64_t lo, int64_t hi) noexcept nogil:
    """Work items [lo, hi) (see ``_rows.pxd``)."""
    cdef Py_ssize_t i, j, c_
    cdef Py_ssize_t nseg = c.nseg
    for j in range(lo, hi):
        i = j if nseg == 1 else j // nseg
        c_ = j - i * nseg
        if nseg == 1:
            prefetch_row(c.ptrs, c.lens, c.B, i + PREFETCH_ROWS)
        _segment(<const uint8_t*> <size_t> c.ptrs[i], c.lens[i], c_ * SEG,
                 min(c.L, (c_ + 1) * SEG), c.A, c.lut, op + i * c.L, <code_t> c.pad,
                 c.mode, c.seed, i, c.st + j)


cdef void _chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _job* c = <const _job*> ctx
    if c.kind == KIND_F32:
        _items(c, <float*> c.op, lo, hi)
    elif c.kind == KIND_F64:
        _items(c, <double*> c.op, lo, hi)
    elif c.kind == KIND_I8:
        _items(c, <int8_t*> c.op, lo, hi)
    elif c.kind == KIND_I16:
        _items(c, <int16_t*> c.op, lo, hi)
    elif c.kind == KIND_I32:
        _items(c, <int32_t*> c.op, lo, hi)
    elif c.kind == KIND_I64:
        _items(c, <int64_t*> c.op, lo, hi)
    else:
        _items(c, <uint8_t*> c.op, lo, hi)


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
    n_threads : threads (of the pool, see ``_pool.pxd``). Rows longer than
        65,536 positions are split into pieces, so one long sequence also
        uses every thread.

    Preconditions (checked by the caller)
    -------------------------------------
    ``len(ptrs) == len(lens) == len(status) == out.shape[0]``; every
    ``lens[i] <= L`` (truncation applied by the caller); addresses valid for
    ``lens[i]`` bytes while the call runs (``Packed.keep`` holds references
    to every object they point into) and not overlapping ``out``; ``A`` and
    ``pad`` representable in the output dtype; ``A < 255`` (alphabets are
    ASCII symbol sets, so at most 128).
    """
    cdef Py_ssize_t B = out.shape[0], L = out.shape[1]
    if B == 0 or L == 0:
        return
    cdef dbp_lut lut
    dbp_lut_init(&lut, &codes[0], <uint8_t> A)
    cdef code_t* op = &out[0, 0]
    cdef Py_ssize_t nseg = n_segments(L)
    cdef int grab = grab_items(B * nseg, item_width(L, nseg),
                               item_width(L, nseg) * sizeof(code_t), n_threads)
    cdef int64_t* st = item_status(&status[0], B, nseg)
    if st == NULL:
        raise MemoryError("integer_batch: no memory for per-segment status")
    cdef _job job
    job.ptrs = &ptrs[0]
    job.lens = &lens[0]
    job.B = B
    job.L = L
    job.nseg = nseg
    job.A = A
    job.mode = mode
    job.lut = &lut
    job.op = <void*> op
    job.kind = kind_of(op)
    job.pad = pad
    job.seed = seed
    job.st = st
    with nogil:
        parallel_for(B * nseg, grab, n_threads, B * L, _chunk, &job)
    reduce_status(&status[0], st, B, nseg)
